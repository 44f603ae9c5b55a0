"""Where a page's time goes, through the Flask test client (no server, no load generator).

    .venv/bin/python bench/page_profile.py --db sqlite:////path/bench.sqlite /today /history
    .venv/bin/python bench/page_profile.py --db ... --user physio@demo.example:bright-meadow-kite \\
        --queries --top 30 /clinic/patients

Run it on a database `make bench` would seed (`flask seed-bench`). Per page it prints the time
per request without a profiler, Python calls per request, the profiled time by library, and
with --queries each SQL statement's wall time; --top N adds cProfile's N costliest functions.
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


def time_queries(app, client, path: str, n: int) -> None:
    """Print each SQL statement the page runs: how often per request and its wall time."""
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
        client.get(path)
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    for key, times in sorted(timings.items(), key=lambda item: -sum(item[1])):
        print(f"   {len(times) / n:4.1f}x {sum(times) / len(times) * 1000:6.3f} ms  {key}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--db", required=True, help="DATABASE_URL of a seeded bench database")
    parser.add_argument("--user", help="EMAIL:PASSWORD to sign in as (default: bench patient 0)")
    parser.add_argument("-n", type=int, default=300, help="requests per measurement")
    parser.add_argument("--top", type=int, default=0, help="show the N costliest functions")
    parser.add_argument("--queries", action="store_true", help="time each SQL statement")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.db
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-0123456789abcdef0123456789")
    os.environ["MAIL_BACKEND"] = "dummy"
    sys.path.insert(0, str(ROOT))
    from exercise_app import create_app
    from exercise_app.benchdata import BENCH_PASSWORD, bench_email

    email, password = (args.user.split(":", 1) if args.user
                       else (bench_email(0), BENCH_PASSWORD))
    app = create_app()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    signed_in = client.post("/login", data={"email": email, "password": password,
                                            "csrf_token": token})
    if signed_in.status_code != 303:
        sys.exit(f"could not sign in as {email}")

    for path in args.paths:
        for _ in range(30):  # warm caches (programme versions, templates, prepared statements)
            if client.get(path).status_code != 200:
                sys.exit(f"{path} did not answer 200")
        walls, cpus = [], []
        for _ in range(5):  # the best of five batches: this machine's speed wanders
            started, cpu_started = time.perf_counter(), time.process_time()
            for _ in range(args.n // 5):
                client.get(path)
            walls.append((time.perf_counter() - started) / (args.n // 5) * 1000)
            cpus.append((time.process_time() - cpu_started) / (args.n // 5) * 1000)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.n):
            client.get(path)
        profile.disable()
        stats = pstats.Stats(profile)
        calls = sum(entry[1] for entry in stats.stats.values()) / args.n  # type: ignore[attr-defined]
        by_library: collections.Counter[str] = collections.Counter()
        for (filename, _line, _name), entry in stats.stats.items():  # type: ignore[attr-defined]
            found = re.search(r"site-packages/([^/]+)", filename)
            library = found.group(1) if found else (
                "app and templates" if str(ROOT) in filename else "standard library, builtins")
            by_library[library] += entry[2] / args.n * 1000
        print(f"== {path}: {min(walls):.3f} ms a request ({min(cpus):.3f} ms of this process's "
              f"CPU), {calls:.0f} Python calls")
        for library, ms in by_library.most_common(10):
            print(f"   {library:<28} {ms:7.3f} ms profiled")
        if args.top:
            stats.sort_stats("tottime").print_stats(args.top)
        if args.queries:
            time_queries(app, client, path, args.n)

if __name__ == "__main__":
    main()
