"""Channel pictures: an upload is checked and re-encoded (JPEG, bounded, metadata gone), stored
in the vault and served at /api/live/img/<ref>; only refs a channel or category holds are
served; a category's picture is uploaded in the admin."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from live.models import Category, Creator
from tests.factories import CreatorFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _png(size=(2000, 1000), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def test_a_profile_photo_is_re_encoded_stored_and_served(client):
    creator = CreatorFactory()
    client.force_login(creator.user)
    upload = SimpleUploadedFile("me.png", _png(), content_type="image/png")
    response = client.post("/api/live/studio/images/", {"kind": "profile", "image": upload})
    assert response.status_code == 200, response.content
    url = response.json()["profile_photo"]
    assert url.startswith("/api/live/img/")
    picture = client.get(url)
    assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"
    with Image.open(
        io.BytesIO(b"".join(picture.streaming_content) if picture.streaming else picture.content)
    ) as img:
        assert img.format == "JPEG" and max(img.size) <= 512
    assert client.get(f"/api/live/creators/{creator.pk}/").json()["profile_photo"] == url
    # The ref alone is served only while a channel holds it.
    Creator.objects.filter(pk=creator.pk).update(is_deleted=True)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "kind, data, field",
    [
        ("profile", b"not a picture", "image"),
        ("avatar", None, "kind"),
        ("cover", b"GIF89a" + b"\x00" * 20, "image"),
    ],
)
def test_bad_uploads_are_field_errors(client, kind, data, field):
    creator = CreatorFactory()
    client.force_login(creator.user)
    upload = SimpleUploadedFile("x.png", data or _png((10, 10)), content_type="image/png")
    response = client.post("/api/live/studio/images/", {"kind": kind, "image": upload})
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert Creator.objects.get(pk=creator.pk).profile_photo == ""


def test_unknown_refs_are_404(client):
    for ref in ("local:" + "a" * 64, "nonsense", "a" * 64):
        response = client.get(f"/api/live/img/{ref}")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert client.post("/api/live/img/nonsense").status_code == 405


def test_a_category_picture_is_uploaded_in_the_admin(client):
    client.force_login(StaffFactory())
    upload = SimpleUploadedFile("games.png", _png((800, 400)), content_type="image/png")
    response = client.post(
        "/admin/live/category/add/",
        {"name": "Games", "is_active": "on", "upload": upload, "image": "", "cover_photo": ""},
    )
    assert response.status_code == 302, response.content[:2000]
    category = Category.objects.get()
    assert category.image.startswith("local:")
    listed = client.get("/api/live/categories/").json()["results"][0]
    assert client.get(listed["image"]).status_code == 200
    missing = client.post("/admin/live/category/add/", {"name": "Music", "is_active": "on"})
    assert missing.status_code == 200 and "needs a picture" in missing.content.decode()


def test_a_huge_picture_is_refused_before_it_is_decoded(client):
    creator = CreatorFactory()
    client.force_login(creator.user)
    out = io.BytesIO()
    Image.new("1", (7000, 7000)).save(out, "PNG")  # 49 megapixels, a few KiB
    upload = SimpleUploadedFile("big.png", out.getvalue(), content_type="image/png")
    response = client.post("/api/live/studio/images/", {"kind": "cover", "image": upload})
    assert response.status_code == 400
    assert "megapixels" in response.json()["error"]["fields"]["image"][0]
