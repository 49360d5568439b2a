"""Live channels, measured. Run it through
``bash bench/run_api_read.sh --titles 1000 --script bench/live.py`` (private PostgreSQL and
Redis, production settings).

The shipped processes: nginx from ``deploy/nginx.conf.template`` with the RTMP side
(``LIVE_RTMP_LISTEN``), the web process (gunicorn gthread) and the stream process (uvicorn, the
Procfile's flags: the chat's WebSockets on the Redis channel layer).

1. **HLS delay.** ffmpeg publishes a 720p30 test clip (H.264 veryfast/zerolatency, a keyframe
   every 2 s, encoded beforehand: stream-copied in real time, as an encoder elsewhere would
   send it) to nginx-rtmp with a creator's key; the playlist is polled through nginx every
   50 ms. For each segment: when it became fetchable, minus when its last frame was published
   (the publish start plus its end PTS). A player holding ``liveSyncDurationCount`` (2)
   segments behind the live edge shows a frame that much later, so glass-to-glass ≈ that
   availability delay + 2 x the 2 s fragment. Baseline, same run: ffmpeg writing HLS itself
   (the same clip, 2 s segments) into a directory polled the same way.
2. **Chat.** ``--clients`` (200) WebSocket clients on one stream through nginx, one signed-in
   ``--senders`` (10) signed-in senders posting ``--messages`` in all at ``--rate`` per second
   together (a socket may send 20 frames per 5 s); each message carries its send time.
   Deliveries per second, p50/p95 delivery latency, the stream process's RSS. Baseline, same
   run: a bare ``websockets`` broadcast server (no Django, no Redis) with the same clients.

Prints a table and writes bench/out/live.json. Every process it started is stopped on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import platform
import subprocess
import sys
import textwrap
import time
from pathlib import Path

_parser = argparse.ArgumentParser()
_parser.add_argument("--work", required=True)
_parser.add_argument("--clients", type=int, default=200)
_parser.add_argument("--messages", type=int, default=200)
_parser.add_argument("--rate", type=float, default=20.0)
_parser.add_argument("--senders", type=int, default=10)
_parser.add_argument("--chat-only", action="store_true", help="skip the HLS measurements")
_parser.add_argument("--rounds", type=int, default=3, help="chat rounds; the median is kept")
_parser.add_argument("--direct", action="store_true", help="chat to uvicorn, not via nginx")
_parser.add_argument("--seconds", type=int, default=40, help="HLS measurement length")
ARGS = _parser.parse_args()
WORK = Path(ARGS.work) / "live"
WORK.mkdir(parents=True, exist_ok=True)
os.environ.update(
    {
        "LIVE_HLS_DIR": str(WORK / "hls"),
        "LIVE_RECORD_DIR": str(WORK / "rec"),
        "LIVE_RTMP_CALLBACK_SECRET": "bench-rtmp-callback-secret-0123",
        "LIVE_CHAT_RATE": "1000000",  # the senders post faster than a person may
        "STREAM_SIGNING_SECRET": "bench-signing-secret-0123456789abcdef",
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }
)

import httpx  # noqa: E402
from api_read import check_production_settings  # noqa: E402  (sets Django up)
from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from harness import Processes, free_port, pct, start_gunicorn, wait_http  # noqa: E402
from stream import status_kib  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from accounts.models import User  # noqa: E402
from core.management.commands.nginx_conf import render  # noqa: E402
from live import approval, services  # noqa: E402
from live.models import Creator, Stream, StreamStatus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FRAGMENT = 2.0
LIVE_SYNC = 2  # web/static/web/live.js: liveSyncDurationCount


def encode_clip(seconds: int) -> Path:
    """The test source, encoded once (not timed) as OBS would: 720p30 H.264 veryfast /
    zerolatency, a keyframe every 2 s, AAC. Publishing it with ``-c copy`` at its own pace
    costs the server nothing, as a creator's encoder runs on the creator's machine."""
    clip = WORK / "clip.flv"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=30:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
         "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "60",
         "-pix_fmt", "yuv420p", "-b:v", "2500k", "-c:a", "aac", "-b:a", "128k", str(clip)],
        check=True,
    )  # fmt: skip
    return clip


CLIP: Path | None = None


def encoder(seconds: int, out: list[str]) -> list[str]:
    """ffmpeg sending the clip in real time (looped) for ``seconds``, stream-copied."""
    assert CLIP is not None
    return ["ffmpeg", "-nostdin", "-v", "error", "-re", "-stream_loop", "-1", "-i", str(CLIP),
            "-t", str(seconds), "-c", "copy", *out]  # fmt: skip


def start_processes(procs: Processes) -> dict[str, str]:
    web = start_gunicorn(procs, WORK, "gthread", 2)
    stream_port = free_port()
    uvicorn = Path(sys.executable).parent / "uvicorn"
    stream_proc = procs.start(
        "stream",
        [str(uvicorn), "streamvault.asgi:application", "--host", "127.0.0.1", "--port",
         str(stream_port), "--no-access-log", "--ws-max-size", "65536", "--log-level",
         "warning"],
        WORK / "stream.log", cwd=ROOT,
    )  # fmt: skip
    ports = {"http": free_port(), "rtmp": free_port(), "control": free_port()}
    env = {
        "EDGE_LISTEN": f"127.0.0.1:{ports['http']}",
        "EDGE_WORKERS": "2",
        "WEB_PORT": web.rsplit(":", 1)[-1],
        "STREAM_PORT": str(stream_port),
        "LIVE_RTMP_LISTEN": f"127.0.0.1:{ports['rtmp']}",
        "LIVE_RTMP_CONTROL_LISTEN": f"127.0.0.1:{ports['control']}",
    }
    if os.geteuid() == 0:
        env["EDGE_USER"] = "root"
    os.environ.update(env)
    run_dir = WORK / "nginx"
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
    Path(settings.EDGE_DIR).mkdir(parents=True, exist_ok=True)
    conf = run_dir / "nginx.conf"
    conf.write_text(render(run_dir=run_dir))
    checked = subprocess.run(["nginx", "-t", "-p", str(run_dir), "-c", str(conf)],
                             capture_output=True, text=True)  # fmt: skip
    if checked.returncode:
        sys.exit(f"nginx -t: {checked.stderr}")
    nginx = procs.start(
        "nginx", ["nginx", "-p", str(run_dir), "-c", str(conf), "-g", "daemon off;"],
        run_dir / "stdout.log",
    )  # fmt: skip
    base = f"http://127.0.0.1:{ports['http']}"
    wait_http(web + "/live/", procs.procs[0][1], "web")
    wait_http(f"http://127.0.0.1:{stream_port}/live/", stream_proc, "stream")
    wait_http(base + "/live/", nginx, "nginx")
    return {"base": base, "rtmp": f"rtmp://127.0.0.1:{ports['rtmp']}/live",
            "stream_pid": str(stream_proc.pid),
            "stream": f"http://127.0.0.1:{stream_port}"}  # fmt: skip


# --- 1. HLS delay ----------------------------------------------------------------------------


def probe_start(path: Path) -> tuple[float, float]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=start_time,duration", "-of",
         "json", str(path)],
        capture_output=True, text=True, timeout=30, check=True,
    ).stdout  # fmt: skip
    fmt = json.loads(out)["format"]
    return float(fmt["start_time"]), float(fmt["duration"])


def poll_segments(playlist, fetch, began: float, seconds: int, folder: Path) -> list[float]:
    """Each segment's availability delay: when it was first fetchable, minus when its last
    frame was published (publish start + its end PTS, relative to the first segment)."""
    seen: dict[str, float] = {}
    deadline = time.monotonic() + seconds + 15
    while time.monotonic() < deadline:
        for name in playlist():
            if name not in seen and (body := fetch(name)) is not None:
                seen[name] = time.time()
                (folder / name).write_bytes(body)
        time.sleep(0.05)
    delays, first = [], None
    for name, when in sorted(seen.items(), key=lambda kv: kv[1]):
        start, duration = probe_start(folder / name)
        first = start if first is None else first
        delays.append(when - (began + (start - first) + duration))
    return delays[1:-1]  # the first and the last are partial


def bench_channel(user) -> Creator:
    """The bench's channel, approved (a new channel waits for staff)."""
    creator = getattr(user, "creator", None) or services.creator_become(
        user=user, channel_name="Bench Channel"
    )
    approval.creator_approve(creator=creator, actor="bench")
    return creator


def hls_ours(urls: dict[str, str], seconds: int) -> dict:
    user, _ = User.objects.get_or_create(username="bench-creator", defaults={"kind": "telegram"})
    creator = bench_channel(user)
    key = services.stream_key_rotate(creator=creator)
    began = time.time()
    publisher = subprocess.Popen(encoder(seconds, ["-f", "flv", f"{urls['rtmp']}/{key}"]))
    deadline = time.monotonic() + 15
    stream = None
    while stream is None and time.monotonic() < deadline:
        stream = Stream.objects.filter(creator=creator, status=StreamStatus.LIVE).first()
        time.sleep(0.05)
    assert stream is not None, "the broadcast never went live"
    client = httpx.Client(base_url=urls["base"], timeout=5)
    first_playable: list[float] = []

    def playlist() -> list[str]:
        response = client.get(f"/live/hls/{stream.public_id}.m3u8")
        if response.status_code != 200:
            return []
        return [line for line in response.text.splitlines() if line.endswith(".ts")]

    def fetch(name: str) -> bytes | None:
        response = client.get(f"/live/hls/{name}")
        if response.status_code != 200:
            return None
        if not first_playable:
            first_playable.append(time.time() - began)
        return response.content

    folder = WORK / "ours"
    folder.mkdir(exist_ok=True)
    delays = poll_segments(playlist, fetch, began, seconds, folder)
    publisher.wait(timeout=60)
    return {"delays": delays, "first_playable_s": first_playable[0], "public_id": stream.public_id}


def hls_baseline(seconds: int) -> dict:
    folder = WORK / "baseline"
    folder.mkdir(exist_ok=True)
    out = ["-f", "hls", "-hls_time", str(int(FRAGMENT)), "-hls_list_size", "5",
           "-hls_flags", "delete_segments", str(folder / "index.m3u8")]  # fmt: skip
    began = time.time()
    publisher = subprocess.Popen(encoder(seconds, out))
    copies = WORK / "baseline-copies"
    copies.mkdir(exist_ok=True)
    first_playable: list[float] = []

    def playlist() -> list[str]:
        try:
            text = (folder / "index.m3u8").read_text()
        except FileNotFoundError:
            return []
        return [line for line in text.splitlines() if line.endswith(".ts")]

    def fetch(name: str) -> bytes | None:
        try:
            body = (folder / name).read_bytes()
        except FileNotFoundError:
            return None
        if not first_playable:
            first_playable.append(time.time() - began)
        return body

    delays = poll_segments(playlist, fetch, began, seconds, copies)
    publisher.wait(timeout=60)
    return {"delays": delays, "first_playable_s": first_playable[0]}


# --- 2. chat ---------------------------------------------------------------------------------


BARE_SERVER = textwrap.dedent(
    """
    import asyncio, sys
    from websockets.asyncio.server import broadcast, serve
    clients = set()
    async def handler(ws):
        clients.add(ws)
        try:
            async for frame in ws:
                broadcast(clients, frame)
        finally:
            clients.discard(ws)
    async def main():
        async with serve(handler, "127.0.0.1", int(sys.argv[1]), max_size=65536):
            await asyncio.Future()
    asyncio.run(main())
    """
)


async def chat_run(url: str, headers: dict, senders: list[dict], wrap: bool) -> dict:
    """``--clients`` receivers and the senders on ``url``; returns latencies and throughput."""
    latencies: list[float] = []
    received = 0
    done = asyncio.Event()
    expected = ARGS.clients * ARGS.messages

    async def receiver(ws) -> None:
        nonlocal received
        async for frame in ws:
            now = time.time()
            text = json.loads(frame).get("message", "") if wrap else frame
            if not isinstance(text, str) or not text.startswith("bench "):
                continue
            latencies.append(now - float(text.split()[2]))
            received += 1
            if received >= expected:
                done.set()

    sockets = [
        await connect(url, additional_headers=headers, max_size=2**20) for _ in range(ARGS.clients)
    ]
    tasks = [asyncio.create_task(receiver(ws)) for ws in sockets]
    writers = [await connect(url, additional_headers=h) for h in senders]
    await asyncio.sleep(1.0)
    started = time.time()
    for n in range(ARGS.messages):
        text = f"bench {n} {time.time():.6f}"
        frame = json.dumps({"type": "message", "message": text}) if wrap else text
        await writers[n % len(writers)].send(frame)
        await asyncio.sleep(1 / ARGS.rate)
    with contextlib.suppress(TimeoutError):  # what did not arrive is counted as such
        await asyncio.wait_for(done.wait(), timeout=30)
    elapsed = max(time.time() - started, 1e-9)
    for ws in [*sockets, *writers]:
        await ws.close()
    for task in tasks:
        task.cancel()
    return {
        "delivered": received,
        "expected": expected,
        "per_second": received / elapsed,
        "p50_ms": pct(latencies, 50) * 1000 if latencies else None,
        "p95_ms": pct(latencies, 95) * 1000 if latencies else None,
        "max_ms": max(latencies) * 1000 if latencies else None,
    }


def chat_ours(urls: dict[str, str], public_id: str) -> dict:
    origin = {"Origin": urls["base"]}
    senders = []
    for n in range(ARGS.senders):
        user = User.objects.get_or_create(
            username=f"bench-sender-{n}", defaults={"kind": "telegram"}
        )[0]
        client = Client()
        client.force_login(user)
        senders.append({**origin, "Cookie": f"sessionid={client.cookies['sessionid'].value}"})
    base = urls["stream"] if ARGS.direct else urls["base"]
    ws_url = base.replace("http://", "ws://") + f"/ws/live/{public_id}/"
    pid = int(urls["stream_pid"])
    rss_before = status_kib(pid, "VmRSS")
    cpu_before, wall = cpu_seconds(pid), time.monotonic()
    result = median_round(lambda: asyncio.run(chat_run(ws_url, origin, senders, wrap=True)))
    result["stream_cpu_share"] = (cpu_seconds(pid) - cpu_before) / (time.monotonic() - wall)
    result["rss_before_mib"] = rss_before / 1024
    result["rss_after_mib"] = status_kib(pid, "VmRSS") / 1024
    result["rss_peak_mib"] = status_kib(pid, "VmHWM") / 1024
    return result


def median_round(run) -> dict:
    """``--rounds`` runs; the one with the median p95 (other load on a 2-core machine moves
    single runs), with every round's p95 kept."""
    rounds = sorted((run() for _ in range(ARGS.rounds)), key=lambda r: r["p95_ms"] or 1e9)
    kept = rounds[len(rounds) // 2]
    kept["p95_ms_rounds"] = [r["p95_ms"] for r in rounds]
    return kept


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def chat_baseline(procs: Processes) -> dict:
    port = free_port()
    proc = procs.start("bare-ws", [sys.executable, "-c", BARE_SERVER, str(port)],
                       WORK / "bare.log")  # fmt: skip
    time.sleep(1.0)
    senders = [{} for _ in range(ARGS.senders)]
    result = median_round(
        lambda: asyncio.run(chat_run(f"ws://127.0.0.1:{port}/", {}, senders, wrap=False))
    )
    result["rss_peak_mib"] = status_kib(proc.pid, "VmHWM") / 1024
    return result


def main() -> None:
    global CLIP
    check_production_settings()
    CLIP = encode_clip(60)
    procs = Processes(WORK)
    try:
        urls = start_processes(procs)
        empty = {"delays": [0.0], "first_playable_s": 0.0}
        ours = empty if ARGS.chat_only else hls_ours(urls, ARGS.seconds)
        base = empty if ARGS.chat_only else hls_baseline(ARGS.seconds)
        # A broadcast the chat runs on (the one above ended with its encoder).
        user = User.objects.get_or_create(username="bench-creator", defaults={"kind": "telegram"})[
            0
        ]
        creator = bench_channel(user)
        key = services.stream_key_rotate(creator=creator)
        publisher = subprocess.Popen(encoder(600, ["-f", "flv", f"{urls['rtmp']}/{key}"]))
        deadline = time.monotonic() + 15
        live = None
        while live is None and time.monotonic() < deadline:
            live = Stream.objects.filter(creator=creator, status=StreamStatus.LIVE).first()
            time.sleep(0.1)
        chat = chat_ours(urls, live.public_id)
        publisher.terminate()
        publisher.wait()
        bare = chat_baseline(procs)
    finally:
        procs.stop_all()
    report(ours, base, chat, bare)


def report(ours: dict, base: dict, chat: dict, bare: dict) -> None:
    def stats(delays: list[float]) -> dict:
        return {"p50": pct(delays, 50), "p95": pct(delays, 95), "n": len(delays)}

    o, b = stats(ours["delays"]), stats(base["delays"])
    glass = o["p95"] + LIVE_SYNC * FRAGMENT
    glass_base = b["p95"] + LIVE_SYNC * FRAGMENT
    rows = [
        ("HLS: segment fetchable after its last frame, p50 / p95 (s)",
         f"{o['p50']:.2f} / {o['p95']:.2f} ({o['n']} segments)",
         f"ffmpeg's own HLS {b['p50']:.2f} / {b['p95']:.2f}", ""),
        ("HLS: first playable segment after the publish started (s)",
         f"{ours['first_playable_s']:.2f}", f"{base['first_playable_s']:.2f}", ""),
        ("HLS: glass-to-glass for hls.js at 2 segments behind the edge, p95 (s)",
         f"{glass:.2f}", f"{glass_base:.2f}", f"{glass / glass_base:.2f}x  target ≤ 8 s"),
        (f"chat: {ARGS.clients} clients, {ARGS.messages} messages at {ARGS.rate:g}/s from "
         f"{ARGS.senders} senders — delivered",
         f"{chat['delivered']} / {chat['expected']}, {chat['per_second']:.0f}/s",
         f"bare websockets {bare['delivered']}, {bare['per_second']:.0f}/s", ""),
        (f"chat: delivery latency p50 / p95 (ms), median of {ARGS.rounds} rounds",
         f"{chat['p50_ms']:.1f} / {chat['p95_ms']:.1f} (max {chat['max_ms']:.0f}; p95 of each "
         f"round {', '.join(f'{v:.0f}' for v in chat['p95_ms_rounds'])})",
         f"{bare['p50_ms']:.1f} / {bare['p95_ms']:.1f}",
         f"{chat['p95_ms'] / bare['p95_ms']:.1f}x  target p95 ≤ 100 ms"),
        ("stream process CPU during the chat run (share of one core)",
         f"{chat['stream_cpu_share']:.2f}", "", ""),
        ("stream process RSS before / after / peak (MiB)",
         f"{chat['rss_before_mib']:.0f} / {chat['rss_after_mib']:.0f} / {chat['rss_peak_mib']:.0f}",
         f"bare server peak {bare['rss_peak_mib']:.0f}", ""),
    ]  # fmt: skip
    print(f"\nbench/live.py — {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
          f"{platform.machine()}, {os.cpu_count()} cores")  # fmt: skip
    for name, figure, baseline, ratio in rows:
        print(f"  {name}\n      {figure}   | baseline: {baseline}   {ratio}")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    hls = {
        "ours": o,
        "baseline": b,
        "first_playable": [ours["first_playable_s"], base["first_playable_s"]],
        "glass_p95": [glass, glass_base],
    }
    result = {"hls": hls, "chat": chat, "bare": bare, "args": vars(ARGS)}
    (out / "live.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
