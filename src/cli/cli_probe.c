/* `tocsin probe -c FILE MONITOR_ID`: run one monitor once, outside the daemon, and show
 * everything it measured and how each condition judged it. For writing and debugging
 * conditions without waiting for thresholds. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "cli/cli.h"
#include "config/config.h"
#include "core/curl_glue.h"
#include "probe/probe.h"

typedef struct outcome {
    int finished;
    tc_verdict_t verdict;
} outcome_t;

static void print_result(const tc_monitor_cfg_t *m, tc_result_t *r, void *arg)
{
    outcome_t *o = arg;
    o->finished = 1;
    o->verdict = r->verdict;
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
    printf("verdict    %s%s%s\n", tc_verdict_name(r->verdict), r->reason[0] ? ": " : "",
           r->reason);
}

int tc_cli_probe(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = "tocsin.yaml";
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":c:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            path = optarg;
            break;
        case 'h':
            return tc_cli_help("probe");
        case ':':
            return tc_cli_usage_error("probe", "option %s needs a value", argv[optind - 1]);
        default:
            return tc_cli_usage_error("probe", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return tc_cli_usage_error("probe", "give exactly one MONITOR_ID");
    const char *id = argv[optind];

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

    uv_loop_t loop;
    uv_loop_init(&loop);
    tc_curl_t *curl = tc_curl_new(&loop);
    tc_probe_env_t env = {.loop = &loop, .curl = curl};
    outcome_t o = {0, TC_VERDICT_DOWN};
    tc_probe_run_t *run = NULL;
    int rc = tc_probe_start(m, &env, print_result, &o, &run);
    if (rc == 0)
        uv_run(&loop, UV_RUN_DEFAULT);
    tc_curl_free(curl);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    tc_config_free(c);
    if (rc != 0 || !o.finished) {
        fprintf(stderr, "tocsin probe: the probe could not run\n");
        return 1;
    }
    return o.verdict == TC_VERDICT_UP ? 0 : o.verdict == TC_VERDICT_DEGRADED ? 3 : 1;
}
