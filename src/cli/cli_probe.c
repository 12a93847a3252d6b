/* `tocsin probe -c FILE [--runs N] MONITOR_ID`: run one monitor outside the daemon and show
 * everything it measured and how each condition judged it; with --runs, run it N times in a
 * row and show what the daemon's tracker would make of those runs (failure share, response
 * time percentiles, flapping, the state). For writing and debugging conditions without
 * waiting for thresholds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "config/config.h"
#include "core/alloc.h"
#include "core/curl_glue.h"
#include "probe/probe.h"
#include "status/tracker.h"
#include "status/window.h"

#define MAX_RUNS 1000

/* The runs of this session, as the daemon's monitor slot would keep them. */
typedef struct session {
    const tc_monitor_cfg_t *m;
    tc_window_t window;
    tc_run_sample_t *samples;   /* owned */
    tc_monitor_tracker_t tracker;
    bool verbose;               /* print everything about the current run */
    int finished;               /* the current run reported */
    bool pending, connected;
    tc_verdict_t verdict;
    double response_ms;
    char reason[512];
} session_t;

static void print_details(const tc_monitor_cfg_t *m, tc_result_t *r)
{
    printf("monitor    %s (%s)\n", m->id, tc_probe_type_name(m->type));
    printf("connected  %s%s%s\n", r->connected ? "yes" : "no", r->ip[0] ? "  ip " : "", r->ip);
    if (r->error[0])
        printf("error      %s\n", r->error);
    if (r->status_code)
        printf("status     %d\n", r->status_code);
    printf("timings    dns %.1f ms  connect %.1f ms  tls %.1f ms  first byte %.1f ms  "
           "total %.1f ms\n",
           r->dns_ms, r->connect_ms, r->tls_ms, r->first_byte_ms, r->response_ms);
    if (r->cert_expires_at)
        printf("cert       expires in %.1f days\n",
               (double)(r->cert_expires_at - r->finished_at) / 86400000.0);
    if (r->body.len) {
        /* One line of the body is enough to recognise it; control bytes are shown as '.'. */
        printf("body       %zu bytes: ", r->body.len);
        for (size_t i = 0; i < r->body.len && i < 120; i++) {
            unsigned char ch = (unsigned char)r->body.data[i];
            putchar(ch < 0x20 || ch == 0x7f ? '.' : ch);
        }
        printf("%s\n", r->body.len > 120 ? "..." : "");
    }
    /* The kind's own lines: the vendor's word, each step of a transaction. */
    if (r->details.len)
        fputs(r->details.data, stdout);
    tc_buf_t explain;
    tc_buf_init(&explain, 0);
    tc_probe_judge(m, r, &explain);
    if (explain.data)
        printf("conditions\n%s", explain.data);
    tc_buf_free(&explain);
}

static void on_result(const tc_monitor_cfg_t *m, tc_result_t *r, void *arg)
{
    session_t *s = arg;
    s->finished = 1;
    if (s->verbose)
        print_details(m, r);
    s->pending = r->pending;
    s->connected = r->connected;
    s->verdict = r->verdict;
    s->response_ms = r->response_ms;
    snprintf(s->reason, sizeof s->reason, "%s", r->reason);
}

/* The window's percentiles for the run being judged, as the daemon computes them. */
static void fill_window(void *done_arg, tc_result_t *r)
{
    session_t *s = done_arg;
    r->window_runs = tc_window_percentiles(&s->window, (size_t)s->m->window,
                                           r->connected ? r->response_ms : -1, r->window_ms);
}

/* One run on its own loop. @return 0, or 1 when the probe could not run. */
static int run_once(const tc_monitor_cfg_t *m, session_t *s)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    tc_curl_t *curl = tc_curl_new(&loop);
    tc_probe_env_t env = {.loop = &loop, .curl = curl, .fill_window = fill_window};
    tc_probe_run_t *run = NULL;
    s->finished = 0;
    int rc = tc_probe_start(m, &env, on_result, s, &run);
    if (rc == 0)
        uv_run(&loop, UV_RUN_DEFAULT);
    tc_curl_free(curl);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return rc == 0 && s->finished ? 0 : 1;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void print_window(const tc_monitor_cfg_t *m, const session_t *s)
{
    size_t runs = tc_window_len(&s->window);
    size_t failed = tc_window_failures(&s->window, runs);
    printf("window     %zu of %zu run%s failed (%.0f%%)", failed, runs, runs == 1 ? "" : "s",
           runs ? 100.0 * (double)failed / (double)runs : 0.0);
    double q[3];
    if (tc_window_percentiles(&s->window, runs, -1, q))
        printf("; response time p50 %.1f ms  p95 %.1f ms  p99 %.1f ms", q[0], q[1], q[2]);
    printf("\n");
    if (runs < 2)
        return;
    const tc_monitor_tracker_t *t = &s->tracker;
    printf("flapping   %s (%.0f%% weighted state change; starts at %g%%, stops at %g%%)\n",
           t->flapping ? "yes" : "no", t->flap_percent, m->flap_start, m->flap_stop);
    printf("state      %s", tc_monitor_state_name(t->state));
    if (t->level == TC_MONITOR_DOWN || t->level == TC_MONITOR_DEGRADED)
        printf(" (the failure share reached %s %g)",
               t->level == TC_MONITOR_DOWN ? "down_ratio" : "degraded_ratio",
               t->level == TC_MONITOR_DOWN ? m->down_ratio : m->degraded_ratio);
    printf("\n");
}

int tc_cli_probe(int argc, char **argv)
{
    const char *runs = NULL;
    const tc_cli_opt_t extra[] = {{"runs", 'n', true, &runs}, {NULL, 0, false, NULL}};
    tc_cli_args_t a = {.config = "tocsin.yaml"};
    int rc;
    if (!tc_cli_opts_parse("probe", argc, argv, TC_CLI_CONFIG, extra, &a, &rc))
        return rc;
    const char *path = a.config;
    long nruns = 1;
    if (runs) {
        char *end = NULL;
        nruns = strtol(runs, &end, 10);
        if (!runs[0] || *end || nruns < 1 || nruns > MAX_RUNS)
            return tc_cli_usage_error("probe", "--runs takes a number from 1 to %d", MAX_RUNS);
    }
    if (a.next + 1 != argc)
        return tc_cli_usage_error("probe", "give exactly one MONITOR_ID");
    const char *id = argv[a.next];

    tc_config_t *c = NULL;
    if (tc_cli__load_config(path, &c) != 0)
        return 2;
    const tc_monitor_cfg_t *m = NULL;
    for (size_t i = 0; i < c->nmonitors; i++)
        if (strcmp(c->monitors[i].id, id) == 0)
            m = &c->monitors[i];
    if (!m) {
        fprintf(stderr, "tocsin probe: no monitor \"%s\" in %s\n", id, path);
        tc_config_free(c);
        return 2;
    }

    session_t s;
    memset(&s, 0, sizeof s);
    s.m = m;
    size_t cap = (size_t)(m->window > TC_FLAP_RUNS ? m->window : TC_FLAP_RUNS);
    s.samples = tc_calloc(cap, sizeof *s.samples);
    tc_window_init(&s.window, s.samples, cap);
    int failed = 0;
    for (long n = 1; n <= nruns && !failed; n++) {
        /* A failed run is re-checked as the daemon would, each attempt on its own line. */
        for (int attempt = 0;; attempt++) {
            s.verbose = n == nruns;
            if (run_once(m, &s) != 0) {
                failed = 1;
                break;
            }
            bool retry = !s.pending && s.verdict == TC_VERDICT_DOWN && attempt < m->retries;
            if (nruns > 1 || retry || attempt > 0)
                printf("run %-6ld %s%s%s%s\n", n,
                       s.pending ? "pending" : tc_verdict_name(s.verdict),
                       attempt ? " on retry" : "", s.reason[0] ? ": " : "", s.reason);
            if (!retry)
                break;
            printf("           re-check %d of %d in %ld ms\n", attempt + 1, m->retries,
                   m->retry_interval_ms);
            pause_ms(m->retry_interval_ms);
        }
        if (!failed && !s.pending)
            tc_monitor_track(&s.tracker, &s.window, s.verdict, s.connected ? s.response_ms : -1,
                             m);
    }
    int code;
    if (failed) {
        fprintf(stderr, "tocsin probe: the probe could not run\n");
        code = 1;
    } else {
        printf("verdict    %s%s%s\n", s.pending ? "pending" : tc_verdict_name(s.verdict),
               s.reason[0] ? ": " : "", s.reason);
        print_window(m, &s);
        /* One run: its verdict. Several: the state they add up to, as the daemon would see
         * it (flapping reads as degraded, pending as up). */
        tc_monitor_state_t st = s.tracker.state;
        if (nruns == 1 || st == TC_MONITOR_UNKNOWN)
            code = s.pending || s.verdict == TC_VERDICT_UP ? 0
                   : s.verdict == TC_VERDICT_DEGRADED      ? 3
                                                           : 1;
        else
            code = st == TC_MONITOR_UP ? 0 : st == TC_MONITOR_DOWN ? 1 : 3;
    }
    free(s.samples);
    tc_config_free(c);
    return code;
}
