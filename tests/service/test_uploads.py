"""Upload checks as pure functions (no server): type sniffing, caps, zip safety, names."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from pagewash.settings import get_settings
from service.uploads import Refused, check_image, display_name, expand, unzip


def png(w: int = 40, h: int = 30) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (w, h), 200).save(buf, format="PNG")
    return buf.getvalue()


def zipped(members: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.fixture
def caps(monkeypatch):
    def set_caps(**values):
        for k, v in values.items():
            monkeypatch.setenv(f"PAGEWASH_{k.upper()}", str(v))
        get_settings.cache_clear()

    yield set_caps
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("data", "status", "needle"),
    [
        (b"", 422, "empty"),
        (b"<html><body>hi</body></html>", 415, "HTML"),
        (b"%PDF-1.4\n", 415, "PDF"),
        (b"just some text\n", 415, "text"),
        (bytes(range(256)), 415, "not an image"),
        (b"\x89PNG\r\n\x1a\n", 422, "PNG"),
        (png()[:60], 422, "truncated"),
    ],
)
def test_check_image_refuses_with_a_reason(data, status, needle):
    with pytest.raises(Refused) as e:
        check_image(data, "f.png")
    assert e.value.status == status and needle.lower() in e.value.error.lower()


def test_pixel_cap_is_checked_from_the_header(caps):
    caps(max_upload_pixels=1000)
    with pytest.raises(Refused) as e:
        check_image(png(40, 30), "big.png")
    assert e.value.status == 413


def test_zip_bomb_and_member_caps(caps):
    caps(max_upload_bytes=100_000, max_batch_files=3)
    bomb = zipped({"a.png": b"\0" * 1_000_000}, zipfile.ZIP_DEFLATED)
    assert len(bomb) < 10_000
    with pytest.raises(Refused) as e:
        unzip(bomb, "bomb.zip")
    assert e.value.status == 413
    with pytest.raises(Refused) as e:
        unzip(zipped({f"{i}.png": png() for i in range(5)}), "many.zip")
    assert e.value.status == 413 and "members" in e.value.error


@pytest.mark.parametrize("name", ["../x.png", "/etc/x.png", "a/../../x.png", "C:/x.png"])
def test_unsafe_zip_names_refuse_the_archive(name):
    with pytest.raises(Refused, match="unsafe"):
        unzip(zipped({name: png()}), "z.zip")


def test_expand_keeps_good_pages_and_reports_bad_files():
    pages, refused = expand(
        [("a.png", png()), ("z.zip", zipped({"d/b.png": png(), ".hidden": b"x"})), ("c.txt", b"text")]
    )
    assert [(p.filename, p.index) for p in pages] == [("a.png", 0), ("b.png", 0)]
    assert [r.filename for r in refused] == ["c.txt"]


def test_display_name_is_never_a_path():
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\Users\\x\\scan 1.png") == "scan 1.png"
    assert display_name("<script>.png") == "_script_.png"
    assert display_name(None) == "upload"


def test_archives_inside_archives_are_refused():
    inner = zipped({"a.png": png()})
    pages, refused = expand([("outer.zip", zipped({"inner.zip": inner, "b.png": png()}))])
    assert [p.filename for p in pages] == ["b.png"]
    assert refused[0].filename == "inner.zip" and "inside an archive" in refused[0].error
