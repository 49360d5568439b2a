"""Ingest endpoints under /api/: crowdsourced submissions."""

from __future__ import annotations

from django.urls import path

from ingest import api

urlpatterns = [
    path("submissions/", api.SubmissionListCreate.as_view(), name="submissions"),
]
