"""What bytes are, whether a declared type may store them, and how each is served."""

from __future__ import annotations

import pytest

from runtime.files.signing import file_key, signature, signed_path, verify
from runtime.files.sniff import clean_filename, matches, normalise, serving_headers, sniff
from tests.runtime.files.harness import png

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(("head", "kind"), [
    (png(), "image/png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    (b"GIF89a\x01\x00", "image/gif"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
    (b"%PDF-1.7\n", "application/pdf"),
    (b"\x00\x00\x00\x18ftypmp42", "video/mp4"),
    (SVG, "image/svg+xml"),
    (b"  <!DOCTYPE html><html><body>hi</body></html>", "text/html"),
    (b"<p>hello</p><script>x()</script>", "text/html"),
    (b"name,price\nshoe,10\n", "text/plain"),
    (b"\x00\x01\x02binary", "application/octet-stream"),
])
def test_sniff(head: bytes, kind: str) -> None:
    assert sniff(head) == kind


@pytest.mark.parametrize(("declared", "sniffed", "ok"), [
    ("image/png", "image/png", True),
    ("image/jpeg", "image/png", False),
    ("text/plain", "text/html", False),  # HTML passed off as text
    ("image/png", "text/plain", False),
    ("text/csv", "text/plain", True),
    ("application/json", "text/plain", True),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/zip", True),
    ("application/x-custom", "application/octet-stream", True),
    ("image/png", "application/octet-stream", False),
    ("text/plain", "application/octet-stream", False),
])
def test_declared_must_match_sniffed(declared: str, sniffed: str, ok: bool) -> None:
    assert matches(declared, sniffed) is ok


def test_normalise_and_filenames() -> None:
    assert normalise("Image/JPG; charset=x") == "image/jpeg"
    assert normalise("not a type") is None
    assert clean_filename(" report.pdf ") == "report.pdf"
    for bad in ("../../x", "a/b", "a\\b", "..", "", "x\x00y", "n" * 256):
        assert clean_filename(bad) is None, bad


def test_script_capable_types_are_attachments() -> None:
    for kind in ("image/svg+xml", "text/html", "application/xhtml+xml", "application/javascript"):
        headers = serving_headers(kind, 'a"b.svg')
        assert headers["Content-Type"] == "application/octet-stream"
        assert headers["Content-Disposition"].startswith('attachment; filename="a_b.svg"')
        assert headers["X-Content-Type-Options"] == "nosniff"
    picture = serving_headers("image/png", "p.png")
    assert picture["Content-Type"] == "image/png" and picture["Content-Disposition"].startswith("inline")
    assert serving_headers("text/plain", "n.txt")["Content-Type"] == "text/plain; charset=utf-8"


def test_signatures() -> None:
    key = file_key("secret")
    path = signed_path("shop", key, 7, "w10-h0-cover", 2_000_000_000)
    assert path == f"/p/shop/files/7?v=w10-h0-cover&e=2000000000&s={signature(key, 7, 'w10-h0-cover', 2_000_000_000)}"
    good = signature(key, 7, "", 2_000_000_000)
    assert verify(key, 7, "", "2000000000", good, now=1_000_000_000) is None
    assert verify(key, 8, "", "2000000000", good, now=1_000_000_000) == "This file link is not valid"
    assert verify(key, 7, "", "2000000001", good, now=1_000_000_000) == "This file link is not valid"
    assert verify(key, 7, "../x", "2000000000", good, now=1_000_000_000) == "This file link is not valid"
    assert "expired" in (verify(key, 7, "", "2000000000", good, now=2_000_000_001) or "")
    assert verify(file_key("other"), 7, "", "2000000000", good, now=1_000_000_000) == "This file link is not valid"
