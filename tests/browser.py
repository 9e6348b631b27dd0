"""A real headless Chromium (Debian's chromium + chromium-driver, through selenium) and the page's server.

Use in a test module:

    from browser import browser, start_site  # noqa: F401  (the fixture must be imported)

``browser`` is one Chromium per module, with a downloads folder; ``start_site(root, ...)``
runs ``run.py web`` on a workspace in its own process on 127.0.0.1 and a free port. Every
process started here (the server, chromedriver, every Chromium process) is ended by its
id at teardown, and the teardown fails if one is left.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import procs

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
         "--disable-extensions", "--lang=zh-CN", "--window-size=1400,1000")


def have_browser() -> bool:
    return CHROMIUM.exists() and CHROMEDRIVER.exists()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> dict[int, int]:
    """Every live process below ``pid`` ({pid: start time}), found through /proc."""
    out: dict[int, int] = {}
    todo = [pid]
    while todo:
        for child, started in procs.children(todo.pop()).items():
            if child not in out:
                out[child] = started
                todo.append(child)
    return out


def end_processes(found: dict[int, int]) -> list[int]:
    """SIGTERM, then SIGKILL, each process of ``found`` by its id; the ids still running after that."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid, started in found.items():
            if procs.running(pid, started):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
        if not procs.survivors(found, timeout=5.0):
            return []
    return procs.survivors(found, timeout=2.0)


@dataclass
class Chrome:
    driver: object
    downloads: Path
    service_pid: int
    known: dict[int, int] = field(default_factory=dict)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):  # noqa: ANN001, ANN201
    if not have_browser():
        pytest.skip("chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    base = tmp_path_factory.mktemp("chrome")
    downloads = base / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={base / 'profile'}")
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False,
        "download.directory_upgrade": True, "safebrowsing.enabled": False})
    service = Service(str(CHROMEDRIVER), log_output=str(base / "chromedriver.log"), popen_kw={"start_new_session": True})
    driver = webdriver.Chrome(service=service, options=options)
    pid = service.process.pid
    started = procs.start_time(pid)
    try:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        driver.set_page_load_timeout(60)
        yield Chrome(driver, downloads, pid)
    finally:
        found = descendants(pid)
        if started is not None:
            found[pid] = started
        try:
            driver.quit()
        finally:
            left = end_processes(found)
        assert not left, f"browser processes left running: {left}"


@dataclass
class Site:
    root: Path
    url: str
    process: subprocess.Popen
    port: int

    def get(self, path: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes, dict]:
        """A plain HTTP request without the browser's cookies: (status, body, headers)."""
        req = urllib.request.Request(self.url.rstrip("/") + path, data=data, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read(), dict(resp.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), dict(exc.headers)

    def stop(self) -> None:
        if self.process.poll() is None:
            found = descendants(self.process.pid)
            started = procs.start_time(self.process.pid)
            if started is not None:
                found[self.process.pid] = started
            left = end_processes(found)
            assert not left, f"server processes left running: {left}"
        self.process.wait(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def run_web(*args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """``run.py web ...`` to its end (for the commands that do not serve: refusals, --set-password)."""
    return subprocess.run([sys.executable, "run.py", "web", *args], cwd=ROOT, input=stdin, capture_output=True,
                          text=True, timeout=timeout)


def start_site(root: Path, now: str | None = "2025-04-15T09:00", host: str = "127.0.0.1", tries: int = 3) -> Site:
    """``run.py web -w root`` on a free port, once it answers; the caller stops it (Site.stop)."""
    last = ""
    for _ in range(tries):
        port = free_port()
        cmd = [sys.executable, "run.py", "web", "-w", str(root), "--host", host, "--port", str(port)]
        if now:
            cmd += ["--now", now]
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        site = Site(root, f"http://127.0.0.1:{port}/", proc, port)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return site
            except OSError:
                time.sleep(0.1)
        if proc.poll() is not None and proc.stderr is not None:
            last = proc.stderr.read()
        site.stop()
    raise RuntimeError(f"the page did not start: {last}")
