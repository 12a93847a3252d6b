"""A throwaway PostgreSQL server for the tests that need one (test_66_postgres.py's probe,
test_69_store_postgres.py's store): Debian's initdb into a temporary directory, the server on
127.0.0.1 at a free high port with its unix socket in that directory, run as `nobody` when the
tests run as root (postgres refuses root). The `pg` fixture gives one per module, or skips the
module when the PostgreSQL server binaries are not installed (Debian postgresql).
"""
import glob
import os
import shutil
import subprocess
import tempfile

import pytest

from conftest import free_port


def pg_bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return os.path.dirname(found[-1]) if found else None


class Postgres:
    """One throwaway cluster; trust authentication on loopback and the socket only."""

    def __init__(self, bindir):
        self.bindir = bindir
        # Not under pytest's tmp_path: its parents are private to root, and the server runs
        # as nobody.
        self.dir = tempfile.mkdtemp(prefix="tocsin-pg-")
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "server.log")
        self.port = free_port()
        self.as_user = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "nobody")
            self.as_user = ["runuser", "-u", "nobody", "--"]

    def _run(self, *args, **kw):
        return subprocess.run(self.as_user + [os.path.join(self.bindir, args[0]), *args[1:]],
                              cwd=self.dir, capture_output=True, text=True, timeout=120, **kw)

    def init(self):
        r = self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                      "--no-sync")
        assert r.returncode == 0, r.stdout + r.stderr

    def start(self):
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        r = self._run("pg_ctl", "-D", self.data, "-l", self.log, "-o", opts, "-w", "-t", "60",
                      "start")
        assert r.returncode == 0, r.stdout + r.stderr + self.server_log()

    def stop(self):
        self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")

    def server_log(self):
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ""

    def sql(self, statement, db="postgres"):
        """Run @statement with psql (as any user: it is a client over TCP)."""
        r = subprocess.run([os.path.join(self.bindir, "psql"), "-X", "-q", "-A", "-t",
                            "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port),
                            "-U", "postgres", "-d", db, "-c", statement],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    def dsn(self, db="postgres"):
        return f"host=127.0.0.1 port={self.port} dbname={db} user=postgres"

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def pg():
    bindir = pg_bindir()
    if not bindir or not os.path.exists(os.path.join(bindir, "pg_ctl")):
        pytest.skip("PostgreSQL server binaries not installed (Debian postgresql)")
    server = Postgres(bindir)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.cleanup()
