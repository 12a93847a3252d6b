"""Black-box tests of the pages made when first asked for (issue 16): with a longer history
than the newest few incidents, an older incident's page and the month pages are not rendered
at every write but on the first request, then served like any page (ETag, 304, gzip, HEAD,
OPTIONS, 405), by many readers at once, and made again after their incident changes; an
unknown incident is still a 404 answered without the engine."""

import gzip
import re
import threading

from conftest import header
from test_80_write_api import WRITE_CONFIG, create, get_json, make_key, patch, wait_until

OLDER = 30  # more than the newest few incidents whose pages every render makes


def long_history(d):
    """OLDER resolved incidents, the first one created the oldest; returns their ids."""
    key = make_key(d)
    ids = [create(d, key, name="Old incident %02d" % k, status="resolved",
                  body="Fixed for good (%02d)." % k)["id"] for k in range(OLDER)]
    wait_until(d, lambda: ids[-1] in [i["id"] for i in
                                      get_json(d, "/api/v2/incidents.json")["incidents"]],
               "the last incident on incidents.json")
    return key, ids


def documents(d):
    """How many documents the served snapshot holds, from /metrics."""
    text = d.raw_request("GET", "/metrics")[2].decode()
    return int(re.search(r"^tocsin_snapshot_documents (\d+)$", text, re.M).group(1))


def test_older_pages_are_made_when_asked(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    key, ids = long_history(d)
    oldest = "/incidents/" + ids[0]

    # Each page was made while its incident was among the newest, and is kept while it does
    # not change. Once the oldest changes, its page is not made again until asked for; then
    # the snapshot has one more document.
    patch(d, key, ids[0], name="Old incident 00, renamed")
    wait_until(d, lambda: "Old incident 00, renamed" in
               [i["name"] for i in get_json(d, "/api/v2/incidents.json")["incidents"]],
               "the renamed incident on incidents.json")
    before = documents(d)
    status, headers, body = d.raw_request("GET", oldest)
    assert documents(d) == before + 1
    assert status == 200, (status, body[:200])
    assert b"Old incident 00, renamed" in body and b"Fixed for good (00)." in body
    etag = header(headers, "ETag")[0]
    assert header(headers, "Content-Type")[0].startswith("text/html")
    assert header(headers, "Content-Security-Policy")  # the pages' headers, as any page

    # Served from the snapshot now: the same ETag, a 304 for it, gzip when asked, HEAD.
    status, headers, _ = d.raw_request("GET", oldest, {"If-None-Match": etag})
    assert status == 304 and header(headers, "ETag") == [etag]
    status, headers, zipped = d.raw_request("GET", oldest, {"Accept-Encoding": "gzip"})
    assert status == 200 and header(headers, "Content-Encoding") == ["gzip"]
    assert gzip.decompress(zipped) == body
    status, headers, nothing = d.raw_request("HEAD", "/incidents/" + ids[1])
    assert status == 200 and nothing == b"" and header(headers, "ETag")
    assert d.raw_request("OPTIONS", "/incidents/" + ids[2])[0] == 204
    assert d.raw_request("POST", "/incidents/" + ids[3], body=b"x")[0] == 405
    assert d.raw_request("GET", "/incidents/nosuchincident")[0] == 404

    # A change to the incident makes its page again on the next request.
    patch(d, key, ids[0], name="Old incident 00, renamed again")
    wait_until(d, lambda: b"Old incident 00, renamed again" in d.raw_request("GET", oldest)[2],
               "the renamed incident on its page")
    status, headers, _ = d.raw_request("GET", oldest, {"If-None-Match": etag})
    assert status == 200 and header(headers, "ETag") != [etag]


def test_many_readers_of_a_page_not_made_yet(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    key, ids = long_history(d)
    for k in range(4):
        patch(d, key, ids[k], name="Changed %d" % k)  # their kept pages are dropped
    wait_until(d, lambda: "Changed 3" in [i["name"] for i in
                                          get_json(d, "/api/v2/incidents.json")["incidents"]],
               "the changes on incidents.json")
    results = []

    def read(path):
        status, headers, body = d.raw_request("GET", path, timeout=10)
        results.append((path, status, header(headers, "ETag"), len(body)))

    paths = ["/incidents/" + ids[k % 4] for k in range(40)]
    threads = [threading.Thread(target=read, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 40 and all(r[1] == 200 and r[3] > 1000 for r in results), results
    for k in range(4):
        same = {tuple(r[2]) for r in results if r[0] == "/incidents/" + ids[k]}
        assert len(same) == 1, same  # one page made, whoever asked first


def test_month_pages_on_demand(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    create(d, make_key(d), name="An incident this month", status="resolved", body="Done.")
    history = wait_until(d, lambda: b"this month" in d.raw_request("GET", "/history")[2]
                         and d.raw_request("GET", "/history")[2], "the incident on /history")
    month = history.split(b'<h2><a href="', 1)[1].split(b'"', 1)[0].decode()
    assert month.startswith("/history/20")
    status, _, body = d.raw_request("GET", month)
    assert status == 200 and b"An incident this month" in body
    assert d.raw_request("GET", "/history/1999-01")[0] == 404
