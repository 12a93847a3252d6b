"""Concurrency sanity: many clients at once all get full, correct answers."""

import json
import threading

import requests

THREADS = 20
REQUESTS = 50


def test_parallel_page_requests(shared_daemon):
    results = []
    errors = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def worker():
        session = requests.Session()
        local = []
        try:
            start.wait(timeout=10)
            for _ in range(REQUESTS):
                r = session.get(shared_daemon.url("/"), timeout=10)
                local.append((r.status_code, len(r.content), "Tocsin Test Page" in r.text))
        except Exception as e:  # report, do not hang the test
            with lock:
                errors.append(repr(e))
        finally:
            session.close()
            with lock:
                results.extend(local)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "worker threads hung"
    assert not errors, errors[:5]
    assert len(results) == THREADS * REQUESTS
    assert all(code == 200 for code, _, _ in results), {c for c, _, _ in results}
    assert len({n for _, n, _ in results}) == 1, "bodies of different lengths"
    assert all(ok for _, _, ok in results)


def test_parallel_mixed_requests(shared_daemon):
    paths = ["/api/v2/summary.json", "/api/v2/status.json", "/api/v2/components.json",
             "/healthz", "/metrics", "/nope"]
    want = {"/nope": 404}
    failures = []
    lock = threading.Lock()

    def worker(i):
        with requests.Session() as s:
            for j in range(30):
                p = paths[(i + j) % len(paths)]
                try:
                    r = s.get(shared_daemon.url(p), timeout=10)
                    ok = r.status_code == want.get(p, 200)
                    if ok and p.endswith(".json"):
                        json.loads(r.content)
                except Exception as e:
                    ok = False
                    r = e
                if not ok:
                    with lock:
                        failures.append((p, getattr(r, "status_code", r)))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failures, failures[:10]


def test_parallel_requests_during_reloads(daemon):
    """Reloading (snapshot swaps) while clients read must never give a broken answer."""
    import signal
    from conftest import BASIC_CONFIG
    stop = threading.Event()
    failures = []

    def reader():
        with requests.Session() as s:
            while not stop.is_set():
                try:
                    r = s.get(daemon.url("/api/v2/components.json"), timeout=10)
                    if r.status_code != 200:
                        failures.append(r.status_code)
                    else:
                        json.loads(r.content)
                except Exception as e:
                    failures.append(repr(e))

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    try:
        for i in range(6):
            daemon.config_path.write_text(BASIC_CONFIG + f"  - id: r{i}\n    name: R {i}\n")
            daemon.signal(signal.SIGHUP)
            daemon.wait_for(
                lambda: f"r{i}" in requests.get(daemon.url("/api/v2/components.json"),
                                                timeout=5).text,
                timeout=5, what=f"reload {i}")
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert not failures, failures[:10]
