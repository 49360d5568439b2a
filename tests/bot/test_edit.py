"""/edit, the manual override console, with real pyrogram objects: re-match on TMDB (a local
server in TMDB's format; metadata and images through the hoarder into the vault), fix fields
by reply, replace the poster with a photo, hide and publish — each audited."""

from __future__ import annotations

import pytest

from bot.commands import edit as edit_command
from bot.ui import ADMINS_ONLY
from catalog import services as catalog
from catalog.models import Title
from core.models import AuditEntry
from tests.factories import TitleFactory, UserFactory
from tests.support.bot import (
    FakeBotClient,
    bot_message,
    dispatch,
    photo_message,
    press,
    text_message,
    tg_user,
)
from tests.support.omdb import omdb_install, omdb_settings
from tests.support.swarm import TMDB_KEY, tmdb_install
from vault import resolve_tagged
from vault.backends.local import LocalBackend

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(settings, file_server, tmp_path):
    settings.TMDB_API_KEY = TMDB_KEY
    settings.TMDB_BASE_URL = file_server.url_for("/3")
    settings.INGEST_WORK_DIR = tmp_path / "work"
    tmdb_install(file_server)
    admin = UserFactory(role="admin", is_superuser=True, is_staff=True, first_name="Ada")
    title = TitleFactory(title="Big Test", year=2020, status="available", tmdb_id=None)
    return FakeBotClient(), tg_user(admin), admin, title


def test_the_card_and_a_tmdb_rematch(setup):
    client, ada, admin, title = setup
    dispatch(client, text_message(client, ada, f"/edit {title.short_id}"))
    assert client.texts()[-1].startswith("🎬 Big Test (2020) · movie · available")
    assert [data for _, data in client.buttons()] == [
        f"edm|{title.pk}",
        f"edi|{title.pk}",
        f"edf|{title.pk}|title",
        f"edf|{title.pk}|year",
        f"edf|{title.pk}|overview",
        f"edp|{title.pk}",
        f"eds|{title.pk}|hide",
    ]
    card = bot_message(client)
    press(client, ada, f"edm|{title.pk}", card)
    assert client.buttons(edited=True) == [
        ("Big Test Movie (2021, movie)", f"edt|{title.pk}|m|424242")
    ]
    press(client, ada, f"edt|{title.pk}|m|424242", card)
    title.refresh_from_db()
    assert (title.title, title.year, title.tmdb_id) == ("Big Test Movie", 2021, 424242)
    assert title.overview and title.poster and title.backdrop
    _, ref = resolve_tagged(title.poster)
    assert LocalBackend().path(ref).read_bytes().startswith(b"\xff\xd8")
    assert title.document["title"] == "Big Test Movie"  # the document was rebuilt
    entry = AuditEntry.objects.get(action="title_edit", actor=admin)
    assert entry.after["tmdb_id"] == 424242 and entry.before["title"] == "Big Test"
    assert client.edits[-1]["text"].startswith("🎬 Big Test Movie (2021)")


def test_fields_by_reply_and_the_poster_by_photo(setup):
    client, ada, admin, title = setup
    dispatch(client, text_message(client, ada, f"/edit {title.short_id}"))
    press(client, ada, f"edf|{title.pk}|year", bot_message(client))
    assert client.texts()[-1] == f"✏ New year for {title.short_id}? Reply to this message with it."
    prompt = bot_message(client)
    reply = text_message(client, ada, "1999", reply_to=prompt)
    assert dispatch(client, reply) == edit_command.on_field_reply
    assert Title.objects.get(pk=title.pk).year == 1999
    assert client.texts()[-1].startswith("Saved.\n🎬 Big Test (1999)")
    dispatch(client, text_message(client, ada, "nineteen", reply_to=prompt))
    assert client.texts()[-1] == "Not changed: A year like 1999."

    press(client, ada, f"edp|{title.pk}", bot_message(client))
    prompt = bot_message(client)
    assert dispatch(client, photo_message(client, ada, reply_to=prompt)) == (
        edit_command.on_poster_reply
    )
    title.refresh_from_db()
    _, ref = resolve_tagged(title.poster)
    assert LocalBackend().path(ref).exists()
    assert client.texts()[-1].startswith("🖼 Poster replaced.")
    assert AuditEntry.objects.filter(action="title_edit", actor=admin).count() == 2


def test_hide_and_publish_but_never_unban(setup, settings):
    client, ada, admin, title = setup
    dispatch(client, text_message(client, ada, f"/edit {title.short_id}"))
    card = bot_message(client)
    press(client, ada, f"eds|{title.pk}|hide", card)
    assert Title.objects.get(pk=title.pk).status == "processing"
    assert client.buttons(edited=True)[-1] == ("✅ Publish", f"eds|{title.pk}|publish")
    press(client, ada, f"eds|{title.pk}|publish", card)
    assert Title.objects.get(pk=title.pk).status == "available"
    assert AuditEntry.objects.filter(action="title_status", actor=admin).count() == 2
    catalog.title_set_status(title=title, status="banned")  # as a takedown leaves it
    press(client, ada, f"eds|{title.pk}|publish", card)
    assert client.answers[-1]["text"] == "That title is gone or taken down."
    assert Title.objects.get(pk=title.pk).status == "banned"


def test_non_admins_and_admins_without_the_permission(setup):
    client, _, _, title = setup
    for person in (UserFactory(role="free"), UserFactory(role="banned")):
        dispatch(client, text_message(client, tg_user(person), f"/edit {title.short_id}"))
        assert client.texts()[-1] == ADMINS_ONLY
        press(client, tg_user(person), f"eds|{title.pk}|hide", bot_message(client))
        assert client.answers[-1]["text"] == ADMINS_ONLY
    plain = tg_user(UserFactory(role="admin"))  # a bot admin without catalog.change_title
    dispatch(client, text_message(client, plain, f"/edit {title.short_id}"))
    assert client.texts()[-1] == edit_command.NOT_ALLOWED
    assert Title.objects.get(pk=title.pk).status == "available"


def test_a_rematch_on_omdb_by_an_imdb_link(setup, settings, file_server):
    client, ada, admin, title = setup
    omdb_settings(settings, file_server)
    omdb_install(file_server)
    dispatch(client, text_message(client, ada, f"/edit {title.short_id}"))
    press(client, ada, f"edi|{title.pk}", bot_message(client))
    assert client.texts()[-1] == (
        f"🎞 IMDb id for {title.short_id}? Reply with it (tt0133093 or an imdb.com link)."
    )
    prompt = bot_message(client)
    dispatch(client, text_message(client, ada, "tt12", reply_to=prompt))
    assert client.texts()[-1] == "Not changed: An IMDb id looks like tt0133093."
    link = "https://www.imdb.com/title/tt0000424/"
    assert dispatch(client, text_message(client, ada, link, reply_to=prompt)) == (
        edit_command.on_imdb_reply
    )
    title.refresh_from_db()
    assert (title.title, title.imdb_id) == ("Big Test Movie", "tt0000424")
    assert title.ratings[1] == {"source": "Rotten Tomatoes", "value": "83%"}
    assert client.texts()[-1].startswith("Re-matched on OMDb.\n🎬 Big Test Movie (2021)")
    assert "IMDb: tt0000424" in client.texts()[-1]
    assert AuditEntry.objects.get(action="title_edit", actor=admin).after["imdb_id"] == "tt0000424"
