/* Unit tests for src/probe/probe_words.c: the words people read about a failed or degraded
 * run, one table row per situation: a monitor from a config, a result as a kind would fill
 * it, judged, then put into words. Every row also checks that the words hold no condition
 * syntax and no character Markdown would read as markup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/buf.h"
#include "probe/probe_int.h"

static const char config_text[] =
    "page:\n  name: Words\n"
    "monitors:\n"
    "  - id: status\n    kind: http\n"
    "    url: http://internal.example:8080/health?token=SECRET\n"
    "    conditions: [\"[STATUS] == 200\", \"[BODY].status == UP\"]\n"
    "    degraded_conditions: [\"[RESPONSE_TIME] < 800\", \"[RESPONSE_TIME_P95] < 800ms\"]\n"
    "  - id: root\n    kind: http\n    url: https://example.com/\n"
    "    conditions: [\"[STATUS] < 400\"]\n"
    "  - id: header\n    kind: http\n    url: https://example.com/api/v1\n"
    "    conditions: [\"[HEADER].Content-Type == pat(application/json*)\"]\n"
    "  - id: cert\n    kind: tls\n    address: example.com:443\n"
    "    conditions: [\"[CERTIFICATE_EXPIRATION] > 7d\"]\n"
    "  - id: tcp\n    kind: tcp\n    address: db.internal:5432\n"
    "  - id: beat\n    kind: push\n    token: abcdefghijklmnopqrstuvwxyz\n"
    "  - id: vendor\n    kind: statuspage\n    url: https://status.example.com/api/v2/summary.json\n"
    "  - id: dns\n    kind: dns\n    name: example.com\n    resolver: 127.0.0.1:53\n"
    "    conditions: [\"[DNS_RCODE] == NOERROR\"]\n"
    "  - id: steps\n    kind: http-steps\n    steps:\n"
    "      - {name: create, url: \"https://example.com/items\"}\n"
    "      - {name: read, url: \"https://example.com/items/1\"}\n";

enum { M_STATUS, M_ROOT, M_HEADER, M_CERT, M_TCP, M_BEAT, M_VENDOR, M_DNS, M_STEPS };

static const struct words_case {
    const char *name;
    int monitor;
    bool connected;
    int status;
    double ms, p95;
    const char *body;
    const char *error;
    bool failed;
    const char *value;   /* the kind's value: VENDOR_INDICATOR (statuspage), FAILED_STEP
                            (http-steps) */
    double cert_days;
    const char *rcode;
    const char *words;   /* exactly */
    const char *problem;
} cases[] = {
    {"a status", M_STATUS, true, 503, 12, 12, "{\"status\":\"DOWN\"}", "", false, NULL, 0, NULL,
     "HTTP 503 from /health (expected 200)", "failing"},
    {"a body", M_STATUS, true, 200, 12, 12, "{\"status\":\"DOWN\"}", "", false, NULL, 0, NULL,
     "unexpected response from /health", "failing"},
    {"slow", M_STATUS, true, 200, 1234, 1234, "{\"status\":\"UP\"}", "", false, NULL, 0, NULL,
     "answered in 1.2 s from /health (limit 800 ms)", "slow"},
    {"a slow tail", M_STATUS, true, 200, 50, 1900, "{\"status\":\"UP\"}", "", false, NULL, 0,
     NULL, "p95 1.9 s over the last 20 checks", "slow"},
    {"a timeout", M_STATUS, false, 0, 10001, 0, "", "Operation timed out after 10001 "
     "milliseconds with 0 bytes received", false, NULL, 0, NULL, "no answer within 10 s",
     "failing"},
    {"refused", M_STATUS, false, 0, 1, 0, "", "Failed to connect to internal.example port 8080"
     " after 0 ms: Connection refused", false, NULL, 0, NULL, "connection refused", "failing"},
    {"dropped", M_STATUS, true, 0, 1, 0, "", "Empty reply from server", false, NULL, 0, NULL,
     "the connection was dropped without an answer", "failing"},
    {"a resolver error", M_STATUS, false, 0, 1, 0, "", "Could not resolve host: "
     "internal.example", false, NULL, 0, NULL, "the host name does not resolve", "failing"},
    {"the path alone is no news", M_ROOT, true, 500, 5, 5, "", "", false, NULL, 0, NULL,
     "HTTP 500 (expected less than 400)", "failing"},
    {"a header", M_HEADER, true, 200, 5, 5, "", "", false, NULL, 0, NULL,
     "unexpected Content-Type header from /api/v1", "failing"},
    {"a certificate", M_CERT, true, 0, 5, 5, "", "", false, NULL, 2, NULL,
     "the TLS certificate expires in 2 days", "failing"},
    {"tcp refused", M_TCP, false, 0, 1, 0, "", "connect: connection refused", false, NULL, 0,
     NULL, "connection refused", "failing"},
    {"no heartbeat", M_BEAT, false, 0, 0, 0, "", "no push received in the last 60 s", false,
     NULL, 0, NULL, "no heartbeat arrived in time", "failing"},
    {"the service's own word", M_BEAT, true, 0, 0, 0, "", "the service pushed status=down: "
     "[click](http://evil.example)", false, NULL, 0, NULL, "the service reported a failure",
     "failing"},
    {"a vendor's outage, titles as plain text", M_VENDOR, true, 200, 5, 5,
     "Elevated [latency](http://evil.example) <b>on</b> *streaming*\nDashboard `errors` & "
     "more_",
     "vendor: Major Outage (major)", true, "major", 0, NULL,
     "the vendor reports a major outage: Elevated latencyhttp://evil.example bon/b "
     "streaming; Dashboard errors  more", "failing"},
    {"a vendor feed that cannot be read", M_VENDOR, false, 0, 5, 0, "",
     "vendor feed unreachable: Could not resolve host: status.example.com", true, NULL, 0, NULL,
     "the host name does not resolve", "failing"},
    {"a dns answer", M_DNS, true, 0, 5, 5, "", "", false, NULL, 0, "NXDOMAIN",
     "DNS answer NXDOMAIN (expected NOERROR)", "failing"},
    {"a failed step", M_STEPS, true, 200, 5, 5, "", "step 2 'read': [BODY].id (<b>7</b>) == 5",
     true, "2 'read'", 0, NULL, "step 2 'read' of the transaction failed", "failing"},
};

static void test_words(void **state)
{
    (void)state;
    tc_config_t *cfg = NULL;
    char *errors = NULL;
    int rc = tc_config_parse("words.yaml", config_text, strlen(config_text), &cfg, &errors);
    if (rc != 0)
        print_message("config: %s", errors ? errors : "?");
    free(errors);
    assert_int_equal(rc, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct words_case *c = &cases[i];
        const tc_monitor_cfg_t *m = &cfg->monitors[c->monitor];
        tc_result_t r;
        memset(&r, 0, sizeof r);
        tc_buf_init(&r.body, 0);
        tc_buf_init(&r.headers, 0);
        tc_buf_init(&r.values, 0);
        r.connected = c->connected;
        r.status_code = c->status;
        r.response_ms = c->ms;
        r.window_ms[0] = c->ms;
        r.window_ms[1] = r.window_ms[2] = c->p95;
        r.window_runs = c->connected ? 20 : 0;
        r.failed = c->failed;
        r.finished_at = 1000;
        if (c->cert_days)
            r.cert_expires_at = 1000 + (int64_t)(c->cert_days * 86400000.0);
        snprintf(r.error, sizeof r.error, "%s", c->error);
        tc_buf_puts(&r.body, c->body);
        tc_buf_puts(&r.headers, "Content-Type: text/html\n");
        if (c->value)
            tc_probe__set_value(&r, c->monitor == M_STEPS ? "FAILED_STEP" : "VENDOR_INDICATOR",
                                NULL, "%s", c->value);
        if (c->rcode)
            snprintf(r.dns_rcode, sizeof r.dns_rcode, "%s", c->rcode);
        tc_probe_judge(m, &r, NULL);
        assert_int_not_equal(r.verdict, TC_VERDICT_UP);
        tc_buf_t words;
        tc_buf_init(&words, 0);
        tc_probe_words(m, &r, &words);
        const char *got = words.data ? words.data : "";
        if (strcmp(got, c->words) != 0 || strcmp(tc_probe_problem(&r), c->problem) != 0)
            fail_msg("%s:\n want %s (%s)\n got  %s (%s)\n reason %s", c->name, c->words,
                     c->problem, got, tc_probe_problem(&r), r.reason);
        /* No condition syntax, no markup, no secret, no host. */
        assert_null(strpbrk(got, "[]<>`*_\\|"));
        assert_null(strstr(got, "SECRET"));
        assert_null(strstr(got, "internal"));
        tc_buf_free(&words);
        tc_buf_free(&r.body);
        tc_buf_free(&r.headers);
        tc_buf_free(&r.values);
    }
    tc_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
