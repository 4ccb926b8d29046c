"""The one error type every reader, validator and analysis raises on bad input.

Planners see these messages directly, so each carries a Chinese sentence first and the
English one after, names the file or layer when there is one, and may list every problem
found (``details``) so a broken file can be fixed in one pass instead of one error at a
time.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["InputError"]


class InputError(ValueError):
    """Bad input that the user can fix: a wrong file, column, CRS or parameter.

    Parameters
    ----------
    zh : str
        The message in Chinese, shown first.
    en : str
        The same message in English.
    source : str, optional
        The file or layer the problem was found in; prefixed to both messages.
    details : iterable of str, optional
        Individual problems (rows, columns), each already bilingual or neutral.
    code : str, optional
        A machine-readable name of the problem (e.g. ``"swapped_axes"``) for pages that
        offer a fix for it; None for problems without a dedicated remedy.
    """

    def __init__(
        self,
        zh: str,
        en: str,
        *,
        source: str | None = None,
        details: Iterable[str] | None = None,
        code: str | None = None,
    ) -> None:
        self.zh = zh
        self.en = en
        self.source = source
        self.details = list(details or [])
        self.code = code
        super().__init__(self._compose())

    def _compose(self) -> str:
        prefix_zh = f"文件/图层「{self.source}」：" if self.source else ""
        prefix_en = f"File/layer '{self.source}': " if self.source else ""
        lines = [prefix_zh + self.zh, prefix_en + self.en]
        lines.extend(f"  - {d}" for d in self.details)
        return "\n".join(lines)

    @property
    def message_zh(self) -> str:
        """The Chinese line alone, for compact UI messages."""
        return self.str_lines()[0]

    def str_lines(self) -> list[str]:
        return str(self).split("\n")
