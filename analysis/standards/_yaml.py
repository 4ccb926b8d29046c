"""Reading and writing the standards' YAML files in ``data/standards/``.

Method: a file is read with ``yaml.safe_load`` (UTF-8); a missing file or broken YAML is an
:class:`~geo.errors.InputError` naming the file, in Chinese and English. The parsed
documents then go through the shared validator (:mod:`._validate`) — far.yaml
(:mod:`._far`) and highrise.yaml (:mod:`._highrise`) into one checker, so one error lists
the problems of both files. Writing uses ``yaml.safe_dump`` with Chinese kept readable and
keys in document order; ``standards_from_dicts(*standards_to_dicts(s)) == s``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from analysis.standards._far import far_to_dict, parse_far
from analysis.standards._highrise import highrise_to_dict, parse_highrise
from analysis.standards._model import Standards
from analysis.standards._validate import Checker
from geo.errors import InputError

__all__ = [
    "FAR_YAML",
    "HIGHRISE_YAML",
    "PARK_GUIDANCE_YAML",
    "STANDARDS_DIR",
    "load_standards",
    "read_yaml",
    "save_standards",
    "standards_from_dicts",
    "standards_to_dicts",
]

STANDARDS_DIR = Path(__file__).resolve().parents[2] / "data" / "standards"
#: FAR per land use and density zone, plot-size correction, height cap.
FAR_YAML = STANDARDS_DIR / "far.yaml"
#: 工业上楼 floor bands, industry suitability, high-rise definition.
HIGHRISE_YAML = STANDARDS_DIR / "highrise.yaml"
#: Guided clusters per park and the supply-chain links.
PARK_GUIDANCE_YAML = STANDARDS_DIR / "park_guidance.yaml"


def read_yaml(path: Path, what_zh: str = "标准表", what_en: str = "standards file") -> Any:
    """The parsed YAML of ``path``; InputError when it is missing or not valid YAML.

    ``what_zh`` / ``what_en`` name the kind of file in the message.
    """
    if not path.exists():
        raise InputError(
            f"找不到{what_zh}文件 {path}。",
            f"The {what_en} {path} was not found.",
            source=str(path),
        )
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(
            f"{what_zh}不是有效的 YAML：{exc}",
            f"The {what_en} is not valid YAML: {exc}",
            source=str(path),
        ) from exc


def load_standards(
    far_path: str | Path | None = None, highrise_path: str | Path | None = None
) -> Standards:
    """Read and validate the standards tables.

    Parameters
    ----------
    far_path, highrise_path : path, optional
        YAML files; the bundled ``data/standards/far.yaml`` / ``highrise.yaml`` by default.

    Returns
    -------
    Standards

    Raises
    ------
    InputError
        When a file is missing or not YAML, or any entry is missing, of the wrong type,
        negative where it may not be, without provenance, or inconsistent (bands that do
        not cover the floors contiguously, unknown land uses or cluster codes …). The
        message names every offending key.
    """
    far_path = Path(far_path) if far_path is not None else FAR_YAML
    highrise_path = Path(highrise_path) if highrise_path is not None else HIGHRISE_YAML
    far_doc = read_yaml(far_path)
    hr_doc = read_yaml(highrise_path)
    checker = Checker()
    far = parse_far(far_doc, checker.at(far_path.name))
    highrise = parse_highrise(hr_doc, checker.at(highrise_path.name))
    checker.raise_if_any(f"{far_path.name} / {highrise_path.name}")
    return Standards(far=far, highrise=highrise)


def standards_from_dicts(
    far: Mapping, highrise: Mapping, *, source: str = "standards"
) -> Standards:
    """Validate two YAML-shaped documents (as :meth:`Standards.to_dicts` gives) into
    :class:`Standards`; raises :class:`~geo.errors.InputError` naming every problem, like
    :func:`load_standards`."""
    checker = Checker()
    far_table = parse_far(far, checker.at("far"))
    template = parse_highrise(highrise, checker.at("highrise"))
    checker.raise_if_any(source)
    return Standards(far=far_table, highrise=template)


def standards_to_dicts(standards: Standards) -> tuple[dict, dict]:
    """The standards as the two YAML documents (far, highrise), provenance kept."""
    return far_to_dict(standards.far), highrise_to_dict(standards.highrise)


def save_standards(standards: Standards, far_path: str | Path, highrise_path: str | Path) -> None:
    """Write the standards as the two YAML files (UTF-8, Chinese kept readable)."""
    far_doc, hr_doc = standards.to_dicts()
    for path, doc in ((far_path, far_doc), (highrise_path, hr_doc)):
        Path(path).write_text(
            yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
