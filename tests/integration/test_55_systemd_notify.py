"""systemd's notification protocol, as a service manager sees it: the daemon is started with
NOTIFY_SOCKET naming a datagram socket this test reads (a path, or an abstract name), and the
test checks what arrives and when: READY=1 only once the page answers, WATCHDOG=1 again and
again while the engine loop turns (only when the watchdog is meant for this process),
RELOADING=1 then READY=1 around SIGHUP, and STOPPING=1 on SIGTERM."""

import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import (BASIC_CONFIG, TOCSIN_BIN, assert_no_sanitizer_report, dedent, free_port,
                      sanitizer_env)


class Notified:
    """A tocsin serve process with NOTIFY_SOCKET set to a socket this object reads."""

    def __init__(self, tmp_path, abstract=False, watchdog_usec=None, watchdog_pid=None,
                 config=BASIC_CONFIG):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = f"tocsin-test-notify-{os.getpid()}-{time.monotonic_ns()}"
            self.sock.bind("\0" + name)
            address = "@" + name
        else:
            # A short folder: a socket path must fit in 108 bytes, pytest's may not.
            self.sockdir = tempfile.mkdtemp(prefix="tc-notify-", dir="/tmp")
            address = os.path.join(self.sockdir, "notify")
            self.sock.bind(address)
        self.config = Path(tmp_path) / "tocsin.yaml"
        self.config.write_text(dedent(config))
        self.port = free_port()
        env = sanitizer_env()
        env["NOTIFY_SOCKET"] = address
        env.pop("WATCHDOG_USEC", None)
        env.pop("WATCHDOG_PID", None)
        if watchdog_usec is not None:
            env["WATCHDOG_USEC"] = str(watchdog_usec)
        if watchdog_pid is not None:
            env["WATCHDOG_PID"] = str(watchdog_pid)
        self.stderr_path = Path(tmp_path) / "stderr.log"
        self.stderr_file = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            [TOCSIN_BIN, "serve", "-c", str(self.config), "--listen",
             f"127.0.0.1:{self.port}", "--data", str(Path(tmp_path) / "data")],
            stdin=subprocess.DEVNULL, stdout=self.stderr_file, stderr=self.stderr_file,
            env=env)

    def receive(self, timeout):
        """The next message as a dict of its assignments, or None after @timeout seconds."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return None
        return dict(line.split("=", 1) for line in data.decode().split("\n"))

    def receive_until(self, key, timeout=15):
        """Messages up to and including the first that sets @key; fails after @timeout."""
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            msg = self.receive(max(0.01, deadline - time.monotonic()))
            if msg is None:
                break
            seen.append(msg)
            if key in msg:
                return seen
            assert self.proc.poll() is None, f"tocsin exited:\n{self.stderr}"
        raise AssertionError(f"no {key} within {timeout}s; got {seen}\n{self.stderr}")

    def get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
            return r.status, r.read()

    @property
    def stderr(self):
        return self.stderr_path.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=15)
        self.stderr_file.close()
        self.sock.close()
        if getattr(self, "sockdir", None):
            Path(self.sockdir, "notify").unlink(missing_ok=True)
            os.rmdir(self.sockdir)
        assert_no_sanitizer_report(self.stderr)
        return self.proc.returncode


@pytest.fixture
def notified(tmp_path):
    started = []

    def start(**kw):
        path = tmp_path / f"d{len(started)}"
        path.mkdir()
        n = Notified(path, **kw)
        started.append(n)
        return n

    yield start
    for n in started:
        n.stop()


@pytest.mark.parametrize("abstract", [False, True], ids=["path", "abstract"])
def test_ready_once_the_page_answers(notified, abstract):
    n = notified(abstract=abstract)
    before = n.receive_until("READY")
    # The page and the API answer at the very moment systemd hears READY=1: the snapshot was
    # published and the port bound before it was sent.
    status, body = n.get("/")
    assert status == 200 and b"Tocsin Test Page" in body
    status, _ = n.get("/api/v2/status.json")
    assert status == 200
    ready = before[-1]
    assert ready["READY"] == "1"
    assert ready["STATUS"].startswith('serving "Tocsin Test Page" on http://127.0.0.1:')
    assert all("READY" not in m for m in before[:-1])
    # No watchdog was asked for, so none is sent.
    assert n.receive(1.5) is None


def test_watchdog_pings_while_the_loop_turns(notified):
    n = notified(watchdog_usec=2_000_000)
    n.receive_until("READY")
    pings = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        msg = n.receive(deadline - time.monotonic())
        if msg is None:
            break
        assert msg == {"WATCHDOG": "1"}, msg
        pings.append(time.monotonic())
    # Every half interval (1 s), never a gap near the 2 s after which systemd would kill it.
    assert len(pings) >= 3, pings
    gaps = [b - a for a, b in zip(pings, pings[1:])]
    assert max(gaps) < 1.9, gaps
    assert min(gaps) > 0.5, gaps  # half the interval, not a flood


def test_no_watchdog_for_another_process(notified):
    n = notified(watchdog_usec=500_000, watchdog_pid=1)
    n.receive_until("READY")
    assert n.receive(1.5) is None


def test_reloading_then_ready_on_sighup(notified):
    n = notified()
    n.receive_until("READY")
    n.proc.send_signal(signal.SIGHUP)
    seen = n.receive_until("READY")
    assert seen[0]["RELOADING"] == "1" and int(seen[0]["MONOTONIC_USEC"]) > 0
    assert seen[-1]["STATUS"] == "configuration reloaded"
    # A broken file: the running configuration stays, and systemctl status says why.
    n.config.write_text("page: [\n")
    n.proc.send_signal(signal.SIGHUP)
    seen = n.receive_until("READY")
    assert seen[0]["RELOADING"] == "1"
    assert seen[-1]["STATUS"].startswith("reload refused")
    assert n.get("/")[0] == 200


def test_stopping_on_sigterm(notified):
    n = notified()
    n.receive_until("READY")
    n.proc.send_signal(signal.SIGTERM)
    seen = n.receive_until("STOPPING")
    assert seen[-1]["STOPPING"] == "1"
    assert n.proc.wait(timeout=15) == 0


def test_malformed_notify_socket_is_reported_and_serving_goes_on(tmp_path):
    config = tmp_path / "tocsin.yaml"
    config.write_text(dedent(BASIC_CONFIG))
    port = free_port()
    env = sanitizer_env()
    env["NOTIFY_SOCKET"] = "relative/notify"
    log = tmp_path / "stderr.log"
    with open(log, "wb") as f:
        proc = subprocess.Popen(
            [TOCSIN_BIN, "serve", "-c", str(config), "--listen", f"127.0.0.1:{port}",
             "--data", str(tmp_path / "data")],
            stdin=subprocess.DEVNULL, stdout=f, stderr=f, env=env)
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
                        assert r.status == 200
                        break
                except OSError:
                    time.sleep(0.05)
            else:
                raise AssertionError(log.read_text())
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=15) == 0
    text = log.read_text()
    assert_no_sanitizer_report(text)
    assert "systemd notifications are off: NOTIFY_SOCKET" in text
