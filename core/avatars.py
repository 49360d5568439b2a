"""Avatars drawn from a seed, locally (no outside service): a symmetric 5 by 5 pattern in a colour
and on a background both taken from the seed's SHA-256 — the "identicon" style DiceBear
popularised. The same seed always gives the same picture; it is a small SVG, cached for good."""

from __future__ import annotations

import colorsys
import hashlib
import re

SEED = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
CELLS = 5
SIZE = 10  # user units per cell


def _colour(hue: float, saturation: float, lightness: float) -> str:
    r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def avatar_svg(seed: str) -> str:
    """The avatar of ``seed`` as an SVG document (ValueError for a seed that is not one)."""
    if not SEED.fullmatch(seed):
        raise ValueError("not an avatar seed")
    digest = hashlib.sha256(f"avatar-picture:{seed}".encode()).digest()
    hue = digest[0] / 255
    ink = _colour(hue, 0.55 + digest[1] / 255 * 0.3, 0.45)
    paper = _colour((hue + 0.5) % 1, 0.25, 0.9)
    half = (CELLS + 1) // 2
    cells = []
    bits = int.from_bytes(digest[2:6], "big")
    for row in range(CELLS):
        for column in range(half):
            if bits >> (row * half + column) & 1:
                for x in {column, CELLS - 1 - column}:  # mirrored left to right
                    cells.append(
                        f'<rect x="{x * SIZE}" y="{row * SIZE}" width="{SIZE}" height="{SIZE}"/>'
                    )
    side = CELLS * SIZE
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-5 -5 {side + 10} {side + 10}" '
        f'width="64" height="64" role="img" aria-label="avatar">'
        f'<rect x="-5" y="-5" width="{side + 10}" height="{side + 10}" fill="{paper}"/>'
        f'<g fill="{ink}">{"".join(cells)}</g></svg>'
    )
