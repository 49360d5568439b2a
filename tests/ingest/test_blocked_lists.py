"""Blocked-hash lists: a text or CSV list imported in the admin or by a command blocks every
SHA-256 in it (idempotently, with one audit row per import and the bad lines reported by
number); a file on the list is then refused before it is stored, and the attempt alerted."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from catalog.models import MediaFile
from core.models import AdminAlert, AuditEntry
from ingest.blocked import file_sha256
from ingest.blocked_lists import blocked_list_import
from ingest.models import BlockedAttempt, BlockedHash
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db
A, B, C = "a" * 64, "B" * 64, "c" * 64


def test_a_csv_list_blocks_its_hashes_once_and_reports_bad_lines():
    text = f"sha256,reason\n{A},leak of case 7\n{B}\nnot-a-hash,x\n# a comment\n\n{C},\n"
    report = blocked_list_import(
        text=text, source="partner list 2026-12", reason="dmca", actor="cli"
    )
    assert (report.added, report.updated, report.unchanged) == (3, 0, 0)
    assert report.bad == [(4, "not-a-hash")]
    rows = {b.sha256: (b.reason, b.source) for b in BlockedHash.objects.all()}
    assert rows == {
        A: ("leak of case 7", "partner list 2026-12"),
        B.lower(): ("dmca", "partner list 2026-12"),
        C: ("dmca", "partner list 2026-12"),
    }
    audit = AuditEntry.objects.get(action="blocked_list_import")
    assert audit.after["added"] == 3 and audit.after["source"] == "partner list 2026-12"
    # Again: nothing changes and nothing more is audited.
    again = blocked_list_import(
        text=text, source="partner list 2026-12", reason="dmca", actor="cli"
    )
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    assert AuditEntry.objects.filter(action="blocked_list_import").count() == 1
    # A new reason for a known hash updates it.
    moved = blocked_list_import(text=f"{A}\n", source="case 9", reason="court order", actor="cli")
    assert (moved.added, moved.updated) == (0, 1)
    assert BlockedHash.objects.get(sha256=A).reason == "court order"


def test_a_list_with_no_hash_writes_nothing():
    with pytest.raises(ValueError, match="No line"):
        blocked_list_import(text="hello\nworld\n", source="junk", actor="cli")
    assert not BlockedHash.objects.exists() and not AuditEntry.objects.exists()


def test_a_file_on_an_imported_list_is_refused_and_alerted(media, tmp_path, settings):
    path = tmp_path / "list.txt"
    path.write_text(f"# from the partner\n{file_sha256(media.movie)}\n")
    call_command("blocked_hashes_import", str(path), "--source", "partner", "--reason", "leak")
    with pytest.raises(CommandError, match="is blocked: leak"):
        call_command("ingest_local", str(media.movie))
    assert MediaFile.objects.count() == 0
    assert BlockedAttempt.objects.get().source == str(media.movie)
    assert AdminAlert.objects.filter(kind=AdminAlert.Kind.BLOCKED_HASH).count() == 1


def test_the_command_refuses_an_unreadable_or_empty_list(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("blocked_hashes_import", str(tmp_path / "missing.txt"), "--source", "x")
    empty = tmp_path / "empty.txt"
    empty.write_text("nothing here\n")
    with pytest.raises(CommandError, match="No line"):
        call_command("blocked_hashes_import", str(empty), "--source", "x")


def test_the_admin_imports_a_file_for_staff_who_may_add_blocks(client):
    url = reverse("admin:ingest_blockedhash_import")
    client.force_login(StaffFactory())
    page = client.get(reverse("admin:ingest_blockedhash_changelist"))
    assert url in page.content.decode()
    upload = SimpleUploadedFile("list.csv", f"{A},case 1\n{B}\nbad\n".encode())
    done = client.post(url, {"source": "partner", "reason": "dmca", "file": upload}, follow=True)
    assert done.status_code == 200
    assert "2 added, 0 updated, 0 already blocked; 1 lines are not a SHA-256 (line 3)" in (
        done.content.decode()
    )
    assert BlockedHash.objects.count() == 2
    refused = client.post(url, {"source": "partner", "text": "nothing"})
    assert refused.status_code == 200 and "No line of the list" in refused.content.decode()
    missing = client.post(url, {"source": "partner"})
    assert "Give a file or paste the list." in missing.content.decode()
    outsider = UserFactory(is_staff=True)
    client.force_login(outsider)
    assert client.get(url).status_code == 403
