"""Where a page's time goes, through the Flask test client (no server, no load generator).

    .venv/bin/python bench/page_profile.py --db sqlite:////path/bench.sqlite /today /history
    .venv/bin/python bench/page_profile.py --db ... --user physio@demo.example:bright-meadow-kite \\
        --queries --top 30 /clinic/patients
    .venv/bin/python bench/page_profile.py --db ... --log-post 32 --top 30

Run it on a database `make bench` would seed (`flask seed-bench`). Per page it prints the time
per request without a profiler, Python calls per request, the profiled time by library, and
with --queries each SQL statement's wall time; --top N adds cProfile's N costliest functions.
--log-post N measures the routine's log POST as `make bench` sends it (each POST a new session,
for bench patients 1..N in turn): it adds sessions to the database it runs on.
The figures are steadier than `make bench`'s and show what to change; `make bench` says
whether it mattered.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import os
import pstats
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def time_queries(app, request_once, n: int) -> None:
    """Print each SQL statement a request runs: how often per request and its wall time."""
    from sqlalchemy import event

    from exercise_app.extensions import db

    timings: dict[str, list[float]] = collections.defaultdict(list)

    def before(_conn, _cursor, _statement, _params, context, _many):
        context._bench_started = time.perf_counter()

    def after(_conn, _cursor, statement, _params, context, _many):
        key = " ".join(statement.split())[:100]
        timings[key].append(time.perf_counter() - context._bench_started)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    for _ in range(n):
        request_once()
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    for key, times in sorted(timings.items(), key=lambda item: -sum(item[1])):
        print(f"   {len(times) / n:4.1f}x {sum(times) / len(times) * 1000:6.3f} ms  {key}")


def sign_in(app, email: str, password: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    signed_in = client.post("/login", data={"email": email, "password": password,
                                            "csrf_token": token})
    if signed_in.status_code != 303:
        sys.exit(f"could not sign in as {email}")
    return client


def log_poster(app, patients: int):
    """A request that logs a new session for the next of ``patients`` bench patients."""
    import itertools
    import uuid

    from bench.run import routine_fields
    from exercise_app.benchdata import BENCH_PASSWORD, bench_email

    posters = []
    for n in range(1, patients + 1):
        client = sign_in(app, bench_email(n), BENCH_PASSWORD)
        page = client.get("/routine?all=1").get_data(as_text=True)
        posters.append((client, routine_fields(page)))
    turn = itertools.cycle(posters)

    def post_once():
        client, fields = next(turn)
        response = client.post("/routine", data={**fields, "client_id": str(uuid.uuid4())})
        if response.status_code != 303:
            sys.exit(f"the log POST answered {response.status_code}")
    return post_once


def measure(app, label: str, request_once, n: int, top: int, sort: str, queries: bool) -> None:
    for _ in range(30):  # warm caches (programme versions, templates, prepared statements)
        request_once()
    walls, cpus = [], []
    for _ in range(5):  # the best of five batches: this machine's speed wanders
        started, cpu_started = time.perf_counter(), time.process_time()
        for _ in range(n // 5):
            request_once()
        walls.append((time.perf_counter() - started) / (n // 5) * 1000)
        cpus.append((time.process_time() - cpu_started) / (n // 5) * 1000)
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(n):
        request_once()
    profile.disable()
    stats = pstats.Stats(profile)
    calls = sum(entry[1] for entry in stats.stats.values()) / n  # type: ignore[attr-defined]
    by_library: collections.Counter[str] = collections.Counter()
    for (filename, _line, _name), entry in stats.stats.items():  # type: ignore[attr-defined]
        found = re.search(r"site-packages/([^/]+)", filename)
        library = found.group(1) if found else (
            "app and templates" if str(ROOT) in filename else "standard library, builtins")
        by_library[library] += entry[2] / n * 1000
    print(f"== {label}: {min(walls):.3f} ms a request ({min(cpus):.3f} ms of this process's "
          f"CPU), {calls:.0f} Python calls")
    for library, ms in by_library.most_common(10):
        print(f"   {library:<28} {ms:7.3f} ms profiled")
    if top:
        stats.sort_stats(sort).print_stats(top)
    if queries:
        time_queries(app, request_once, n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--db", required=True, help="DATABASE_URL of a seeded bench database")
    parser.add_argument("--user", help="EMAIL:PASSWORD to sign in as (default: bench patient 0)")
    parser.add_argument("-n", type=int, default=300, help="requests per measurement")
    parser.add_argument("--top", type=int, default=0, help="show the N costliest functions")
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"),
                        help="how --top orders the functions")
    parser.add_argument("--queries", action="store_true", help="time each SQL statement")
    parser.add_argument("--log-post", type=int, default=0, metavar="PATIENTS",
                        help="profile the routine's log POST instead, as `make bench` sends it: "
                             "bench patients 1..PATIENTS in turn, each POST a new session")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.db
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-0123456789abcdef0123456789")
    os.environ["MAIL_BACKEND"] = "dummy"
    sys.path.insert(0, str(ROOT))
    from exercise_app import create_app
    from exercise_app.benchdata import BENCH_PASSWORD, bench_email

    app = create_app()
    if args.log_post:
        measure(app, f"log POST ({args.log_post} patients in turn)",
                log_poster(app, args.log_post), args.n, args.top, args.sort, args.queries)
    email, password = (args.user.split(":", 1) if args.user
                       else (bench_email(0), BENCH_PASSWORD))
    client = sign_in(app, email, password)

    def getter(path: str):
        def get_once():
            if client.get(path).status_code != 200:
                sys.exit(f"{path} did not answer 200")
        return get_once

    for path in args.paths:
        measure(app, path, getter(path), args.n, args.top, args.sort, args.queries)


if __name__ == "__main__":
    main()
