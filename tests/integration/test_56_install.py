"""make install and make uninstall into a staging folder (DESTDIR), from the build folder the
suite runs (BUILD=): the files land where the README and tocsin(1) say, the installed binary
runs and accepts the installed configuration, a second install keeps an edited
configuration, uninstall removes what install put there except the configuration, and the
unit passes `systemd-analyze verify`."""

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, TOCSIN_BIN, assert_no_sanitizer_report, sanitizer_env

BUILD = Path(TOCSIN_BIN).resolve().parent


def make(*args):
    p = subprocess.run(["make", "--no-print-directory", "-C", str(REPO), *map(str, args),
                        f"BUILD={BUILD}"],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=600)
    assert p.returncode == 0, p.stdout
    return p.stdout


def run(binary, *args):
    p = subprocess.run([str(binary), *map(str, args)], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=30, env=sanitizer_env())
    assert_no_sanitizer_report(p.stderr)
    return p


@pytest.fixture(scope="module")
def usr_root(tmp_path_factory):
    """`make install DESTDIR=ROOT PREFIX=/usr`, once for the module's read-only checks."""
    root = tmp_path_factory.mktemp("install") / "root"
    make("install", f"DESTDIR={root}", "PREFIX=/usr")
    return root


def test_files_land_where_documented(usr_root):
    r = usr_root
    binary = r / "usr/bin/tocsin"
    assert binary.is_file() and binary.stat().st_mode & 0o111
    unit = r / "usr/lib/systemd/system/tocsin.service"
    assert unit.is_file()
    assert (r / "usr/lib/sysusers.d/tocsin.conf").read_text().count("u tocsin ") == 1
    assert (r / "etc/tocsin/tocsin.yaml").is_file()
    assert (r / "usr/share/man/man1/tocsin.1").is_file()
    assert (r / "usr/share/man/man5/tocsin.yaml.5").is_file()
    # The unit names the installed paths, not the build folder's.
    text = unit.read_text()
    assert "ExecStart=/usr/bin/tocsin serve -c /etc/tocsin/tocsin.yaml\n" in text
    assert "Type=notify\n" in text and "User=tocsin\n" in text
    # Nothing else: a stray file would be something uninstall forgets.
    found = sorted(str(p.relative_to(r)) for p in r.rglob("*") if p.is_file())
    assert found == sorted([
        "etc/tocsin/tocsin.yaml", "usr/bin/tocsin", "usr/lib/systemd/system/tocsin.service",
        "usr/lib/sysusers.d/tocsin.conf", "usr/share/man/man1/tocsin.1",
        "usr/share/man/man5/tocsin.yaml.5"]), found


def test_installed_binary_runs_on_the_installed_config(usr_root):
    binary = usr_root / "usr/bin/tocsin"
    version = run(binary, "--version")
    assert version.returncode == 0
    assert version.stdout == run(TOCSIN_BIN, "--version").stdout
    conf = usr_root / "etc/tocsin/tocsin.yaml"
    check = run(binary, "check-config", "-c", conf)
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith(f"{conf}: ok")


def test_default_prefix_is_usr_local_with_config_in_etc(tmp_path):
    root = tmp_path / "root"
    make("install", f"DESTDIR={root}")
    assert (root / "usr/local/bin/tocsin").is_file()
    assert (root / "etc/tocsin/tocsin.yaml").is_file()
    unit = (root / "usr/local/lib/systemd/system/tocsin.service").read_text()
    assert "ExecStart=/usr/local/bin/tocsin serve -c /etc/tocsin/tocsin.yaml\n" in unit
    assert (root / "usr/local/share/man/man1/tocsin.1").is_file()


def test_reinstall_keeps_an_edited_config_and_uninstall_keeps_it_too(tmp_path):
    root = tmp_path / "root"
    make("install", f"DESTDIR={root}", "PREFIX=/usr")
    conf = root / "etc/tocsin/tocsin.yaml"
    edited = conf.read_text().replace("Example Status", "Our Status")
    conf.write_text(edited)
    out = make("install", f"DESTDIR={root}", "PREFIX=/usr")
    assert "Keeping your /etc/tocsin/tocsin.yaml" in out
    assert conf.read_text() == edited
    assert (root / "etc/tocsin/tocsin.yaml.example").is_file()

    make("uninstall", f"DESTDIR={root}", "PREFIX=/usr")
    left = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert left == ["etc/tocsin/tocsin.yaml", "etc/tocsin/tocsin.yaml.example"], left
    assert conf.read_text() == edited


def test_unit_verifies_clean(usr_root, tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")
    # verify checks that ExecStart's program exists and that `man` finds the pages named in
    # Documentation=: point both into the staging folder (the unit is otherwise unchanged).
    unit = (usr_root / "usr/lib/systemd/system/tocsin.service").read_text()
    rebased = unit.replace("ExecStart=/usr/bin/tocsin", f"ExecStart={usr_root}/usr/bin/tocsin")
    assert rebased != unit
    copy = tmp_path / "tocsin.service"
    copy.write_text(rebased)
    env = {"PATH": "/usr/bin:/bin", "MANPATH": f"{usr_root}/usr/share/man",
           "SYSTEMD_LOG_LEVEL": "notice"}
    p = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True,
                       text=True, timeout=60, env=env)
    assert p.returncode == 0 and p.stdout + p.stderr == "", p.stdout + p.stderr
    # The hardening holds: systemd's own review of the unit rates its exposure "OK" or
    # better (at most 2.0 on its 0-10 scale).
    p = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(copy)],
                       capture_output=True, text=True, timeout=60, env=env)
    line = [l for l in p.stdout.splitlines() if "Overall exposure level" in l]
    assert line, p.stdout + p.stderr
    exposure = float(line[0].split(":")[1].split()[0])
    assert exposure <= 2.0, p.stdout
