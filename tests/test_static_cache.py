"""The payload cache under static/: content-addressed files, reuse refreshes them, and
files unused for longer than the limit are pruned."""

from __future__ import annotations

import os
import time

import ui.static_cache as common


def test_publish_is_content_addressed_and_reuse_refreshes_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "STATIC_CACHE", tmp_path / "cache")
    url = common.publish(b'{"a": 1}', ".json")
    assert url.startswith(common.STATIC_CACHE_URL + "/") and url.endswith(".json")
    path = tmp_path / "cache" / url.rsplit("/", 1)[1]
    assert path.read_bytes() == b'{"a": 1}'
    assert common.publish(b'{"a": 2}', ".json") != url
    old = time.time() - 30 * 86400
    os.utime(path, (old, old))
    assert common.publish(b'{"a": 1}', ".json") == url
    assert time.time() - path.stat().st_mtime < 60
    assert sorted(p.suffix for p in path.parent.iterdir()) == [".json", ".json"]


def test_prune_removes_only_files_unused_for_longer_than_the_limit(tmp_path):
    now = time.time()
    ages_days = {"fresh.json": 1, "week.png": 7, "old.json": 20, "stale.123.tmp": 15}
    for name, days in ages_days.items():
        path = tmp_path / name
        path.write_text("x")
        os.utime(path, (now - days * 86400, now - days * 86400))
    (tmp_path / "sub").mkdir()
    removed = common.prune_cache_dir(tmp_path, 14 * 86400, now=now)
    assert removed == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.json", "sub", "week.png"]
    assert common.prune_cache_dir(tmp_path / "missing", 1.0) == 0
