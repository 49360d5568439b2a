from __future__ import annotations

from django.apps import AppConfig


class MedicConfig(AppConfig):
    name = "medic"
    verbose_name = "Medic"

    def ready(self) -> None:
        try:
            from accounts.services.auth import guest_merger
        except ImportError:  # an accounts app without guest merging
            return
        guest_merger(_merge_reports)


def _merge_reports(guest, into) -> None:
    """A guest's reports move to the account they log in to (the guest row is then deleted,
    which would otherwise delete its reports). An open report the account already has on the
    same target and issue wins; the guest's duplicate is closed as such."""
    from django.db import IntegrityError, transaction

    from medic.models import OPEN_STATUSES, Report, ReportStatus

    for report in Report.objects.filter(reported_by=guest):
        try:
            with transaction.atomic():
                Report.objects.filter(pk=report.pk).update(reported_by=into)
        except IntegrityError:
            Report.objects.filter(pk=report.pk, status__in=OPEN_STATUSES).update(
                status=ReportStatus.IGNORED, resolution_notes="Duplicate after guest login."
            )
            Report.objects.filter(pk=report.pk).update(reported_by=into)
