"""CSV and XLSX tables of points (coordinate columns) or of WKT geometries.

Method:

- CSV text is decoded as UTF-8 (with or without BOM) and then GB18030; the separator is the
  one of ``, ; tab |`` used most often outside quotes in the first lines. Apostrophes that
  :func:`geo.io.write_csv` put before formula-like text are removed again.
- XLSX is read with openpyxl as text-preserving objects; the first sheet unless ``layer``
  names one.
- The header row is the first of the first 10 rows naming a coordinate pair or a WKT
  column (so a title block above the table is skipped); blank headers become ``列N`` and
  duplicates get ``.1``, ``.2`` suffixes.
- Coordinate columns are recognised by name after folding case, spaces, punctuation and
  bracketed units (经度/纬度, lon/lat, x/y, X坐标/Y坐标, POINT_X/POINT_Y, easting/northing …),
  or given as ``x_col``/``y_col``. Cells may hold numbers, numeric text or
  degrees-minutes-seconds text (``114°21′30″E``, ``22度40分``); anything else leaves the row
  without a geometry.
- Other columns become numbers only when every filled cell is a number or plain decimal
  text (ASCII digits, optional sign, point and exponent) and none looks like a code
  (leading zero, more than 15 digits), so ids such as 0012 stay text. Everything else
  stays exactly as the file has it: text that looks like a date or time (``2023/05/01``,
  ``12:00``, ``T123456``), numbers written with separators or full-width digits
  (``1,234.5``, ``１２３``, parsed later by the layer schema), and words such as ``NA``,
  ``NULL`` or ``inf``. Only cells Excel stores as dates arrive as dates. Empty cells are
  the only missing values.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import InputError
from geo.io._report import Note, ReadReport, _Options, _Parsed
from geo.io._writers import _unguard_formula
from geo.values import is_missing

__all__: list[str] = []

_HEADER_SCAN_ROWS = 10

# Coordinate column pairs, compared after _normalise_header; the first pair found wins.
_COORD_PAIRS: tuple[tuple[str, str], ...] = (
    ("经度", "纬度"),
    ("longitude", "latitude"),
    ("lon", "lat"),
    ("lng", "lat"),
    ("long", "lat"),
    ("x坐标", "y坐标"),
    ("东坐标", "北坐标"),
    ("东向坐标", "北向坐标"),
    ("pointx", "pointy"),
    ("xcoord", "ycoord"),
    ("easting", "northing"),
    ("x", "y"),
)

# Headers merely containing these (e.g. 中心点经度, 高德经度) are accepted when unambiguous.
_COORD_SUBSTRINGS: tuple[tuple[str, str], ...] = (("经度", "纬度"), ("longitude", "latitude"))

# Text that becomes a number in a numeric column: ASCII digits, sign, point, exponent.
_NUMBER_TEXT = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"

_WKT_COLUMNS = ("wkt", "geometry", "geom", "thegeom", "shape", "几何", "geometrywkt")

_ACCEPTED_NAMES_TEXT = (
    "经度/纬度, lon/lat, lng/lat, longitude/latitude, x/y, X坐标/Y坐标, 东坐标/北坐标, "
    "POINT_X/POINT_Y, easting/northing; WKT: wkt/geometry"
)

_DMS_RE = (
    r"^\s*(?P<deg>\d+(?:\.\d+)?)\s*[°度]\s*"
    r"(?:(?P<min>\d+(?:\.\d+)?)\s*['′分]\s*)?"
    r"(?:(?P<sec>\d+(?:\.\d+)?)\s*(?:\"|″|''|秒)\s*)?"
    r"(?P<hem>[EWNSewns东西南北])?\s*$"
)


def _read_csv(path: Path, opts: _Options, report: ReadReport) -> _Parsed:
    data = path.read_bytes()
    tries = [opts.encoding] if opts.encoding else ["utf-8-sig", "gb18030"]
    text = None
    for enc in tries:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        report.encoding = {"utf-8-sig": "UTF-8", "gb18030": "GBK/GB18030"}.get(enc, enc)
        break
    if text is None:
        raise InputError(
            f"CSV 文字无法按 {' / '.join(tries)} 解码。请在 Excel 中另存为“CSV UTF-8”，或指定编码。",
            f"The CSV text cannot be decoded as {' / '.join(tries)}. Save it as 'CSV UTF-8' "
            "in Excel, or give the encoding.",
            source=opts.display,
        )
    delimiter = _guess_delimiter(text)
    # WKT of a detailed polygon easily passes csv's default 128 kB field limit.
    previous_limit = csv.field_size_limit(max(csv.field_size_limit(), len(text)))
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise InputError(
            "CSV 格式有误，无法解析。请检查引号和分隔符。",
            f"The CSV is malformed ({exc}). Check its quotes and separators.",
            source=opts.display,
        ) from exc
    finally:
        csv.field_size_limit(previous_limit)
    width = max((len(r) for r in records), default=0)
    raw = pd.DataFrame([r + [""] * (width - len(r)) for r in records], dtype=object)
    raw = raw.replace("", np.nan).map(_unguard_formula)
    return _table_to_points(raw, opts, report)


def _guess_delimiter(text: str) -> str:
    """The separator used most often outside quotes in the first lines; ',' by default."""
    # csv.Sniffer takes seconds on long WKT fields; counting is enough for real tables.
    lines = [line for line in text[: 256 * 1024].splitlines()[: _HEADER_SCAN_ROWS + 1] if line]
    unquoted = re.sub(r'"[^"]*"', "", "\n".join(lines))
    counts = {d: unquoted.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] > 0 else ","


def _read_xlsx(path: Path, opts: _Options, report: ReadReport) -> _Parsed:
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            sheets = [str(s) for s in book.sheet_names]
            report.available_layers = sheets
            if opts.layer is not None and opts.layer not in sheets:
                raise InputError(
                    f"Excel 中没有名为「{opts.layer}」的工作表。",
                    f"The workbook has no sheet '{opts.layer}'.",
                    source=opts.display,
                    details=sheets,
                )
            sheet = opts.layer if opts.layer is not None else sheets[0]
            # pandas would read text such as "NA", "NULL", "None" or "nan" as missing.
            raw = pd.read_excel(
                book,
                sheet_name=sheet,
                header=None,
                dtype=object,
                keep_default_na=False,
                na_values=[""],
            )
    except InputError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(
            "Excel 文件无法读取，可能已损坏或加密。请在 Excel 中打开后另存为 .xlsx 再导入。",
            "The Excel file cannot be read; it may be damaged or encrypted. Open it in Excel "
            "and save it again as .xlsx.",
            source=opts.display,
            details=[str(exc)],
        ) from exc
    report.layer = sheet
    if len(sheets) > 1 and opts.layer is None:
        report.notes.append(
            Note(
                f"工作簿有 {len(sheets)} 个工作表，读取了第一个「{sheet}」。",
                f"The workbook has {len(sheets)} sheets; the first, '{sheet}', was read.",
            )
        )
    return _table_to_points(raw, opts, report)


def _normalise_header(name: Any) -> str:
    text = str(name).strip().lower()
    text = re.sub(r"[（(\[【].*?[)）\]】]", "", text)
    return re.sub(r"[\s_\-.:：°]", "", text)


def _find_coord_columns(
    columns: list[str], opts: _Options
) -> tuple[str | None, str | None] | str | None:
    """(x, y) column names (None where a named column is absent), a WKT column, or None."""
    if opts.x_col or opts.y_col:
        if not (opts.x_col and opts.y_col):
            raise InputError(
                "请同时指定 X（经度）列和 Y（纬度）列。",
                "Give both the x (longitude) and y (latitude) columns.",
                source=opts.display,
            )
        return _match_column(columns, opts.x_col), _match_column(columns, opts.y_col)
    norm = {c: _normalise_header(c) for c in columns}
    for x_name, y_name in _COORD_PAIRS:
        xs = [c for c in columns if norm[c] == x_name]
        ys = [c for c in columns if norm[c] == y_name]
        if xs and ys:
            return xs[0], ys[0]
    for x_part, y_part in _COORD_SUBSTRINGS:
        xs = [c for c in columns if x_part in norm[c]]
        ys = [c for c in columns if y_part in norm[c]]
        if len(xs) == 1 and len(ys) == 1:
            return xs[0], ys[0]
    wkt = [c for c in columns if norm[c] in _WKT_COLUMNS]
    return wkt[0] if wkt else None


def _match_column(columns: list[str], wanted: str) -> str | None:
    if wanted in columns:
        return wanted
    folded = [c for c in columns if c.strip().lower() == wanted.strip().lower()]
    return folded[0] if folded else None


def _header_row(raw: pd.DataFrame, opts: _Options) -> int:
    """Row holding the headers: the first, unless a title block sits above the table."""
    for i in range(min(_HEADER_SCAN_ROWS, len(raw))):
        names = [str(v).strip() for v in raw.iloc[i].tolist() if not is_missing(v)]
        found = _find_coord_columns(names, opts)
        if isinstance(found, str) or (isinstance(found, tuple) and all(found)):
            return i
    return 0


def _promote_header(raw: pd.DataFrame, row: int) -> pd.DataFrame:
    header = raw.iloc[row].tolist()
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, value in enumerate(header):
        base = f"列{i + 1}" if is_missing(value) or not str(value).strip() else str(value).strip()
        count = seen.get(base, 0)
        seen[base] = count + 1
        names.append(base if count == 0 else f"{base}.{count}")
    body = raw.iloc[row + 1 :].copy()
    body.columns = names
    return body.dropna(how="all")


def _infer_types(df: pd.DataFrame) -> pd.DataFrame:
    """Numbers become numbers, but codes such as 0012 or 18-digit ids stay text."""
    out = {}
    for col in df.columns:
        s = df[col]
        present = s.notna()
        if not present.any():
            out[col] = s.astype(object)
            continue
        nums = pd.to_numeric(s.where(present), errors="coerce")
        texts = s[present].astype(str).str.strip()
        code_like = texts.str.match(r"^[+-]?0\d") | (texts.str.count(r"\d") > 15)
        is_text = s[present].map(lambda v: isinstance(v, str)).astype(bool)
        # pandas also accepts "inf", "nan" and the like; only plain decimals count here.
        plain = ~is_text | texts.str.fullmatch(_NUMBER_TEXT).astype(bool)
        if nums[present].notna().all() and plain.all() and not code_like.any():
            out[col] = nums
        else:
            out[col] = s.infer_objects()
    return pd.DataFrame(out, index=df.index)


def _parse_coordinate(series: pd.Series) -> np.ndarray:
    """Decimal degrees or metres from numbers, numeric text or D°M′S″ text; NaN otherwise."""
    values = _as_float(pd.to_numeric(series, errors="coerce"))
    text = series.where(np.isnan(values) & series.notna().to_numpy())
    text = text.astype("string").str.strip()
    if text.notna().any():
        cleaned = pd.to_numeric(text.str.replace(r"[°度\s,]+$", "", regex=True), errors="coerce")
        values = np.where(np.isnan(values), _as_float(cleaned), values)
        parts = text.str.extract(_DMS_RE)
        deg = _as_float(pd.to_numeric(parts["deg"], errors="coerce"))
        minutes = np.nan_to_num(_as_float(pd.to_numeric(parts["min"], errors="coerce")))
        seconds = np.nan_to_num(_as_float(pd.to_numeric(parts["sec"], errors="coerce")))
        southern_or_western = parts["hem"].isin(["W", "S", "w", "s", "西", "南"])
        sign = np.where(southern_or_western.fillna(False).to_numpy(dtype=bool), -1.0, 1.0)
        dms = sign * (deg + minutes / 60.0 + seconds / 3600.0)
        values = np.where(np.isnan(values), dms, values)
    return values


def _as_float(values: pd.Series) -> np.ndarray:
    return values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _table_to_points(raw: pd.DataFrame, opts: _Options, report: ReadReport) -> _Parsed:
    report.row_kind = "sheet_row"
    if raw.empty:
        raise InputError(
            "表格是空的，没有表头和数据。",
            "The table is empty: no header and no data.",
            source=opts.display,
        )
    header = _header_row(raw, opts)
    table = _promote_header(raw, header)
    columns = [str(c) for c in table.columns]
    found = _find_coord_columns(columns, opts)
    if found is None or (isinstance(found, tuple) and not all(found)):
        missing = (
            [n for n, c in ((opts.x_col, found[0]), (opts.y_col, found[1])) if not c]
            if isinstance(found, tuple)
            else []
        )
        zh_missing = f"找不到指定的列 {'、'.join(missing)}。" if missing else "找不到坐标列。"
        en_missing = (
            f"Columns {', '.join(missing)} not found. "
            if missing
            else "No coordinate columns found. "
        )
        raise InputError(
            zh_missing + f"表格中的列：{'、'.join(columns)}。可识别的列名：{_ACCEPTED_NAMES_TEXT}；"
            "也可以手动指定 X/Y 列。",
            en_missing + f"Columns in the table: {', '.join(columns)}. Recognised names: "
            f"{_ACCEPTED_NAMES_TEXT}; or choose the x/y columns yourself.",
            source=opts.display,
        )
    rows = table.index.to_numpy() + 1  # spreadsheet rows (raw row 0 is sheet row 1)
    table = _infer_types(table).reset_index(drop=True)
    if isinstance(found, tuple):
        x_name, y_name = found
        report.x_col, report.y_col = x_name, y_name
        x = _parse_coordinate(table[x_name])
        y = _parse_coordinate(table[y_name])
        ok = np.isfinite(x) & np.isfinite(y)
        geoms = np.full(len(table), None, dtype=object)
        geoms[ok] = shapely.points(x[ok], y[ok])
        # Coordinates as numbers, even where cells held text such as 114°21′E.
        table[x_name] = np.where(ok, x, np.nan)
        table[y_name] = np.where(ok, y, np.nan)
    else:
        report.wkt_col = found
        texts = table[found].astype("string").to_numpy(dtype=object, na_value=None)
        geoms = shapely.from_wkt(texts, on_invalid="ignore")
        table = table.drop(columns=[found])
    gdf = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geoms, index=table.index))
    return _Parsed(gdf=gdf, crs=None, rows=rows, tabular=True)
