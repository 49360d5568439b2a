"""What people write is cleaned the same way everywhere: control characters and bidirectional
controls (an override such as U+202E shows what follows backwards, so a line can pass for
another name or link) go — in comments, live chat lines and nicknames alike — while the
joiners emoji are made of stay."""

from __future__ import annotations

import pytest

from community.text import body_clean
from core.text import BIDI_CONTROLS, clean_text, nickname
from live.chat import clean as chat_clean

TRICK = "see \u202eevil.exe\u202c and \u2066x\u2069 \u200fy\u200e\u061c"


@pytest.mark.parametrize("control", sorted(BIDI_CONTROLS))
def test_every_bidi_control_goes(control):
    assert clean_text(f"a{control}b") == "ab"


def test_chat_lines_comments_and_names_lose_them_and_keep_emoji():
    assert chat_clean(TRICK) == "see evil.exe and x y"
    assert body_clean(TRICK, max_length=500) == "see evil.exe and x y"
    assert nickname(user_id=1, first_name="\u202eAda") == "Ada"
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # joined by U+200D
    assert chat_clean(f"hi {family}") == f"hi {family}"
