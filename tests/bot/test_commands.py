"""The Manager bot's commands, driven with real pyrogram ``Message`` and ``CallbackQuery``
objects through the same filters the client registers (``tests.support.bot.dispatch``); the
services they call run for real."""

from __future__ import annotations

import pytest
from pyrogram import enums
from pyrogram.types import User

from accounts.models import MagicLinkToken
from accounts.models import User as Account
from bot import handlers
from bot.commands import takedown
from bot.ui import ADMINS_ONLY, BANNED, EXPIRED
from catalog.models import Title
from core.models import AuditEntry
from ingest.models import Submission
from medic.models import Report, Takedown
from swarm.models import Worker
from tests.factories import TitleFactory, UserFactory
from tests.support.bot import FakeBotClient, bot_message, dispatch, press, text_message, tg_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(settings):
    settings.SITE_URL = "https://sv.example"
    settings.MAGIC_LINK_BASE_URL = "https://sv.example"
    return FakeBotClient()


def stranger(n: int = 1, name: str = "Nina") -> User:
    return User(id=880_000 + n, is_bot=False, first_name=name)


# --- /start and referrals -------------------------------------------------------------------


def test_start_registers_and_shows_the_invite_link(client):
    assert dispatch(client, text_message(client, stranger(), "/start")) == handlers.on_start
    user = Account.objects.get(telegram_id=880_001)
    assert user.first_name == "Nina" and user.kind == "telegram" and user.referral_code
    text = client.texts()[-1]
    assert text.startswith("Welcome, Nina!") and "https://sv.example" in text
    assert f"https://t.me/sv_manager_bot?start=ref_{user.referral_code}" in text
    assert client.buttons() == [("Open StreamVault", "https://sv.example/")]
    # Again, with a new name: the same user, renamed.
    dispatch(client, text_message(client, stranger(name="Nina K"), "/start"))
    assert Account.objects.get(telegram_id=880_001).first_name == "Nina K"
    assert Account.objects.filter(telegram_id=880_001).count() == 1


def test_a_referral_applies_once_and_refusals_are_polite(client):
    dispatch(client, text_message(client, stranger(1, "Ann"), "/start"))
    ann = Account.objects.get(telegram_id=880_001)
    code = ann.referral_code

    dispatch(client, text_message(client, stranger(2, "Bob"), f"/start ref_{code}"))
    bob = Account.objects.get(telegram_id=880_002)
    assert bob.invited_by_id == ann.pk
    assert "You joined through an invite" in client.texts()[-1]
    # A second code, the own code, an unknown one, a cycle: refused, nothing changes.
    dispatch(client, text_message(client, stranger(3, "Cy"), "/start"))
    cy = Account.objects.get(telegram_id=880_003)
    cases = [
        (stranger(2, "Bob"), f"/start ref_{cy.referral_code}", "already joined through an invite"),
        (stranger(1, "Ann"), f"/start ref_{code}", "your own invite link"),
        (stranger(3, "Cy"), "/start ref_nosuchcode", "not valid"),
        (stranger(1, "Ann"), f"/start ref_{bob.referral_code}", "you invited its owner"),
    ]
    for sender, text, expected in cases:
        dispatch(client, text_message(client, sender, text))
        assert expected in client.texts()[-1], client.texts()[-1]
    ann.refresh_from_db()
    bob.refresh_from_db()
    assert (ann.invited_count, ann.invited_by_id, bob.invited_by_id) == (1, None, ann.pk)


def test_start_for_a_banned_user(client):
    banned = UserFactory(role="banned")
    dispatch(client, text_message(client, tg_user(banned), "/start"))
    assert client.texts() == [BANNED]


# --- /login -----------------------------------------------------------------------------------


def test_login_sends_one_live_link_with_a_button(client):
    sender = stranger()
    dispatch(client, text_message(client, sender, "/login"))
    ((label, url),) = client.buttons()
    assert label == "Log in to StreamVault" and url.startswith(
        "https://sv.example/auth/magic?token="
    )
    assert "works once, for 10 minutes" in client.texts()[-1]
    dispatch(client, text_message(client, sender, "/login"))
    rows = MagicLinkToken.objects.filter(user__telegram_id=sender.id).order_by("id")
    assert [r.revoked_at is None for r in rows] == [False, True]  # the first was revoked


def test_login_in_a_group_is_refused_and_banned_users_get_no_link(client):
    dispatch(client, text_message(client, stranger(), "/login", chat_type=enums.ChatType.GROUP))
    assert "private chat" in client.texts()[-1] and client.buttons() == []
    banned = UserFactory(role="banned")
    dispatch(client, text_message(client, tg_user(banned), "/login"))
    assert client.texts()[-1] == BANNED
    assert not MagicLinkToken.objects.exists()


# --- bad input ------------------------------------------------------------------------------


def test_unknown_command_gets_the_short_help_and_plain_text_nothing(client):
    assert (
        dispatch(client, text_message(client, stranger(), "/frobnicate"))
        == (handlers.HANDLERS[-1][0])
    )
    assert client.texts()[-1].startswith("I do not know /frobnicate.")
    assert "/login" in client.texts()[-1]
    assert dispatch(client, text_message(client, stranger(), "just chatting")) is None


def test_a_flood_wait_delays_the_reply_but_does_not_lose_it(client, monkeypatch):
    slept: list[float] = []

    async def fake_sleep(seconds):
        slept.append(seconds)

    monkeypatch.setattr("bot.ui.asyncio.sleep", fake_sleep)
    client.flood_once = 7
    dispatch(client, text_message(client, stranger(), "/help"))
    assert slept == [7.0]
    assert client.texts() == [handlers.HELP]


def test_an_unknown_button_is_answered(client):
    dispatch(client, text_message(client, stranger(), "/help"))
    press(client, stranger(), "nosuchroute|1", bot_message(client))
    assert "no longer does anything" in client.answers[-1]["text"]


# --- /takedown --------------------------------------------------------------------------------


@pytest.fixture
def admin():
    return UserFactory(role="admin", is_superuser=True, is_staff=True, first_name="Ada")


def test_takedown_asks_reason_and_confirmation_then_bans_once(client, admin, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    title = TitleFactory(title="Leaky Film", year=2020)
    ada = tg_user(admin)
    dispatch(client, text_message(client, ada, f"/takedown {title.short_id}"))
    assert client.texts()[-1].startswith("⛔ Take down Leaky Film (2020)")
    assert [data for _, data in client.buttons()] == [
        f"tdr|{title.pk}|dmca",
        f"tdr|{title.pk}|illegal",
        f"tdo|{title.pk}",
        f"tdn|{title.pk}",
    ]
    offer = bot_message(client)
    press(client, ada, f"tdr|{title.pk}|dmca", offer)
    assert client.edits[-1]["text"].endswith("for “DMCA notice”?")
    assert Title.objects.get(pk=title.pk).status == "available"  # not yet: a yes is needed
    press(client, ada, f"tdy|{title.pk}|dmca", offer)
    assert client.edits[-1]["text"].startswith("⛔ Taken down: Leaky Film (2020)")
    assert Title.objects.get(pk=title.pk).status == "banned"
    takedown = Takedown.objects.get(title=title)
    assert takedown.reason == "DMCA notice (via the bot)" and takedown.requested_by == admin
    assert AuditEntry.objects.filter(action="title_takedown", actor=admin).count() == 1
    # Pressed twice: nothing is done twice.
    press(client, ada, f"tdy|{title.pk}|dmca", offer)
    assert AuditEntry.objects.filter(action="title_takedown").count() == 1
    # Asked again: it says so.
    dispatch(client, text_message(client, ada, f"/takedown {title.short_id}"))
    assert client.texts()[-1].startswith("Already taken down")


def test_takedown_with_a_typed_reason_by_tmdb_id(client, admin, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    title = TitleFactory(title="Other Film", tmdb_id=550)
    ada = tg_user(admin)
    dispatch(client, text_message(client, ada, "/takedown tmdb_550"))
    press(client, ada, f"tdo|{title.pk}", bot_message(client))
    prompt = client.sent[-1]
    assert (
        prompt["text"] == f"Reason for taking down {title.short_id}? Reply to this message with it."
    )
    reply = text_message(client, ada, "Court order 12/2026", reply_to=bot_message(client))
    assert dispatch(client, reply) == takedown.on_reason_reply
    assert client.texts()[-1].startswith("⛔ Taken down: Other Film")
    assert Takedown.objects.get(title=title).reason == "Court order 12/2026 (via the bot)"


def test_takedown_cancel_usage_unknown_and_expired(client, admin, settings):
    title = TitleFactory()
    ada = tg_user(admin)
    dispatch(client, text_message(client, ada, "/takedown"))
    assert client.texts()[-1].startswith("Usage: /takedown")
    dispatch(client, text_message(client, ada, "/takedown zzzzzzz"))
    assert client.texts()[-1].startswith("No title matches 'zzzzzzz'")
    dispatch(
        client, text_message(client, ada, f"/takedown https://sv.example/title/{title.short_id}")
    )
    press(client, ada, f"tdn|{title.pk}", bot_message(client))
    assert client.edits[-1]["text"] == "Takedown cancelled; nothing changed."
    old = bot_message(client, age_seconds=settings.BOT_BUTTON_TTL + 60)
    press(client, ada, f"tdy|{title.pk}|dmca", old)
    assert client.answers[-1] == {"id": client.answers[-1]["id"], "text": EXPIRED, "alert": True}
    assert Title.objects.get(pk=title.pk).status == "available"


def test_admin_commands_refuse_non_admins_and_banned_users(client, admin):
    title = TitleFactory()
    people = [tg_user(UserFactory(role="free")), tg_user(UserFactory(role="banned")), stranger()]
    for person in people:
        for command in (f"/takedown {title.short_id}", "/status"):
            dispatch(client, text_message(client, person, command))
            assert client.texts()[-1] == ADMINS_ONLY
        # A button of an admin's message pressed by someone else does nothing.
        dispatch(client, text_message(client, tg_user(admin), f"/takedown {title.short_id}"))
        press(client, person, f"tdy|{title.pk}|dmca", bot_message(client))
        assert client.answers[-1]["text"] == ADMINS_ONLY
    assert Title.objects.get(pk=title.pk).status == "available"
    assert not Takedown.objects.exists()


def test_a_bot_admin_without_the_takedown_permission_is_told(client):
    plain_admin = UserFactory(role="admin")  # an admin in the bot, no Django permission
    title = TitleFactory()
    who = tg_user(plain_admin)
    dispatch(client, text_message(client, who, f"/takedown {title.short_id}"))
    press(client, who, f"tdy|{title.pk}|dmca", bot_message(client))
    assert "may not take titles down" in client.edits[-1]["text"]
    assert Title.objects.get(pk=title.pk).status == "available"


# --- /status ----------------------------------------------------------------------------------


def test_status_counts_everything_in_one_message(client, admin, django_assert_max_num_queries):
    Worker.objects.create(name="a", status="active")
    Worker.objects.create(name="b", status="dead")
    Submission.objects.create(user=UserFactory(), url="https://x.org/a.mkv")
    Report.objects.create(title=TitleFactory(), reported_by=UserFactory(), issue="dead_link")
    with django_assert_max_num_queries(8):
        dispatch(client, text_message(client, tg_user(admin), "/status"))
    text = client.texts()[-1]
    assert text.startswith("📊 StreamVault status")
    assert "Accounts: 1 active · 0 busy · 0 in flood wait · 1 dead" in text
    assert "Reports: 1 pending" in text and "Quarantine: 1 submissions waiting" in text
    assert "Queues: " in text


@pytest.mark.parametrize("who", ["free", "banned"])
def test_every_command_as_a_non_admin_and_as_a_banned_user(client, who):
    """User commands work for a user and refuse a banned one; admin commands refuse both; an
    unknown command gets the help. Nothing is taken down, edited or requested by a refusal."""
    person = tg_user(UserFactory(role=who))
    title = TitleFactory()
    admin_only = [f"/takedown {title.short_id}", f"/edit {title.short_id}", "/status"]
    for command in admin_only:
        dispatch(client, text_message(client, person, command))
        assert client.texts()[-1] == ADMINS_ONLY, command
    for command in ("/start", "/login", "/request Some Film", "/requests"):
        dispatch(client, text_message(client, person, command))
        reply = client.texts()[-1]
        assert (reply == BANNED) == (who == "banned"), (command, reply)
    dispatch(client, text_message(client, person, "/help"))
    assert client.texts()[-1] == handlers.HELP
    dispatch(client, text_message(client, person, "/nosuch"))
    assert client.texts()[-1].startswith("I do not know /nosuch.")
    assert Title.objects.get(pk=title.pk).status == "available"
    assert not Takedown.objects.exists()
    banned_requests = Account.objects.get(telegram_id=person.id).wishlist.count()
    assert banned_requests == (0 if who == "banned" else 1)
