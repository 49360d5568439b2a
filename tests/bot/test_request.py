"""/request and /requests with real pyrogram objects: the catalog first, then TMDB (a real
local HTTP server answering in TMDB's format, through the metadata hoarder), a wishlist request
from the chosen candidate, and one DM when the title arrives — by any path."""

from __future__ import annotations

import pytest
from pyrogram import enums
from pyrogram.types import User

from accounts.models import WishlistEntry
from bot.ui import BANNED, PRIVATE_ONLY
from catalog import services as catalog
from catalog.models import Title
from ingest.kinds import JobKind
from jobs.models import Job
from swarm.models import Worker
from swarm.telegram.fake import fake_sent
from swarm.workers import worker_set_session
from tests.factories import TitleFactory, UserFactory
from tests.support.bot import FakeBotClient, bot_message, dispatch, press, text_message, tg_user
from tests.support.swarm import TMDB_KEY, tmdb_install

pytestmark = pytest.mark.django_db(transaction=True)
NINA = User(id=880_101, is_bot=False, first_name="Nina")


@pytest.fixture
def client(settings, fake_telegram, file_server):
    settings.SITE_URL = "https://sv.example"
    settings.TMDB_API_KEY = TMDB_KEY
    settings.TMDB_BASE_URL = file_server.url_for("/3")
    settings.CELERY_TASK_ALWAYS_EAGER = True
    tmdb_install(file_server)
    worker = Worker.objects.create(name="w1")  # the bot's DMs go through the swarm runtime
    worker_set_session(worker=worker, session_string="session-w1")
    return FakeBotClient()


def dms_to(telegram_id: int) -> list[str]:
    return [
        m["text"] for m in fake_sent() if m["op"] == "bot_message" and m["chat_id"] == telegram_id
    ]


def test_a_title_in_the_library_is_found_despite_a_typo(client):
    title = TitleFactory(title="Spirited Away", year=2001, status="available")
    dispatch(client, text_message(client, NINA, "/request spirted away"))
    assert client.texts()[-1].startswith("Already here:")
    assert (
        "▶ Spirited Away (2001)",
        f"https://sv.example/title/{title.short_id}",
    ) in client.buttons()
    assert not WishlistEntry.objects.exists()


def test_a_tmdb_pick_becomes_a_request_and_one_dm_when_it_arrives(client):
    dispatch(client, text_message(client, NINA, "/request big test"))
    assert client.texts()[-1].startswith("Pick the one you want")
    assert client.buttons() == [("Big Test Movie (2021, movie)", "rq|m|424242")]
    offer = bot_message(client)
    press(client, NINA, "rq|m|424242", offer)
    assert client.edits[-1]["text"].startswith("📝 Requested Big Test Movie (2021, movie).")
    entry = WishlistEntry.objects.get()
    assert (entry.tmdb_id, entry.media_type, entry.status) == (424242, "movie", "requested")
    press(client, NINA, "rq|m|424242", offer)  # twice: one request
    assert client.edits[-1]["text"].startswith("You already asked for")
    assert WishlistEntry.objects.count() == 1

    dispatch(client, text_message(client, NINA, "/requests"))
    assert client.buttons() == [("✖ Cancel “Big Test Movie 2021”", f"rqx|{entry.pk}")]

    # An admin adds it by hand, under another name: matched by its TMDB id, one DM.
    title = catalog.title_create(
        media_type="movie", title="Big Test Movie (Director's Cut)", tmdb_id=424242
    )
    catalog.title_set_status(title=title, status="available")
    assert dms_to(NINA.id) == [
        f"✅ Big Test Movie (Director's Cut) is now on StreamVault: "
        f"https://sv.example/title/{title.short_id}"
    ]
    entry.refresh_from_db()
    assert entry.title_id == title.pk and entry.notified_at is not None
    # Published again (hidden, then back): nobody is told twice.
    catalog.title_set_status(title=title, status="processing")
    catalog.title_set_status(title=title, status="available")
    assert len(dms_to(NINA.id)) == 1
    assert Job.objects.filter(kind=JobKind.WISHLIST_NOTIFY).count() == 2


def test_nothing_anywhere_saves_the_text_and_cancel_works(client):
    dispatch(client, text_message(client, NINA, "/request Unmade Film 2031"))
    assert client.texts()[-1] == "📝 Saved “Unmade Film 2031”. I will message you when it arrives."
    entry = WishlistEntry.objects.get()
    dispatch(client, text_message(client, NINA, "/requests"))
    press(client, NINA, f"rqx|{entry.pk}", bot_message(client))
    assert client.answers[-1]["text"] == "Cancelled."
    assert client.edits[-1]["text"].startswith("You have no open requests.")
    assert not WishlistEntry.objects.exists()
    press(client, NINA, f"rqx|{entry.pk}", bot_message(client))
    assert client.answers[-1]["text"] == "Already cancelled."


def test_tmdb_down_still_saves_the_request(client, settings):
    settings.TMDB_BASE_URL = "http://127.0.0.1:9/3"  # nothing listens there
    dispatch(client, text_message(client, NINA, "/request Some Film"))
    assert client.texts()[-1] == (
        "📝 Saved “Some Film”. TMDB is not reachable right now. I will message you when it arrives."
    )


def test_usage_group_and_banned(client):
    dispatch(client, text_message(client, NINA, "/request"))
    assert client.texts()[-1].startswith("Usage: /request")
    dispatch(client, text_message(client, NINA, "/request x", chat_type=enums.ChatType.GROUP))
    assert client.texts()[-1] == PRIVATE_ONLY
    banned = tg_user(UserFactory(role="banned"))
    for command in ("/request Some Film", "/requests"):
        dispatch(client, text_message(client, banned, command))
        assert client.texts()[-1] == BANNED
    dispatch(client, text_message(client, NINA, "/request big test"))
    press(client, banned, "rq|m|424242", bot_message(client))
    assert client.answers[-1]["text"] == BANNED
    assert not WishlistEntry.objects.exists()
    assert not Title.objects.exists()


def test_a_tmdb_link_offers_exactly_that_title_and_a_number_is_a_name(client):
    dispatch(
        client,
        text_message(client, NINA, "/request https://www.themoviedb.org/tv/777001-test-show"),
    )
    assert client.buttons() == [("Test Show (2019, series)", "rq|s|777001")]
    TitleFactory(title="Some Other Film", tmdb_id=1917, status="available")
    dispatch(client, text_message(client, NINA, "/request 1917"))
    assert not client.texts()[-1].startswith("Already here")  # not TMDB id 1917's title


def test_a_tmdb_candidate_the_library_has_is_shown_as_already_here(client):
    # Under another name, which the search does not find; TMDB's id says it is the same film.
    title = TitleFactory(title="Grosser Testfilm", year=2021, tmdb_id=424242, status="available")
    dispatch(client, text_message(client, NINA, "/request big test"))
    assert client.texts()[-1] == "Already here:"
    assert client.buttons() == [
        ("▶ Grosser Testfilm (2021)", f"https://sv.example/title/{title.short_id}")
    ]
    assert not WishlistEntry.objects.exists()
