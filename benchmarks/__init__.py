"""Benchmarks and the synthetic data and reference implementations they share with tests."""
