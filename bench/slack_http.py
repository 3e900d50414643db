"""`/tandem` slash commands through the whole HTTP path of `tandem serve`, against bare Bolt.

Tandem: the server `tandem serve` builds (Slack signature check, Bolt, Tandem's middleware,
the engine in a worker thread, SQLite) on a database prepared with a programme, enrolled
people and pairs. Bare Bolt: an AsyncApp with the same signing secret, the same aiohttp
serving (slack_bolt.adapter.aiohttp) and process_before_response=False, whose `/tandem`
listener only acks. Each server runs in its own process, logging as `tandem serve` does (INFO,
to a file here); the load generator is an asyncio aiohttp client in a third process, sending
pre-signed form bodies: closed loop (N clients, each sending when its last answer came) for
throughput, then open loop (a fixed arrival rate, latency counted from the intended send
time) for p50/p99. The Slack Web API is the local fake (tests/slack_fake.py); everything binds
127.0.0.1. Prints figures; asserts nothing.

Run: .venv/bin/python bench/slack_http.py [--rate 200] [--seconds 15] [--clients 32]
     [--closed-seconds 10] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
COORDINATOR = "U0HANA"
PROGRAMME = "Bench 2027"
PAIRS = 6
TOPICS = ("TikTok", "Go", "SQL", "Design", "Sales", "Rust")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # as `tandem serve` logs
REQUEST_TIMEOUT = 10.0  # seconds: a request slower than this counts as an error


def _tests_on_path() -> None:
    """tests/ holds the fake Slack and Slack's request signing. The project's root goes on the
    path too: its `bot` package must win over the namespace package tests/bot would make."""
    for folder in (ROOT, ROOT / "tests"):
        if str(folder) not in sys.path:
            sys.path.append(str(folder))


def people() -> list[tuple[str, str]]:
    """(user id, name) of the mentors and mentees."""
    out = []
    for n in range(PAIRS):
        out += [(f"U0MENTOR{n}", f"mentor{n}"), (f"U0MENTEE{n}", f"mentee{n}")]
    return out


def mix() -> list[tuple[str, str]]:
    """The commands sent, as (user, text): a participant's status, help and goals, and the
    coordinator's programme status. Cycled in this order, so each run sends the same mix."""
    out: list[tuple[str, str]] = []
    for user, _ in people():
        out += [(user, "status"), (user, "help"), (user, "goals")]
        out.append((COORDINATOR, f'status "{PROGRAMME}"'))
    return out


# ---- the servers (each in its own process) ---------------------------------------------------


def _log_to(path: str) -> None:
    import logging

    logging.basicConfig(filename=path, level=logging.INFO, format=LOG_FORMAT)


async def _serve_until_terminated(start: Any, stop: Any, ready: Connection) -> None:
    import signal

    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, done.set)
    try:
        ready.send(await start())
        await done.wait()
    finally:
        await stop()


def tandem_server(
    db_url: str, slack_url: str, log_path: str, profile: str, synchronous: str, ready: Any
) -> None:
    """`tandem serve`'s own server (tandem.serve.build_server), Slack over HTTP.

    `synchronous` (a what-if, off by default): SQLite's PRAGMA synchronous on each connection.
    """
    from bot.clock import SystemClock
    from tandem.serve import build_server
    from tandem.settings import load_settings

    _log_to(log_path)
    settings = load_settings(
        {
            "DATABASE_URL": db_url,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack_url,
            "TANDEM_COORDINATORS": COORDINATOR,
            "TANDEM_HOST": "127.0.0.1",
            "TANDEM_SWEEP_SECONDS": "3600",  # no sweep lands inside a measurement
            "TANDEM_WORKER_ID": "bench",
        }
    )
    server = build_server(settings, clock=SystemClock())
    if synchronous:
        from sqlalchemy import event

        def pragma(connection: Any, _record: Any) -> None:
            connection.execute(f"PRAGMA synchronous={synchronous}")

        event.listen(server.built.db.engine, "connect", pragma)
        server.built.db.engine.dispose()  # the connections opened by migration go
    _run_server(lambda: server.start(port=0), server.stop, ready, profile)


def bare_server(slack_url: str, log_path: str, profile: str, ready: Any) -> None:
    """A bare Bolt AsyncApp served the same way; its `/tandem` listener only acks."""
    from aiohttp import web
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncAck, AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    _log_to(log_path)
    bolt = AsyncApp(
        client=AsyncWebClient(token=TOKEN, base_url=slack_url),
        signing_secret=SECRET,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
    )

    @bolt.command("/tandem")
    async def ack_only(ack: AsyncAck) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    runner = web.AppRunner(web_app)

    async def start() -> int:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return int(runner.addresses[0][1])

    _run_server(start, runner.cleanup, ready, profile)


def _run_server(start: Any, stop: Any, ready: Any, profile: str) -> None:
    if not profile:
        asyncio.run(_serve_until_terminated(start, stop, ready))
        return
    import cProfile
    import threading

    # The event loop's thread, and each worker thread the engine runs in, profiled apart.
    profiles: list[cProfile.Profile] = []

    def in_thread(*_args: Any) -> None:
        profiler = cProfile.Profile()
        profiles.append(profiler)
        profiler.enable()

    threading.setprofile(in_thread)
    main = cProfile.Profile()
    main.enable()
    try:
        asyncio.run(_serve_until_terminated(start, stop, ready))
    finally:
        main.disable()
        threading.setprofile(None)
        main.dump_stats(profile + ".loop")
        merged = None
        import pstats

        for profiler in profiles:
            profiler.disable()
            try:
                merged = pstats.Stats(profiler) if merged is None else merged.add(profiler)
            except TypeError:  # a thread that never ran any profiled code
                continue
        if merged is not None:
            merged.dump_stats(profile + ".threads")


# ---- the load generator (its own process) ----------------------------------------------------


def _signed_requests(count: int, timestamp: int) -> list[tuple[bytes, dict[str, str]]]:
    _tests_on_path()
    from slack_signing import signed_headers, slash_command

    requests = []
    commands = mix()
    for n in range(count):
        user, text = commands[n % len(commands)]
        body = slash_command(
            text,
            user_id=user,
            user_name=user.lower(),
            trigger_id=f"{n}.{timestamp}.bench",
            response_url=f"http://127.0.0.1:9/respond/{n}",  # never used: answers are acked
        )
        requests.append((body.encode(), signed_headers(body, SECRET, timestamp)))
    return requests


async def _one(session: Any, url: str, request: tuple[bytes, dict[str, str]], since: float) -> Any:
    body, headers = request
    try:
        async with session.post(url, data=body, headers=headers) as response:
            await response.read()
            status = response.status
    except Exception as error:  # timeouts and refused connections count as errors
        status = type(error).__name__
    return status, time.perf_counter() - since


async def _closed(url: str, clients: int, seconds: float) -> dict[str, Any]:
    import aiohttp

    requests = _signed_requests(2000, int(time.time()))
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=clients)
    results: list[Any] = []
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = time.perf_counter()
        deadline = started + seconds

        async def client(n: int) -> None:
            i = n
            while time.perf_counter() < deadline:
                results.append(await _one(session, url, requests[i % len(requests)], _now()))
                i += clients

        await asyncio.gather(*(client(n) for n in range(clients)))
        elapsed = time.perf_counter() - started
    return {"results": results, "elapsed": elapsed}


async def _open(url: str, rate: float, seconds: float) -> dict[str, Any]:
    import aiohttp

    count = int(rate * seconds)
    requests = _signed_requests(count, int(time.time()))
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=0)  # open loop: as many connections as it takes
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tasks = []
        started = time.perf_counter() + 0.1
        late = 0.0
        for n in range(count):
            due = started + n / rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            else:
                late = max(late, -wait)
            # Latency is counted from when the request was due, not when it went out, so a
            # server that falls behind is not flattered (no coordinated omission).
            tasks.append(asyncio.create_task(_one(session, url, requests[n], due)))
        results = await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    return {"results": results, "elapsed": elapsed, "late": late}


def _now() -> float:
    return time.perf_counter()


def load(url: str, mode: str, rate: float, clients: int, seconds: float, out: Any) -> None:
    cpu = time.process_time()
    if mode == "closed":
        report = asyncio.run(_closed(url, clients, seconds))
    else:
        report = asyncio.run(_open(url, rate, seconds))
    report["cpu"] = time.process_time() - cpu
    out.send(report)


# ---- the run ---------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def post(port: int, user: str, text: str) -> tuple[int, str]:
    """One signed command, sent synchronously (to prepare the database and check answers)."""
    _tests_on_path()
    from slack_signing import signed_headers, slash_command

    body = slash_command(
        text,
        user_id=user,
        user_name=user.lower(),
        trigger_id="1.1.bench",
        response_url="http://127.0.0.1:9/respond/setup",
    )
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events",
        data=body.encode(),
        headers=signed_headers(body, SECRET, int(time.time())),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - 127.0.0.1
        return response.status, response.read().decode()


def prepare(port: int) -> None:
    """The programme, its people and pairs, made as a coordinator would, through Slack."""
    commands = [
        f'programme create "{PROGRAMME}" --kind reverse --sessions 6 --cadence monthly',
    ]
    for n, (user, name) in enumerate(people()):
        topic = TOPICS[(n // 2) % len(TOPICS)]
        if n % 2 == 0:
            role = f'--role mentor --level 2 --offers "{topic}"'
        else:
            role = f'--role mentee --level 9 --wants "{topic.lower()}"'
        commands.append(f'enrol <@{user}|{name}> --programme "{PROGRAMME}" {role}')
    commands.append(f'match "{PROGRAMME}"')
    for text in commands:
        status, body = post(port, COORDINATOR, text)
        if status != 200:
            raise SystemExit(f"preparing failed: {text!r} answered {status} {body[:200]}")


def summary(report: dict[str, Any]) -> dict[str, Any]:
    results = report["results"]
    ok = sorted(latency for status, latency in results if status == 200)
    bad = [status for status, _ in results if status != 200]
    quantiles = statistics.quantiles(ok, n=100, method="inclusive") if len(ok) > 1 else [0] * 99
    return {
        "sent": len(results),
        "ok": len(ok),
        "errors": len(bad),
        "error_kinds": sorted({str(s) for s in bad}),
        "rps": len(ok) / report["elapsed"],
        "p50": quantiles[49] * 1000,
        "p99": quantiles[98] * 1000,
        "max": (ok[-1] * 1000) if ok else 0.0,
        "loadgen_cpu": report["cpu"] / report["elapsed"],
        "late": report.get("late", 0.0) * 1000,
    }


def measure(ctx: Any, port: int, pid: int, mode: str, args: argparse.Namespace) -> dict[str, Any]:
    receive, send = ctx.Pipe(duplex=False)
    url = f"http://127.0.0.1:{port}/slack/events"
    seconds = args.closed_seconds if mode == "closed" else args.seconds
    generator = ctx.Process(
        target=load, args=(url, mode, args.rate, args.clients, seconds, send), daemon=True
    )
    cpu = cpu_seconds(pid)
    generator.start()
    if not receive.poll(seconds + REQUEST_TIMEOUT + 60):
        generator.kill()
        raise SystemExit(f"the load generator did not finish ({mode})")
    report = receive.recv()
    generator.join(timeout=10)
    figures = summary(report)
    figures["server_cpu"] = (cpu_seconds(pid) - cpu) / report["elapsed"]
    figures["server_cpu_ms_per_request"] = (cpu_seconds(pid) - cpu) * 1000 / max(1, figures["sent"])
    return figures


def start_server(ctx: Any, target: Any, args: tuple[Any, ...]) -> tuple[Any, int]:
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(target=target, args=(*args, send), daemon=True)
    process.start()
    if not receive.poll(60):
        process.kill()
        raise SystemExit(f"{target.__name__} did not start")
    return process, int(receive.recv())


def stop_server(process: Any) -> None:
    process.terminate()  # SIGTERM: the server stops in order, as `tandem serve` does
    process.join(timeout=40)
    if process.is_alive():
        process.kill()
        process.join(timeout=5)


def check_answers(name: str, port: int) -> None:
    """Each command of the mix once, answered 200 (and, by Tandem, not with an apology); this
    also warms up: profiles fetched from users.info, caches filled, connections open."""
    for user, text in dict.fromkeys(mix()):
        status, body = post(port, user, text)
        if status != 200:
            raise SystemExit(f"{name}: {text!r} by {user} answered {status} {body[:200]}")
        if name == "tandem" and ("went wrong" in body or "Sorry" in body):
            raise SystemExit(f"tandem: {text!r} by {user} answered {body[:300]}")


def show(name: str, figures: dict[str, dict[str, Any]]) -> None:
    for mode, f in figures.items():
        print(
            f"{name:>6} {mode:>6} {f['sent']:>6} {f['errors']:>6} {f['rps']:>8.1f} "
            f"{f['p50']:>8.1f} {f['p99']:>8.1f} {f['max']:>8.1f} "
            f"{f['server_cpu'] * 100:>7.0f}% {f['server_cpu_ms_per_request']:>8.2f} "
            f"{f['loadgen_cpu'] * 100:>7.0f}%"
            + (f"  errors: {', '.join(f['error_kinds'])}" if f["errors"] else "")
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="open loop: requests a second")
    parser.add_argument("--seconds", type=float, default=15.0, help="open loop: duration")
    parser.add_argument("--clients", type=int, default=32, help="closed loop: concurrent clients")
    parser.add_argument("--closed-seconds", type=float, default=10.0)
    parser.add_argument("--profile", action="store_true", help="cProfile Tandem's server")
    parser.add_argument("--only", choices=("bare", "tandem"), help="measure one server only")
    parser.add_argument(
        "--sqlite-synchronous",
        choices=("NORMAL", "OFF"),
        help="what-if: run Tandem's SQLite with this PRAGMA synchronous (default: as shipped)",
    )
    args = parser.parse_args()
    args.rate = min(args.rate, 2000.0)
    args.seconds = min(args.seconds, 120.0)
    args.closed_seconds = min(args.closed_seconds, 120.0)

    _tests_on_path()
    from slack_fake import FakeSlack, FakeUser

    ctx = multiprocessing.get_context("spawn")
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, {sys.platform}, "
        f"load average {os.getloadavg()[0]:.2f} at the start"
    )
    if args.sqlite_synchronous:
        print(f"what-if: Tandem's SQLite with PRAGMA synchronous={args.sqlite_synchronous}")
    print(
        f"mix: {len(mix())} commands cycled (status, help, goals per person; the coordinator's"
        f' status "{PROGRAMME}"); {PAIRS} pairs'
    )
    print(
        f"closed loop: {args.clients} clients for {args.closed_seconds:g} s; "
        f"open loop: {args.rate:g} requests/s for {args.seconds:g} s"
    )
    results: dict[str, dict[str, dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as folder, FakeSlack().in_background() as slack:
        for user, name in people():
            slack.add_user(FakeUser(user, name, name.capitalize(), "Europe/London", name))
        profile = str(Path(folder) / "tandem.prof") if args.profile else ""
        servers = {
            "bare": (bare_server, (slack.url, str(Path(folder) / "bare.log"), "")),
            "tandem": (
                tandem_server,
                (
                    f"sqlite:///{Path(folder) / 'tandem.db'}",
                    slack.url,
                    str(Path(folder) / "tandem.log"),
                    profile,
                    args.sqlite_synchronous,
                ),
            ),
        }
        running: dict[str, tuple[Any, int]] = {}
        try:
            for name, (target, target_args) in servers.items():
                if args.only in (None, name):
                    running[name] = start_server(ctx, target, target_args)
            if "tandem" in running:
                prepare(running["tandem"][1])
            for name, (_, port) in running.items():
                check_answers(name, port)
            # Interleaved, so a change in the machine's load hits both servers alike.
            for mode in ("closed", "open"):
                for name, (process, port) in running.items():
                    results.setdefault(name, {})[mode] = measure(ctx, port, process.pid, mode, args)
        finally:
            for process, _ in running.values():
                stop_server(process)
        for name in servers:
            log = Path(folder) / f"{name}.log"
            if log.exists():
                lines = log.read_text().splitlines()
                bad = [line for line in lines if " WARNING " in line or " ERROR " in line]
                print(f"{name} server log: {len(lines)} lines, {len(bad)} warnings or errors")
                for line in bad[:5]:
                    print("   ", line[:200])
        if args.profile:
            show_profile(profile)

    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    print()
    print(
        f"{'server':>6} {'mode':>6} {'sent':>6} {'errors':>6} {'ok/s':>8} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'max ms':>8} {'srv CPU':>8} {'CPU ms/req':>8} {'gen CPU':>8}"
    )
    for name, figures in results.items():
        show(name, figures)
    if "bare" in results and "tandem" in results:
        bare, tandem = results["bare"]["closed"]["rps"], results["tandem"]["closed"]["rps"]
        print()
        print(
            f"throughput (closed loop, {args.clients} clients): bare Bolt {bare:.0f}/s, "
            f"Tandem {tandem:.0f}/s, ratio {tandem / bare:.2f} (target >= 0.70)"
        )
    if "tandem" in results:
        opened = results["tandem"]["open"]
        print(
            f"Tandem at {args.rate:g}/s: p50 {opened['p50']:.1f} ms, p99 {opened['p99']:.1f} ms "
            f"(target < 50 ms), {opened['errors']} errors or non-200"
        )


def show_profile(profile: str) -> None:
    import pstats

    for part in ("loop", "threads"):
        path = Path(f"{profile}.{part}")
        if not path.exists():
            continue
        print(f"\n---- cProfile, {part} (by cumulative time, top 25) ----")
        pstats.Stats(str(path)).sort_stats("cumulative").print_stats(25)
        print(f"\n---- cProfile, {part} (by own time, top 25) ----")
        pstats.Stats(str(path)).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
