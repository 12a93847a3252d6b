"""The unit's system call filter does not break the daemon. This machine has no systemd to run
the unit under, so the test does the next best thing: it reads the unit's SystemCallFilter=
lines, expands them into the system calls they allow with `systemd-analyze syscall-filter`,
runs `tocsin serve` as an unprivileged user under strace while it serves pages over HTTPS
and its plain-HTTP redirector, runs http, tcp and dns monitors, writes its store, reloads
(certificate included) and stops, and checks that every system call it made is allowed. (A call outside the filter would fail with EPERM under systemd:
SystemCallErrorNumber=EPERM.)"""

import os
import re
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, TOCSIN_BIN, assert_no_sanitizer_report, dedent, free_port

pytestmark = pytest.mark.skipif(
    not (shutil.which("strace") and shutil.which("systemd-analyze")),
    reason="needs strace and systemd-analyze (Debian packages strace, systemd)")

def filter_groups():
    """{"@group": [members]} as systemd-analyze lists them."""
    out = subprocess.run(["systemd-analyze", "syscall-filter"], capture_output=True,
                         text=True, check=True).stdout
    groups, current = {}, None
    for line in out.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.split()[0], [])
        elif line.strip() and not line.strip().startswith("#") and current is not None:
            current.append(line.split()[0])
    return groups


def expand(name, groups):
    if not name.startswith("@"):
        return {name}
    return set().union(*(expand(m, groups) for m in groups[name]))


def allowed_by_unit():
    """The system calls the unit's SystemCallFilter= lines allow, in order."""
    unit = (REPO / "packaging" / "tocsin.service.in").read_text()
    lines = re.findall(r"^SystemCallFilter=(.*)$", unit, re.M)
    assert lines, "the unit has no SystemCallFilter="
    groups = filter_groups()
    allowed = set()
    for line in lines:
        deny = line.startswith("~")
        names = set().union(*(expand(n, groups) for n in line.lstrip("~").split()))
        allowed = allowed - names if deny else allowed | names
    assert "epoll_wait" in allowed and "setuid" not in allowed
    return allowed


def test_every_system_call_is_allowed_by_the_unit():
    allowed = allowed_by_unit()
    # A folder the unprivileged user can write: the unit's user owns its state folder too.
    work = Path(tempfile.mkdtemp(prefix="tc-syscalls-", dir="/tmp"))
    try:
        os.chmod(work, 0o777)
        port, plain = free_port(), free_port()
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(work / "key.pem"),
                        "-out", str(work / "cert.pem"), "-days", "1", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost"],
                       check=True, capture_output=True)
        os.chmod(work / "key.pem", 0o644)  # the test's unprivileged user reads it
        tls = ssl.create_default_context(cafile=str(work / "cert.pem"))
        config = work / "tocsin.yaml"
        config.write_text(dedent(f"""
            page:
              name: Syscalls
            server:
              listen: 127.0.0.1:{port}
              tls:
                cert: {work}/cert.pem
                key: {work}/key.pem
                redirect_from: 127.0.0.1:{plain}
            storage:
              path: {work}/data
            components:
              - id: web
                name: Web
            monitors:
              - id: self
                kind: http
                url: https://localhost:{port}/healthz
                verify_tls: false
                interval: 1s
                components: [web]
              - id: port
                kind: tcp
                address: 127.0.0.1:{port}
                interval: 1s
              - id: dns
                kind: dns
                name: example.com
                resolver: 127.0.0.1:{free_port()}
                interval: 1s
                timeout: 500ms
            """))
        os.chmod(config, 0o644)
        trace = work / "trace.log"
        log = work / "serve.log"
        env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")  # LSan needs ptrace itself
        with open(log, "wb") as f:
            proc = subprocess.Popen(
                ["strace", "-f", "-qq", "-u", "nobody", "-o", str(trace), TOCSIN_BIN,
                 "serve", "-c", str(config)],
                stdin=subprocess.DEVNULL, stdout=f, stderr=f, env=env)
            try:
                deadline = time.monotonic() + 20
                while True:
                    try:
                        with urllib.request.urlopen(f"https://localhost:{port}/", timeout=2,
                                                    context=tls):
                            break
                    except OSError:
                        assert time.monotonic() < deadline, log.read_text()
                        time.sleep(0.1)
                for path in ("/", "/api/v2/summary.json", "/history", "/metrics"):
                    req = urllib.request.Request(f"https://localhost:{port}{path}",
                                                 headers={"Accept-Encoding": "gzip, br"})
                    urllib.request.urlopen(req, timeout=5, context=tls).read()
                # The redirector answers, and urllib follows it to the https side.
                urllib.request.urlopen(f"http://localhost:{plain}/history", timeout=5,
                                       context=tls).read()
                time.sleep(2.5)  # monitor runs, a result flush, a render
                tracee = [int(l.split()[0]) for l in trace.read_text().splitlines()
                          if "execve(" in l][0]
                os.kill(tracee, signal.SIGHUP)
                time.sleep(1.5)
                os.kill(tracee, signal.SIGTERM)
                assert proc.wait(timeout=30) == 0, log.read_text()
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        text = log.read_text()
        assert_no_sanitizer_report(text)
        assert "configuration reloaded" in text and "stopped" in text, text
        assert text.count("TLS certificate") == 2, text  # loaded at start and on reload
        calls = set(re.findall(r"^\d+\s+(?:<\.\.\. )?([a-z_0-9]+)[( ]", trace.read_text(), re.M))
        calls.discard("resumed")
        assert {"epoll_wait", "accept4", "connect", "fdatasync"} <= calls, calls
        refused = sorted(calls - allowed)
        assert not refused, f"system calls the unit's filter refuses: {refused}"
    finally:
        shutil.rmtree(work, ignore_errors=True)
