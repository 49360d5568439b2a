"""The demo library's media, made here and now: short videos from ffmpeg's test sources with
speech-free tones, subtitles muxed in (SRT in two languages; a PGS image track on one file),
posters and backdrops and manga pages drawn with Pillow. Files already made are kept (a second
``seed_demo`` makes nothing)."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from media.pgs import pgs_subtitles

SIZES = {"360p": "640x360", "240p": "426x240"}
SEGMENT = 12  # seconds encoded; the rest is the segment again
AUDIO = {"aac": ["-c:a", "aac", "-b:a", "96k"], "ac3": ["-c:a", "ac3", "-b:a", "128k"]}


def _srt(cues: list[tuple[int, int, str]]) -> str:
    def stamp(s: int) -> str:
        return f"00:{s // 60:02d}:{s % 60:02d},000"

    return "".join(
        f"{n}\n{stamp(a)} --> {stamp(b)}\n{text}\n\n" for n, (a, b, text) in enumerate(cues, 1)
    )


def subtitles_for(name: str, seconds: int) -> dict[str, str]:
    """English and Spanish cues every few seconds, naming the title."""
    eng = [(s, s + 2, f"{name} — {s} seconds in") for s in range(1, seconds - 2, 4)]
    spa = [(s, s + 2, f"{name} — {s} segundos") for s in range(1, seconds - 2, 4)]
    return {"eng": _srt(eng), "spa": _srt(spa)}


def make_video(
    out: Path,
    *,
    seconds: int,
    quality: str,
    audio: str,
    pattern: str,
    tone: int,
    subtitles: dict[str, str],
    image_subtitle: bool = False,
) -> Path:
    """An MKV: H.264 video, ``audio`` (aac or ac3), the SRT tracks, optionally a PGS track."""
    if out.exists():
        return out
    work = out.parent / f".{out.stem}"
    work.mkdir(parents=True, exist_ok=True)
    # One short segment encoded, then looped by copying packets: minutes of video in seconds.
    segment = work / "segment.mkv"
    _ffmpeg(
        *("-f", "lavfi", "-i", f"{pattern}=size={SIZES[quality]}:rate=24:duration={SEGMENT}"),
        *("-f", "lavfi", "-i", f"sine=frequency={tone}:duration={SEGMENT}"),
        *("-c:v", "libx264", "-preset", "veryfast", "-crf", "32", "-g", "48"),
        *("-pix_fmt", "yuv420p"),
        *AUDIO[audio],
        str(segment),
    )
    loops = max(0, -(-seconds // SEGMENT) - 1)
    inputs = ["-stream_loop", str(loops), "-i", str(segment)]
    maps, meta = ["-map", "0:v", "-map", "0:a"], ["-metadata:s:a:0", "language=eng"]
    for n, (lang, text) in enumerate(subtitles.items()):
        srt = work / f"{lang}.srt"
        srt.write_text(text)
        inputs += ["-i", str(srt)]
        maps += ["-map", str(1 + n)]
        meta += [f"-metadata:s:s:{n}", f"language={lang}"]
    if image_subtitle:  # a PGS track (burnt-in signs, as Blu-ray rips carry them)
        sup = work / "signs.sup"
        width, height = (int(v) for v in SIZES[quality].split("x"))
        sup.write_bytes(pgs_subtitles([(1, 4), (6, 9)], width=width, height=height))
        inputs += ["-i", str(sup)]
        maps += ["-map", str(1 + len(subtitles))]
        meta += [f"-metadata:s:s:{len(subtitles)}", "language=eng"]
        meta += [f"-metadata:s:s:{len(subtitles)}", "title=Signs"]
    codecs = ["-c:v", "copy", "-c:a", "copy", "-c:s", "srt", "-t", str(seconds)]
    if image_subtitle:
        codecs += [f"-c:s:{len(subtitles)}", "copy"]
    tmp = work / "out.mkv"
    _ffmpeg(*inputs, *maps, *codecs, *meta, str(tmp))
    tmp.rename(out)
    shutil.rmtree(work)
    return out


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, timeout=300)


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf", size)
    except OSError:
        return ImageFont.load_default(size)


def draw_image(out: Path, *, text: str, size: tuple[int, int], color: tuple[int, int, int]) -> Path:
    """A poster (2:3) or a backdrop (16:9): a gradient in ``color`` with the title on it."""
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    w, h = size
    img = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(img)
    for y in range(h):
        shade = int(120 * y / h)
        draw.line([(0, y), (w, y)], fill=tuple(max(0, c - shade) for c in color))
    font = _font(max(14, w // 12))
    words, lines, line = text.split(), [], ""
    for word in words:
        if draw.textlength(f"{line} {word}".strip(), font=font) > w * 0.85 and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    y = h // 2 - len(lines) * font.size // 2
    for text_line in lines:
        x = (w - draw.textlength(text_line, font=font)) // 2
        draw.text((x, y), text_line, font=font, fill=(255, 255, 255))
        y += int(font.size * 1.2)
    img.save(out, format="JPEG", quality=85)
    return out


def make_chapter(out: Path, *, title: str, chapter: str, pages: int) -> Path:
    """A CBZ of ``pages`` drawn pages (JPEG), each saying its number."""
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as zf:
        for n in range(1, pages + 1):
            img = Image.new("RGB", (800, 1200), (250, 248, 240))
            draw = ImageDraw.Draw(img)
            for panel in range(3):
                top = 40 + panel * 380
                draw.rectangle([40, top, 760, top + 340], outline=(20, 20, 20), width=6)
            draw.text((80, 80), f"{title}", font=_font(40), fill=(20, 20, 20))
            draw.text((80, 500), f"Chapter {chapter}", font=_font(56), fill=(20, 20, 20))
            draw.text((80, 900), f"Page {n}", font=_font(72), fill=(180, 30, 30))
            buf = BytesIO()
            img.save(buf, format="JPEG", quality=80)
            zf.writestr(f"{n:03d}.jpg", buf.getvalue())
    return out
