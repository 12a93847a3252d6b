"""make deb: scripts/build-deb builds build-deb/tocsin_VERSION_ARCH.deb with debhelper; the
package is unpacked into a fresh folder (dpkg -x: its maintainer scripts would add a user to
this machine) and checked as an installed system would see it: the packaged binary runs,
accepts the packaged conffile and serves it; the unit, the conffile, the data folder and the
postinst that makes the tocsin user are there."""

import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, free_port, run_cli

pytestmark = pytest.mark.skipif(
    not (shutil.which("dpkg-buildpackage") and shutil.which("dh")),
    reason="make deb needs dpkg-dev and debhelper (scripts/install-deps)")


@pytest.fixture(scope="module")
def deb():
    started = time.monotonic()
    p = subprocess.run(["bash", str(REPO / "scripts" / "build-deb")], cwd=REPO,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout + p.stderr
    version = run_cli("--version").stdout.split()[1]
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True,
                          text=True, check=True).stdout.strip()
    path = REPO / "build-deb" / f"tocsin_{version}_{arch}.deb"
    assert path.is_file(), p.stdout
    print(f"make deb took {time.monotonic() - started:.0f}s")
    return path


@pytest.fixture(scope="module")
def root(deb, tmp_path_factory):
    root = tmp_path_factory.mktemp("deb") / "root"
    subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    return root


def control(deb, name):
    p = subprocess.run(["dpkg-deb", "--ctrl-tarfile", str(deb)], capture_output=True,
                       check=True)
    t = subprocess.run(["tar", "-xOf", "-", f"./{name}"], input=p.stdout,
                       capture_output=True, check=True)
    return t.stdout.decode()


def test_packaged_binary_runs_on_the_packaged_conffile(root):
    binary = root / "usr/bin/tocsin"
    p = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and p.stdout == run_cli("--version").stdout
    conf = root / "etc/tocsin/tocsin.yaml"
    p = subprocess.run([str(binary), "check-config", "-c", str(conf)], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(f"{conf}: ok")


def test_packaged_binary_serves_the_packaged_config(root, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as f:
        proc = subprocess.Popen(
            [str(root / "usr/bin/tocsin"), "serve", "-c", str(root / "etc/tocsin/tocsin.yaml"),
             "--listen", f"127.0.0.1:{port}", "--data", str(tmp_path / "data")],
            stdin=subprocess.DEVNULL, stdout=f, stderr=f)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
                        assert r.status == 200
                        assert b"Example Status" in r.read()
                        break
                except OSError:
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.05)
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=15) == 0, log.read_text()


def test_package_holds_unit_conffile_data_folder_and_man_pages(deb, root):
    unit = (root / "lib/systemd/system/tocsin.service").read_text()
    assert "ExecStart=/usr/bin/tocsin serve -c /etc/tocsin/tocsin.yaml\n" in unit
    assert "Type=notify\n" in unit and "StateDirectory=tocsin\n" in unit
    assert (root / "var/lib/tocsin").is_dir()
    assert (root / "usr/share/man/man1/tocsin.1.gz").is_file()
    assert (root / "usr/share/man/man5/tocsin.yaml.5.gz").is_file()
    assert control(deb, "conffiles").split() == ["/etc/tocsin/tocsin.yaml"]
    postinst = control(deb, "postinst")
    assert re.search(r"adduser --system .*tocsin$", postinst, re.M), postinst
    assert "chown tocsin:tocsin /var/lib/tocsin" in postinst
    assert "deb-systemd-helper enable 'tocsin.service'" in postinst
    fields = subprocess.run(["dpkg-deb", "-f", str(deb), "Depends"], capture_output=True,
                            text=True, check=True).stdout
    for lib in ("libmicrohttpd12", "libuv1", "libsqlite3-0", "adduser"):
        assert lib in fields, fields
