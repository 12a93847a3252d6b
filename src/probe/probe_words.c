/* Words people read about a run that failed or was degraded: what the public page, feeds,
 * the status API and subscriber messages say ("HTTP 503 from /health (expected 200)"), while
 * on-call alerts keep the exact condition text. Built from facts the run measured and the
 * monitor's configuration: never text the target sent (bodies, headers, a push's msg=) nor
 * a transport error's own wording, so the words need no escaping in Markdown, JSON or
 * feeds, and no URL query (where tokens live) or host name is shown. The one exception is
 * a vendor's incident titles (statuspage kind), which say what people want to know; they
 * go in with every character Markdown could read as markup left out. Pure: no I/O, no
 * clock. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "probe/probe_int.h"

/* @return true when @p word appears in @p s, ignoring case (ASCII). */
static bool has(const char *s, const char *word)
{
    size_t n = strlen(word);
    for (; *s; s++) {
        size_t i = 0;
        while (i < n && s[i] && tolower((unsigned char)s[i]) == tolower((unsigned char)word[i]))
            i++;
        if (i == n)
            return true;
    }
    return false;
}

/* "850 ms", "1.9 s", "2.5 min", "3 days". */
static void duration(tc_buf_t *b, double ms)
{
    if (ms < 0)
        ms = 0;
    if (ms < 1000)
        tc_buf_printf(b, "%.0f ms", ms);
    else if (ms < 60000 && (long)ms % 1000 == 0)
        tc_buf_printf(b, "%.0f s", ms / 1000);
    else if (ms < 60000)
        tc_buf_printf(b, "%.1f s", ms / 1000);
    else if (ms < 3600000)
        tc_buf_printf(b, "%.1f min", ms / 60000);
    else if (ms < 2 * 86400000.0)
        tc_buf_printf(b, "%.0f hours", ms / 3600000);
    else
        tc_buf_printf(b, "%.0f days", ms / 86400000);
}

/* " from /health": the path of the URL checked, when the kind has one and it says more than
 * "/". The query and the host are left out: tokens and internal names are not for the
 * public page. */
static void from_path(tc_buf_t *b, const tc_monitor_cfg_t *m)
{
    const char *url = m->type && m->type->address ? m->type->address(m) : NULL;
    if (!url)
        return;
    const char *p = strstr(url, "://");
    p = p ? strchr(p + 3, '/') : url;
    if (!p || *p != '/')
        return;
    size_t len = strcspn(p, "?#");
    if (len <= 1)
        return;
    tc_buf_puts(b, " from ");
    tc_buf_append(b, p, len);
}

/* "(expected 200)", "(expected below 400)"; nothing when the condition compared with no
 * plain literal. */
static void expected(tc_buf_t *b, const tc_cond_blame_t *bl, bool time)
{
    const tc_value_t *v = &bl->expected;
    if (v->type != TC_VALUE_NUMBER && v->type != TC_VALUE_STRING)
        return;
    /* A time under a ceiling is a limit; anything else is what was expected. */
    static const struct {
        const char *op, *words;
    } phrases[] = {
        {"==", "expected "},          {"!=", "expected anything but "},
        {"<", "expected less than "}, {"<=", "expected at most "},
        {">", "expected more than "}, {">=", "expected at least "},
    };
    const char *words = NULL;
    for (size_t i = 0; i < sizeof phrases / sizeof phrases[0]; i++)
        if (strcmp(bl->op, phrases[i].op) == 0)
            words = phrases[i].words;
    if (!words)
        return;
    if (time && bl->op[0] == '<')
        words = "limit ";
    tc_buf_printf(b, " (%s", words);
    if (v->type == TC_VALUE_STRING)
        tc_buf_append(b, v->str, v->len);
    else if (time)
        duration(b, v->num);
    else
        tc_buf_printf(b, "%g", v->num);
    tc_buf_puts(b, ")");
}

static bool is_time(const char *name)
{
    return strcmp(name, "RESPONSE_TIME") == 0 || strncmp(name, "RESPONSE_TIME_P", 15) == 0 ||
           strcmp(name, "CONNECT_TIME") == 0 || strcmp(name, "QUERY_TIME") == 0 ||
           strcmp(name, "STEP_TIME") == 0;
}

/* Text from outside (a vendor's incident titles, one per line) as plain words: characters
 * Markdown or HTML would read as markup, and control characters, are left out, line breaks
 * become "; ", and at most @p max bytes are kept (on a character boundary), so the result
 * reads the same raw (JSON, feeds) and rendered. */
static void plain_text(tc_buf_t *b, const char *s, size_t len, size_t max)
{
    size_t kept = 0;
    bool sep = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') {
            sep = kept > 0;
            continue;
        }
        if (c < 0x20 || c == 0x7f || strchr("\\`*_{}[]()#+!|<>~&", c))
            continue;
        if (kept >= max && (c & 0xC0) != 0x80)
            break;
        if (sep) {
            tc_buf_puts(b, "; ");
            sep = false;
        }
        tc_buf_append(b, (const char *)&c, 1);
        kept++;
    }
}

static const char *vendor_words(const tc_result_t *r);

/* The vendor's indicator in words (statuspage kind), and its incident titles (in [BODY]). */
static void vendor_report(tc_buf_t *b, const tc_result_t *r)
{
    const char *words = vendor_words(r);
    tc_buf_printf(b, "the vendor reports %s", words ? words : "a problem");
    if (r->body.len) {
        tc_buf_puts(b, ": ");
        plain_text(b, r->body.data, r->body.len, 200);
    }
}

/* The vendor's indicator in words (statuspage kind); a fixed set, never the vendor's text.
 * NULL when the feed gave none (it could not be read). */
static const char *vendor_words(const tc_result_t *r)
{
    tc_value_t v;
    if (tc_probe_lookup((void *)r, "VENDOR_INDICATOR", NULL, &v) != 0 ||
        v.type != TC_VALUE_STRING)
        return NULL;
    static const struct {
        const char *indicator, *words;
    } known[] = {{"minor", "a minor problem"},
                 {"major", "a major outage"},
                 {"critical", "a critical outage"},
                 {"maintenance", "maintenance"}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (v.len == strlen(known[i].indicator) && memcmp(v.str, known[i].indicator, v.len) == 0)
            return known[i].words;
    return "a problem";
}

/* A comparison that failed, in words. */
static void condition_words(tc_buf_t *b, const tc_monitor_cfg_t *m, const tc_result_t *r,
                            const tc_cond_blame_t *bl)
{
    const char *n = bl->name;
    const tc_value_t *a = &bl->actual;
    bool num = a->type == TC_VALUE_NUMBER;
    if (strcmp(n, "STATUS") == 0 && num) {
        tc_buf_printf(b, "HTTP %.0f", a->num);
        from_path(b, m);
        expected(b, bl, false);
    } else if (strncmp(n, "RESPONSE_TIME_P", 15) == 0 && num) {
        tc_buf_printf(b, "p%s ", n + 15);
        duration(b, a->num);
        tc_buf_printf(b, " over the last %zu checks", r->window_runs);
    } else if (strcmp(n, "RESPONSE_TIME") == 0 && num) {
        tc_buf_puts(b, "answered in ");
        duration(b, a->num);
        from_path(b, m);
        expected(b, bl, true);
    } else if (strcmp(n, "STEP_TIME") == 0 && num) {
        tc_buf_printf(b, "step %s took ", bl->key ? bl->key : "");
        duration(b, a->num);
        expected(b, bl, true);
    } else if ((strcmp(n, "CONNECT_TIME") == 0 || strcmp(n, "QUERY_TIME") == 0) && num) {
        tc_buf_puts(b, n[0] == 'C' ? "connecting took " : "the query took ");
        duration(b, a->num);
        expected(b, bl, true);
    } else if (strcmp(n, "CERTIFICATE_EXPIRATION") == 0 && num) {
        if (a->num <= 0) {
            tc_buf_puts(b, "the TLS certificate has expired");
        } else {
            tc_buf_puts(b, "the TLS certificate expires in ");
            duration(b, a->num);
        }
    } else if (strcmp(n, "CONNECTED") == 0) {
        tc_buf_puts(b, r->connected ? "connected, but should not have" : "could not connect");
    } else if (strcmp(n, "DNS_RCODE") == 0 && r->dns_rcode[0]) {
        tc_buf_printf(b, "DNS answer %s", r->dns_rcode);
        expected(b, bl, false);
    } else if (strcmp(n, "READ_ONLY") == 0) {
        tc_buf_puts(b, "the database is read-only");
    } else if (strcmp(n, "IN_RECOVERY") == 0) {
        tc_buf_puts(b, "the database is a standby (in recovery)");
    } else if (strcmp(n, "ROWS") == 0 && num) {
        tc_buf_printf(b, "the query returned %.0f rows", a->num);
        expected(b, bl, false);
    } else if (strcmp(n, "VENDOR_INDICATOR") == 0) {
        vendor_report(b, r);
    } else if (strcmp(n, "HEADER") == 0) {
        tc_buf_printf(b, "unexpected %s header", bl->key ? bl->key : "");
        from_path(b, m);
    } else if (strcmp(n, "IP") == 0) {
        tc_buf_puts(b, "unexpected address");
    } else if (strcmp(n, "BODY") == 0 || strcmp(n, "RESULT") == 0) {
        tc_buf_puts(b, strcmp(n, "BODY") == 0 ? "unexpected response" : "unexpected result");
        from_path(b, m);
    } else {
        tc_buf_puts(b, "a check failed");
    }
}

/* A transport error in words, by category: curl's and the kinds' own messages may quote
 * names and addresses. */
static void error_words(tc_buf_t *b, const tc_monitor_cfg_t *m, const tc_result_t *r)
{
    const char *e = r->error;
    if (strcmp(tc_probe_type_name(m->type), "push") == 0) {
        tc_buf_puts(b, r->connected ? "the service reported a failure"
                                    : "no heartbeat arrived in time");
    } else if (strcmp(tc_probe_type_name(m->type), "statuspage") == 0 && r->failed &&
               vendor_words(r)) {
        vendor_report(b, r);
    } else if (strcmp(tc_probe_type_name(m->type), "http-steps") == 0 && r->failed) {
        /* The step's number and name (letters, digits, '_' and '-', from the config). */
        tc_value_t step;
        if (tc_probe_lookup((void *)r, "FAILED_STEP", NULL, &step) == 0 &&
            step.type == TC_VALUE_STRING)
            tc_buf_printf(b, "step %.*s of the transaction failed", (int)step.len, step.str);
        else
            tc_buf_puts(b, "a step of the transaction failed");
    } else if (has(e, "timed out") || has(e, "timeout")) {
        tc_buf_puts(b, "no answer within ");
        duration(b, (double)m->timeout_ms);
    } else if (has(e, "refused")) {
        tc_buf_puts(b, "connection refused");
    } else if (has(e, "resolve") || has(e, "NXDOMAIN") ||
               has(e, "not known")) {
        tc_buf_puts(b, "the host name does not resolve");
    } else if (has(e, "SSL") || has(e, "TLS") || has(e, "certificate")) {
        tc_buf_puts(b, "the TLS handshake failed");
    } else if (has(e, "empty reply") || has(e, "reset") ||
               has(e, "closed") || has(e, "recv") || has(e, "send")) {
        tc_buf_puts(b, "the connection was dropped without an answer");
    } else if (has(e, "connect")) {
        tc_buf_puts(b, "could not connect");
    } else {
        tc_buf_puts(b, r->connected ? "the check could not complete" : "could not connect");
    }
}

void tc_probe_words(const tc_monitor_cfg_t *m, const tc_result_t *r, tc_buf_t *out)
{
    tc_cond_blame_t bl;
    /* As in judging, an error explains a failure better than the condition it broke. */
    if (r->verdict == TC_VERDICT_DOWN && (r->error[0] || !r->blamed))
        error_words(out, m, r);
    else if (r->blamed && tc_cond_blame(r->blamed, tc_probe_lookup, (void *)r, &bl) == 0)
        condition_words(out, m, r, &bl);
    else if (r->verdict == TC_VERDICT_DEGRADED && r->degraded[0])
        vendor_report(out, r);
    else
        tc_buf_puts(out, "a check failed");
}

const char *tc_probe_problem(const tc_result_t *r)
{
    tc_cond_blame_t bl;
    if (r->verdict == TC_VERDICT_DOWN)
        return "failing";
    if (r->blamed && tc_cond_blame(r->blamed, tc_probe_lookup, (void *)r, &bl) == 0 &&
        is_time(bl.name) && bl.op[0] == '<')
        return "slow";
    return "degraded";
}
