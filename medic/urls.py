from __future__ import annotations

from django.urls import path

from .api import MyReportsView, ReportCreateView

urlpatterns = [
    path("reports/", ReportCreateView.as_view(), name="report-create"),
    path("me/reports/", MyReportsView.as_view(), name="my-reports"),
]
