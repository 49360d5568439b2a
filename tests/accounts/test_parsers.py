"""Every parser of outside input gives a value or a clean refusal, never an exception: the
signature and expiry of a stream URL, the Range header, the Telegram widget's hash. Property
tests (hypothesis) over arbitrary text, plus the inputs a probe found reaching a 500."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.errors import AccountsError
from accounts.services.auth import telegram_login_verify
from core.signing import LinkCheck, signature, verify
from vault.ranges import ByteRange, Unsatisfiable, parse_range

HOSTILE = ["²", "1" * 5000, "٣٣", "-1", "1e9", " 12", "12 ", "0x10", "", "é" * 40, "\x00"]


@pytest.mark.parametrize("expires", HOSTILE)
def test_a_hostile_expiry_is_invalid_not_an_error(expires):
    assert verify(uri="/s/x", md5="abc", expires=expires) is LinkCheck.INVALID


@pytest.mark.parametrize("md5", ["é" * 22, "\u0000", "ab" * 5000, "🙂"])
def test_a_non_ascii_or_huge_signature_is_invalid_not_an_error(md5):
    expires = str(int(time.time()) + 60)
    assert verify(uri="/s/x", md5=md5, expires=expires) is LinkCheck.INVALID


def test_a_good_signature_still_passes():
    expires = int(time.time()) + 60
    md5 = signature(uri="/s/x", expires=expires)
    assert verify(uri="/s/x", md5=md5, expires=str(expires)) is LinkCheck.OK
    assert verify(uri="/s/x", md5=md5, expires=str(expires - 120)) is LinkCheck.INVALID


@settings(max_examples=300, deadline=None)
@given(md5=st.text(max_size=60), expires=st.text(max_size=60), uri=st.text(max_size=80))
def test_verify_never_raises(md5, expires, uri):
    assert verify(uri=uri, md5=md5, expires=expires) in set(LinkCheck)


@pytest.mark.parametrize(
    "header",
    ["bytes=" + "1" * 5000 + "-", "bytes=-" + "9" * 5000, "bytes=0-" + "9" * 5000, "bytes=²-",
     "bytes=٣-٤"],
)  # fmt: skip
def test_hostile_ranges_are_ignored_or_unsatisfiable(header):
    try:
        got = parse_range(header, 1000)
    except Unsatisfiable:
        return
    assert got is None or (0 <= got.start <= got.end < 1000)


@settings(max_examples=500, deadline=None)
@given(header=st.text(max_size=80), size=st.integers(min_value=0, max_value=10**12))
def test_parse_range_gives_a_valid_range_none_or_unsatisfiable(header, size):
    try:
        got = parse_range(header, size)
    except Unsatisfiable:
        return
    assert got is None or (isinstance(got, ByteRange) and 0 <= got.start <= got.end < size)


@settings(max_examples=300, deadline=None)
@given(
    start=st.integers(min_value=0, max_value=2000),
    end=st.integers(min_value=0, max_value=2000),
    size=st.integers(min_value=1, max_value=1500),
)
def test_well_formed_ranges_are_honoured(start, end, size):
    try:
        got = parse_range(f"bytes={start}-{end}", size)
    except Unsatisfiable:
        assert start >= size or end < start  # as nginx: a backwards range is a 416 too
        return
    assert end >= start and (got.start, got.end) == (start, min(end, size - 1))


def _widget(fields: dict[str, str], token: str = "123:abc") -> dict[str, str]:
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    secret = hashlib.sha256(token.encode()).digest()
    return {**fields, "hash": hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()}


@pytest.mark.parametrize("bad_hash", ["é" * 64, "🙂", "\x00" * 64, "a" * 5000])
def test_a_non_ascii_widget_hash_is_refused_cleanly(bad_hash):
    data = {"id": "42", "auth_date": str(int(time.time())), "hash": bad_hash}
    with pytest.raises(AccountsError):
        telegram_login_verify(data=data, bot_token="123:abc")


def test_signed_widget_fields_with_non_ascii_digits_are_refused_cleanly():
    data = _widget({"id": "٤٢", "auth_date": str(int(time.time()))})
    with pytest.raises(AccountsError):
        telegram_login_verify(data=data, bot_token="123:abc")
    data = _widget({"id": "42", "auth_date": "²"})
    with pytest.raises(AccountsError):
        telegram_login_verify(data=data, bot_token="123:abc")


@settings(max_examples=200, deadline=None)
@given(fields=st.dictionaries(st.text(max_size=12), st.text(max_size=40), max_size=6))
def test_widget_verify_raises_only_accounts_errors(fields):
    try:
        verified = telegram_login_verify(data=fields, bot_token="123:abc")
    except AccountsError as err:
        assert err.status in (400, 401)
    else:  # only a correctly signed payload gets here, which random text is not
        raise AssertionError(f"accepted unsigned data: {verified}")
