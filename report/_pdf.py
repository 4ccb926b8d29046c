"""The report as PDF: the HTML of :mod:`report._document` printed by WeasyPrint.

Method: WeasyPrint lays the HTML out with Pango (fonts through fontconfig, so the CJK font
of :mod:`report._fonts` is used and its glyph subset embedded), with no network access: its
URL fetcher is limited to the ``data:`` scheme, so an image or style pointing anywhere else
is not fetched (the report's images are data URIs, decoded in place).
"""

from __future__ import annotations

from report._fonts import cjk_font_file

__all__ = ["FETCH_SCHEMES", "html_to_pdf"]

#: URL schemes the PDF engine may read: only inline data.
FETCH_SCHEMES = frozenset({"data"})


def html_to_pdf(html_text: str) -> bytes:
    """PDF bytes of a self-contained HTML document (A4, page numbers from its CSS)."""
    cjk_font_file()  # a clear message when the font is missing, before layout
    from weasyprint import HTML  # heavy import, only when a PDF is made
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=set(FETCH_SCHEMES), timeout=1)
    return HTML(string=html_text, url_fetcher=fetcher).write_pdf()
