"""Shared helpers for the tocsin black-box suite.

Every test talks to a real `tocsin serve` process on 127.0.0.1 with its own config file and
data folder. The daemon's stderr goes to a file (never a pipe, so the daemon can never block
on a full pipe). On teardown the daemon gets SIGTERM and must exit 0 without any sanitizer
report in its stderr.

With TOCSIN_TEST_PG_DSN set (test_69_store_postgres.py does, to run other files again), every
daemon gets a fresh PostgreSQL database of that server as its store instead of SQLite.
"""

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import textwrap
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOCSIN_BIN = os.environ.get("TOCSIN_BIN") or str(REPO / "build-san" / "tocsin")

START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "LeakSanitizer", "runtime error:")

# A small page used by most tests: two groups, a top-level component, a hidden component.
BASIC_CONFIG = """\
page:
  id: testpage
  name: Tocsin Test Page
  url: http://status.example.test
  time_zone: Etc/UTC
  description: Status of the test fixtures.

groups:
  - id: api
    name: API Group
    description: Public endpoints.
  - id: vendors
    name: Vendor Group

components:
  - id: rest
    name: REST API
    group: api
  - id: websocket
    name: WebSocket API
    group: api
    description: Streaming over WebSocket.
  - id: deepgram
    name: Deepgram
    group: vendors
  - id: dashboard
    name: Dashboard
  - id: webhooks
    name: Webhook delivery
    only_show_if_degraded: true
"""


def sanitizer_env():
    """Environment for the daemon: sanitizer findings must be loud and fatal."""
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:halt_on_error=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    return env


def assert_no_sanitizer_report(text, what="tocsin"):
    for marker in SANITIZER_MARKERS:
        assert marker not in text, f"{what}: sanitizer report in stderr:\n{text}"


def run_cli(*args, timeout=30, input_text=None):
    """Run the tocsin binary with @args (and @input_text on stdin); returns the
    CompletedProcess (text mode)."""
    proc = subprocess.run(
        [TOCSIN_BIN, *map(str, args)],
        input=input_text,
        stdin=subprocess.DEVNULL if input_text is None else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=timeout,
        env=sanitizer_env(),
    )
    assert_no_sanitizer_report(proc.stderr, f"tocsin {' '.join(map(str, args))}")
    return proc


def thread_stacks(pid):
    """Every thread's stack of a hung process, when gdb is installed, for the failure report."""
    if not shutil.which("gdb"):
        return "(install gdb to see where it hung)"
    r = subprocess.run(["gdb", "-p", str(pid), "-batch", "-ex", "thread apply all bt"],
                       capture_output=True, text=True, timeout=60)
    return "\n".join(line for line in r.stdout.splitlines()
                     if not line.startswith(("[New ", "[Thread ")))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def dedent(text):
    return textwrap.dedent(text).lstrip("\n")


# A server's libpq connection string without dbname, and its psql (test_69 sets both).
PG_SERVER_DSN = os.environ.get("TOCSIN_TEST_PG_DSN")
PG_PSQL = os.environ.get("TOCSIN_TEST_PSQL", "psql")


def on_postgres(config_text):
    """@config_text with storage.postgres naming a new, empty database of PG_SERVER_DSN."""
    name = "t_" + uuid.uuid4().hex[:16]
    r = subprocess.run([PG_PSQL, "-X", "-q", "-d", PG_SERVER_DSN + " dbname=postgres",
                        "-c", f"CREATE DATABASE {name}"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    lines = f'  postgres:\n    dsn: "{PG_SERVER_DSN} dbname={name}"\n'
    if re.search(r"^storage:[ \t]*$", config_text, re.M):
        return re.sub(r"^storage:[ \t]*\n", lambda m: m.group(0) + lines, config_text,
                      count=1, flags=re.M)
    return config_text.rstrip("\n") + "\nstorage:\n" + lines


class PortTaken(Exception):
    pass


class Daemon:
    """A running `tocsin serve` process."""

    def __init__(self, tmp_path, config_text, name="tocsin", args=()):
        self.dir = Path(tmp_path) / name
        self.args = list(args)  # more options for `tocsin serve` (--node, --location)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config_path = self.dir / "tocsin.yaml"
        self.data_dir = self.dir / "data"
        self.stderr_path = self.dir / "stderr.log"
        if PG_SERVER_DSN:
            config_text = on_postgres(config_text)
        if not re.search(r"^self_check:", config_text, re.M):
            # The default self-check asks the machine's gateway and resolver (with 5 monitors
            # or more): tests stay on 127.0.0.1, and test_75 checks it with local targets.
            config_text = config_text.rstrip("\n") + "\nself_check:\n  enabled: false\n"
        self.config_path.write_text(config_text)
        self.host = "127.0.0.1"
        self.port = None
        self.proc = None
        self.exit_code = None
        self._stderr_file = None

    # -- life cycle ----------------------------------------------------------------------

    def start(self):
        # free_port() can race with other processes on the machine: if the daemon could not
        # bind, try again on another port.
        for attempt in range(3):
            try:
                return self._start_once()
            except PortTaken:
                if attempt == 2:
                    raise AssertionError(f"could not bind a port:\n{self.stderr}")

    def _start_once(self):
        self.port = free_port()
        self.base = f"http://{self.host}:{self.port}"
        self.healthy_at = None
        self._stderr_file = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(
            [TOCSIN_BIN, "serve", "-c", str(self.config_path), "--listen",
             f"{self.host}:{self.port}", "--data", str(self.data_dir), *self.args],
            stdin=subprocess.DEVNULL,
            stdout=self._stderr_file,
            stderr=self._stderr_file,
            env=sanitizer_env(),
        )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                if self.proc.returncode == 1 and "cannot listen" in self.stderr:
                    self.proc = None
                    self._stderr_file.close()
                    raise PortTaken()
                raise AssertionError(
                    f"tocsin exited with {self.proc.returncode} during start-up:\n{self.stderr}")
            try:
                # /healthz is a liveness check: it answers 200 before the first snapshot
                # is published (documents give 503 "starting up" meanwhile; see
                # test_30_http.py::test_healthz_not_ok_before_first_snapshot). Wait for both.
                if self.healthy_at is None:
                    status, _, _ = self.raw_request("GET", "/healthz", timeout=1)
                    if status == 200:
                        self.healthy_at = time.monotonic()
                if self.healthy_at is not None:
                    status, _, _ = self.raw_request("GET", "/api/v2/status.json", timeout=1)
                    if status != 503:
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(
                    f"/healthz did not answer within {START_TIMEOUT}s:\n{self.stderr}")
            time.sleep(0.05)

    def stop(self):
        """SIGTERM, wait, and check a clean exit without sanitizer reports."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                stacks = thread_stacks(self.proc.pid)
                self.kill()
                raise AssertionError(
                    f"tocsin did not stop within {STOP_TIMEOUT}s of SIGTERM:\n{self.stderr}"
                    f"\n{stacks}")
        self.exit_code = self.proc.returncode
        self.proc = None
        self._stderr_file.close()
        text = self.stderr
        assert_no_sanitizer_report(text)
        assert self.exit_code == 0, f"tocsin exited with {self.exit_code}:\n{text}"

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        if self._stderr_file:
            self._stderr_file.close()

    def signal(self, signum):
        self.proc.send_signal(signum)

    # -- inspection ----------------------------------------------------------------------

    @property
    def stderr(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def url(self, path):
        return self.base + path

    def raw_request(self, method, path, headers=None, body=None, timeout=5):
        """One request over a fresh http.client connection; returns (status, headers, bytes).
        Headers come back as a list of (name, value) pairs (names as sent by the server)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp.getheaders(), data
        finally:
            conn.close()

    def wait_for(self, predicate, timeout=5.0, interval=0.05, what="condition"):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(interval)
        raise AssertionError(f"timed out waiting for {what}; last={last!r}\n{self.stderr}")


def header(headers, name):
    """The values of header @name (case-insensitive) in a getheaders() list."""
    return [v for k, v in headers if k.lower() == name.lower()]


@pytest.fixture
def start_daemon(tmp_path):
    """Factory: start_daemon(config_text=BASIC_CONFIG, name="tocsin", args=()) -> a started
    Daemon (@args: more options for `tocsin serve`). Every daemon it started is stopped and
    checked at teardown."""
    started = []

    def start(config_text=BASIC_CONFIG, name="tocsin", args=()):
        d = Daemon(tmp_path, dedent(config_text), name=name, args=args)
        started.append(d)
        return d.start()

    yield start
    errors = []
    for d in started:
        try:
            d.stop()
        except AssertionError as e:  # report every daemon, not just the first failure
            errors.append(str(e))
    if errors:
        pytest.fail("\n\n".join(errors))


@pytest.fixture
def daemon(start_daemon):
    """A daemon serving BASIC_CONFIG."""
    return start_daemon()


@pytest.fixture(scope="module")
def shared_daemon(tmp_path_factory):
    """One daemon serving BASIC_CONFIG for a module's read-only tests."""
    d = Daemon(tmp_path_factory.mktemp("shared"), BASIC_CONFIG)
    d.start()
    try:
        yield d
    finally:
        d.stop()


def chromium(width=1200, height=1600):
    """A headless Chromium (browser.py's); the caller quits it."""
    from browser import chromium as start
    return start(width, height)


@pytest.fixture
def browser():
    """A headless Chromium (browser.py); fails, never skips, when Chromium is missing."""
    from browser import chromium
    b = chromium()
    yield b
    b.quit()
