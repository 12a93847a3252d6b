"""Black-box tests of the dns, tls and websocket probe kinds: `tocsin probe` against local
targets started here on 127.0.0.1 high ports: dnsmasq, a TLS server with a self-signed
certificate made by the test, and a python3-websockets echo server with one path that
refuses the upgrade with 404. Each test checks the exit code (0 up, 1 down) and the values
tocsin prints for the conditions.

Run with /usr/bin/python3 -m pytest tests/integration/test_65_probe_kinds.py; the binary is
$TOCSIN_BIN (default build-san/tocsin).
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOCSIN = os.environ.get("TOCSIN_BIN", os.path.join(REPO, "build-san", "tocsin"))
PYTHON = "/usr/bin/python3"


def free_port(kind=socket.SOCK_STREAM):
    """A port free for both TCP and UDP (dnsmasq binds both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                    u.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def wait_tcp(port, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited: %s" % proc.stdout.read())
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server on port %d did not start" % port)


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """A 30-day self-signed certificate for localhost and 127.0.0.1."""
    d = tmp_path_factory.mktemp("certs")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
         "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem"), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True)
    return d


@pytest.fixture(scope="module")
def dns_port():
    if not shutil.which("dnsmasq") and not os.path.exists("/usr/sbin/dnsmasq"):
        pytest.skip("dnsmasq not installed (Debian dnsmasq-base)")
    binary = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
    port = free_port()
    # --local=/test/ makes every other *.test name NXDOMAIN instead of REFUSED.
    proc = subprocess.Popen(
        [binary, "--no-daemon", "--port=%d" % port, "--listen-address=127.0.0.1",
         "--bind-interfaces", "--no-resolv", "--no-hosts", "--address=/up.test/127.0.0.1",
         "--address=/up.test/::1", "--local=/test/", "--mx-host=up.test,mail.up.test,10",
         "--txt-record=up.test,v=spf1 -all", "-C", "/dev/null"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_tcp(port, proc)
    yield port
    stop(proc)


TLS_SERVER = textwrap.dedent("""
    import socket, ssl, sys, threading
    port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    def serve(c):
        try:
            with ctx.wrap_socket(c, server_side=True) as t:
                t.settimeout(5)
                t.recv(1)
        except Exception:
            pass
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()
""")


@pytest.fixture(scope="module")
def tls_port(certs):
    port = free_port()
    proc = subprocess.Popen(
        [PYTHON, "-c", TLS_SERVER, str(port), str(certs / "cert.pem"), str(certs / "key.pem")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_tcp(port, proc)
    yield port
    stop(proc)


WS_SERVER = textwrap.dedent("""
    import asyncio, http, ssl, sys
    import websockets
    port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    async def echo(ws, path):
        if path == "/greet":  # speaks first, unasked
            await asyncio.sleep(0.2)
            await ws.send("hello")
            await ws.wait_closed()
            return
        async for msg in ws:
            if path.startswith("/speech"):  # a voice API: audio back for a recorded utterance
                if isinstance(msg, bytes) and len(msg) == 3000:
                    await asyncio.sleep(1.5 if path == "/speech-slow" else 0.05)
                    await ws.send(b"audio")
                continue
            await ws.send(msg)
    async def process_request(path, headers):
        if path == "/refuse":
            return http.HTTPStatus.NOT_FOUND, [], b"no websocket here\\n"
        return None
    async def main():
        kw = {}
        if cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            kw["ssl"] = ctx
        async with websockets.serve(echo, "127.0.0.1", port, process_request=process_request,
                                    **kw):
            await asyncio.Future()
    asyncio.run(main())
""")


def start_ws(certs, tls):
    try:
        subprocess.run([PYTHON, "-c", "import websockets"], check=True, capture_output=True)
    except subprocess.CalledProcessError:
        pytest.skip("python3-websockets not installed")
    port = free_port()
    args = [str(certs / "cert.pem"), str(certs / "key.pem")] if tls else ["", ""]
    proc = subprocess.Popen([PYTHON, "-c", WS_SERVER, str(port)] + args,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_tcp(port, proc)
    return port, proc


@pytest.fixture(scope="module")
def ws_port(certs):
    port, proc = start_ws(certs, tls=False)
    yield port
    stop(proc)


@pytest.fixture(scope="module")
def wss_port(certs):
    port, proc = start_ws(certs, tls=True)
    yield port
    stop(proc)


@pytest.fixture(scope="module")
def silent_port():
    """Accepts TCP connections and UDP datagrams and never answers."""
    port = free_port()
    script = textwrap.dedent("""
        import socket, sys
        p = int(sys.argv[1])
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", p))
        t = socket.socket(); t.bind(("127.0.0.1", p)); t.listen(64)
        held = []
        while True:
            held.append(t.accept()[0])
    """)
    proc = subprocess.Popen([PYTHON, "-c", script, str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    wait_tcp(port, proc)
    yield port
    stop(proc)


def probe(tmp_path, monitor):
    """Run `tocsin probe` on a one-monitor config; return (exit code, stdout + stderr)."""
    lines = ["page:", "  name: probe kinds", "monitors:", "  - id: m"]
    for key, value in monitor.items():
        if isinstance(value, list):
            lines.append("    %s:" % key)
            lines.extend("      - %s" % quote(v) for v in value)
        elif isinstance(value, dict):
            lines.append("    %s:" % key)
            lines.extend("      %s: %s" % (k, quote(v)) for k, v in value.items())
        else:
            lines.append("    %s: %s" % (key, quote(value) if isinstance(value, str) else
                                          str(value).lower()))
    cfg = tmp_path / "tocsin.yaml"
    cfg.write_text("\n".join(lines) + "\n")
    res = subprocess.run([TOCSIN, "probe", "-c", str(cfg), "m"], capture_output=True,
                         text=True, timeout=30)
    out = res.stdout + res.stderr
    # A sanitizer report must never pass unnoticed.
    assert "Sanitizer" not in out, out
    return res.returncode, out


def quote(v):
    return '"%s"' % str(v).replace("\\", "\\\\").replace('"', '\\"')


# ---- dns ---------------------------------------------------------------------------------


def test_dns_a(tmp_path, dns_port):
    rc, out = probe(tmp_path, {
        "kind": "dns", "name": "up.test", "resolver": "127.0.0.1:%d" % dns_port,
        "conditions": ["[DNS_RCODE] == NOERROR", "[IP] == 127.0.0.1", "[BODY] == 127.0.0.1",
                       "[CONNECTED] == true", "[RESPONSE_TIME] < 2000"]})
    assert rc == 0, out
    assert "PASS up       [DNS_RCODE] (NOERROR) == NOERROR" in out
    assert "[IP] (127.0.0.1) == 127.0.0.1" in out


def test_dns_aaaa_mx_txt(tmp_path, dns_port):
    resolver = "127.0.0.1:%d" % dns_port
    rc, out = probe(tmp_path, {"kind": "dns", "name": "up.test", "type": "AAAA",
                               "resolver": resolver, "conditions": ["[IP] == ::1"]})
    assert rc == 0, out
    rc, out = probe(tmp_path, {"kind": "dns", "name": "up.test", "type": "MX",
                               "resolver": resolver,
                               "conditions": ['[BODY] == "10 mail.up.test"']})
    assert rc == 0, out
    rc, out = probe(tmp_path, {"kind": "dns", "name": "up.test", "type": "TXT",
                               "resolver": resolver,
                               "conditions": ["[BODY] == pat(v=spf1*)"]})
    assert rc == 0, out


def test_dns_nxdomain(tmp_path, dns_port):
    resolver = "127.0.0.1:%d" % dns_port
    rc, out = probe(tmp_path, {"kind": "dns", "name": "nope.test", "resolver": resolver,
                               "conditions": ["[DNS_RCODE] == NOERROR"]})
    assert rc == 1, out
    assert "[DNS_RCODE] (NXDOMAIN) == NOERROR" in out
    rc, out = probe(tmp_path, {"kind": "dns", "name": "nope.test", "resolver": resolver,
                               "conditions": ["[DNS_RCODE] == NXDOMAIN"]})
    assert rc == 0, out


def test_dns_no_answer(tmp_path, silent_port):
    rc, out = probe(tmp_path, {"kind": "dns", "name": "up.test", "timeout": "1s",
                               "resolver": "127.0.0.1:%d" % silent_port,
                               "conditions": ["[DNS_RCODE] == NOERROR"]})
    assert rc == 1, out
    assert "timed out" in out


def test_dns_config_errors(tmp_path):
    rc, out = probe(tmp_path, {"kind": "dns", "name": "up.test", "type": "SRV"})
    assert rc == 2 and "type must be one of" in out, out
    rc, out = probe(tmp_path, {"kind": "dns", "name": "up.test", "resolver": "dns.example"})
    assert rc == 2 and "resolver must be an IP address" in out, out


# ---- tls ---------------------------------------------------------------------------------


def test_tls_no_verify_up(tmp_path, tls_port):
    rc, out = probe(tmp_path, {
        "kind": "tls", "address": "127.0.0.1:%d" % tls_port, "verify": False,
        "conditions": ["[CONNECTED] == true", "[CERTIFICATE_EXPIRATION] > 24h",
                       "[CERTIFICATE_EXPIRATION] < 31d", "[IP] == 127.0.0.1"]})
    assert rc == 0, out
    assert "cert       expires in" in out


def test_tls_verify_self_signed_down(tmp_path, tls_port):
    rc, out = probe(tmp_path, {"kind": "tls", "address": "127.0.0.1:%d" % tls_port})
    assert rc == 1, out
    assert "verdict    down: SSL certificate problem: self-signed certificate" in out


def test_tls_server_name(tmp_path, tls_port):
    # Another name is sent as SNI while connecting to the address; without verification the
    # handshake succeeds, so this shows the connection went where `address` says.
    rc, out = probe(tmp_path, {"kind": "tls", "address": "127.0.0.1:%d" % tls_port,
                               "server_name": "status.example", "verify": False,
                               "conditions": ["[IP] == 127.0.0.1"]})
    assert rc == 0, out


def test_tls_refused(tmp_path):
    rc, out = probe(tmp_path, {"kind": "tls", "address": "127.0.0.1:%d" % free_port()})
    assert rc == 1, out
    assert "connected  no" in out


def test_tls_timeout(tmp_path, silent_port):
    rc, out = probe(tmp_path, {"kind": "tls", "address": "127.0.0.1:%d" % silent_port,
                               "timeout": "1s"})
    assert rc == 1, out
    assert "timed out" in out.lower()


# ---- websocket ---------------------------------------------------------------------------


def test_websocket_echo(tmp_path, ws_port):
    rc, out = probe(tmp_path, {
        "kind": "websocket", "url": "ws://127.0.0.1:%d/echo?x=1" % ws_port, "send": "hello",
        "headers": {"X-Probe": "tocsin"},
        "conditions": ["[BODY] == hello", "[HEADER].Upgrade == websocket",
                       "[CONNECTED] == true", "[IP] == 127.0.0.1"]})
    assert rc == 0, out
    assert "PASS up       [STATUS] (101) == 101" in out
    assert "[BODY] (hello) == hello" in out


def test_websocket_time_to_first_audio(tmp_path, ws_port):
    """send_file sends a recorded utterance as one binary frame; [FIRST_MESSAGE_TIME] is the
    time from the 101 to the first answer, so a slow first audio is a condition."""
    clip = tmp_path / "hello.raw"
    clip.write_bytes(bytes(range(256)) * 11 + bytes(184))  # 3000 bytes
    rc, out = probe(tmp_path, {"kind": "websocket", "url": "ws://127.0.0.1:%d/speech-fast"
                               % ws_port, "send_file": str(clip),
                               "conditions": ["[FIRST_MESSAGE_TIME] < 1000"]})
    assert rc == 0, out
    rc, out = probe(tmp_path, {"kind": "websocket", "url": "ws://127.0.0.1:%d/speech-slow"
                               % ws_port, "send_file": str(clip), "timeout": "5s",
                               "degraded_conditions": ["[FIRST_MESSAGE_TIME] < 1000"]})
    assert rc == 3, out
    value = float(re.search(r"\[FIRST_MESSAGE_TIME\] \(([0-9.]+)\) < 1000", out).group(1))
    assert 1400 < value < 4000, out


def test_websocket_await_first_message(tmp_path, ws_port):
    rc, out = probe(tmp_path, {"kind": "websocket", "url": "ws://127.0.0.1:%d/greet" % ws_port,
                               "await_message": True,
                               "conditions": ["[BODY] == hello", "[FIRST_MESSAGE_TIME] < 1000"]})
    assert rc == 0, out


def test_websocket_send_file_errors(tmp_path):
    rc, out = probe(tmp_path, {"kind": "websocket", "url": "ws://127.0.0.1:1/",
                               "send_file": str(tmp_path / "missing.raw")})
    assert rc == 2 and "cannot read send_file" in out, out
    (tmp_path / "x.raw").write_bytes(b"x")
    rc, out = probe(tmp_path, {"kind": "websocket", "url": "ws://127.0.0.1:1/", "send": "hi",
                               "send_file": str(tmp_path / "x.raw")})
    assert rc == 2 and "send and send_file cannot both be given" in out, out


def test_websocket_upgrade_only(tmp_path, ws_port):
    rc, out = probe(tmp_path, {"kind": "websocket", "url": "ws://127.0.0.1:%d/" % ws_port})
    assert rc == 0, out
    assert "status     101" in out


def test_websocket_refused_404(tmp_path, ws_port):
    rc, out = probe(tmp_path, {"kind": "websocket",
                               "url": "ws://127.0.0.1:%d/refuse" % ws_port, "send": "hello",
                               "conditions": ["[BODY] == hello"]})
    assert rc == 1, out
    assert "status     404" in out
    assert "verdict    down: upgrade refused: HTTP 404" in out


def test_websocket_reply_mismatch(tmp_path, ws_port):
    rc, out = probe(tmp_path, {"kind": "websocket", "url": "ws://127.0.0.1:%d/" % ws_port,
                               "send": "hello", "conditions": ["[BODY] == goodbye"]})
    assert rc == 1, out
    assert "[BODY] (hello) == goodbye" in out


def test_wss_echo_and_verify(tmp_path, wss_port):
    rc, out = probe(tmp_path, {"kind": "websocket", "url": "wss://127.0.0.1:%d/" % wss_port,
                               "verify_tls": False, "send": "over tls",
                               "conditions": ["[BODY] == pat(over*)"]})
    assert rc == 0, out
    rc, out = probe(tmp_path, {"kind": "websocket", "url": "wss://127.0.0.1:%d/" % wss_port})
    assert rc == 1, out
    assert "self-signed certificate" in out


def test_websocket_timeout(tmp_path, silent_port):
    rc, out = probe(tmp_path, {"kind": "websocket", "url": "ws://127.0.0.1:%d/" % silent_port,
                               "timeout": "1s"})
    assert rc == 1, out
    assert "timed out waiting for the upgrade response" in out


# ---- cancel ------------------------------------------------------------------------------


def test_sigterm_with_runs_in_flight(tmp_path, dns_port, silent_port, ws_port, tls_port):
    """The daemon stops cleanly (and, under ASan, without leaks) while dns, tls and websocket
    runs are waiting on a target that never answers."""
    silent = "127.0.0.1:%d" % silent_port
    cfg = tmp_path / "tocsin.yaml"
    cfg.write_text(textwrap.dedent("""
        page:
          name: probe kinds
        monitors:
          - {id: d1, kind: dns, name: up.test, resolver: "%(silent)s", interval: 3s, timeout: 3s}
          - {id: d2, kind: dns, name: up.test, resolver: "127.0.0.1:%(dns)d", interval: 1s}
          - {id: t1, kind: tls, address: "%(silent)s", interval: 3s, timeout: 3s}
          - {id: t2, kind: tls, address: "127.0.0.1:%(tls)d", verify: false, interval: 1s}
          - {id: w1, kind: websocket, url: "ws://%(silent)s/", interval: 3s, timeout: 3s}
          - {id: w2, kind: websocket, url: "wss://%(silent)s/", interval: 3s, timeout: 3s}
          - {id: w3, kind: websocket, url: "ws://127.0.0.1:%(ws)d/", send: hi, interval: 1s}
    """) % {"silent": silent, "dns": dns_port, "tls": tls_port, "ws": ws_port})
    data = tmp_path / "data"
    data.mkdir()
    proc = subprocess.Popen([TOCSIN, "serve", "-c", str(cfg), "--listen",
                             "127.0.0.1:%d" % free_port(), "--data", str(data)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(3.5)  # every monitor has started at least once by now
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out
    assert "Sanitizer" not in out, out
    assert "monitor d2: pending -> up" in out, out
