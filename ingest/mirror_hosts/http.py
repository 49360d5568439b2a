"""A host configured, not coded: the file posted as multipart to ``upload_url``
(``file_field``), with ``Authorization: Bearer <api_key>`` when a key is set; the public URL read
from the JSON answer at ``url_field`` (a dotted path: ``result.url``, ``files.0.link``). With
``delete_method`` set (``DELETE``), a copy is deleted by that request on its URL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ingest.mirror_hosts.base import MirrorError, MirrorRefused, raise_for, url_alive


def _dig(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        elif isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return None
    return data


@dataclass
class GenericHttpMirror:
    name: str
    upload_url: str
    api_key: str = ""
    file_field: str = "file"
    url_field: str = "url"
    icon: str = ""
    timeout: float = 600.0
    max_bytes: int = 0
    delete_method: str = ""
    kind: str = "http"
    checks_by_api = False  # a HEAD on the public URL: the medic's own HTTP check does better

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def upload(self, path: Path, file_name: str) -> str:
        try:
            with open(path, "rb") as f:
                response = httpx.post(
                    self.upload_url,
                    files={self.file_field: (file_name, f, "application/octet-stream")},
                    headers=self._headers(),
                    timeout=self.timeout,
                )
        except httpx.HTTPError as exc:
            raise MirrorError(f"{self.name}: {type(exc).__name__}") from exc
        raise_for(self.name, response)
        try:
            url = _dig(response.json(), self.url_field)
        except ValueError as exc:
            raise MirrorRefused(f"{self.name}: answer is not JSON") from exc
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise MirrorRefused(f"{self.name}: no URL at {self.url_field!r} in the answer")
        return url

    def check(self, url: str) -> bool:
        return url_alive(url)

    def delete(self, url: str) -> bool:
        if not self.delete_method:
            return False
        try:
            response = httpx.request(self.delete_method, url, headers=self._headers(), timeout=30.0)
        except httpx.HTTPError as exc:
            raise MirrorError(f"{self.name}: {type(exc).__name__}") from exc
        if response.status_code == 404:
            return True  # already gone
        raise_for(self.name, response)
        return True
