"""Resident memory of `tandem serve` as a real process, its clean stop, and the CLI's imports.

Starts `.venv/bin/tandem serve` (Slack over HTTP, SQLite in a temporary folder, the Slack Web
API the local fake of tests/slack_fake.py, everything on 127.0.0.1), waits for GET /healthz,
lets it idle, reads VmRSS from /proc, sends about 200 signed `/tandem` commands (a programme
prepared by its coordinator, then the mix of bench/slack_http.py), reads VmRSS again, sends
SIGTERM and times the exit. Then lists what `tandem --help` imports (`-X importtime`): it must
not import scipy or alembic. Prints figures; asserts nothing.

Run: .venv/bin/python bench/serve_memory.py [--idle 5] [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import slack_http  # bench/slack_http.py: the signed commands and the prepared programme

ROOT = Path(__file__).resolve().parent.parent
TANDEM = ROOT / ".venv" / "bin" / "tandem"
PYTHON = ROOT / ".venv" / "bin" / "python"
IDLE_LIMIT_MB = 200
STOP_WITHIN = 10.0  # seconds SIGTERM gets before the server is killed


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (peak resident) of a process, in MB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            out[name] = int(value.split()[0]) / 1024
    return out


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(  # noqa: S310 - 127.0.0.1
            f"http://127.0.0.1:{port}/healthz", timeout=2
        ) as response:
            return response.status == 200
    except OSError:
        return False


def serve(args: argparse.Namespace, slack_url: str, folder: Path) -> None:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(folder)),
        "SLACK_BOT_TOKEN": slack_http.TOKEN,
        "SLACK_SIGNING_SECRET": slack_http.SECRET,
        "SLACK_API_URL": slack_url,
        "TANDEM_HOST": "127.0.0.1",
        "TANDEM_COORDINATORS": slack_http.COORDINATOR,
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{folder / 'tandem.db'}",
    }
    log = (folder / "serve.log").open("w")
    started = time.monotonic()
    # cwd: the temporary folder, so no developer's .env is read.
    process = subprocess.Popen(  # noqa: S603 - our own entry point
        [str(TANDEM), "serve"], env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        while not healthy(port):
            if process.poll() is not None or time.monotonic() - started > 60:
                raise SystemExit(f"tandem serve did not become healthy:\n{_tail(folder)}")
            time.sleep(0.1)
        ready = time.monotonic() - started
        print(f"healthy after {ready:.2f} s (process start to GET /healthz 200)")
        time.sleep(args.idle)
        idle = memory(process.pid)
        print(
            f"idle {args.idle:g} s: VmRSS {idle['VmRSS']:.1f} MB, VmHWM {idle['VmHWM']:.1f} MB "
            f"(requirement: idle under {IDLE_LIMIT_MB} MB)"
        )
        slack_http.prepare(port)
        commands = slack_http.mix()
        failures = 0
        sent = 0
        for n in range(args.requests):
            user, text = commands[n % len(commands)]
            status, _ = slack_http.post(port, user, text)
            sent += 1
            failures += status != 200
        time.sleep(1)
        after = memory(process.pid)
        print(
            f"after {sent} commands (+{len(slack_http.people()) + 2} to prepare), {failures} "
            f"non-200: VmRSS {after['VmRSS']:.1f} MB, VmHWM {after['VmHWM']:.1f} MB"
        )
        stopping = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=STOP_WITHIN)
            print(f"SIGTERM: exited with {code} after {time.monotonic() - stopping:.2f} s")
        except subprocess.TimeoutExpired:
            print(f"SIGTERM: still running after {STOP_WITHIN:g} s; killed")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        log.close()
    errors = [line for line in _tail(folder, 10_000).splitlines() if " ERROR " in line]
    print(f"server log: {len(errors)} ERROR lines")
    for line in errors[:5]:
        print("   ", line[:200])


def _tail(folder: Path, lines: int = 20) -> str:
    return "\n".join((folder / "serve.log").read_text().splitlines()[-lines:])


def import_times() -> None:
    """What the CLI imports for --help, heaviest first (cumulative microseconds)."""
    runs = {
        "python -X importtime -m tandem.cli --help": [
            str(PYTHON),
            "-X",
            "importtime",
            "-m",
            "tandem.cli",
            "--help",
        ],
        "python -X importtime .venv/bin/tandem --help": [
            str(PYTHON),
            "-X",
            "importtime",
            str(TANDEM),
            "--help",
        ],
    }
    with tempfile.TemporaryDirectory() as folder:
        for label, command in runs.items():
            started = time.monotonic()
            result = subprocess.run(  # noqa: S603 - our own interpreter
                command, cwd=folder, capture_output=True, text=True, timeout=60, check=False
            )
            elapsed = time.monotonic() - started
            rows = []
            for line in result.stderr.splitlines():
                if not line.startswith("import time:") or "cumulative" in line:
                    continue
                _, cumulative, name = line.removeprefix("import time:").split("|")
                rows.append((int(cumulative), name.rstrip()))
            names = {name.strip().split(".")[0] for _, name in rows}
            top = sorted((r for r in rows if not r[1].startswith("  ")), reverse=True)
            print(
                f"\n{label}: exit {result.returncode}, {elapsed:.2f} s wall, {len(rows)} "
                f"modules, help printed: {'Usage' in result.stdout}; scipy imported: "
                f"{'scipy' in names}; alembic imported: {'alembic' in names}"
            )
            for cumulative, name in top[:8]:
                print(f"  {cumulative / 1000:8.1f} ms  {name.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=float, default=5.0, help="seconds idle before reading")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    args.idle = min(max(args.idle, 0.0), 60.0)
    args.requests = min(max(args.requests, 0), 5000)

    slack_http._tests_on_path()
    from slack_fake import FakeSlack, FakeUser

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, {sys.platform}")
    with tempfile.TemporaryDirectory() as folder, FakeSlack().in_background() as slack:
        for user, name in slack_http.people():
            slack.add_user(FakeUser(user, name, name.capitalize(), "Europe/London", name))
        serve(args, slack.url, Path(folder))
    import_times()


if __name__ == "__main__":
    main()
