#!/usr/bin/python3
"""The engine's stall in the Nth SIGHUP reload of a tocsin log (for bench/reload):
"applied in N ms" from the "configuration reloaded" line, or, for builds that read the file
on the engine thread, the time from the "SIGHUP: reloading" line to that line.
usage: reload-stall.py LOG N   (N from 0)"""
import datetime
import re
import sys


def ts(line):
    m = re.search(r"ts=(\S+)Z", line)
    return datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f").timestamp()


path, nth = sys.argv[1], int(sys.argv[2])
lines = open(path, encoding="utf-8").read().splitlines()
start = [ts(line) for line in lines if "SIGHUP: reloading" in line]
done = [line for line in lines if "configuration reloaded" in line]
if len(done) <= nth:
    print("-")
elif "applied in" in done[nth]:
    print(re.search(r"applied in (\d+) ms", done[nth]).group(1))
else:
    print("%.0f" % ((ts(done[nth]) - start[nth]) * 1000))
