"""Small inline SVG bar charts for admin pages: no JavaScript, no CDN, escaped text."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def bar_chart(
    *,
    chart_id: str,
    label: str,
    points: Sequence[tuple[str, int]],
    color: str = "#417690",
    fmt: Callable[[int], str] = str,
) -> SafeString:
    """One bar per point (``(label, value)``, oldest first), with a hover title per bar."""
    width, height, pad = 600, 140, 20
    top = max([1, *(value for _, value in points)])
    slot = (width - 2 * pad) / max(1, len(points))
    bar, scale = max(1.0, slot - 2), (height - 2 * pad) / top
    rects = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>',
        (
            (
                f"{pad + i * slot:.1f}",
                f"{height - pad - value * scale:.1f}",
                f"{bar:.1f}",
                f"{value * scale:.1f}",
                color,
                name,
                fmt(value),
            )
            for i, (name, value) in enumerate(points)
        ),
    )
    return format_html(
        '<svg id="{id}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" '
        'role="img" aria-label="{label}">'
        '<line x1="{p}" y1="{b}" x2="{r}" y2="{b}" stroke="#999"/>{rects}'
        '<text x="{p}" y="12" font-size="11" fill="{color}">{label}: {total}</text>'
        '<text x="{r}" y="12" font-size="11" text-anchor="end" fill="#666">max {top}/day</text>'
        "</svg>",
        id=chart_id,
        w=width,
        h=height,
        p=pad,
        b=height - pad,
        r=width - pad,
        rects=mark_safe(rects),
        color=color,
        label=label,
        total=fmt(sum(value for _, value in points)),
        top=fmt(top),
    )
