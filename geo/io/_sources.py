"""Where a layer comes from: uploads, paths, folders and zip archives, with size limits.

Method:

- An upload (bytes, or a binary file-like object such as Streamlit's ``UploadedFile``) is
  read whole, or up to one byte past ``max_bytes`` for streams, and written to a private
  temporary folder (:class:`tempfile.TemporaryDirectory`, mode 0700) registered on the
  read's :class:`contextlib.ExitStack`, so it is removed before the read returns. Its name
  is reduced to a safe base name.
- A folder or unpacked zip is searched for the one readable layer (``layer`` names it when
  there are several); hidden files and ``__MACOSX`` are ignored.
- A ``.zip`` is checked before anything is extracted: entries with absolute paths, ``..``
  components, NUL characters or symbolic links, encrypted entries, more than 10 000
  entries, or a declared uncompressed size over ``max_bytes`` reject the whole archive.
  Extraction then counts the bytes actually written and stops once ``max_bytes`` is
  passed, in case the sizes in the archive lie. Entry names stored in GBK without the
  UTF-8 flag (Chinese Windows) are decoded as such.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

from geo.errors import InputError
from geo.io._report import _MAX_LISTED, ReadReport, _Options

__all__: list[str] = []

_FORMATS = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GeoPackage",
    ".shp": "Shapefile",
    ".zip": "ZIP",
    ".csv": "CSV",
    ".xlsx": "XLSX",
    ".xlsm": "XLSX",
    ".xls": "XLS",
}

_GIS_FORMATS = ("GeoJSON", "GeoPackage", "Shapefile")
_TABLE_FORMATS = ("CSV", "XLSX")

_MAX_ZIP_ENTRIES = 10_000


def _read_upload(source: Any, opts: _Options) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif hasattr(source, "getvalue"):
        # In-memory uploads (Streamlit's UploadedFile is a BytesIO): the whole content,
        # whatever the read position left by earlier previews.
        data = source.getvalue()
    elif hasattr(source, "read"):
        # One byte beyond the limit is enough to know it is too big without reading it all.
        data = source.read(opts.max_bytes + 1)
        if isinstance(data, str):
            raise InputError(
                "上传的数据应为二进制内容（bytes），而不是文本。",
                "Uploads must be binary (bytes), not text. Open the file in 'rb' mode.",
                source=opts.display,
            )
    else:
        raise InputError(
            f"无法读取类型为 {type(source).__name__} 的数据源。",
            f"Cannot read a source of type {type(source).__name__}; give a path or bytes.",
            source=opts.display,
        )
    _check_size(len(data), opts)
    return data


def _private_dir(opts: _Options) -> Path:
    # mkdtemp creates the folder readable by this user only; ExitStack removes it.
    return Path(opts.stack.enter_context(tempfile.TemporaryDirectory(prefix="pingshan_io_")))


def _safe_basename(name: str) -> str:
    base = re.sub(r"[\x00-\x1f/\\:]", "_", name).strip().lstrip(".") or "upload"
    stem, suffix = os.path.splitext(base)
    return stem[:100] + suffix[:16]  # file systems cap names at 255 bytes


def _check_size(size: int, opts: _Options) -> None:
    if size == 0:
        raise InputError(
            "文件是空的（0 字节）。请检查导出或上传是否完整。",
            "The file is empty (0 bytes). Check that it was exported or uploaded completely.",
            source=opts.display,
        )
    if size > opts.max_bytes:
        raise InputError(
            f"文件大小 {_mb(size)} 超过上限 {_mb(opts.max_bytes)}。请裁剪数据范围或只导出所需字段。",
            f"The file is {_mb(size)}, over the {_mb(opts.max_bytes)} limit. Clip it to the "
            "area needed or export fewer fields.",
            source=opts.display,
        )


def _mb(size: int) -> str:
    return f"{size / 1024**2:.1f} MB" if size >= 1024**2 else f"{size} B"


def _pick_member(
    folder: Path, opts: _Options, *, recursive: bool, report: ReadReport, what_zh: str, what_en: str
) -> Path:
    """Choose the one readable file in a folder or unpacked zip (``layer`` may name it)."""
    files = folder.rglob("*") if recursive else folder.iterdir()
    found = sorted(
        p
        for p in files
        if p.is_file()
        and not any(part.startswith((".", "__MACOSX")) for part in p.relative_to(folder).parts)
    )
    geo = [p for p in found if _FORMATS.get(p.suffix.lower()) in _GIS_FORMATS]
    # A folder is the usual way to hand over a Shapefile; look only at .shp there.
    if not recursive:
        geo = [p for p in geo if p.suffix.lower() == ".shp"]
    tables = [p for p in found if _FORMATS.get(p.suffix.lower()) in (*_TABLE_FORMATS, "XLS")]
    candidates = geo or (tables if recursive else [])
    names = [p.relative_to(folder).as_posix() for p in candidates]
    report.available_layers = names
    if not candidates:
        listed = [p.relative_to(folder).as_posix() for p in found[:_MAX_LISTED]]
        raise InputError(
            f"{what_zh}中没有可读取的图层（需要 .shp/.geojson/.gpkg"
            f"{'/.csv/.xlsx' if recursive else ''}）。",
            f"The {what_en} holds no readable layer (expected .shp/.geojson/.gpkg"
            f"{'/.csv/.xlsx' if recursive else ''}).",
            source=opts.display,
            details=listed or ["（空 / empty）"],
        )
    if len(candidates) == 1:
        chosen = candidates[0]
    else:
        wanted = (opts.layer or "").strip().lower()
        matches = [
            p
            for p, n in zip(candidates, names, strict=True)
            if wanted and wanted in (n.lower(), p.name.lower(), p.stem.lower())
        ]
        if len(matches) != 1:
            raise InputError(
                f"{what_zh}中有 {len(candidates)} 个图层文件，请用“图层”选择其中一个。",
                f"The {what_en} holds {len(candidates)} layer files; choose one with layer=.",
                source=opts.display,
                details=names,
            )
        chosen = matches[0]
        opts.layer = None  # it named the file, not a layer inside it
    report.member = chosen.relative_to(folder).as_posix()
    return chosen


def _zip_member_name(info: zipfile.ZipInfo) -> str:
    # Archives made on Chinese Windows store names in GBK without the UTF-8 flag; Python
    # then decodes them as cp437, giving mojibake.
    name = info.filename
    if info.flag_bits & 0x800:
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    for encoding in ("utf-8", "gb18030"):
        with contextlib.suppress(UnicodeDecodeError):
            return raw.decode(encoding)
    return name


def _unsafe_zip_name(name: str, info: zipfile.ZipInfo) -> str | None:
    norm = name.replace("\\", "/")
    if "\x00" in norm:
        return "文件名含空字符 / NUL in name"
    if norm.startswith("/") or re.match(r"^[A-Za-z]:", norm):
        return "绝对路径 / absolute path"
    if ".." in norm.split("/"):
        return "含 .. 上级目录 / '..' component"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "符号链接 / symbolic link"
    return None


def _extract_zip(path: Path, dest: Path, opts: _Options) -> None:
    """Check every entry first, then extract into ``dest`` with a byte budget."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(
            "压缩包已损坏或不是 ZIP 文件。请重新打包（ZIP 格式）后再导入。",
            f"The archive is damaged or not a ZIP file ({exc}). Re-create it as a ZIP.",
            source=opts.display,
        ) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > _MAX_ZIP_ENTRIES:
            raise InputError(
                f"压缩包中有 {len(infos)} 个条目，超过上限 {_MAX_ZIP_ENTRIES}。",
                f"The archive holds {len(infos)} entries, over the {_MAX_ZIP_ENTRIES} limit.",
                source=opts.display,
            )
        names = [_zip_member_name(i) for i in infos]
        unsafe = [
            f"{n}：{why}"
            for n, i in zip(names, infos, strict=True)
            for why in [_unsafe_zip_name(n, i) or _unsafe_zip_name(i.filename, i)]
            if why
        ]
        if unsafe:
            raise InputError(
                "压缩包含有不安全的路径（绝对路径、.. 或符号链接），已拒绝，未解压任何文件。"
                "请只打包数据文件本身后重试。",
                "The archive has unsafe entries (absolute paths, '..' or symbolic links); it "
                "was rejected and nothing was extracted. Zip only the data files and retry.",
                source=opts.display,
                details=unsafe[:_MAX_LISTED],
            )
        encrypted = [n for n, i in zip(names, infos, strict=True) if i.flag_bits & 0x1]
        if encrypted:
            raise InputError(
                "压缩包有密码保护，无法读取。请解除密码后重新打包。",
                "The archive is password-protected. Re-create it without a password.",
                source=opts.display,
                details=encrypted[:_MAX_LISTED],
            )
        declared = sum(i.file_size for i in infos)
        if declared > opts.max_bytes:
            raise _zip_too_big(declared, opts)
        budget = opts.max_bytes
        root = dest.resolve()
        for name, info in zip(names, infos, strict=True):
            if info.is_dir():
                continue
            target = (dest / name.replace("\\", "/")).resolve()
            if root not in target.parents:  # already excluded above; kept as a last guard
                raise InputError("压缩包路径不安全。", "Unsafe archive path.", source=opts.display)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as src, open(target, "wb") as out:
                    while chunk := src.read(1024 * 1024):
                        budget -= len(chunk)
                        if budget < 0:
                            raise _zip_too_big(opts.max_bytes + 1, opts)
                        out.write(chunk)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                raise InputError(
                    f"压缩包中的「{name}」已损坏，无法解压。请重新打包。",
                    f"'{name}' in the archive is damaged and cannot be extracted. Re-create "
                    f"the archive. ({exc})",
                    source=opts.display,
                ) from exc


def _zip_too_big(size: int, opts: _Options) -> InputError:
    return InputError(
        f"压缩包解压后大小 {_mb(size)} 超过上限 {_mb(opts.max_bytes)}，已拒绝（可能是压缩炸弹）。"
        "请只打包所需数据。",
        f"The archive unpacks to {_mb(size)}, over the {_mb(opts.max_bytes)} limit, and was "
        "rejected (possibly a zip bomb). Pack only the data needed.",
        source=opts.display,
    )
