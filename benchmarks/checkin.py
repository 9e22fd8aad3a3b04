"""Check-in throughput and latency against GET /healthz, through gunicorn.

    .venv/bin/python benchmarks/checkin.py                      # SQLite (WAL) file
    .venv/bin/python benchmarks/checkin.py --database postgresql://postgres@127.0.0.1/db

Starts gunicorn on 127.0.0.1 with the committed ``gunicorn.conf.py`` (its worker
class, threads and keep-alive; ``--workers``/``--worker-class``/``--threads``
override them) and a fresh database (a temporary SQLite file, or a
``checkin_bench`` schema in the given PostgreSQL database, dropped afterwards),
seeds a centre, ``--cards`` cards and a kiosk token, then measures with two
clients, each in its own process so the server keeps its CPUs:

- the project's driver: ``--clients`` concurrent keep-alive ``http.client``
  connections, GET /healthz and POST /api/v1/checkins alternating in ``--rounds``
  short rounds (each endpoint bounded by ``--requests``, each round by
  ``--seconds``);
- wrk (Debian package ``wrk``; skipped with a note when missing), the same
  alternation in ``--wrk-rounds`` rounds of ``--wrk-seconds``, the check-ins
  sent by ``benchmarks/checkin.lua``.

Check-ins use random cards, so both "new" and "duplicate" answers occur, and
alternating rounds let background load slow both endpoints alike. Prints req/s
and latency percentiles for both and the ratio check-ins/healthz. Target: ratio
>= 0.6 and check-in p99 < 50 ms at 16 connections.
"""

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "checkin_bench"
TARGET_RATIO = 0.6
TARGET_P99_MS = 50


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


# --- the load driver (runs in its own process) --------------------------------


def drive(spec: dict) -> dict:
    """Send requests from ``spec["clients"]`` threads; return timings per status."""
    port, path, method = spec["port"], spec["path"], spec["method"]
    headers = {"Content-Type": "application/json", **spec.get("headers", {})}
    codes = spec.get("codes", [])
    centre = spec.get("centre")
    deadline = time.monotonic() + spec["seconds"]
    remaining = [spec["requests"]]
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []

    def body() -> bytes | None:
        if method == "GET":
            return None
        return json.dumps(
            {
                "centre": centre,
                "code": random.choice(codes),
                "idempotency_key": str(uuid.uuid4()),
            }
        ).encode()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, seen = [], {}
        while time.monotonic() < deadline:
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            payload = body()
            start = time.perf_counter()
            try:
                conn.request(method, path, body=payload, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as error:
                errors.append(repr(error))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - start)
            seen[response.status] = seen.get(response.status, 0) + 1
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        conn.close()
        with lock:
            latencies.extend(mine)
            for status, n in seen.items():
                statuses[status] = statuses.get(status, 0) + n

    threads = [threading.Thread(target=client) for _ in range(spec["clients"])]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "seconds": time.perf_counter() - started,
        "latencies": latencies,
        "statuses": statuses,
        "errors": errors[:5],
    }


def combine(results: list[dict]) -> dict:
    """Merge the rounds of one endpoint into req/s and latency percentiles."""
    latencies = sorted(x for r in results for x in r["latencies"])
    seconds = sum(r["seconds"] for r in results)
    statuses: dict[str, int] = {}
    for r in results:
        for status, n in r["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    return {
        "requests": len(latencies),
        "rps": len(latencies) / seconds if seconds else 0.0,
        "p50_ms": 1000 * percentile(latencies, 50),
        "p95_ms": 1000 * percentile(latencies, 95),
        "p99_ms": 1000 * percentile(latencies, 99),
        "statuses": statuses,
        "errors": [e for r in results for e in r["errors"]][:5],
    }


def run_driver(spec: dict) -> dict:
    """Run :func:`drive` in a separate Python process (the server keeps its CPUs)."""
    result = subprocess.run(
        [sys.executable, __file__, "--drive"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        check=True,
        timeout=spec["seconds"] + 60,
    )
    return json.loads(result.stdout)


# --- set-up: database, seed data, gunicorn ------------------------------------


def prepare_database(url: str | None, workdir: Path) -> tuple[str, callable]:
    """Return the URL of a fresh database and a clean-up function."""
    if not url:
        return f"sqlite:///{workdir / 'bench.sqlite3'}", lambda: None
    from sqlalchemy import create_engine, text

    from vaerested.database import normalise_database_url

    base = normalise_database_url(url)
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()

    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{SCHEMA}", drop


def seed(env: dict, n_cards: int) -> dict:
    """Migrate, then create a centre, cards and a kiosk token; return what to send."""
    migrated = subprocess.run(
        [str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if migrated.returncode:
        raise SystemExit(f"flask db upgrade failed:\n{migrated.stderr[-3000:]}")
    os.environ.update(env)
    from vaerested import create_app
    from vaerested.api.tokens import create_access_token
    from vaerested.checkin.operations import issue_cards
    from vaerested.extensions import db
    from vaerested.models import Centre, District

    app = create_app()
    with app.app_context():
        district = District(code="bench", name="Bench", municipality="Bench")
        centre = Centre(slug="bench", name="Bench centre", district=district)
        db.session.add(centre)
        db.session.flush()
        codes = [code for _card, code in issue_cards(centre, n_cards)]
        _token, plaintext = create_access_token("kiosk", centre=centre, label="bench")
        db.session.commit()
        db.engine.dispose()
    return {"codes": codes, "token": plaintext, "centre": "bench"}


def start_gunicorn(env: dict, port: int, args, log: Path) -> subprocess.Popen:
    """Start gunicorn with ``gunicorn.conf.py``, on ``port``, quiet."""
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "-c",
        str(ROOT / "gunicorn.conf.py"),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    if args.workers:
        command += ["-w", str(args.workers)]
    if args.worker_class:
        command += ["-k", args.worker_class]
    if args.threads:
        command += ["--threads", str(args.threads)]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit(f"gunicorn did not start:\n{log.read_text()[-2000:]}")


# --- wrk ---------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def run_wrk(port: int, path: str, args, env: dict, script: Path | None) -> dict:
    """Run wrk once (2 threads, ``--clients`` connections); return its figures."""
    command = ["wrk", "-t2", f"-c{args.clients}", f"-d{args.wrk_seconds}s"]
    command += ["--latency", "--timeout", "5s"]
    if script is not None:
        command += ["-s", str(script)]
    command.append(f"http://127.0.0.1:{port}{path}")
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    out = done.stdout
    if done.returncode or "Requests/sec" not in out:
        raise RuntimeError(f"wrk failed ({done.returncode}): {out}{done.stderr}")
    latency = dict(
        re.findall(r"^\s*(50|75|90|99)%\s+([\d.]+(?:us|ms|s|m))\s*$", out, re.M)
    )
    if set(latency) != {"50", "75", "90", "99"}:
        raise RuntimeError(f"wrk output not understood: {out}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: (.*)$", out, re.M)
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": _ms(latency["50"]),
        "p99_ms": _ms(latency["99"]),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": sockets.group(1) if sockets else "",
    }


def wrk_rounds(port: int, args, data: dict, workdir: Path) -> None:
    """Alternate wrk rounds of /healthz and check-ins; print each and the ratio."""
    if shutil.which("wrk") is None:
        print("wrk: not installed (apt-get install wrk), skipped")
        return
    codes = workdir / "codes.txt"
    codes.write_text("\n".join(data["codes"]) + "\n")
    env = {
        **os.environ,
        "WRK_TOKEN": data["token"],
        "WRK_CENTRE": data["centre"],
        "WRK_CODES": str(codes),
    }
    script = ROOT / "benchmarks" / "checkin.lua"
    ratios, p99s, rates = [], [], []
    for n in range(1, args.wrk_rounds + 1):
        try:
            health = run_wrk(port, "/healthz", args, env, None)
            checkin = run_wrk(port, "/api/v1/checkins", args, env, script)
        except RuntimeError as error:
            print(f"wrk round {n}: {error}")
            continue
        ratio = checkin["rps"] / health["rps"]
        ratios.append(ratio)
        rates.append((health["rps"], checkin["rps"]))
        p99s.append(checkin["p99_ms"])
        print(
            f"wrk round {n}: /healthz {health['rps']:8.1f} req/s "
            f"p99 {health['p99_ms']:6.2f} ms | check-ins {checkin['rps']:8.1f} req/s "
            f"p50 {checkin['p50_ms']:6.2f} ms p99 {checkin['p99_ms']:6.2f} ms "
            f"non-2xx {checkin['non_2xx'] + health['non_2xx']}"
            + (
                f" socket errors {checkin['socket_errors']}"
                if checkin["socket_errors"]
                else ""
            )
            + f" | ratio {ratio:.2f}"
        )
    if not ratios:
        return
    ok = min(ratios) >= TARGET_RATIO and max(p99s) < TARGET_P99_MS
    overall = sum(c for _h, c in rates) / sum(h for h, _c in rates)
    print(
        f"wrk: ratio check-ins/healthz overall {overall:.2f} "
        f"(rounds min {min(ratios):.2f} max {max(ratios):.2f}), "
        f"check-in p99 max {max(p99s):.2f} ms  target met: {'yes' if ok else 'no'}"
    )


def report(name: str, result: dict) -> None:
    print(
        f"{name:<22} {result['requests']:>6} req  {result['rps']:>8.1f} req/s  "
        f"p50 {result['p50_ms']:6.2f} ms  p95 {result['p95_ms']:6.2f} ms  "
        f"p99 {result['p99_ms']:6.2f} ms  statuses {result['statuses']}"
        + (f"  errors {result['errors']}" if result["errors"] else "")
    )


def describe_server(args) -> str:
    """Return the gunicorn settings in use (gunicorn.conf.py plus overrides)."""
    import runpy

    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    worker_class = args.worker_class or conf["worker_class"]
    workers = args.workers or conf["workers"]
    threads = args.threads or conf["threads"]
    text = f"gunicorn {workers} x {worker_class}"
    if worker_class == "gthread":
        text += f" ({threads} threads, keep-alive {conf['keepalive']} s)"
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database", default="", help="PostgreSQL URL (default: SQLite)"
    )
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=6000, help="per endpoint")
    parser.add_argument("--seconds", type=float, default=30, help="per round, at most")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds")
    parser.add_argument("--wrk-rounds", type=int, default=3)
    parser.add_argument("--wrk-seconds", type=int, default=10, help="per wrk run")
    parser.add_argument("--cards", type=int, default=3000)
    parser.add_argument("--workers", type=int, help="default: gunicorn.conf.py")
    parser.add_argument("--worker-class", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, help="gthread only")
    parser.add_argument("--drive", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        print(json.dumps(drive(json.load(sys.stdin))))
        return 0

    workdir = Path(tempfile.mkdtemp(prefix="checkin-bench-"))
    url, cleanup = prepare_database(args.database, workdir)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("VAERESTED_")},
        "VAERESTED_INSTANCE_PATH": str(workdir / "instance"),
        "VAERESTED_DATABASE_URL": url,
    }
    env.pop("GUNICORN_CMD_ARGS", None)  # measure the committed configuration
    server = None
    try:
        data = seed(env, args.cards)
        port = free_port()
        server = start_gunicorn(env, port, args, workdir / "gunicorn.log")
        auth = {"Authorization": f"Bearer {data['token']}"}
        common = {"port": port, "clients": args.clients, "seconds": args.seconds}
        health = {**common, "path": "/healthz", "method": "GET"}
        checkin = {
            **common,
            "path": "/api/v1/checkins",
            "method": "POST",
            "headers": auth,
            "codes": data["codes"],
            "centre": data["centre"],
        }
        run_driver({**health, "requests": 300})  # warm-up (imports, pools, caches)
        run_driver({**checkin, "requests": 300})
        backend = "PostgreSQL" if args.database else "SQLite (WAL)"
        print(
            f"{backend}, {describe_server(args)}, {args.clients} keep-alive "
            f"connections, {os.cpu_count()} CPUs"
        )
        # Alternate short rounds, so a noisy neighbour slows both endpoints alike.
        per_round = max(1, args.requests // args.rounds)
        health_rounds, checkin_rounds = [], []
        for _ in range(args.rounds):
            health_rounds.append(run_driver({**health, "requests": per_round}))
            checkin_rounds.append(run_driver({**checkin, "requests": per_round}))
        health_result = combine(health_rounds)
        checkin_result = combine(checkin_rounds)
        report("driver GET /healthz", health_result)
        report("driver POST checkins", checkin_result)
        ratio = checkin_result["rps"] / health_result["rps"]
        ok = (
            ratio >= TARGET_RATIO
            and checkin_result["p99_ms"] < TARGET_P99_MS
            and set(checkin_result["statuses"]) == {"200"}
        )
        print(
            f"driver: ratio check-ins/healthz {ratio:.2f}  "
            f"target met: {'yes' if ok else 'no'}"
        )
        if args.wrk_rounds:
            wrk_rounds(port, args, data, workdir)
        return 0 if ok else 1
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        cleanup()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
