"""The app on a village's network (issue 13): bytes on the wire, LCP on a slow link, Lighthouse.

    .venv/bin/python bench/pwa_weight.py [--no-lighthouse] [--lighthouse-runs N]
        [--lighthouse-cpu-slowdown X] [--json out.json]

On a temporary SQLite database with the demo data (`flask demo seed`, fewer CRAs), the app is
served on 127.0.0.1 by werkzeug in a thread (the same WSGI app gunicorn serves: WhiteNoise and
Flask-Compress included) and Debian's Chromium (/usr/bin/chromium, headless, 360×740, fr-FR) is
driven by Playwright:

1. First visit of `/` as a new conseiller (fresh context): log in, wait until the service worker
   controls the page, then until no request came for SETTLE_QUIET s (its precache included).
   Bytes on the wire are counted twice: by the browser (CDP Network.loadingFinished
   encodedDataLength of the page's requests, headers included, plus Playwright's sizes of the
   service worker's requests) and by the server (a WSGI wrapper adding up the status line,
   headers and body bytes of every answer). Target ≤ 900 KB.
   The first screen's critical path: the bytes of the page's requests finished by the time the
   login form shows (the `load` event and the « Connexion » heading). Target ≤ 150 KB.
2. Repeat visit (same context, a new tab on `/`, unchanged version): bytes the server sent until
   the page is quiet. Target ≤ 30 KB.
3. LCP of `/` and of the public `/statistiques` in a fresh context under CDP network emulation
   (1.6 Mbit/s down, 750 kbit/s up, 150 ms RTT), read from the page's largest-contentful-paint
   entries. Target ≤ 2.5 s.
4. Lighthouse (LIGHTHOUSE_VERSION, pinned in package.json's devDependencies, run from
   node_modules/.bin) with CHROME_PATH=/usr/bin/chromium headless, mobile form factor and
   simulated throttling (its defaults), on `/` and `/statistiques`, --lighthouse-runs times
   each (alternating), each run with the machine's load average when it started and
   Lighthouse's benchmarkIndex (its CPU-bound figures depend on both). Targets ≥ 95 in every
   category. --lighthouse-cpu-slowdown 8 (Lighthouse's default: 4) simulates a main thread
   twice as slow, as on this machine when other jobs load it: a stress test, not the target's
   setting.

Every wait is bounded. Nothing leaves 127.0.0.1.
"""

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from flask_migrate import upgrade
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pwa_bench import CHROMIUM, CHROMIUM_ARGS, VIEWPORT  # noqa: E402  (one copy)
from server import create_app  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import Role  # noqa: E402
from server.services import demo, territoires  # noqa: E402

LIGHTHOUSE_VERSION = "12.2.3"  # as package.json (13.x needs Node ≥ 22)
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
LIGHTHOUSE_TIMEOUT = 300  # seconds per page
STEP_TIMEOUT = 30_000  # ms, any single wait in the browser
SETTLE_QUIET = 3.0  # seconds without a request before a visit counts as settled
SETTLE_MAX = 60.0
SLOW_NETWORK = {  # CDP Network.emulateNetworkConditions: bytes per second, ms
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6e6 / 8,
    "uploadThroughput": 750e3 / 8,
}
DEMO_CRAS = 3000
TARGETS = {
    "first_visit": 900 * 1024,
    "critical_path": 150 * 1024,
    "repeat_visit": 30 * 1024,
    "lcp_ms": 2500,
    "lighthouse": 95,
}


# --- the app on a temporary database, and the bytes its server sends --------------------------


class WireCounter:
    """WSGI wrapper: the bytes of every answer (status line, headers, body) by path."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.entries = []  # (monotonic time, path, bytes, content-encoding)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        state = {"head": 0, "body": 0, "encoding": ""}

        def counting_start(status, headers, exc_info=None):
            state["head"] = len(f"HTTP/1.1 {status}\r\n") + 2
            state["head"] += sum(len(f"{k}: {v}\r\n") for k, v in headers)
            state["encoding"] = dict((k.lower(), v) for k, v in headers).get("content-encoding", "")
            return start_response(status, headers, exc_info)

        result = self.app(environ, counting_start)
        try:
            for chunk in result:
                state["body"] += len(chunk)
                yield chunk
        finally:
            if hasattr(result, "close"):
                result.close()
            with self.lock:
                self.entries.append(
                    (time.monotonic(), path, state["head"] + state["body"], state["encoding"])
                )

    def since(self, start):
        with self.lock:
            return [e for e in self.entries if e[0] >= start]


def build_app(database_path: Path):
    """A migrated SQLite database with the territories and the demo data."""
    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database_path}",
        "SECRET_KEY": "bench-secret-" + "k" * 40,
        "JWT_SECRET_KEY": "bench-jwt-secret-" + "j" * 40,
        "SMTP_HOST": None,
        "PUBLIC_URL": "http://127.0.0.1",
    }
    app = create_app(config)
    with app.app_context():
        upgrade(directory=os.path.join(app.root_path, "migrations"))
        territoires.import_territoires(app.config["TERRITOIRES_DATA"])
        demo.seed(app.config["DEMO_PASSWORD"], cras=DEMO_CRAS)
        db.session.remove()
    return app


class Server:
    """werkzeug's server on 127.0.0.1 (a free port) in a daemon thread, counting bytes."""

    def __init__(self, app):
        self.app = app
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.counter = WireCounter(app.wsgi_app)
        app.wsgi_app = self.counter
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)


# --- browser ----------------------------------------------------------------------------------


def new_context(browser):
    context = browser.new_context(locale="fr-FR", viewport=VIEWPORT)
    context.set_default_timeout(STEP_TIMEOUT)
    return context


def settle(page, counter, started):
    """Wait until the server saw no request for SETTLE_QUIET s (at most SETTLE_MAX)."""
    deadline = time.monotonic() + SETTLE_MAX
    while time.monotonic() < deadline:
        entries = counter.since(started)
        last = max((e[0] for e in entries), default=started)
        if time.monotonic() - last >= SETTLE_QUIET:
            return
        page.wait_for_timeout(250)


def watch_page(context, page):
    """CDP Network events of the page: requestId → {url, encoded, finished (monotonic)}."""
    cdp = context.new_cdp_session(page)
    requests = {}

    def on_response(event):
        entry = requests.setdefault(event["requestId"], {})
        entry["url"] = event["response"]["url"]
        entry["from_sw"] = bool(event["response"].get("fromServiceWorker"))
        entry["encoding"] = {k.lower(): v for k, v in event["response"]["headers"].items()}.get(
            "content-encoding", ""
        )

    def on_finished(event):
        entry = requests.setdefault(event["requestId"], {})
        entry["encoded"] = event["encodedDataLength"]
        entry["finished"] = time.monotonic()

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.loadingFinished", on_finished)
    cdp.send("Network.enable")
    return cdp, requests


def first_and_repeat_visit(browser, server, email, password):
    context = new_context(browser)
    page = context.new_page()
    _, requests = watch_page(context, page)
    worker_requests = []
    context.on(
        "requestfinished",
        lambda request: request.service_worker is not None and worker_requests.append(request),
    )
    base = server.base
    started = time.monotonic()
    page.goto(base + "/", wait_until="load")
    page.get_by_role("heading", name="Connexion").wait_for()
    first_screen = time.monotonic()
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Nouveau compte rendu d'activité").wait_for()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    settle(page, server.counter, started)
    page_entries = [r for r in requests.values() if "encoded" in r and "url" in r]
    critical = [r for r in page_entries if r["finished"] <= first_screen]
    worker = []
    for request in worker_requests:
        sizes = request.sizes()
        worker.append(
            {
                "url": request.url,
                "encoded": sizes["responseBodySize"] + sizes["responseHeadersSize"],
            }
        )
    first_server = server.counter.since(started)

    # Repeat visit: a new tab of the same browser profile, the same version.
    page.close()
    repeat_started = time.monotonic()
    page = context.new_page()
    _, repeat_requests = watch_page(context, page)
    page.goto(base + "/", wait_until="load")
    page.get_by_role("heading", name="Nouveau compte rendu d'activité").wait_for()
    settle(page, server.counter, repeat_started)
    repeat_server = server.counter.since(repeat_started)
    context.close()
    return {
        "page": page_entries,
        "critical": critical,
        "worker": worker,
        "server": first_server,
        "repeat_server": repeat_server,
        "repeat_page": [r for r in repeat_requests.values() if "encoded" in r and "url" in r],
    }


LCP_JS = """() => new Promise((resolve) => {
  let last = null;
  new PerformanceObserver((list) => {
    const entries = list.getEntries();
    last = entries[entries.length - 1];
  }).observe({ type: 'largest-contentful-paint', buffered: true });
  setTimeout(() => resolve(last && { ms: last.startTime,
    element: last.element ? last.element.outerHTML.slice(0, 80) : null }), 500);
})"""


def lcp(browser, url):
    """LCP of a first visit (fresh context, cold cache) on the slow network."""
    context = new_context(browser)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_NETWORK)
    page.goto(url, wait_until="load", timeout=120_000)
    page.wait_for_timeout(1000)
    result = page.evaluate(LCP_JS)
    context.close()
    return result


def run_lighthouse(url, workdir, cpu_slowdown=None):
    if not LIGHTHOUSE.exists():
        return {"error": f"{LIGHTHOUSE} absent: npm ci (lighthouse is a devDependency)"}
    output = Path(workdir) / f"lighthouse-{abs(hash(url))}.json"
    command = [
        str(LIGHTHOUSE),
        url,
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        "--only-categories=performance,accessibility,best-practices,seo",
        "--output=json",
        f"--output-path={output}",
        "--quiet",
    ]
    if cpu_slowdown:
        command.append(f"--throttling.cpuSlowdownMultiplier={cpu_slowdown}")
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    load_average = os.getloadavg()[0]
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=LIGHTHOUSE_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {LIGHTHOUSE_TIMEOUT} s"}
    if done.returncode != 0 or not output.exists():
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        return {"error": f"exit {done.returncode}: {tail}"}
    report = json.loads(output.read_text())
    audits = report["audits"]
    return {
        "version": report.get("lighthouseVersion"),
        "scores": {k: round((c["score"] or 0) * 100) for k, c in report["categories"].items()},
        "metrics": {
            name: audits[name].get("displayValue")
            for name in (
                "first-contentful-paint",
                "largest-contentful-paint",
                "total-blocking-time",
                "cumulative-layout-shift",
                "speed-index",
            )
        },
        "failing": sorted(
            ref["id"]
            for cat in report["categories"].values()
            for ref in cat["auditRefs"]
            if ref.get("weight")
            and audits[ref["id"]]["score"] is not None
            and audits[ref["id"]]["score"] < 0.9
        ),
        "benchmark_index": report.get("environment", {}).get("benchmarkIndex"),
        "load_average": load_average,
    }


# --- report -----------------------------------------------------------------------------------


def sh(command):
    return subprocess.run(command, shell=True, capture_output=True, text=True).stdout.strip()


def kb(n):
    return f"{n / 1024:.1f} KB"


def verdict(ok):
    return "met" if ok else "**missed**"


def by_folder(entries, key):
    """Bytes by first path segment."""
    folders = {}
    for entry in entries:
        path = urlsplit(entry["url"]).path if "url" in entry else entry["path"]
        folder = "/" + path.split("/")[1] if path.count("/") > 1 else path
        count, total = folders.get(folder, (0, 0))
        folders[folder] = (count + 1, total + entry[key])
    return dict(sorted(folders.items(), key=lambda item: -item[1][1]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-lighthouse", action="store_true")
    parser.add_argument("--lighthouse-runs", type=int, default=1, metavar="N")
    parser.add_argument("--lighthouse-cpu-slowdown", type=float, metavar="X")
    parser.add_argument("--json", type=Path, help="also write the raw figures there")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    results = {
        "machine": {
            "nproc": sh("nproc"),
            "lscpu": sh("lscpu | head -n 15"),
            "chromium": sh(f"{CHROMIUM} --version 2>/dev/null"),
            "node": sh("node --version"),
        }
    }
    with tempfile.TemporaryDirectory() as workdir:
        app = build_app(Path(workdir) / "bench.sqlite")
        with Server(app) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                visits = first_and_repeat_visit(
                    browser,
                    server,
                    demo.DEMO_ACCOUNTS[Role.CONSEILLER],
                    app.config["DEMO_PASSWORD"],
                )
                results["lcp"] = {
                    path: [lcp(browser, server.base + path) for _ in range(3)]
                    for path in ("/", "/statistiques")
                }
            finally:
                browser.close()
            if not args.no_lighthouse:
                results["lighthouse"] = {"/": [], "/statistiques": []}
                for _ in range(args.lighthouse_runs):
                    for path, runs in results["lighthouse"].items():
                        runs.append(
                            run_lighthouse(
                                server.base + path, workdir, args.lighthouse_cpu_slowdown
                            )
                        )
    page_bytes = sum(r["encoded"] for r in visits["page"] if not r["from_sw"])
    worker_bytes = sum(r["encoded"] for r in visits["worker"])
    server_bytes = sum(e[2] for e in visits["server"])
    critical_bytes = sum(r["encoded"] for r in visits["critical"] if not r["from_sw"])
    repeat_bytes = sum(e[2] for e in visits["repeat_server"])
    uncompressed = sorted(
        {(e[1], e[2]) for e in visits["server"] if not e[3] and e[2] > 1500},
        key=lambda item: -item[1],
    )
    results["visits"] = {
        "first_visit_browser": page_bytes + worker_bytes,
        "first_visit_page": page_bytes,
        "first_visit_worker": worker_bytes,
        "first_visit_server": server_bytes,
        "first_visit_requests": len(visits["server"]),
        "critical_path": critical_bytes,
        "critical_requests": len(visits["critical"]),
        "repeat_visit_server": repeat_bytes,
        "repeat_requests": [(e[1], e[2]) for e in visits["repeat_server"]],
        "server_by_folder": by_folder(
            [{"path": e[1], "bytes": e[2]} for e in visits["server"]], "bytes"
        ),
        "critical_urls": [
            (urlsplit(r["url"]).path, r["encoded"])
            for r in visits["critical"]
            if not r["from_sw"] and r["url"].startswith("http")
        ],
        "uncompressed_over_1500": uncompressed,
    }
    lines = [
        "## Machine",
        f"nproc {results['machine']['nproc']}; {results['machine']['chromium']}; "
        f"node {results['machine']['node']}",
        "```",
        results["machine"]["lscpu"],
        "```",
        "## Bytes on the wire",
        f"- first visit (browser: page {kb(page_bytes)} + service worker {kb(worker_bytes)}) = "
        f"{kb(page_bytes + worker_bytes)}; server sent {kb(server_bytes)} in "
        f"{len(visits['server'])} answers — target ≤ 900 KB: "
        f"{verdict(max(server_bytes, page_bytes + worker_bytes) <= TARGETS['first_visit'])}",
        f"- critical path of the first screen: {kb(critical_bytes)} in "
        f"{len(visits['critical'])} requests — target ≤ 150 KB: "
        f"{verdict(critical_bytes <= TARGETS['critical_path'])}",
        f"- repeat visit: {kb(repeat_bytes)} in {len(visits['repeat_server'])} answers — "
        f"target ≤ 30 KB: {verdict(repeat_bytes <= TARGETS['repeat_visit'])}",
        "- first visit by folder (server): "
        + ", ".join(
            f"{folder} {n}× {kb(total)}"
            for folder, (n, total) in results["visits"]["server_by_folder"].items()
        ),
        "- critical path: "
        + ", ".join(f"{path} {kb(n)}" for path, n in results["visits"]["critical_urls"]),
        "- repeat visit answers: "
        + ", ".join(f"{path} {n} B" for path, n in results["visits"]["repeat_requests"]),
        "- uncompressed answers over 1.5 KB: "
        + (", ".join(f"{path} {kb(n)}" for path, n in uncompressed) or "none"),
        "## LCP at 1.6 Mbit/s, 150 ms RTT (3 cold runs)",
    ]
    for path, runs in results["lcp"].items():
        values = [run["ms"] for run in runs if run]
        median = sorted(values)[len(values) // 2] if values else None
        lines.append(
            f"- {path}: {', '.join(f'{v:.0f}' for v in values)} ms, median "
            f"{median:.0f} ms — target ≤ 2500 ms: {verdict(median <= TARGETS['lcp_ms'])}; "
            f"element {runs[-1]['element'] if runs[-1] else None}"
        )
    if "lighthouse" in results:
        slowdown = args.lighthouse_cpu_slowdown or 4
        lines.append(
            f"## Lighthouse {LIGHTHOUSE_VERSION} (mobile, simulated throttling, CPU ×{slowdown:g})"
        )
        for path, runs in results["lighthouse"].items():
            for result in runs:
                if "error" in result:
                    lines.append(f"- {path}: could not run: {result['error']}")
                    continue
                ok = all(score >= TARGETS["lighthouse"] for score in result["scores"].values())
                lines.append(
                    f"- {path}: {result['scores']} — target ≥ 95 everywhere: {verdict(ok)}; "
                    f"{result['metrics']}; audits under 0.9: {result['failing'] or 'none'}; "
                    f"benchmarkIndex {result['benchmark_index'] or 0:.0f}, "
                    f"load average {result['load_average']:.2f}"
                )
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
