"""Viewers report a live stream: the stream is flagged ``is_reported``, a report row waits in the
admin's queue (an alert raised for the first), a viewer counts once; a moderator upholds
(the stream is taken down, its open reports closed) or dismisses (the flag drops when none is
left), each audited and idempotent. Bad input is a 4xx in the one error shape."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from core.models import AdminAlert, AuditEntry
from live import reports
from live.models import Stream, StreamReport, StreamReportStatus
from tests.factories import LiveStreamFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def _viewer() -> Client:
    client = Client()
    client.force_login(UserFactory())
    return client


def _report(client: Client, stream, reason: str = "spam", note: str = ""):
    return client.post(
        f"/api/live/streams/{stream.public_id}/report/",
        {"reason": reason, "note": note},
        "application/json",
    )


def test_a_viewer_reports_once_and_the_stream_is_flagged_and_alerted():
    stream = LiveStreamFactory()
    one, two = _viewer(), _viewer()
    assert _report(one, stream, "violence", "fighting").json() == {
        "counted": True, "reported_by_me": True
    }  # fmt: skip
    assert _report(one, stream, "spam").json()["counted"] is False
    assert _report(two, stream, "spam").json()["counted"] is True
    assert StreamReport.objects.filter(stream=stream).count() == 2
    first = StreamReport.objects.get(stream=stream, reason="violence")
    assert first.note == "fighting" and first.status == StreamReportStatus.OPEN
    detail = one.get(f"/api/live/streams/{stream.public_id}/").json()
    assert detail["is_reported"] is True and detail["reported_by_me"] is True
    assert Client().get(f"/api/live/streams/{stream.public_id}/").json()["reported_by_me"] is False
    # One alert for the stream, not one per report.
    alerts = AdminAlert.objects.filter(kind=AdminAlert.Kind.STREAM_REPORTED)
    assert alerts.count() == 1 and alerts.get().payload["stream"] == stream.public_id


def test_bad_reports_are_clear_4xx():
    stream = LiveStreamFactory()
    viewer = _viewer()
    bad = _report(viewer, stream, "boring")
    assert bad.status_code == 400 and "reason" in bad.json()["error"]["fields"]
    html = _report(viewer, stream, "spam", "<script>x</script>")
    assert html.status_code == 400 and "note" in html.json()["error"]["fields"]
    assert _report(viewer, stream, "spam", "x" * 501).status_code == 400
    assert _report(viewer, Stream(public_id="nope")).status_code == 404
    own = Client()
    own.force_login(stream.creator.user)
    assert _report(own, stream).status_code == 409
    assert not StreamReport.objects.exists()
    assert Stream.objects.get(pk=stream.pk).is_reported is False


def test_uphold_takes_the_stream_down_and_closes_its_reports(settings):
    settings.LIVE_RTMP_CONTROL_URL = ""
    stream = LiveStreamFactory(status="offline")
    _report(_viewer(), stream)
    _report(_viewer(), stream, "hate")
    moderator = StaffFactory()
    report = StreamReport.objects.filter(stream=stream).first()
    assert reports.stream_report_uphold(report=report, actor=moderator) is True
    assert reports.stream_report_uphold(report=report, actor=moderator) is False
    stream.refresh_from_db()
    assert stream.is_taken_down and not stream.is_reported
    assert set(StreamReport.objects.values_list("status", flat=True)) == {"upheld"}
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions.count("stream_report_uphold") == 1 and "stream_takedown" in actions
    assert Client().get(f"/api/live/streams/{stream.public_id}/").status_code == 404


def test_dismissing_the_last_open_report_drops_the_flag():
    stream = LiveStreamFactory()
    _report(_viewer(), stream)
    _report(_viewer(), stream)
    moderator = StaffFactory()
    first, second = StreamReport.objects.filter(stream=stream)
    assert reports.stream_report_dismiss(report=first, actor=moderator) is True
    assert reports.stream_report_dismiss(report=first, actor=moderator) is False
    assert Stream.objects.get(pk=stream.pk).is_reported is True
    reports.stream_report_dismiss(report=second, actor=moderator)
    assert Stream.objects.get(pk=stream.pk).is_reported is False
    assert AuditEntry.objects.filter(action="stream_report_dismiss").count() == 2


def test_the_admin_queue_acts_only_with_the_permission(client):
    stream = LiveStreamFactory()
    _report(_viewer(), stream)
    report = StreamReport.objects.get()
    viewer_only = UserFactory(is_staff=True)
    viewer_only.user_permissions.add(Permission.objects.get(codename="view_streamreport"))
    client.force_login(viewer_only)
    page = client.get("/admin/live/streamreport/")
    assert page.status_code == 200 and stream.title in page.content.decode()
    client.post("/admin/live/streamreport/",
                {"action": "uphold", "_selected_action": [report.pk]})  # fmt: skip
    assert StreamReport.objects.get().status == "open"
    client.force_login(StaffFactory())
    assert (
        client.get("/admin/live/stream/?is_reported__exact=1").content.decode().count(stream.title)
        >= 1
    )
    client.post("/admin/live/streamreport/",
                {"action": "dismiss", "_selected_action": [report.pk]})  # fmt: skip
    assert StreamReport.objects.get().status == "dismissed"
    assert Stream.objects.get(pk=stream.pk).is_reported is False


def test_the_stream_page_offers_the_report_form():
    stream = LiveStreamFactory()
    viewer = _viewer()
    page = viewer.get(f"/live/{stream.public_id}").content.decode()
    assert 'id="report-form"' in page and "Someone else&#x27;s content" in page
    _report(viewer, stream)
    assert "You reported this stream" in viewer.get(f"/live/{stream.public_id}").content.decode()
