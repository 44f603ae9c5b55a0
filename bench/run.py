"""`make bench`: the app's key pages against a plain Flask hello-world, in the same run.

Both are served by gunicorn with 2 workers on loopback and driven by wrk (16 connections).
Prints requests/s, p50 and p99 latency per page and the ratio to hello-world (driven at the
start, the middle and the end of the run; the median is the baseline).
Set BENCH_SECONDS to change the duration per page (default 5) and DATABASE_URL to bench
PostgreSQL instead of a fresh SQLite file.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = 16
PATIENTS = int(os.environ.get("BENCH_PATIENTS", "200"))
DAYS = int(os.environ.get("BENCH_DAYS", "365"))
POSTING_PATIENTS = 32  # patients whose logs the log POST sends in turn
# Issue 4's targets: the least share of hello-world's requests/s per page, and the most p99.
TARGET_SHARES = {"patient: Today": 0.20, "patient: history": 0.10, "patient: log POST": 0.10}
TARGET_P99_MS = 50.0
# Every request names one browser, at sign-in as under load: Flask-Login ties a session to its
# user agent, and a request from another (wrk sends none of its own) marks the session no
# longer fresh, which rewrote the cookie on every request where a browser's never would.
AGENT = "Mozilla/5.0 (exercise-app bench)"


def user_id(database: str, email: str) -> int:
    from sqlalchemy import create_engine, text

    from exercise_app.config import normalise_database_url

    engine = create_engine(normalise_database_url(database))
    with engine.connect() as connection:
        found = connection.execute(text("SELECT id FROM users WHERE email = :email"),
                                   {"email": email}).scalar_one()
    engine.dispose()
    return found


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        return shutil.which("wrk") or "wrk"
    sys.exit("wrk is needed for the benchmark: apt-get install wrk")


def serve(app: str, env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", app],
        cwd=cwd, env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(base + "/", timeout=5)
            return process, base
        except requests.RequestException:  # not listening yet, or a slow first request
            time.sleep(0.1)
    process.kill()
    sys.exit(f"{app} did not start")


def login(base: str, email: str, password: str) -> str:
    session = requests.Session()
    session.headers["User-Agent"] = AGENT
    page = session.get(base + "/login", timeout=5).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = session.post(base + "/login", data={
        "email": email, "password": password, "csrf_token": token}, allow_redirects=False,
        timeout=5)
    assert response.status_code == 303, f"login failed for {email}: {response.status_code}"
    # Land where sign-in sends the browser, keeping the cookie that page sets: its first form
    # puts the CSRF secret in the session. wrk then sends that cookie, as the browser would; with
    # the sign-in's cookie every request stored the secret again and re-signed the cookie
    # (a tenth of Today's time in a profile), which no browser causes.
    landing = session.get(urljoin(base, response.headers["Location"]), timeout=5)
    assert landing.status_code == 200, f"{email} landed on a {landing.status_code}"
    return "; ".join(f"{k}={v}" for k, v in session.cookies.items())


def to_ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


LOG_POST_LUA = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local counter = 0
request = function()
  counter = counter + 1
  -- Each request logs a session for the next patient in turn, with a new client id.
  local n = ((counter + tid) % #BODIES) + 1
  local id = string.format("%08x-0000-4000-8000-%012x", tid, counter)
  local body = string.gsub(BODIES[n], "CLIENTID", id)
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["User-Agent"] = AGENT,
                   ["Cookie"] = COOKIES[n]}
  return wrk.format("POST", PATH, headers, body)
end
"""


def routine_form(base: str, cookie: str) -> tuple[str, str]:
    """The patient's routine form as a POST body with pain scores filled in (CLIENTID for the
    client id), and the session cookie that goes with the form's CSRF token."""
    from urllib.parse import urlencode

    response = requests.get(base + "/routine?all=1", headers={"Cookie": cookie,
                                                              "User-Agent": AGENT}, timeout=5)
    if "session" in response.cookies:
        cookie = f"session={response.cookies['session']}"
    return urlencode({**routine_fields(response.text), "client_id": "CLIENTID"}), cookie


def routine_fields(page: str) -> dict[str, str]:
    """The routine page's form as a browser sends it when every exercise is done as shown,
    with pain scores and effort filled in."""
    import html

    fields: dict[str, str] = {}
    for match in re.finditer(r"<input[^>]*>", page):
        tag = match.group(0)
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="radio"' in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for match in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"', match.group(2)) or re.search(
            r'<option value="([^"]*)"', match.group(2))
        fields[match.group(1)] = chosen.group(1)
    fields.update(pain_before="3", pain_during="4", pain_after="2", effort="5", notes="")
    return fields


def log_post_script(base: str, patients: list[str], workdir: Path) -> Path:
    """A wrk script that posts the routine form for several patients in turn (as a clinic's
    patients would log), each request with a new client id."""
    forms = [routine_form(base, cookie) for cookie in patients]
    bodies = ", ".join(f'"{body}"' for body, _cookie in forms)
    cookies = ", ".join(f'"{cookie}"' for _body, cookie in forms)
    script = workdir / "log_post.lua"
    script.write_text(f'BODIES = {{{bodies}}}\nCOOKIES = {{{cookies}}}\nPATH = "/routine"\n'
                      f'AGENT = "{AGENT}"\n'
                      + LOG_POST_LUA)
    return script


def drive(wrk: str, name: str, url: str, cookie: str | None = None,
          script: Path | None = None) -> Result:
    command = [wrk, "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "-H",
               f"User-Agent: {AGENT}", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    if script:
        command[1:1] = ["-s", str(script)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = to_ms(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = to_ms(re.search(r"\s99%\s+(\S+)", output).group(1))
    errors = 0
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if match:
        errors = int(match.group(1))
    return Result(name, rps, p50, p99, errors)


def main() -> None:
    wrk = ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="exercise-bench-"))
    database = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite'}"
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
        "FLASK_APP": "exercise_app",
        "MAIL_BACKEND": "dummy",
    }
    flask = str(VENV_BIN / "flask")
    print(f"Preparing the database ({database.split('://')[0]})...", flush=True)
    subprocess.run([flask, "db", "upgrade"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    subprocess.run([flask, "library", "sync"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    subprocess.run([flask, "seed-demo"], env=env, cwd=ROOT, check=True, capture_output=True)
    seeded = subprocess.run([flask, "seed-bench", "--patients", str(PATIENTS), "--days",
                             str(DAYS)], env=env, cwd=ROOT, check=True, capture_output=True,
                            text=True)
    print(seeded.stdout.strip(), flush=True)

    from exercise_app.benchdata import BENCH_PASSWORD, bench_email
    from exercise_app.demo import DEMO_LOGINS

    hello, hello_base = serve("hello:app", env, ROOT / "bench")
    app, app_base = serve("exercise_app:create_app()", env, ROOT)
    try:
        cookies = {demo.role.value: (demo.email, demo.password) for demo in DEMO_LOGINS[:3]}
        # The patient pages are read as a bench patient with a year of daily sessions.
        year = (bench_email(0), BENCH_PASSWORD)
        year_id = user_id(database, bench_email(0))
        pages = [
            ("login page (anonymous)", "/login", None),
            ("signed in: /healthz", "/healthz", year),
            ("patient: Today", "/today", year),
            ("patient: history", "/history", year),
            ("patient: routine", "/routine?all=1", year),
            ("physio: patient list", "/clinic/patients", cookies["physio"]),
            ("physio: patient page", f"/clinic/patients/{year_id}", cookies["physio"]),
            ("admin: clinic users", "/admin/users", cookies["admin"]),
            ("library: all exercises", "/library/", cookies["physio"]),
            ("library: filtered", "/library/?family=glute-strength&avoid=gluteal-tendinopathy",
             cookies["patient"]),
            ("library: exercise page", "/library/exercises/glute-bridge", cookies["patient"]),
            ("library: demo SVG", "/library/exercises/glute-bridge/demo.svg", cookies["patient"]),
            ("library: programme", "/library/programmes/hip-and-back-starter",
             cookies["physio"]),
        ]

        def run(name: str, path: str, who: tuple[str, str] | None) -> Result:
            # Signed in just before, as a browser keeps the cookie that the app renews once a
            # minute: wrk sends one fixed cookie, and a minute after sign-in every request
            # renewed it again (signing a new one), which no browser would cause.
            return drive(wrk, name, app_base + path, login(app_base, *who) if who else None)

        print(f"Driving each page for {SECONDS} s with {CONNECTIONS} connections...", flush=True)
        # Hello-world is driven at the start, the middle and the end, and the ratios use the
        # median: this machine's speed drifts during a run, and one reading of it moved every
        # ratio by up to a third.
        hellos = [drive(wrk, "hello-world (plain Flask)", hello_base + "/")]
        middle = len(pages) // 2
        results = [run(*page) for page in pages[:middle]]
        hellos.append(drive(wrk, "hello-world (plain Flask)", hello_base + "/"))
        results += [run(*page) for page in pages[middle:]]
        posting = [login(app_base, bench_email(n), BENCH_PASSWORD)
                   for n in range(1, POSTING_PATIENTS + 1)]
        script = log_post_script(app_base, posting, workdir)
        results.append(drive(wrk, "patient: log POST", app_base + "/routine", None, script))
        hellos.append(drive(wrk, "hello-world (plain Flask)", hello_base + "/"))
    finally:
        for process in (hello, app):
            process.terminate()
            process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)

    baseline = sorted(hellos, key=lambda result: result.rps)[1]  # the median of three
    print()
    print("hello-world req/s at the start, middle and end: "
          + ", ".join(f"{result.rps:.0f}" for result in hellos) + "; the median is the baseline")
    header = f"{'page':<28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs hello':>9} {'errors':>7}"
    print(header)
    print("-" * len(header))
    for result in [baseline, *results]:
        ratio = result.rps / baseline.rps if baseline.rps else 0
        print(f"{result.name:<28} {result.rps:>9.0f} {result.p50_ms:>8.1f} "
              f"{result.p99_ms:>8.1f} {ratio:>8.0%} {result.errors:>7}")
    print()
    print(f"Targets (at least this share of hello-world, p99 under {TARGET_P99_MS:.0f} ms):")
    for result in results:
        if result.name in TARGET_SHARES:
            print("  " + verdict(result, baseline, TARGET_SHARES[result.name]))


def verdict(result: Result, baseline: Result, share: float) -> str:
    """Whether a page met its target in this run, and by which figure it missed."""
    ratio = result.rps / baseline.rps if baseline.rps else 0
    missed = [f"{ratio:.0%} of hello-world, not {share:.0%}"] if ratio < share else []
    if result.p99_ms >= TARGET_P99_MS:
        missed.append(f"p99 {result.p99_ms:.0f} ms")
    if result.errors:
        missed.append(f"{result.errors} errors")
    return f"{result.name}: " + ("met" if not missed else "missed (" + "; ".join(missed) + ")")


if __name__ == "__main__":
    main()
