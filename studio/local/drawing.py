"""Storyboard panels drawn with Pillow from a scene's own data: the frame follows the camera
angle (a close-up fills the frame with one face, a wide shot shows everyone small), the
characters stand in the frame with their names, the light follows the time of day and the
caption carries the panel's dialogue line. Deterministic: the same scene draws the same."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

SIZES = {"16:9": (1280, 720), "4:3": (1024, 768), "21:9": (1344, 576)}
SKY = {"dawn": "#f6c1a6", "day": "#bfe3f5", "dusk": "#8f6fa8", "night": "#1d2440"}
GROUND = {"dawn": "#b9a58a", "day": "#9cc38c", "dusk": "#5d5670", "night": "#2c3147"}
INK = {"dawn": "#222222", "day": "#222222", "dusk": "#f4f4f4", "night": "#f4f4f4"}
FALLBACK_COLOURS = ["#d1495b", "#00798c", "#edae49", "#30638e", "#66a182", "#8d5a97"]
# How big a figure is for a camera angle (a share of the frame's height) and how many show.
SHOTS = {
    "extreme close-up": (2.4, 1),
    "close-up": (1.6, 1),
    "medium close-up": (1.15, 2),
    "medium": (0.85, 3),
    "over-the-shoulder": (1.0, 2),
    "wide": (0.45, 8),
    "establishing": (0.3, 8),
}


@dataclass(frozen=True)
class Figure:
    name: str
    colour: str


@dataclass(frozen=True)
class PanelSpec:
    scene_number: int
    panel_number: int
    camera_angle: str
    description: str
    location: str
    time_of_day: str
    figures: tuple[Figure, ...]
    caption: str


def shot_of(camera_angle: str) -> tuple[float, int]:
    """The figure scale and the most figures for a camera angle (free text: the first known
    angle it names; "medium" when it names none)."""
    angle = camera_angle.strip().lower()
    for name in sorted(SHOTS, key=len, reverse=True):
        if name in angle:
            return SHOTS[name]
    return SHOTS["medium"]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def colour_of(palette: list, index: int) -> str:
    for value in palette:
        if isinstance(value, str) and value.startswith("#") and len(value) in (4, 7):
            try:
                Image.new("RGB", (1, 1), value)
            except ValueError:
                continue
            return value
    return FALLBACK_COLOURS[index % len(FALLBACK_COLOURS)]


def draw_panel(spec: PanelSpec, aspect_ratio: str) -> tuple[bytes, dict]:
    """The panel as PNG bytes, and its technical data (width, height, format, what shows)."""
    width, height = SIZES.get(aspect_ratio, SIZES["16:9"])
    light = spec.time_of_day if spec.time_of_day in SKY else "day"
    picture = Image.new("RGB", (width, height), SKY[light])
    pen = ImageDraw.Draw(picture)
    horizon = int(height * 0.62)
    pen.rectangle((0, horizon, width, height), fill=GROUND[light])
    scale, most = shot_of(spec.camera_angle)
    shown = spec.figures[:most]
    figure_h = int(height * 0.55 * scale)
    for i, figure in enumerate(shown):
        centre_x = int(width * (i + 1) / (len(shown) + 1))
        head_r = max(6, figure_h // 7)
        # The head stays in the frame (a close-up crops the body at the bottom instead).
        top = max(horizon + int(height * 0.18) - figure_h, int(height * 0.12))
        feet_y = top + figure_h
        pen.ellipse(
            (centre_x - head_r, top, centre_x + head_r, top + 2 * head_r),
            fill="#f1d3b3",
            outline="#333333",
            width=2,
        )
        pen.rounded_rectangle(
            (centre_x - head_r * 1.4, top + 2 * head_r, centre_x + head_r * 1.4, feet_y),
            radius=head_r // 2,
            fill=figure.colour,
            outline="#333333",
            width=2,
        )
        label = _font(max(14, min(36, head_r)))
        if top - 6 > height * 0.1:  # the name above the head, else on the body
            pen.text((centre_x, top - 6), figure.name, font=label, fill=INK[light], anchor="md")
        else:
            pen.text(
                (centre_x, top + 2 * head_r + 12),
                figure.name,
                font=label,
                fill="#ffffff",
                anchor="ma",
            )
    border = max(4, width // 160)
    pen.rectangle((0, 0, width - 1, height - 1), outline="#111111", width=border)
    heading = (
        f"Scene {spec.scene_number} · Panel {spec.panel_number} · {spec.camera_angle or 'medium'}"
    )
    if spec.location:
        heading += f" · {spec.location}"
    pen.text((border * 3, border * 3), heading, font=_font(height // 30), fill=INK[light])
    words = spec.caption or spec.description
    if words:
        size = height // 26
        lines = textwrap.wrap(words, width=max(20, int(width / (size * 0.55))))[:3]
        box_top = height - border - (len(lines) * int(size * 1.3)) - size
        pen.rectangle((border, box_top, width - border, height - border), fill="#000000")
        for n, line in enumerate(lines):
            pen.text(
                (width // 2, box_top + size // 2 + n * int(size * 1.3)),
                line,
                font=_font(size),
                fill="#ffffff",
                anchor="ma",
            )
    out = BytesIO()
    picture.save(out, "PNG", optimize=True)
    data = {
        "width": width,
        "height": height,
        "format": "png",
        "camera_angle": spec.camera_angle,
        "characters": [f.name for f in shown],
    }
    return out.getvalue(), data
