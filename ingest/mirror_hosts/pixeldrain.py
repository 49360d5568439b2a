"""pixeldrain's file API: ``PUT {api_url}/file/{name}`` with the API key as the basic-auth
password answers ``{"id": …}`` (201); the public page is ``{public_url}/u/{id}``; ``GET
{api_url}/file/{id}/info`` says whether it is still there; ``DELETE {api_url}/file/{id}``
removes it. Free accounts take files up to 20 GB (``max_bytes``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx

from ingest.mirror_hosts.base import MirrorError, MirrorRefused, raise_for


@dataclass
class PixeldrainMirror:
    name: str
    api_key: str
    api_url: str = "https://pixeldrain.com/api"
    public_url: str = "https://pixeldrain.com"
    icon: str = ""
    timeout: float = 600.0
    max_bytes: int = 20 * 10**9
    kind: str = "pixeldrain"
    checks_by_api = True

    def _id(self, url: str) -> str:
        prefix = f"{self.public_url.rstrip('/')}/u/"
        return url[len(prefix) :].strip("/") if url.startswith(prefix) else ""

    def _call(self, method: str, path: str, **kw) -> httpx.Response:
        try:
            return httpx.request(
                method,
                f"{self.api_url.rstrip('/')}{path}",
                auth=("", self.api_key),
                timeout=kw.pop("timeout", 30.0),
                **kw,
            )
        except httpx.HTTPError as exc:
            raise MirrorError(f"{self.name}: {type(exc).__name__}") from exc

    def upload(self, path: Path, file_name: str) -> str:
        def chunks():
            with open(path, "rb") as f:
                while block := f.read(1024 * 1024):
                    yield block

        response = self._call(
            "PUT",
            f"/file/{quote(file_name, safe='')}",
            content=chunks(),
            headers={"Content-Length": str(path.stat().st_size)},
            timeout=self.timeout,
        )
        raise_for(self.name, response)
        try:
            file_id = response.json().get("id")
        except ValueError as exc:
            raise MirrorRefused(f"{self.name}: answer is not JSON") from exc
        if not isinstance(file_id, str) or not file_id:
            raise MirrorRefused(f"{self.name}: no file id in the answer")
        return f"{self.public_url.rstrip('/')}/u/{file_id}"

    def check(self, url: str) -> bool:
        """200: there; 404 (or not one of its URLs): gone; anything else (a bad key, a 5xx, no
        answer) says nothing about the copy: MirrorError."""
        file_id = self._id(url)
        if not file_id:
            return False
        response = self._call("GET", f"/file/{file_id}/info")
        if response.status_code in (200, 404):
            return response.status_code == 200
        raise MirrorError(f"{self.name}: HTTP {response.status_code}")

    def delete(self, url: str) -> bool:
        file_id = self._id(url)
        if not file_id:
            return False
        response = self._call("DELETE", f"/file/{file_id}")
        if response.status_code == 404:
            return True
        raise_for(self.name, response)
        return True
