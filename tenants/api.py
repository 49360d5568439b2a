"""``GET /api/site/``: the public configuration of the site the request is on — what a
frontend needs to dress itself (name, domain, logo, colour, footer links, the add-ons a visitor
may see)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

_SITE = inline_serializer(
    "Site",
    {
        "name": serializers.CharField(),
        "domain": serializers.CharField(),
        "logo": serializers.CharField(allow_null=True),
        "primary_color": serializers.CharField(),
        "footer_links": inline_serializer(
            "SiteLink",
            {"label": serializers.CharField(), "url": serializers.CharField()},
            many=True,
        ),
        "android_app": serializers.CharField(allow_null=True, help_text="The APK's URL"),
    },
)
DEFAULT = {
    "name": "StreamVault",
    "domain": "",
    "logo": None,
    "primary_color": "#e50914",
    "footer_links": [],
    "android_app": None,
}


class SiteView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: _SITE})
    def get(self, request: Request) -> Response:
        site = getattr(request._request, "site", None)
        if site is None:
            return Response({**DEFAULT, "domain": request.get_host().split(":")[0]})
        return Response(
            {
                "name": site.name,
                "domain": site.domain or request.get_host().split(":")[0],
                "logo": f"/api/img/{site.logo}" if site.logo else None,
                "primary_color": site.primary_color,
                "footer_links": [{"label": label, "url": url} for label, url in site.footer_links],
                "android_app": site.apk_url or None,
            }
        )
