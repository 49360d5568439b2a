"""The documents nginx serves (``catalog.edge``) and which hosts read which
(``tenants.edge``): one directory per catalog policy, filled whole, kept in step with every
write after commit; a takedown, a copyright hold on a shielded site and a suspension all take
the file (or the host's link) away, so nginx asks the app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog import services as catalog
from catalog.edge import policy_key
from catalog.models import ContentRating, TitleStatus
from catalog.policy import OPEN, CatalogPolicy
from tenants.models import TenantDomain, TenantStatus
from tests.factories import TitleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def edge(settings, tmp_path) -> Path:
    settings.EDGE_DIR = str(tmp_path / "edge")
    return tmp_path / "edge"


def _doc(edge: Path, host: str, short_id: str) -> dict | None:
    path = edge / "hosts" / host / f"{short_id}.json"
    return json.loads(path.read_bytes()) if path.exists() else None


def test_hosts_point_at_their_policy_and_documents_follow_every_write(
    edge, site, django_capture_on_commit_callbacks, client
):
    safe = TitleFactory(title="Quiet Garden", content_rating=ContentRating.SAFE)
    adult = TitleFactory(title="Late Night", content_rating=ContentRating.ADULT)
    family = site("Family", "family.example", allowed_ratings=["safe"], dmca_shield_active=True)
    site("Closed", "closed.example", status=TenantStatus.SUSPENDED)

    links = {p.name: p.resolve().name for p in (edge / "hosts").iterdir()}
    assert links["family.example"] == policy_key(
        CatalogPolicy(ratings=frozenset({"safe"}), dmca_shield=True)
    )
    assert links["localhost"] == links["127.0.0.1"] == policy_key(OPEN) == "open"
    assert "closed.example" not in links  # suspended: nginx asks the app (503)

    # The files are byte for byte what the API answers.
    body = client.get(f"/api/titles/{safe.short_id}/").content
    assert (edge / "hosts/localhost" / f"{safe.short_id}.json").read_bytes() == body
    assert _doc(edge, "family.example", adult.short_id) is None
    assert _doc(edge, "family.example", safe.short_id)["title"] == "Quiet Garden"

    with django_capture_on_commit_callbacks(execute=True):
        catalog.title_edit(title=safe, data={"overview": "New words."}, actor=None)
    assert _doc(edge, "localhost", safe.short_id)["overview"] == "New words."
    assert _doc(edge, "family.example", safe.short_id)["overview"] == "New words."

    # A copyright complaint hides the title at once where the shield is on, and only there.
    with django_capture_on_commit_callbacks(execute=True):
        catalog.title_copyright_hold_set(title_id=safe.pk, held=True)
    assert _doc(edge, "family.example", safe.short_id) is None
    assert _doc(edge, "localhost", safe.short_id) is not None

    # A takedown removes it everywhere.
    with django_capture_on_commit_callbacks(execute=True):
        catalog.title_set_status(title=safe, status=TitleStatus.BANNED)
    assert _doc(edge, "localhost", safe.short_id) is None

    # A domain removed: its link goes, and the policy directory nobody uses with it.
    with django_capture_on_commit_callbacks(execute=True):
        TenantDomain.objects.filter(tenant=family).delete()
    assert not (edge / "hosts/family.example").exists()
    assert [p.name for p in (edge / "docs").iterdir() if p.is_dir()] == ["open"]


def test_edge_sync_refill_writes_documents_the_bulk_loader_skipped(edge, settings):
    title = TitleFactory(title="Loaded Later")
    call_command("edge_sync")
    path = edge / "docs/open" / f"{title.short_id}.json"
    path.unlink()  # as after load_bulk, which writes rows without the read model's hooks
    call_command("edge_sync")
    assert not path.exists()  # a complete directory is not filled again …
    call_command("edge_sync", "--refill")
    assert path.exists()  # … unless asked


def test_edge_sync_without_an_edge_says_so(settings):
    settings.EDGE_DIR = ""
    with pytest.raises(CommandError, match="EDGE_DIR"):
        call_command("edge_sync")
