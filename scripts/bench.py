"""`make bench`: the deployment's own server under wrk, on databases of its own.

For each scale (BENCH_SCALES, default "1 10") it builds a database under VAR_DIR/bench (SQLite),
or a scratch database on the server of DATABASE_URL (PostgreSQL, dropped afterwards): reference
data, facts, demo, then `regionbridge generate-data --scale N --seed S` (load-demo alone while that
command does not exist). It starts the server command it is given (`make bench` passes the same
one as `make run`) on a free loopback port, in development mode with TWO_FACTOR=optional and
RATE_LIMITS=off, signs in through the login form as a coordinator and as a regional user, and
drives wrk at BENCH_CONNECTIONS (16) for BENCH_DURATION (10s) against each page, `/healthz` first
as the ceiling. CPU per request is read from /proc/<pid>/stat of the server's processes before and
after each run. Then the live test (scripts/live_bench.py, issue 9.1) at the last scale. It prints
Markdown tables and writes them with the JSON under bench/results/.

Environment: BENCH_SCALES, BENCH_DURATION, BENCH_CONNECTIONS, BENCH_THREADS (wrk's, 2),
BENCH_SEED (1), BENCH_LIVE (1; 0 skips the live test), BENCH_REUSE (0; 1 keeps an existing SQLite
bench database of the same scale instead of building it again), DATABASE_URL, VAR_DIR.
"""

# ruff: noqa: S603, S607 — a developer's tool that runs the project's own commands, wrk and git.

import argparse
import contextlib
import gzip
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CLI = str(Path(sys.executable).parent / "regionbridge")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
BENCH_PASSWORD = "Bench-Only-Password-2026!"
LOOPBACK = "127.0.0.1"
_scratch_databases: list[str] = []  # created on the PostgreSQL server; dropped whatever happens

# Targets of issue 9, point 6.
P95_MS = 100.0
GROWTH = 1.5
SHARE_SIGNED_IN = 0.05
SHARE_ANONYMOUS = 0.25
FIRST_LOAD_BYTES = 150 * 1024

_ASSET = re.compile(r'(?:href|src)="(/static/[^"?#]+)"')
_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# wrk prints one line of JSON at the end: latency percentiles from its own distribution.
WRK_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,'
    .. '"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p95_us":%d,'
    .. '"p99_us":%d,"max_us":%d,"mean_us":%.1f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean))
end
"""


@dataclass
class Config:
    server: str
    scales: list[str]
    duration: str
    connections: int
    threads: int
    seed: int
    live: bool
    reuse: bool
    database_url: str
    var_dir: Path

    @property
    def engine(self) -> str:
        scheme = urllib.parse.urlsplit(self.database_url).scheme
        return "postgresql" if scheme.startswith("postgres") else "sqlite"


@dataclass
class Page:
    label: str
    persona: str  # "anonymous", "coordinator" or "regional"
    path: str
    status: int = 0
    html_bytes: int = 0
    first_load_raw: int = 0
    first_load_gzip: int = 0
    wrk: dict = field(default_factory=dict)
    rps: float = 0.0
    cpu_ms_per_request: float | None = None
    share_of_healthz: float | None = None
    growth_p95: float | None = None
    targets: dict = field(default_factory=dict)

    @property
    def p95_ms(self) -> float | None:
        return self.wrk["p95_us"] / 1000 if self.wrk else None


# ---------------------------------------------------------------- inside Django (a subprocess)


def pick_targets() -> dict:
    """Who signs in and which objects the pages show, on the benchmark's own database.

    The coordinator and the regional user are the accounts of those roles that take part in the
    most threads (the demo's when nothing generated is busier); an account that is not the demo's
    gets the benchmark's password, on this scratch database only.
    """
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regionbridge.settings")
    import django

    django.setup()
    from django.db.models import Count

    from regionbridge import policy
    from regionbridge.accounts.models import User
    from regionbridge.demo.data import DEMO_DOMAIN, DEMO_PASSWORD
    from regionbridge.matching.models import Match, Post, PostKind
    from regionbridge.meetings.models import ActionItem, Meeting
    from regionbridge.messaging.models import Message, Participant, Thread
    from regionbridge.organizations.models import Organization, Person
    from regionbridge.partnerships.models import Partnership, PartnershipEvent

    def busiest(role: str, demo_email: str) -> tuple[User, str]:
        row = (
            Participant.objects.filter(user__role_assignments__role=role, user__is_active=True)
            .values("user")
            .annotate(n=Count("id"))
            .order_by("-n", "user")
            .first()
        )
        demo = User.objects.get(email=demo_email)
        demo_threads = Participant.objects.filter(user=demo).count()
        if row is None or row["n"] <= demo_threads or row["user"] == demo.pk:
            return demo, DEMO_PASSWORD
        user = User.objects.get(pk=row["user"])
        user.set_password(BENCH_PASSWORD)
        user.save(update_fields=["password"])
        return user, BENCH_PASSWORD

    coordinator, coordinator_password = busiest("coordinator", f"coordinator@{DEMO_DOMAIN}")
    regional, regional_password = busiest("regional", f"zhytomyr@{DEMO_DOMAIN}")
    embassy, embassy_password = busiest("embassy", f"embassy@{DEMO_DOMAIN}")
    thread = (
        policy.visible(coordinator, Thread)
        .annotate(n=Count("messages"))
        .order_by("-n", "pk")
        .first()
    )
    partnership = (
        policy.visible(coordinator, Partnership)
        .annotate(n=Count("events"))
        .order_by("-n", "pk")
        .first()
    )
    meeting = (
        policy.visible(coordinator, Meeting)
        .annotate(n=Count("thread__participants"))
        .order_by("-n", "pk")
        .first()
    )
    # The need and the offer with the most suggestions that the regional user may see (the
    # coordinator sees every post).
    need = (
        policy.visible(regional, Post)
        .filter(kind=PostKind.NEED)
        .annotate(n=Count("offer_matches"))
        .order_by("-n", "pk")
        .first()
    )
    offer = (
        policy.visible(regional, Post)
        .filter(kind=PostKind.OFFER)
        .annotate(n=Count("need_matches"))
        .order_by("-n", "pk")
        .first()
    )
    bodies = (
        policy.visible(coordinator, Message).order_by("-pk").values_list("body", flat=True)[:500]
    )
    words = Counter(w for body in bodies for w in re.findall(r"\w{5,}", body.casefold()))
    word = words.most_common(1)[0][0] if words else "partnership"
    return {
        "coordinator": {"email": coordinator.email, "password": coordinator_password},
        "regional": {"email": regional.email, "password": regional_password},
        "embassy": {"email": embassy.email, "password": embassy_password},
        "thread": thread.pk if thread else None,
        "thread_messages": thread.n if thread else 0,
        "partnership": partnership.pk if partnership else None,
        "partnership_events": partnership.n if partnership else 0,
        "meeting": meeting.pk if meeting else None,
        "need": need.pk if need else None,
        "need_matches": need.n if need else 0,
        "offer": offer.pk if offer else None,
        "search_word": word,
        "counts": {
            "partnerships": Partnership.objects.count(),
            "partnership_events": PartnershipEvent.objects.count(),
            "organizations": Organization.objects.count(),
            "people": Person.objects.count(),
            "users": User.objects.count(),
            "threads": Thread.objects.count(),
            "messages": Message.objects.count(),
            "meetings": Meeting.objects.count(),
            "action_items": ActionItem.objects.count(),
            "needs": Post.objects.filter(kind=PostKind.NEED).count(),
            "offers": Post.objects.filter(kind=PostKind.OFFER).count(),
            "matches": Match.objects.count(),
        },
    }


def pages_for(targets: dict) -> list[Page]:
    """The pages of issue 9.5, each as the persona that would open it."""
    word = urllib.parse.quote(targets["search_word"])
    pages = [
        Page("health check (ceiling)", "anonymous", "/healthz"),
        Page("start page", "anonymous", "/"),
        Page("start page", "coordinator", "/"),
        Page("partnerships, filtered", "coordinator", "/partnerships/?country=US"),
        Page(
            "partnerships, past date", "coordinator", "/partnerships/?country=US&as_of=2024-09-18"
        ),
        Page("partnerships, filtered", "regional", "/partnerships/?country=US"),
    ]
    if targets["partnership"]:
        pages.append(
            Page("partnership page", "coordinator", f"/partnerships/{targets['partnership']}/")
        )
    pages += [
        Page("inbox", "coordinator", "/messages/"),
        Page("inbox", "regional", "/messages/"),
    ]
    if targets["thread"]:
        pages.append(Page("thread page", "coordinator", f"/messages/{targets['thread']}/"))
    pages += [
        Page("directory search", "coordinator", "/directory/?q=Zhytomyr"),
        Page("message search", "coordinator", f"/messages/search/?q={word}"),
        Page("public registry", "anonymous", "/public/"),
        Page(
            "overview (API)",
            "coordinator",
            "/api/v1/stats/overview?partner_country=US&as_of=2024-09-18",
        ),
        Page("partnerships (API)", "coordinator", "/api/v1/partnerships"),
        Page("threads (API)", "coordinator", "/api/v1/threads"),
        Page("people search (API)", "coordinator", "/api/v1/people?q=Zhytomyr"),
        Page("organizations (API)", "coordinator", "/api/v1/organizations"),
        Page("meetings", "coordinator", "/meetings/"),
        Page("meetings", "regional", "/meetings/"),
        Page("my actions", "regional", "/meetings/actions/"),
        Page("overdue actions", "coordinator", "/meetings/actions/?show=everyone&status=overdue"),
        Page("meetings (API)", "regional", "/api/v1/meetings"),
        Page("my actions (API)", "regional", "/api/v1/actions?owner=me&status=open"),
        Page("oversight dashboard", "coordinator", "/oversight/"),
        Page("oversight dashboard", "embassy", "/oversight/"),
        Page("a region's ties (oversight)", "coordinator", "/oversight/regions/UA-18/"),
        Page("picture of ties", "coordinator", "/oversight/ties/?partner_country=US"),
        Page(
            "picture of ties (API)", "coordinator", "/api/v1/oversight/ties.svg?partner_country=US"
        ),
        Page("briefing (PDF)", "coordinator", "/oversight/briefing.pdf?lang=uk"),
        Page("partnerships (XLSX)", "coordinator", "/partnerships/?country=US&format=xlsx"),
    ]
    if targets.get("meeting"):
        pages.append(Page("meeting page", "coordinator", f"/meetings/{targets['meeting']}/"))
    # Needs and offers (issue 14).
    pages += [
        Page("needs and offers", "coordinator", "/matching/"),
        Page("needs and offers", "regional", "/matching/"),
        Page("open needs, filtered", "regional", "/matching/?kind=need&status=open"),
        Page("matching overview", "coordinator", "/matching/overview/"),
        Page("needs (API)", "coordinator", "/api/v1/needs"),
    ]
    if targets.get("need"):
        need = targets["need"]
        pages += [
            Page("need page", "coordinator", f"/matching/{need}/"),
            Page("need page", "regional", f"/matching/{need}/"),
            Page("a need's matches (API)", "coordinator", f"/api/v1/needs/{need}/matches"),
        ]
    if targets.get("offer"):
        pages.append(Page("offer page", "regional", f"/matching/{targets['offer']}/"))
    return pages


# ---------------------------------------------------------------- the database


def run_step(title: str, argv: list[str], env: dict, log: Path, *, show: bool = False) -> None:
    started = time.monotonic()
    print(f"  {title} …", flush=True)
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(argv)}\n")
        out.flush()
        result = subprocess.run(
            argv, env=env, cwd=ROOT, stdout=out, stderr=None if show else out, check=False
        )
    if result.returncode:
        sys.exit(f"bench: {title} failed (exit {result.returncode}); see {log}")
    print(f"  {title}: {time.monotonic() - started:.0f} s", flush=True)


def has_command(name: str, env: dict) -> bool:
    probe = subprocess.run([CLI, name, "--help"], env=env, cwd=ROOT, capture_output=True, text=True)
    if probe.returncode and "Unknown command" not in probe.stderr:
        last = (probe.stderr.strip().splitlines() or ["?"])[-1]
        print(f"  {name} is there but does not start: {last}")
    return probe.returncode == 0


def scratch_url(admin_url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(admin_url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def postgres(admin_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(statement)


def prepare(config: Config, scale: str, env: dict) -> tuple[dict, str]:
    """Build the database of one scale; returns the server's environment and how it was filled."""
    slug = scale.replace(".", "_")
    var_dir = config.var_dir / "bench" / f"{config.engine}-scale{slug}"
    reuse = config.reuse and config.engine == "sqlite" and (var_dir / "filled").exists()
    if not reuse:
        shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {**env, "VAR_DIR": str(var_dir)}
    if config.engine == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{var_dir / 'regionbridge.sqlite3'}"
    else:
        name = f"regionbridge_bench_{os.getpid()}_{slug}"
        postgres(config.database_url, f'DROP DATABASE IF EXISTS "{name}"')
        postgres(config.database_url, f'CREATE DATABASE "{name}"')
        _scratch_databases.append(name)
        env["DATABASE_URL"] = scratch_url(config.database_url, name)
    log = var_dir / "setup.log"
    generator = "generate-data" if has_command("generate-data", env) else "load-demo only"
    if reuse:  # the same data; migrations and static files brought up to this commit's
        print(f"  reusing {var_dir} (BENCH_REUSE=1)")
        run_step("migrate", [CLI, "migrate", "--noinput", "-v0"], env, log)
        run_step("collectstatic", [CLI, "collectstatic", "--noinput", "-v0"], env, log)
        return env, (var_dir / "filled").read_text().strip()
    run_step("migrate", [CLI, "migrate", "--noinput", "-v0"], env, log)
    run_step("load-reference", [CLI, "load-reference"], env, log)
    run_step("load-facts", [CLI, "load-facts"], env, log)
    run_step("load-demo", [CLI, "load-demo"], env, log)
    if generator == "generate-data":
        argv = [CLI, "generate-data", "--scale", scale, "--seed", str(config.seed)]
        run_step(f"generate-data --scale {scale}", argv, env, log, show=True)
    else:
        print("  generate-data: not available yet (issue 9.4); measuring the demo data alone")
    run_step("collectstatic", [CLI, "collectstatic", "--noinput", "-v0"], env, log)
    (var_dir / "filled").write_text(generator + "\n")
    return env, generator


def drop_scratch_databases(config: Config) -> None:
    while _scratch_databases:
        name = _scratch_databases.pop()
        postgres(config.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"  dropped the scratch database {name}")


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def process_tree(root: int) -> list[int]:
    """`root` and every process descended from it, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def cpu_ticks(pids: list[int]) -> int:
    """User + system CPU time of these processes, in clock ticks (fields 14 and 15 of stat)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


class Server:
    def __init__(self, command: str, env: dict, log: Path):
        self.port = free_port()
        self.env = {**env, "HOST": LOOPBACK, "PORT": str(self.port)}
        self.env["SITE_URL"] = f"http://{LOOPBACK}:{self.port}"
        self.log = log
        self.command = command
        self.process: subprocess.Popen | None = None
        self.pids: list[int] = []

    def start(self) -> None:
        with open(self.log, "a") as out:
            # exec: the shell becomes granian's main process, whose children are the workers.
            # As `make run`: as many open files as allowed, for the live test's 1,000 streams.
            self.process = subprocess.Popen(
                ["bash", "-c", f'ulimit -n "$(ulimit -Hn)"; exec {self.command}'],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"bench: the server exited ({self.process.returncode}); see {self.log}")
            try:
                if request(self.port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        else:
            self.stop()
            sys.exit(f"bench: the server did not answer /healthz in 90 s; see {self.log}")
        time.sleep(1)  # let every worker come up
        self.pids = process_tree(self.process.pid)

    def tree(self) -> list[int]:
        current = process_tree(self.process.pid) if self.process else []
        self.pids = sorted(set(self.pids) | set(current))
        return current

    def stop(self) -> None:
        """Stop the main process, then any worker left behind, each by its PID."""
        if not self.process:
            return
        self.tree()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        for pid in self.pids:
            if pid != self.process.pid and Path(f"/proc/{pid}").exists():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self.process = None


# ---------------------------------------------------------------- HTTP


def request(
    port: int, method: str, path: str, *, headers: dict | None = None, body: bytes | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def cookies_from(headers: http.client.HTTPMessage) -> dict[str, str]:
    jar = {}
    for line in headers.get_all("Set-Cookie") or []:
        name, _, rest = line.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def sign_in(port: int, email: str, password: str) -> str:
    """A session cookie from the login form, with its CSRF token, as a browser gets one."""
    status, headers, body = request(port, "GET", "/accounts/login/")
    jar = cookies_from(headers)
    token = _CSRF_FIELD.search(body.decode())
    if status != 200 or not token or "csrftoken" not in jar:
        sys.exit(f"bench: no login form with a CSRF token ({status})")
    form = urllib.parse.urlencode(
        {"username": email, "password": password, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    status, headers, _ = request(
        port,
        "POST",
        "/accounts/login/",
        body=form,
        headers={
            "Cookie": f"csrftoken={jar['csrftoken']}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    jar.update(cookies_from(headers))
    if status != 302 or "sessionid" not in jar:
        sys.exit(f"bench: signing in as {email} failed ({status})")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def weigh(port: int, page: Page, cookie: str) -> None:
    """Status, HTML bytes, and the first load: the HTML plus every static file it links."""
    headers = {"Cookie": cookie} if cookie else {}
    for _ in range(3):  # warm caches and each worker's first request
        page.status, _, html = request(port, "GET", page.path, headers=headers)
    page.html_bytes = len(html)
    raw, packed = len(html), len(gzip.compress(html))
    for asset in sorted(set(_ASSET.findall(html.decode(errors="replace")))):
        status, _, data = request(port, "GET", asset)
        if status == 200:
            raw += len(data)
            packed += len(gzip.compress(data))
    page.first_load_raw, page.first_load_gzip = raw, packed


def drive(config: Config, server: Server, page: Page, cookie: str, lua: Path) -> None:
    argv = [
        "wrk",
        f"-t{config.threads}",
        f"-c{config.connections}",
        f"-d{config.duration}",
        "--timeout",
        "60s",
        "-s",
        str(lua),
    ]
    if cookie:
        argv += ["-H", f"Cookie: {cookie}"]
    argv.append(f"http://{LOOPBACK}:{server.port}{page.path}")
    pids = server.tree()
    before = cpu_ticks(pids)
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    after = cpu_ticks(pids)
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if result.returncode or line is None:
        print(f"  wrk failed on {page.path}: {result.stderr.strip() or result.stdout.strip()}")
        return
    measured = json.loads(line.removeprefix("BENCH_JSON "))
    if not measured["requests"]:
        print(f"  {page.path}: no request finished in {config.duration}")
        return
    page.wrk = measured
    seconds = page.wrk["duration_us"] / 1e6
    page.rps = page.wrk["requests"] / seconds if seconds else 0.0
    if page.wrk["requests"]:
        page.cpu_ms_per_request = (after - before) / CLOCK_TICKS * 1000 / page.wrk["requests"]


# ---------------------------------------------------------------- one database, all scales


def live_test(server: Server, targets: dict, log: Path) -> dict:
    script = ROOT / "scripts" / "live_bench.py"
    if not script.exists():
        print("  live test: not available yet (scripts/live_bench.py, issue 9.1)")
        return {"status": "not available yet"}
    env = {
        **server.env,
        "BENCH_BASE_URL": f"http://{LOOPBACK}:{server.port}",
        "BENCH_EMAIL": targets["coordinator"]["email"],
        "BENCH_PASSWORD": targets["coordinator"]["password"],
        "BENCH_THREAD_ID": str(targets["thread"] or ""),
    }
    argv = [sys.executable, str(script), "--url", env["BENCH_BASE_URL"]]
    print(f"  live test: {' '.join(argv[1:])}", flush=True)
    try:
        result = subprocess.run(
            argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False
        )
    except subprocess.TimeoutExpired:
        return {"status": "timed out after 900 s"}
    log.write_text(result.stdout + result.stderr)
    tail = (result.stdout.strip() or result.stderr.strip()).splitlines()[-20:]
    for line in tail:
        print(f"    {line}")
    outcome: dict = {"status": "ok" if result.returncode == 0 else f"exit {result.returncode}"}
    try:
        outcome["result"] = json.loads(tail[-1]) if tail else None
    except json.JSONDecodeError:
        outcome["output"] = tail
    met = (outcome.get("result") or {}).get("target_met")
    if met is not None:  # live_bench exits 1 when it ran but missed its targets
        outcome["status"] = "targets met" if met else "ran, targets missed"
    return outcome


def bench_database(config: Config) -> list[dict]:
    base_env = {
        **os.environ,
        "ENVIRONMENT": "development",
        "DEBUG": "false",
        "TWO_FACTOR": "optional",
        "RATE_LIMITS": "off",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "regionbridge.settings",
    }
    lua = Path(tempfile.mkstemp(suffix=".lua")[1])
    lua.write_text(WRK_LUA)
    runs = []
    try:
        for index, scale in enumerate(config.scales):
            print(f"\n{config.engine}, scale {scale}", flush=True)
            try:
                env, generator = prepare(config, scale, base_env)
                targets = json.loads(
                    subprocess.run(
                        [sys.executable, __file__, "--targets"],
                        env=env,
                        cwd=ROOT,
                        capture_output=True,
                        text=True,
                        check=True,
                    ).stdout
                )
                print(f"  data: {targets['counts']}")
                server = Server(config.server, env, Path(env["VAR_DIR"]) / "server.log")
                server.start()
                try:
                    print(f"  server on port {server.port}, processes {server.pids}")
                    cookies = {
                        "anonymous": "",
                        "coordinator": sign_in(server.port, **targets["coordinator"]),
                        "regional": sign_in(server.port, **targets["regional"]),
                        "embassy": sign_in(server.port, **targets["embassy"]),
                    }
                    pages = pages_for(targets)
                    for page in pages:
                        weigh(server.port, page, cookies[page.persona])
                        if page.status != 200:
                            print(f"  {page.path} as {page.persona}: {page.status}, not driven")
                            continue
                        drive(config, server, page, cookies[page.persona], lua)
                        print(
                            f"  {page.label:<24} {page.persona:<11} {page.rps:8.1f} req/s"
                            f"  p95 {page.p95_ms or 0:8.1f} ms",
                            flush=True,
                        )
                    last = index == len(config.scales) - 1
                    live = (
                        live_test(server, targets, Path(env["VAR_DIR"]) / "live.log")
                        if config.live and last
                        else {"status": "skipped" if last else "run at the last scale only"}
                    )
                finally:
                    server.stop()
            finally:
                drop_scratch_databases(config)
            runs.append(
                {
                    "database": config.engine,
                    "scale": scale,
                    "data": generator,
                    "counts": targets["counts"],
                    "signed_in_as": {k: targets[k]["email"] for k in ("coordinator", "regional")},
                    "thread_messages": targets["thread_messages"],
                    "partnership_events": targets["partnership_events"],
                    "need_matches": targets.get("need_matches", 0),
                    "search_word": targets["search_word"],
                    "pages": pages,
                    "live": live,
                }
            )
    finally:
        lua.unlink(missing_ok=True)
    return runs


# ---------------------------------------------------------------- report


def judge(runs: list[dict]) -> None:
    """Ratios to /healthz and between scales, and the targets of point 6, met or missed."""
    first = {(p.label, p.persona): p for p in runs[0]["pages"]} if len(runs) > 1 else {}
    for run in runs:
        ceiling = next((p for p in run["pages"] if p.path == "/healthz"), None)
        for page in run["pages"]:
            if not page.wrk:
                continue
            if ceiling and ceiling.rps:
                page.share_of_healthz = page.rps / ceiling.rps
            base = first.get((page.label, page.persona))
            if base and base.wrk and run is not runs[0]:
                page.growth_p95 = page.p95_ms / base.p95_ms if base.p95_ms else None
            if page.path == "/healthz":
                continue
            floor = SHARE_ANONYMOUS if page.persona == "anonymous" else SHARE_SIGNED_IN
            page.targets = {
                "p95": page.p95_ms < P95_MS,
                "growth": None if page.growth_p95 is None else page.growth_p95 <= GROWTH,
                "share": None if page.share_of_healthz is None else page.share_of_healthz >= floor,
                "size": page.first_load_raw <= FIRST_LOAD_BYTES,
                "errors": not any(
                    page.wrk[k] for k in ("connect", "read", "write", "status", "timeout")
                ),
            }


def mark(value: bool | None) -> str:
    return "n/a" if value is None else ("met" if value else "**missed**")


def table(run: dict, first_scale: str) -> str:
    growth = f"p95 × scale {first_scale}'s" if run["scale"] != first_scale else "p95 growth"
    lines = [
        f"| page | as | req/s | p50 ms | p95 ms | p99 ms | CPU ms/req | of /healthz | {growth} "
        "| HTML KB | first load KB | p95 < 100 | growth ≤ 1.5× | ≥ 5% / 25% | ≤ 150 KB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in run["pages"]:
        where = f"{p.label} `{urllib.parse.unquote(p.path)}`"
        if not p.wrk:
            why = f"status {p.status}" if p.status != 200 else "no request finished"
            lines.append(f"| {where} | {p.persona} | {why} |" + " |" * 12)
            continue
        cpu = f"{p.cpu_ms_per_request:.2f}" if p.cpu_ms_per_request is not None else "–"
        share = f"{p.share_of_healthz:.1%}" if p.share_of_healthz is not None else "–"
        grow = f"{p.growth_p95:.2f}" if p.growth_p95 is not None else "–"
        errors = sum(p.wrk[k] for k in ("connect", "read", "write", "status", "timeout"))
        t = p.targets
        marks = (
            ["", "", "", ""]
            if p.path == "/healthz"
            else [mark(t["p95"]), mark(t["growth"]), mark(t["share"]), mark(t["size"])]
        )
        lines.append(
            f"| {where} | {p.persona} | {p.rps:.1f}"
            + (f" ({errors} errors)" if errors else "")
            + f" | {p.wrk['p50_us'] / 1000:.1f} | {p.p95_ms:.1f} | {p.wrk['p99_us'] / 1000:.1f} "
            f"| {cpu} | {share} | {grow} | {p.html_bytes / 1024:.1f} "
            f"| {p.first_load_raw / 1024:.1f} ({p.first_load_gzip / 1024:.1f} gz) | "
            + " | ".join(marks)
            + " |"
        )
    return "\n".join(lines)


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.machine(),
    )
    memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(int(memory) / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": wrk.split(" Copyright")[0].strip(),
        "load_average": os.getloadavg(),
    }


def git_commit() -> str:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True)
    return head.stdout.decode().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", help="the server command (make bench passes make run's)")
    parser.add_argument("--targets", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.targets:
        print(json.dumps(pick_targets()))
        return
    if not args.server:
        parser.error("--server is required: run `make bench`")
    if not shutil.which("wrk"):
        sys.exit("bench: wrk is missing (make bench installs Debian's package)")
    config = Config(
        server=args.server,
        scales=os.environ.get("BENCH_SCALES", "1 10").replace(",", " ").split(),
        duration=os.environ.get("BENCH_DURATION", "10s"),
        connections=int(os.environ.get("BENCH_CONNECTIONS", "16")),
        threads=int(os.environ.get("BENCH_THREADS", "2")),
        seed=int(os.environ.get("BENCH_SEED", "1")),
        live=os.environ.get("BENCH_LIVE", "1") != "0",
        reuse=os.environ.get("BENCH_REUSE", "0") == "1",
        database_url=os.environ.get("DATABASE_URL", ""),
        var_dir=Path(os.environ.get("VAR_DIR", ROOT / "var")).resolve(),
    )
    started = datetime.now(UTC)
    print(
        f"Benchmark on {config.engine}, scales {' '.join(config.scales)}, wrk "
        f"{config.connections} connections × {config.duration} a page"
    )
    about = machine()
    runs = bench_database(config)
    judge(runs)
    about["load_average_end"] = os.getloadavg()
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(parents=True, exist_ok=True)
    command = " ".join(
        [f"{k}={os.environ[k]}" for k in ("BENCH_SCALES", "BENCH_DURATION") if k in os.environ]
        + (["DATABASE_URL=postgres://…"] if config.engine == "postgresql" else [])
        + ["make bench"]
    )
    report = [
        f"Region Bridge benchmark, {started:%Y-%m-%d %H:%M} UTC, commit {git_commit()}, "
        f"`{command}`",
        f"Machine: {about['cpu']}, {about['cores']} cores, {about['memory_gib']} GiB, "
        f"load average at start {about['load_average'][0]:.2f}; {about['wrk']}, "
        f"{config.connections} connections, {config.duration} a page.",
        f"Server: `{config.server}`",
    ]
    for run in runs:
        report += [
            "",
            f"### {run['database']}, scale {run['scale']} ({run['data']})",
            "",
            "Data: " + ", ".join(f"{v:,} {k}" for k, v in run["counts"].items()) + ".",
            f"Signed in as {run['signed_in_as']['coordinator']} (coordinator) and "
            f"{run['signed_in_as']['regional']} (regional); the thread has "
            f"{run['thread_messages']:,} messages, the partnership {run['partnership_events']} "
            f"events, the need {run.get('need_matches', 0)} suggestions; message search for "
            f"“{run['search_word']}”.",
            "",
            table(run, runs[0]["scale"]),
            "",
            f"Live test: {run['live'].get('status')}"
            + (f" — {json.dumps(run['live']['result'])}" if run["live"].get("result") else ""),
        ]
    text = "\n".join(report) + "\n"
    print("\n" + text)
    out = RESULTS / f"{stamp}-{config.engine}"
    out.with_suffix(".md").write_text(text)
    record = {
        "started": started.isoformat(),
        "finished": datetime.now(UTC).isoformat(),
        "commit": git_commit(),
        "command": command,
        "server": config.server,
        "machine": about,
        "config": {
            "scales": config.scales,
            "duration": config.duration,
            "connections": config.connections,
            "wrk_threads": config.threads,
            "seed": config.seed,
            "database": config.engine,
        },
        "targets": {
            "p95_ms": P95_MS,
            "growth_p95": GROWTH,
            "share_signed_in": SHARE_SIGNED_IN,
            "share_anonymous": SHARE_ANONYMOUS,
            "first_load_bytes": FIRST_LOAD_BYTES,
        },
        "runs": [
            {**run, "pages": [{**asdict(p), "p95_ms": p.p95_ms} for p in run["pages"]]}
            for run in runs
        ],
    }
    out.with_suffix(".json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    print(f"Written: {out.with_suffix('.json').relative_to(ROOT)} and .md")


if __name__ == "__main__":
    main()
