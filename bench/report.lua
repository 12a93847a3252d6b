-- wrk script: after the run print one machine-readable line that bench/run parses.
-- errors = socket errors (connect, read, write, timeout) + responses that are not 2xx/3xx.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d max_us=%d " ..
    "connect=%d read=%d write=%d timeout=%d status=%d bytes=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status, summary.bytes))
end
