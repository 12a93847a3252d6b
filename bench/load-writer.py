#!/usr/bin/python3
"""Incident updates through the write API, and how long each takes to show (issue 7 part 2).
Standard library only.

usage:
  load-writer.py [--edit UPDATE_ID] HOST PORT PAGE_ID INCIDENT_ID KEY OUT [INTERVAL_S] [POLL_MS]
      Every INTERVAL_S seconds (default 1) sends
        PATCH /v1/pages/PAGE_ID/incidents/INCIDENT_ID  {"incident": {"body": "..."}}
      (a new update each time), or with --edit
        PATCH .../incidents/INCIDENT_ID/incident_updates/UPDATE_ID {"incident_update": ...}
      (the same update's body replaced by one of the same length: the pages keep their size,
      so a benchmark can compare them with and without the writes on the same bytes),
      with a Markdown body carrying a unique token, then polls
        GET /api/v2/incidents/unresolved.json
      every POLL_MS ms (default 5) until the token is in it (at most 10 s). One line per write
      goes to OUT: "W seq t_send patch_ms visible_ms polls status", t_send in epoch seconds,
      patch_ms = send to response, visible_ms = response to the first poll that showed the
      body (-1: not seen within 10 s). Runs until SIGTERM/SIGINT.
  load-writer.py --stats OUT [FROM TO]...
      Prints count, p50, p99 and max of patch_ms and visible_ms for the writes sent in any of
      the [FROM, TO] windows (epoch seconds), or for all writes without windows.
"""
import http.client
import json
import signal
import sys
import time


def pct(v, p):
    if not v:
        return float("nan")
    v = sorted(v)
    # nearest rank, as wrk reports percentiles
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


def stats(path, windows):
    rows = []
    for line in open(path, encoding="utf-8"):
        f = line.split()
        if len(f) < 7 or f[0] != "W":
            continue
        t, patch, vis, code = float(f[2]), float(f[3]), float(f[4]), f[6]
        if windows and not any(a <= t <= b for a, b in windows):
            continue
        rows.append((patch, vis, code))
    ok = [r for r in rows if r[2] == "200"]
    seen = [r[1] for r in ok if r[1] >= 0]
    patch = [r[0] for r in ok]
    print("STATS writes=%d ok=%d seen=%d patch_p50=%.1f patch_p99=%.1f patch_max=%.1f "
          "vis_p50=%.1f vis_p99=%.1f vis_max=%.1f" % (
              len(rows), len(ok), len(seen), pct(patch, 50), pct(patch, 99),
              max(patch) if patch else float("nan"), pct(seen, 50), pct(seen, 99),
              max(seen) if seen else float("nan")))


BODY = ("**Update {seq}** - we are still working on the elevated error rates in US East. "
        "Requests to the REST API fail for about {pct}% of calls; the Streaming API is "
        "not affected.\n\n- mitigation: traffic is being shifted to US West\n"
        "- next update in 30 minutes or sooner\n\nRef `{token}`")


def main():
    if sys.argv[1] == "--stats":
        w = [float(x) for x in sys.argv[3:]]
        stats(sys.argv[2], list(zip(w[0::2], w[1::2])))
        return
    args = sys.argv[1:]
    edit = None
    if args[0] == "--edit":
        edit, args = args[1], args[2:]
    host, port, page, inc, key, out = args[:6]
    port = int(port)
    interval = float(args[6]) if len(args) > 6 else 1.0
    poll = (float(args[7]) if len(args) > 7 else 5.0) / 1000.0
    stop = False

    def on_signal(signum, frame):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    wconn = http.client.HTTPConnection(host, port, timeout=30)
    rconn = http.client.HTTPConnection(host, port, timeout=30)
    headers = {"Authorization": "OAuth " + key, "Content-Type": "application/json"}
    path = "/v1/pages/%s/incidents/%s" % (page, inc)
    if edit:
        path += "/incident_updates/" + edit

    def request(conn, method, url, body=None, hdrs=None):
        for attempt in (0, 1):  # one retry on a connection the server closed
            try:
                conn.request(method, url, body=body, headers=hdrs or {})
                r = conn.getresponse()
                return r.status, r.read()
            except (http.client.HTTPException, OSError):
                conn.close()
                if attempt:
                    raise

    log = open(out, "a", encoding="utf-8")
    seq = 0
    next_at = time.time()
    while not stop:
        now = time.time()
        if now < next_at:
            time.sleep(min(next_at - now, 0.2))
            continue
        next_at += interval
        if next_at < now:
            next_at = now + interval
        seq += 1
        if edit:
            # Every field of the same width: the body, and so the pages, keep their length.
            token = "w%07d" % (seq % 10000000)
            text = BODY.format(seq="%07d" % (seq % 10000000), pct="%02d" % (5 + seq % 20),
                               token=token)
            body = json.dumps({"incident_update": {"body": text}})
        else:
            token = "w%d-%d" % (seq, int(now * 1000))
            body = json.dumps({"incident": {"body": BODY.format(seq=seq, pct=5 + seq % 20,
                                                                token=token)}})
        t0 = time.time()
        try:
            code, _ = request(wconn, "PATCH", path, body, headers)
        except (http.client.HTTPException, OSError):
            code = 0
        t1 = time.time()
        vis, polls = -1.0, 0
        if code == 200:
            while not stop and time.time() - t1 < 10:
                polls += 1
                try:
                    _, page_body = request(rconn, "GET", "/api/v2/incidents/unresolved.json")
                except (http.client.HTTPException, OSError):
                    page_body = b""
                if token.encode() in page_body:
                    vis = (time.time() - t1) * 1000
                    break
                time.sleep(poll)
        if stop and vis < 0 and code == 200:
            break  # stopped while polling: not a measurement
        log.write("W %d %.4f %.2f %.2f %d %d\n" % (seq, t0, (t1 - t0) * 1000, vis, polls, code))
        log.flush()


if __name__ == "__main__":
    main()
