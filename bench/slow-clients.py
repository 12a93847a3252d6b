#!/usr/bin/python3
"""Slow-header clients (slowloris) for bench/run. Standard library only.

usage: slow-clients.py HOST PORT COUNT INTERVAL_S DURATION_S

Opens COUNT connections, sends a request line and the start of a header on each, then
trickles one more header byte per connection every INTERVAL_S seconds (spread evenly), so
no request ever completes and no connection is ever idle for longer than INTERVAL_S.
Prints "READY opened=N" once all are open and, at the end (DURATION_S, SIGTERM or SIGINT),
"SLOW opened=N alive=A dropped=D bytes=B". A connection the server closed counts as dropped.
"""
import resource
import select
import signal
import socket
import sys
import time


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    count, interval, duration = int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, count + 256) if hard != resource.RLIM_INFINITY else count + 256
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    stop = False

    def on_signal(signum, frame):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    deadline = time.monotonic() + duration
    socks, sent, failed = {}, 0, 0
    for i in range(count):
        if stop or time.monotonic() > deadline:
            break
        try:
            s = socket.create_connection((host, port), timeout=5)
            s.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\nUser-Agent: slow\r\nX-Slow: ")
            s.setblocking(False)
            socks[s.fileno()] = s
        except OSError:
            failed += 1
    opened = len(socks)
    print(f"READY opened={opened} failed={failed}", flush=True)

    poller = select.poll()
    for fd in socks:
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    dropped = 0
    order = list(socks)
    tick = 0.1
    per_tick = max(1, int(len(order) * tick / interval + 0.999))
    pos = 0

    def drop(fd):
        nonlocal dropped
        s = socks.pop(fd, None)
        if s is not None:
            poller.unregister(fd)
            s.close()
            dropped += 1

    while not stop and time.monotonic() < deadline and socks:
        t0 = time.monotonic()
        for _ in range(per_tick):
            if not order:
                break
            fd = order[pos % len(order)]
            pos += 1
            s = socks.get(fd)
            if s is None:
                continue
            try:
                sent += s.send(b"a")
            except OSError:
                drop(fd)
        order = [fd for fd in order if fd in socks]
        for fd, ev in poller.poll(0):
            s = socks.get(fd)
            if s is None:
                continue
            try:
                data = s.recv(4096)  # the server gave up on us: EOF, a 4xx, or a reset
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data or ev & (select.POLLHUP | select.POLLERR):
                drop(fd)
            else:
                drop(fd)  # any response means the request was rejected; it is gone for us
        rest = tick - (time.monotonic() - t0)
        if rest > 0:
            time.sleep(rest)

    print(f"SLOW opened={opened} alive={len(socks)} dropped={dropped} bytes={sent}", flush=True)
    for s in socks.values():
        s.close()


if __name__ == "__main__":
    main()
