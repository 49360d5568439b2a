"""Avatars from a seed: the same seed gives the same SVG, another seed another picture, the
pattern is mirrored, and the site serves it (cached for good; a bad seed is a 404)."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest

from core.avatars import avatar_svg
from core.text import avatar_seed

NS = "{http://www.w3.org/2000/svg}"


def _cells(svg: str) -> set[tuple[int, int]]:
    root = ElementTree.fromstring(svg)
    return {
        (int(r.get("x")), int(r.get("y"))) for r in root.iter(f"{NS}rect") if r.get("x") != "-5"
    }


def test_the_same_seed_draws_the_same_mirrored_picture():
    seed = avatar_seed(42)
    assert avatar_svg(seed) == avatar_svg(seed)
    cells = _cells(avatar_svg(seed))
    assert cells == {(40 - x, y) for x, y in cells}  # left and right mirror each other
    pictures = {avatar_svg(avatar_seed(n)) for n in range(50)}
    assert len(pictures) == 50
    colours = {re.search(r'<g fill="(#[0-9a-f]{6})"', p).group(1) for p in pictures}
    assert len(colours) > 20


@pytest.mark.parametrize("seed", ["", "a" * 33, "../x", "<svg>"])
def test_a_bad_seed_is_refused(seed):
    with pytest.raises(ValueError):
        avatar_svg(seed)


def test_the_site_serves_it(client):
    answer = client.get(f"/avatar/{avatar_seed(7)}.svg")
    assert answer.status_code == 200 and answer["Content-Type"] == "image/svg+xml"
    assert "immutable" in answer["Cache-Control"]
    assert answer.content.decode() == avatar_svg(avatar_seed(7))
    assert client.get("/avatar/..%2Fx.svg").status_code == 404
