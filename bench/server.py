"""`streamlit run app.py` on a free port for the browser tests, offline when we can prove it.

As root with iproute2, the server and Chromium both run in a fresh network namespace that has only a
loopback interface: any attempt to reach the outside fails at once, so a page that needs the network
at start-up fails its test. Elsewhere they run normally (and CI, which requires the namespace, fails).
"""

import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CONVLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OfflineNamespace:
    """A network namespace with loopback only (needs root and `ip`)."""

    def __init__(self):
        self.name = f"convlab-{os.getpid()}-{free_port()}"

    @staticmethod
    def possible() -> bool:
        return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("ip") is not None

    def __enter__(self):
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        subprocess.run(["ip", "netns", "exec", self.name, "ip", "link", "set", "lo", "up"], check=True)
        return self

    def __exit__(self, *exc):
        subprocess.run(["ip", "netns", "del", self.name], check=False)

    def prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.name]

    def can_reach_outside(self) -> bool:
        probe = "import socket\ntry:\n socket.create_connection(('192.0.2.1', 80), timeout=2)\nexcept OSError: raise SystemExit(1)"
        return subprocess.run(self.prefix() + [sys.executable, "-c", probe]).returncode == 0

    def chromium_wrapper(self, directory: Path) -> Path:
        """Chromium started inside the namespace; Playwright talks to it over pipes, not the network."""
        wrapper = directory / "chromium-offline"
        wrapper.write_text(f'#!/bin/sh\nexec ip netns exec {self.name} {CHROMIUM} "$@"\n')
        wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
        return wrapper


class StreamlitServer:
    """The app as a user runs it, on a free localhost port."""

    def __init__(
        self,
        namespace: OfflineNamespace | None,
        env: dict | None = None,
        python: str = sys.executable,
        app: Path = ROOT / "app.py",
    ):
        self.namespace = namespace
        self.app = app  # bench/floor_app.py: Streamlit's own floor, measured beside ConvLab
        self.python = python  # another venv's interpreter runs the same app (bench/memory.py: CPU-only torch)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(tempfile.mkstemp(prefix="convlab-server-", suffix=".log")[1])
        self.env = env or {}
        self.process = None
        self.started = None

    def __enter__(self):
        command = [
            self.python,
            "-m",
            "streamlit",
            "run",
            str(self.app),
            "--server.headless",
            "true",
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
        ]
        if self.namespace:
            command = self.namespace.prefix() + command
        self.log = open(self.log_path, "w")
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **self.env}
        )
        self.wait_until_healthy()
        return self

    def _health(self) -> bool:
        check = f"import urllib.request; urllib.request.urlopen('{self.url}/_stcore/health', timeout=1)"
        if self.namespace:
            return (
                subprocess.run(self.namespace.prefix() + [sys.executable, "-c", check], capture_output=True).returncode
                == 0
            )
        try:
            urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1)
            return True
        except OSError:
            return False

    def wait_until_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited early:\n{self.log_path.read_text()}")
            if self._health():
                self.ready_after = time.monotonic() - self.started
                return
            time.sleep(0.25)
        raise RuntimeError(f"streamlit did not become healthy in {timeout} s:\n{self.log_path.read_text()}")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")
