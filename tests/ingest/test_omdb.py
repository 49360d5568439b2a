"""OMDb beside TMDB, against a local server in OMDb's documented format: matched by the IMDb
id TMDB gives (a series' from its external ids), else by title; its scores always and its
fields only where TMDB left them blank; its poster re-hosted; a bad key, a spent limit and an
outage never stop an ingest; re-match by hand in the admin and the service."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from catalog import services as catalog
from catalog.models import MediaFile, Title
from core.models import AuditEntry
from ingest.omdb import OmdbClient, imdb_id_in, omdb_lookup
from ingest.rematch import title_rematch, title_rematch_omdb, title_rematch_tmdb
from jobs.engine import TransientError
from tests.factories import StaffFactory, TitleFactory
from tests.support.omdb import OMDB_KEY, omdb_install, omdb_settings
from tests.support.swarm import TMDB_KEY, tmdb_install
from vault import resolve_tagged
from vault.backends.local import LocalBackend

pytestmark = pytest.mark.django_db

SCORES = [
    {"source": "Internet Movie Database", "value": "8.1/10"},
    {"source": "Rotten Tomatoes", "value": "83%"},
    {"source": "Metacritic", "value": "74/100"},
]


@pytest.fixture
def omdb(settings, file_server, tmp_path):
    settings.INGEST_WORK_DIR = tmp_path / "work"
    omdb_settings(settings, file_server)
    return omdb_install(file_server)


@pytest.fixture
def tmdb(settings, file_server):
    settings.TMDB_API_KEY = TMDB_KEY
    settings.TMDB_BASE_URL = file_server.url_for("/3")


def _poster_bytes(title: Title) -> bytes:
    _, ref = resolve_tagged(title.poster)
    return LocalBackend().path(ref).read_bytes()


def test_with_tmdb_omdb_adds_its_scores_and_only_what_tmdb_lacks(media, omdb, tmdb, file_server):
    # TMDB knows the movie but has no overview and no vote for it.
    tmdb_install(file_server, details={"overview": "", "vote_average": None})
    call_command("ingest_local", str(media.movie))
    title = MediaFile.objects.get().title
    assert (title.title, title.tmdb_id, title.imdb_id) == ("Big Test Movie", 424242, "tt0000424")
    assert title.ratings == SCORES
    assert title.overview == "A movie made of test patterns, told at length by OMDb."
    assert title.rating == Decimal("8.1")
    # TMDB's genres are kept (it had them); OMDb's third genre is not merged in.
    assert sorted(g.name for g in title.genres.all()) == ["Action", "Drama"]
    assert title.document["imdb_id"] == "tt0000424" and title.document["ratings"] == SCORES
    assert [a.get("i") for a in omdb] == ["tt0000424"]  # asked once, by IMDb id


def test_tmdb_fields_win_over_omdb_where_both_have_them(media, omdb, tmdb, file_server):
    tmdb_install(file_server)
    call_command("ingest_local", str(media.movie))
    title = MediaFile.objects.get().title
    assert title.overview == "A movie made of test patterns."  # TMDB's
    assert title.rating == Decimal("8.4")
    assert title.imdb_id == "tt0000424" and title.ratings == SCORES


def test_a_series_is_matched_through_tmdb_external_ids(media, omdb, tmdb, file_server):
    tmdb_install(file_server)
    call_command("ingest_local", str(media.episode1))
    title = Title.objects.get()
    assert (title.tmdb_id, title.imdb_id) == (777001, "tt0007770")
    assert title.ratings == [{"source": "Internet Movie Database", "value": "7.7/10"}]


def test_without_tmdb_omdb_matches_by_title_and_rehosts_the_poster(media, omdb, settings, client):
    settings.TMDB_API_KEY = ""
    call_command("ingest_local", str(media.movie))
    title = MediaFile.objects.get().title
    assert (title.title, title.year, title.tmdb_id) == ("Big Test Movie", 2021, None)
    assert title.imdb_id == "tt0000424" and title.ratings == SCORES
    assert sorted(g.name for g in title.genres.all()) == ["Action", "Drama", "Sci-Fi"]
    assert not title.poster.startswith("http")
    assert _poster_bytes(title).startswith(b"\xff\xd8")
    page = client.get(reverse("web-title", args=[title.short_id])).content.decode()
    assert "IMDb 8.1/10</span> · <span>Rotten Tomatoes 83%</span>" in page
    assert 'href="https://www.imdb.com/title/tt0000424/"' in page
    assert omdb[0] | {"apikey": "x"} == {
        "t": "Big Test Movie",
        "y": "2021",
        "type": "movie",
        "plot": "full",
        "r": "json",
        "apikey": "x",
    }


def test_a_refused_key_never_stops_an_ingest(media, omdb, settings, caplog):
    settings.TMDB_API_KEY = ""
    settings.OMDB_API_KEY = "wrong-key"
    call_command("ingest_local", str(media.movie))
    title = MediaFile.objects.get().title
    assert (title.title, title.imdb_id, title.ratings) == ("Big Test Movie", "", [])
    assert "Invalid API key!" in caplog.text


def test_the_client_at_its_boundary(omdb, settings, file_server):
    assert omdb_lookup(imdb_id="tt0000424").rating == 8.1
    assert omdb_lookup(imdb_id="tt9999999") is None  # OMDb: "Error getting data."
    assert omdb_lookup(name="Nothing Like It", year=1990, media_type="movie") is None
    assert omdb_lookup(name="Test Show", media_type="movie") is None  # another kind
    asked = len(omdb)
    assert omdb_lookup(name="Nothing Like It", year=1990, media_type="movie") is None
    assert len(omdb) == asked  # "not found" is cached like an answer
    # A spent daily limit (401) is a refusal, logged; a 5xx and no answer are transient.
    limited = OmdbClient(api_key=OMDB_KEY, base_url=file_server.url_for("/limit/"))
    file_server.expect_request("/limit/").respond_with_json(
        {"Response": "False", "Error": "Request limit reached!"}, status=401
    )
    with pytest.raises(Exception, match="Request limit reached!"):
        limited.get(i="tt0000424")
    down = OmdbClient(api_key=OMDB_KEY, base_url=file_server.url_for("/down/"))
    file_server.expect_request("/down/").respond_with_data("busy", status=503)
    with pytest.raises(TransientError):
        down.get(i="tt0000424")
    with pytest.raises(TransientError):
        OmdbClient(api_key=OMDB_KEY, base_url="http://127.0.0.1:9/").get(i="tt0000424")
    settings.OMDB_API_KEY = ""
    assert omdb_lookup(imdb_id="tt0000424") is None  # off without a key
    assert imdb_id_in("https://www.imdb.com/title/tt0133093/?ref_=x") == "tt0133093"
    assert imdb_id_in("no id here") == ""


def test_rematch_on_omdb_by_hand_is_one_audited_edit(omdb):
    staff = StaffFactory()
    title = TitleFactory(title="Big Tst", year=None, status="available")
    assert title_rematch_omdb(title=title, imdb_id="tt0000424", actor=staff) is True
    title.refresh_from_db()
    assert (title.title, title.year, title.imdb_id) == ("Big Test Movie", 2021, "tt0000424")
    assert title.overview.startswith("A movie made of test patterns")
    assert title.ratings == SCORES and _poster_bytes(title).startswith(b"\xff\xd8")
    entry = AuditEntry.objects.get(action="title_edit", actor=staff)
    assert entry.before["title"] == "Big Tst" and entry.after["imdb_id"] == "tt0000424"
    assert title_rematch_omdb(title=title, imdb_id="tt0000424", actor=staff) is False
    assert AuditEntry.objects.filter(action="title_edit").count() == 1

    series = TitleFactory(media_type="series", title="Test Show")
    for imdb_id, message in (
        ("0000424", "An IMDb id looks like tt0133093."),
        ("tt9999999", "OMDb has no title tt9999999."),
        ("tt0007770", "This title is a movie, not a series."),
    ):
        with pytest.raises(ValidationError, match=message):
            title_rematch_omdb(title=TitleFactory(), imdb_id=imdb_id, actor=staff)
    with pytest.raises(ValidationError, match=r"Big Test Movie \(.*\) has that IMDb id"):
        title_rematch_omdb(title=TitleFactory(), imdb_id="tt0000424", actor=staff)
    assert title_rematch_omdb(title=series, imdb_id="tt0007770", actor=staff) is True


def test_rematch_on_tmdb_merges_omdb(omdb, tmdb, file_server):
    tmdb_install(file_server)
    staff = StaffFactory()
    title = TitleFactory(title="Big Test", year=2020)
    title_rematch_tmdb(title=title, media_type="movie", tmdb_id=424242, actor=staff)
    title.refresh_from_db()
    assert (title.tmdb_id, title.imdb_id, title.ratings) == (424242, "tt0000424", SCORES)
    assert title.overview == "A movie made of test patterns."  # TMDB's, not OMDb's
    with pytest.raises(ValidationError, match="no TMDB or IMDb id"):
        title_rematch(title=TitleFactory(), actor=staff)


def test_the_admin_action_rematches_by_the_ids_a_title_holds(omdb, client):
    staff = StaffFactory()
    client.force_login(staff)
    held = TitleFactory(title="Wrong Name")
    catalog.title_update(title=held, data={"imdb_id": "tt0000424"})
    bare = TitleFactory(title="No Ids")
    response = client.post(
        reverse("admin:catalog_title_changelist"),
        {"action": "rematch_metadata", "_selected_action": [held.pk, bare.pk]},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert "No Ids (2020): It has no TMDB or IMDb id to re-match by; set one first." in shown
    assert "1 title(s) re-matched." in shown
    held.refresh_from_db()
    assert (held.title, held.ratings) == ("Big Test Movie", SCORES)
    assert AuditEntry.objects.get(action="title_edit", actor=staff).target_id == str(held.pk)
    page = client.get(reverse("admin:catalog_title_change", args=[held.pk]))
    assert b"Rotten Tomatoes 83%" in page.content and b"tt0000424" in page.content
