"""Numbers from requests: ASCII digits only, bounded; every API parameter read as a number
answers 400 (or 404), never 500, for other digits and for huge ones."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.parsing import ascii_int
from tests.support.signed import signed


@given(st.text(max_size=30))
def test_ascii_int_gives_an_int_or_none(text):
    value = ascii_int(text)
    assert value is None or (isinstance(value, int) and value >= 0 and int(text) == value)


@given(st.integers(min_value=-(10**17), max_value=10**17))
def test_ascii_int_reads_what_it_should(n):
    assert ascii_int(str(n), allow_negative=True) == n
    assert ascii_int(str(n)) == (n if n >= 0 else None)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["²", "٣", "1" * 5000, "-1", "0"])
@pytest.mark.parametrize("param", ["page", "page_size"])
def test_page_parameters_are_400(client, param, value):
    response = client.get("/api/titles/", {param: value})
    assert response.status_code == 400
    assert param in response.json()["error"]["fields"]


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["²", "٣"])
def test_a_subtitle_key_in_other_digits_is_404(client, key):
    assert client.get(signed(f"/api/subs/{'a' * 64}/{key}.vtt")).status_code == 404
