"""Pillow for image fields: the size of an upload, and resized variants made once and kept.

Decoding runs in a thread. ``Image.MAX_IMAGE_PIXELS`` guards against decompression bombs
(a tiny file claiming an enormous canvas is refused, not decoded).
"""

from __future__ import annotations

import asyncio
import tempfile
import warnings
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from runtime.files.store import new_key, store_for, temp_dir
from runtime.system_tables import SCHEMA

Image.MAX_IMAGE_PIXELS = 50_000_000
MAX_VARIANTS = 16  # sizes kept per image: a client asking for ever new sizes cannot fill the disk


class TooManyVariants(Exception):
    """The image already has ``MAX_VARIANTS`` stored sizes."""
_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "PNG", "image/webp": "WEBP"}


def _size(path: Path) -> tuple[int, int] | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.verify()
            with Image.open(path) as image:
                return image.size
    except Exception:  # noqa: BLE001 - any decoding failure means "not an image"
        return None


async def image_size(path: Path) -> tuple[int, int] | None:
    """(width, height) of an image file, or None when Pillow cannot decode it."""
    return await asyncio.to_thread(_size, path)


def _parse(spec: str) -> tuple[int, int, str]:
    width, height, fit = spec.split("-")
    return int(width[1:]), int(height[1:]), fit


def resize(source: Path, target: Path, spec: str, content_type: str) -> str:
    """Write the ``spec`` variant of ``source`` to ``target``; returns its content type."""
    width, height, fit = _parse(spec)
    with Image.open(source) as opened:
        image = ImageOps.exif_transpose(opened)
        image.load()
    original_w, original_h = image.size
    if not width:
        width = max(1, round(original_w * height / original_h))
    if not height:
        height = max(1, round(original_h * width / original_w))
    if fit == "cover":
        result = ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS)
    elif fit == "contain":
        result = ImageOps.contain(image, (width, height), Image.Resampling.LANCZOS)
    else:
        result = image.resize((width, height), Image.Resampling.LANCZOS)
    fmt = _FORMATS.get(content_type, "PNG")
    if fmt == "JPEG" and result.mode not in ("RGB", "L"):
        result = result.convert("RGB")
    result.save(target, fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}[fmt]


async def variant(project: Any, asset: dict[str, Any], spec: str) -> tuple[str, str, int]:
    """(storage key, content type, size) of the ``spec`` variant of ``asset``, made on first use."""
    async with project.pool.connection() as conn:
        row = await (await conn.execute(
            f"SELECT storage_key, content_type, size FROM {SCHEMA}.variant WHERE asset_id = %s AND spec = %s", (asset["id"], spec))).fetchone()
        count = None if row is not None else await (await conn.execute(
            f"SELECT count(*) FROM {SCHEMA}.variant WHERE asset_id = %s", (asset["id"],))).fetchone()
    if row is not None:
        return row[0], row[1], row[2]
    if count is not None and count[0] >= MAX_VARIANTS:
        raise TooManyVariants(f"This image already has {MAX_VARIANTS} sizes; use one of the sizes the app shows")
    store = store_for(project)
    folder = temp_dir(project)
    source = Path(tempfile.mkstemp(dir=folder)[1])
    target = Path(tempfile.mkstemp(dir=folder)[1])
    try:
        await store.fetch(asset["storage_key"], source)
        content_type = await asyncio.to_thread(resize, source, target, spec, asset["content_type"])
        size = (await asyncio.to_thread(target.stat)).st_size
        key = new_key()
        await store.put(key, target, content_type)
        async with project.pool.connection() as conn:
            row = await (await conn.execute(
                f"""INSERT INTO {SCHEMA}.variant (asset_id, spec, storage_key, content_type, size) VALUES (%s, %s, %s, %s, %s)
                    ON CONFLICT (asset_id, spec) DO NOTHING RETURNING storage_key""",
                (asset["id"], spec, key, content_type, size))).fetchone()
        if row is None:  # made at the same moment by another request: keep theirs
            await store.delete(key)
            return await variant(project, asset, spec)
        return key, content_type, size
    finally:
        for path in (source, target):
            await asyncio.to_thread(path.unlink, True)
