from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [path("site/", api.SiteView.as_view(), name="site")]
