"""What the bytes are, whether that matches what the client declared, and how to serve it.

Sniffing reads the first bytes only. A declared type must agree with the sniffed one:
a PNG declared as ``image/jpeg``, HTML declared as ``text/plain`` or a script file
declared as ``image/png`` are refused. Types that can run script in a browser (HTML,
SVG, XML …) are always served as attachments; everything is served with
``X-Content-Type-Options: nosniff`` and a sandboxing CSP.
"""

from __future__ import annotations

import re

SNIFF_BYTES = 1024
RASTER_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# Shown in the browser (inline); anything else is downloaded.
INLINE_TYPES = RASTER_IMAGES | frozenset({"application/pdf", "text/plain", "video/mp4", "video/webm", "audio/mpeg", "audio/ogg"})
ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "application/x-pdf": "application/pdf"}
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"%PDF-", 0, "application/pdf"),
    (b"PK\x03\x04", 0, "application/zip"),
    (b"\x1a\x45\xdf\xa3", 0, "video/webm"),
    (b"ID3", 0, "audio/mpeg"),
    (b"OggS", 0, "audio/ogg"),
)
_MARKUP = re.compile(rb"<\s*(!doctype\s+html|html|head|body|script|iframe|svg|\?xml)", re.IGNORECASE)
_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")
# Text types a client may declare for bytes that sniff as plain text.
_TEXT_DECLARED = re.compile(r"^(text/(plain|csv|markdown|tab-separated-values|calendar)|application/json)$")


def normalise(content_type: str) -> str | None:
    """``type/subtype`` in lower case without parameters, or None when malformed."""
    value = ALIASES.get(content_type.split(";", 1)[0].strip().lower(), content_type.split(";", 1)[0].strip().lower())
    return value if _TYPE.match(value) else None


def sniff(head: bytes) -> str:
    """The type of a file from its first bytes."""
    for magic, offset, kind in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    match = _MARKUP.search(head)
    if match is not None:
        word = match.group(1).lower()
        if word in (b"svg", b"?xml"):
            return "image/svg+xml" if b"<svg" in head.lower() else "application/xml"
        return "text/html"
    if b"\0" in head:
        return "application/octet-stream"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not merely a character cut at the end of the sample
            return "application/octet-stream"
    return "text/plain"


def matches(declared: str, sniffed: str) -> bool:
    """Whether bytes that sniff as ``sniffed`` may be stored as ``declared``."""
    if declared == sniffed:
        return True
    if sniffed == "text/plain":
        return bool(_TEXT_DECLARED.match(declared))
    if sniffed == "application/zip":  # office documents, epub … are zip files
        return declared.startswith("application/")
    if sniffed == "application/octet-stream":
        # Unknown binary: any declared type that is neither shown inline nor recognisable by magic.
        return declared not in INLINE_TYPES and not declared.startswith(("text/", "image/")) and declared != "application/pdf"
    return False


def serving_headers(content_type: str, filename: str) -> dict[str, str]:
    """Headers for serving a stored file: a safe type, disposition, nosniff, a sandboxing CSP."""
    inline = content_type in INLINE_TYPES
    served = content_type if inline else "application/octet-stream" if _runs_script(content_type) else content_type
    if served.startswith("text/"):
        served += "; charset=utf-8"
    return {
        "Content-Type": served,
        "Content-Disposition": f"{'inline' if inline else 'attachment'}; filename=\"{ascii_name(filename)}\"; filename*=UTF-8''{_quote(filename)}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox",
    }


def _runs_script(content_type: str) -> bool:
    return content_type in ("text/html", "image/svg+xml", "application/xml", "text/xml", "application/xhtml+xml") \
        or "javascript" in content_type or "ecmascript" in content_type


def ascii_name(filename: str) -> str:
    return re.sub(r"[^A-Za-z0-9._ -]", "_", filename)[:200] or "file"


def _quote(filename: str) -> str:
    from urllib.parse import quote

    return quote(filename, safe="")


def clean_filename(raw: str) -> str | None:
    """The base name a client gave, or None when it is unusable (path parts, control characters)."""
    name = raw.strip()
    if not name or len(name) > 255 or name in (".", "..") or "/" in name or "\\" in name or any(ord(c) < 32 or ord(c) == 127 for c in name):
        return None
    return name
