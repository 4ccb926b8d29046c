"""The package layering holds: a lower layer never loads a higher one, nor Streamlit.

Direction: ``app.py`` → ``ui`` → ``analysis`` → ``layers`` → ``geo``; ``ogc`` (the OGC API
endpoint, mounted by ``ui``) sits beside ``ui`` and uses ``analysis``, ``layers`` and ``geo``
without Streamlit. Each package (with every one of its modules) is imported in a fresh
interpreter, and the modules that interpreter then holds are checked against what the
package may load. Every module of ``geo``, ``layers``, ``analysis`` and ``ogc`` declares
``__all__``, and every name in it exists.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Package → top-level modules it must never load (directly or through a dependency).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "geo": ("layers", "analysis", "ui", "app", "streamlit", "folium", "streamlit_folium"),
    "layers": ("analysis", "ui", "app", "streamlit", "folium", "streamlit_folium"),
    "analysis": ("ui", "app", "streamlit", "folium", "streamlit_folium"),
    "ui.maps": ("streamlit", "streamlit_folium", "app"),
    "report": ("streamlit", "streamlit_folium", "app"),
    "ogc": ("ui", "app", "streamlit", "folium", "streamlit_folium"),
}

LIBRARY_PACKAGES = ("geo", "layers", "analysis", "report", "ogc")


def modules_of(package: str) -> list[str]:
    folder = ROOT / package.replace(".", "/")
    names = []
    for path in sorted(folder.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def loaded_after_import(modules: list[str]) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_lower_layer_never_loads_a_higher_one(package):
    modules = modules_of(package)
    assert modules, f"no modules found for {package}"
    loaded = loaded_after_import(modules)
    bad = sorted(
        name
        for name in loaded
        for top in FORBIDDEN[package]
        if name == top or name.startswith(top + ".")
    )
    assert not bad, f"importing {package} loaded {bad[:10]}"


def test_the_checker_would_see_a_violation():
    # The same mechanism, pointed at a module that does load Streamlit, reports it.
    loaded = loaded_after_import(["ui.common"])
    assert "streamlit" in loaded


@pytest.mark.parametrize(
    "module", [m for p in LIBRARY_PACKAGES for m in modules_of(p)], ids=lambda m: m
)
def test_every_library_module_declares_what_it_exports(module):
    path = ROOT / module.replace(".", "/")
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    declared = [
        node
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        and any(
            isinstance(t, ast.Name) and t.id == "__all__"
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        )
    ]
    assert declared, f"{module} has no __all__"
    imported = importlib.import_module(module)
    missing = [name for name in imported.__all__ if not hasattr(imported, name)]
    assert not missing, f"{module}.__all__ names {missing}, which do not exist"
