"""The CJK font of the report, found through fontconfig.

Method: ``fc-match`` resolves the family :data:`CJK_FAMILY` (WenQuanYi Micro Hei, Debian's
``fonts-wqy-microhei``) to a file. Matplotlib gets that file registered so map labels set in
Chinese; WeasyPrint finds the same family through fontconfig itself and embeds the glyphs
used (a subset) in the PDF, so the PDF does not depend on the reader's fonts.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

from matplotlib import font_manager

from geo.errors import InputError

__all__ = ["CJK_FAMILY", "cjk_font_file", "use_cjk_font"]

#: Font family the report is set in (name as fontconfig knows it).
CJK_FAMILY = "WenQuanYi Micro Hei"


@functools.cache
def cjk_font_file() -> Path:
    """Path of the font file fontconfig gives for :data:`CJK_FAMILY`.

    Raises
    ------
    InputError
        fontconfig is missing or the font is not installed.
    """
    fc_match = shutil.which("fc-match")
    found = ""
    if fc_match is not None:
        done = subprocess.run(
            [fc_match, "-f", "%{family}\n%{file}", CJK_FAMILY],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        lines = done.stdout.splitlines()
        if done.returncode == 0 and len(lines) == 2 and CJK_FAMILY in lines[0]:
            found = lines[1]
    if not found or not Path(found).is_file():
        raise InputError(
            f"找不到中文字体「{CJK_FAMILY}」，无法生成方案报告。请安装 fonts-wqy-microhei。",
            f"The CJK font '{CJK_FAMILY}' is not installed, so the report cannot be made. "
            "Install fonts-wqy-microhei.",
        )
    return Path(found)


@functools.cache
def use_cjk_font() -> str:
    """Register the CJK font with matplotlib (once); return its family name."""
    path = cjk_font_file()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()
