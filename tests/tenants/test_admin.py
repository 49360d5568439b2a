"""Adding a tenant in the admin as an operator would: the domain typed as the owner gave it is
stored normalised (IDNA, lower-case, no trailing dot) and answers at once; nonsense is a form
error; the status badge and filters are on the list."""

from __future__ import annotations

import pytest

from tenants.models import Tenant, TenantDomain
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def _form(domain: str) -> dict[str, str]:
    return {
        "name": "Bücher",
        "owner_email": "owner@example.org",
        "plan": "fixed_fee",
        "rev_share_percent": "0",
        "primary_color": "#123456",
        "capacity_tier": "basic",
        "footer_links": "[]",
        "allowed_ratings": "[]",
        "allowed_media_types": "[]",
        "hidden_genres": "[]",
        "domains-TOTAL_FORMS": "1",
        "domains-INITIAL_FORMS": "0",
        "domains-0-domain": domain,
        "domains-0-is_primary": "on",
        "payments-TOTAL_FORMS": "0",
        "payments-INITIAL_FORMS": "0",
    }


def test_a_domain_typed_in_the_admin_is_stored_normalised_and_answers(
    client, site, django_capture_on_commit_callbacks
):
    site("Existing", "existing.example")
    client.force_login(StaffFactory(is_superuser=True))
    bad = client.post("/admin/tenants/tenant/add/", _form("not a domain!"))
    assert bad.status_code == 200 and b"Not a domain name" in bad.content
    with django_capture_on_commit_callbacks(execute=True):  # the save bumps the version key
        added = client.post("/admin/tenants/tenant/add/", _form("Bücher.Example."))
    assert added.status_code == 302, added.content[:2000]
    assert TenantDomain.objects.get(tenant__name="Bücher").domain == "xn--bcher-kva.example"
    client.logout()
    assert client.get("/api/site/", HTTP_HOST="xn--bcher-kva.example").json()["name"] == "Bücher"


def test_the_list_has_badges_and_filters(client, site):
    site("Late", "late.example", status="past_due")
    client.force_login(StaffFactory(is_superuser=True))
    page = client.get("/admin/tenants/tenant/?status__exact=past_due")
    html = page.content.decode()
    assert page.status_code == 200 and "Past due" in html and "#ef6c00" in html
    assert Tenant.objects.filter(status="past_due").count() == 1
