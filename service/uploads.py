"""Upload checks before anything is stored: size, real type from magic bytes, pixel cap from
the header, intact pixel data (a PDF: ``pagewash.pdf.probe`` under caps); and the expansion
of a batch (files, zips, multi-page TIFFs, PDFs) into jobs. Client-supplied names are kept
for display only and never become paths."""

from __future__ import annotations

import io
import posixpath
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pagewash.errors import ImageTooLarge, PagewashError
from pagewash.imageio import ImageInfo, sniff, verify
from pagewash.pdf import PdfFacts, is_pdf, probe
from pagewash.settings import get_settings

NOT_IMAGES = [
    (b"%PDF", "a PDF"),
    (b"PK\x03\x04", "a zip archive (send archives to /v1/batches)"),
    (b"\x1f\x8b", "gzip data"),
    (b"<", "HTML or XML text"),
]


@dataclass
class Page:
    filename: str
    data: bytes
    index: int  # frame of a multi-page file
    source: int  # which stored source blob (one per file) the page comes from
    info: ImageInfo | None  # an image's header facts (None for a PDF)
    pdf: PdfFacts | None = None  # a PDF is one job, whatever its page count


class Refused(Exception):
    def __init__(self, filename: str, status: int, error: str):
        super().__init__(error)
        self.filename, self.status, self.error = filename, status, error


def display_name(name: str | None) -> str:
    """The last path part, printable characters only, at most 200 of them."""
    base = posixpath.basename((name or "").replace("\\", "/"))
    return re.sub(r"[^\w.\- ()+,]", "_", base)[:200] or "upload"


def read_capped(fp: BinaryIO, filename: str) -> bytes:
    cap = get_settings().max_upload_bytes
    data = fp.read(cap + 1)
    if len(data) > cap:
        raise Refused(filename, 413, f"{filename}: larger than the upload cap of {cap:,} bytes")
    return data


def what_is(head: bytes) -> str:
    for magic, what in NOT_IMAGES:
        if head.lstrip()[: len(magic)] == magic:
            return what
    if head and all(32 <= b < 127 or b in b"\t\r\n" for b in head[:64]):
        return "text"
    return "no image format pagewash reads"


def check_image(data: bytes, filename: str) -> ImageInfo:
    """The image's header facts, or ``Refused`` saying why not (415 not an image, 413 too big,
    422 damaged)."""
    if not data:
        raise Refused(filename, 422, f"{filename}: empty file")
    fmt = sniff(data[:16])
    if fmt is None:
        raise Refused(
            filename,
            415,
            f"{filename}: not an image (looks like {what_is(data[:64])}); send PNG, JPEG, TIFF, BMP, WebP, GIF or PNM",
        )
    try:
        return verify(data, get_settings().max_upload_pixels)
    except ImageTooLarge as e:
        raise Refused(filename, 413, f"{filename}: {e}") from e
    except PagewashError as e:
        raise Refused(filename, 422, f"{filename}: {e}") from e


def check_pdf(data: bytes, filename: str) -> PdfFacts:
    """The PDF's facts, read under the probe's time and memory caps, or ``Refused`` (413 too many
    pages or a page too large to render, 422 encrypted, damaged or a bomb)."""
    with tempfile.TemporaryDirectory(prefix="pagewash-upload-") as tmp:
        path = Path(tmp) / "upload.pdf"
        path.write_bytes(data)
        try:
            return probe(path)
        except ImageTooLarge as e:
            raise Refused(filename, 413, f"{filename}: {e}") from e
        except PagewashError as e:
            raise Refused(filename, 422, f"{filename}: {e}") from e


def check_upload(data: bytes, filename: str) -> ImageInfo | PdfFacts:
    """An image's header facts or a PDF's (``check_image``, ``check_pdf``)."""
    return check_pdf(data, filename) if data and is_pdf(data[:1024]) else check_image(data, filename)


def unzip(data: bytes, filename: str) -> list[tuple[str, bytes]]:
    """The files of a zip, refusing the whole archive for unsafe member names, too many members,
    or members (or a total) past the caps, whatever their headers claim."""
    settings = get_settings()
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in zf.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise Refused(filename, 422, f"{filename}: not a readable zip archive ({e})") from e
    for m in members:
        parts = m.filename.replace("\\", "/").split("/")
        if m.filename.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", m.filename):
            raise Refused(filename, 422, f"{filename}: unsafe member name {m.filename[:100]!r} (absolute or with '..')")
    members = [
        m for m in members if not posixpath.basename(m.filename).startswith(".") and "__MACOSX" not in m.filename
    ]
    if len(members) > settings.max_batch_files:
        raise Refused(filename, 413, f"{filename}: {len(members)} members, over the cap of {settings.max_batch_files}")
    out, total = [], 0
    for m in members:
        if m.file_size > settings.max_upload_bytes:
            raise Refused(
                filename,
                413,
                f"{filename}: member {display_name(m.filename)} unpacks to "
                f"{m.file_size:,} bytes, over the cap of {settings.max_upload_bytes:,}",
            )
        try:
            with zf.open(m) as fp:
                body = fp.read(settings.max_upload_bytes + 1)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError) as e:
            raise Refused(filename, 422, f"{filename}: cannot unpack {display_name(m.filename)}: {e}") from e
        total += len(body)
        if len(body) > settings.max_upload_bytes or total > 4 * settings.max_upload_bytes:
            raise Refused(filename, 413, f"{filename}: unpacks to more than the caps allow (zip bomb?)")
        out.append((display_name(m.filename), body))
    if not out:
        raise Refused(filename, 422, f"{filename}: the archive holds no files")
    return out


MAX_REFUSED = 100  # reasons listed per batch; past that, one line says how many more


def expand(files: list[tuple[str, bytes]]) -> tuple[list[Page], list[Refused]]:
    """Files -> pages (one per frame; zips unpacked, one level only), and the files refused
    with their reasons. All the zips of one request share one unpacked-bytes budget."""
    pages: list[Page] = []
    refused: list[Refused] = []
    queue = [(name, data, False) for name, data in files]
    budget = 4 * get_settings().max_upload_bytes
    source = 0
    while queue:
        name, data, from_zip = queue.pop(0)
        members = None
        try:
            if data[:4] == b"PK\x03\x04":
                if from_zip:
                    raise Refused(name, 422, f"{name}: an archive inside an archive (send it unpacked)")
                members = unzip(data, name)
            else:
                info = check_upload(data, name)
        except Refused as e:  # this file alone is refused; the rest go on
            refused.append(e)
            continue
        if members is not None:
            budget -= sum(len(body) for _, body in members)
            if budget < 0:  # the whole request is refused
                raise Refused(name, 413, "the archives of this request unpack to more than the caps allow")
            queue[:0] = [(n, body, True) for n, body in members]
            continue
        if isinstance(info, PdfFacts):
            pages.append(Page(name, data, 0, source, None, info))
        else:
            pages += [Page(name, data, i, source, info) for i in range(info.frames)]
        source += 1
        if sum(p.pdf.pages if p.pdf else 1 for p in pages) > get_settings().max_batch_files:  # a PDF's pages count
            raise Refused(name, 413, f"more than {get_settings().max_batch_files} pages in one batch")
    if len(refused) > MAX_REFUSED:
        more = len(refused) - MAX_REFUSED
        refused = [*refused[:MAX_REFUSED], Refused("...", 422, f"{more} more files refused")]
    return pages, refused
