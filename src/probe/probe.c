/* Probe registry and run lifecycle: starting a run of the right kind, waiting until it has
 * decided its outcome and released every handle, judging its result against the monitor's
 * conditions, and reporting it once. The kinds only measure; what counts as up, degraded or
 * down is decided here, in one place, by pure code. */
#include "probe/probe_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/hostport.h"

#define MAX_BODY (1 << 20)    /* bytes of a response body kept for conditions */
#define MAX_HEADERS (64 << 10)
#define MAX_VALUES (16 << 10)  /* kind placeholder lines */
#define MAX_DETAILS (64 << 10) /* kind lines for `tocsin probe` */

static const tc_probe_type_t *const registry[] = {
    &tc_probe_http,
    &tc_probe_tcp,
    &tc_probe_push,
    &tc_probe_dns,
    &tc_probe_tls,
    &tc_probe_websocket,
    &tc_probe_postgres,
    &tc_probe_statuspage,
    &tc_probe_http_steps,
};

const tc_probe_type_t *tc_probe_find_type(const char *name)
{
    for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

const char *tc_probe_type_name(const tc_probe_type_t *t)
{
    return t->name;
}

const char *tc_probe_type_list(void)
{
    return "http, tcp, push, dns, tls, websocket, postgres, statuspage, http-steps";
}

const char *tc_verdict_name(tc_verdict_t v)
{
    static const char *const names[] = {"up", "degraded", "down"};
    return names[v];
}

static void free_run(tc_probe_run_t *run)
{
    if (run->state)
        run->_type->free_state(run->state);
    tc_buf_free(&run->result.body);
    tc_buf_free(&run->result.headers);
    tc_buf_free(&run->result.values);
    tc_buf_free(&run->result.details);
    free(run);
}

int tc_probe_start(const tc_monitor_cfg_t *m, tc_probe_env_t *env, tc_probe_done_fn done,
                   void *arg, tc_probe_run_t **out)
{
    tc_probe_run_t *run = tc_calloc(1, sizeof *run);
    run->m = m;
    run->_type = m->type;
    run->env = env;
    run->done = done;
    run->arg = arg;
    run->start_mono = tc_clock_mono_ms();
    run->result.started_at = tc_clock_wall_ms();
    tc_buf_init(&run->result.body, MAX_BODY);
    tc_buf_init(&run->result.headers, MAX_HEADERS);
    tc_buf_init(&run->result.values, MAX_VALUES);
    tc_buf_init(&run->result.details, MAX_DETAILS);
    int rc = m->type->start(run);
    if (rc) {
        free_run(run);
        return rc;
    }
    *out = run;
    return 0;
}

void tc_probe_cancel(tc_probe_run_t *run)
{
    run->result.canceled = true;
    tc_probe__conclude(run, "canceled");
}

double tc_probe__elapsed_ms(const tc_probe_run_t *run)
{
    return (double)(tc_clock_mono_ms() - run->start_mono);
}

/* Without an engine keeping a window (tocsin probe), the window is the run alone: what
 * [RESPONSE_TIME_P50] and the others then read is its own response time. */
static void window_alone(tc_result_t *r)
{
    r->window_runs = r->connected ? 1 : 0;
    for (int i = 0; i < 3; i++)
        r->window_ms[i] = r->connected ? r->response_ms : 0;
}

/* The outcome is decided and nothing is held any more: free the kind's state, judge, report
 * and free the run. Reached once, from a loop callback or a cancel, never from start. */
static void finish(tc_probe_run_t *run)
{
    tc_result_t *r = &run->result;
    if (run->state) {
        run->_type->free_state(run->state);
        run->state = NULL;
    }
    r->finished_at = tc_clock_wall_ms();
    if (!r->canceled) {
        if (run->env->fill_window)
            run->env->fill_window(run->arg, r);
        else
            window_alone(r);
        tc_probe_judge(run->m, r, NULL);
        /* A reason quoting a body or a vendor's text may have been cut mid-character. */
        tc_utf8_clean(r->reason);
    }
    run->done(run->m, r, run->arg);
    free_run(run);
}

void tc_probe__hold(tc_probe_run_t *run)
{
    run->_held++;
}

void tc_probe__release(tc_probe_run_t *run)
{
    if (--run->_held == 0 && run->_concluded)
        finish(run);
}

void tc_probe__own(tc_probe_run_t *run, uv_handle_t *h)
{
    h->data = run;
    run->_held++;
}

static void on_owned_closed(uv_handle_t *h)
{
    tc_probe__release(h->data);
}

static void on_owned_closed_free(uv_handle_t *h)
{
    tc_probe_run_t *run = h->data;
    free(h);
    tc_probe__release(run);
}

void tc_probe__close(uv_handle_t *h, bool heap)
{
    uv_close(h, heap ? on_owned_closed_free : on_owned_closed);
}

void tc_probe__conclude(tc_probe_run_t *run, const char *error)
{
    if (run->_concluded)
        return;
    run->_concluded = true;
    if (error && !run->result.error[0])
        snprintf(run->result.error, sizeof run->result.error, "%s", error);
    /* Held across stop, so that a stop releasing everything it holds (a transfer removed
     * from the multi handle) still returns to a live run. */
    run->_held++;
    run->_type->stop(run);
    tc_probe__release(run);
}

bool tc_probe__concluded(const tc_probe_run_t *run)
{
    return run->_concluded;
}

int tc_probe__parse_address(tc_yaml_t *y, tc_ynode_t node, const char *address,
                            const char *example, char **host, int *port)
{
    *host = NULL;
    int rc = tc_hostport_parse(address, host, port);
    if (rc == 0 && !(*host)[0])
        rc = TC_EINVAL; /* ":PORT" means every interface to a server, nothing to a probe */
    if (rc != 0) {
        free(*host);
        *host = NULL;
        tc_yaml_error(y, tc_yaml_lookup(y, node, "address"),
                      "monitor: address must be HOST:PORT, e.g. %s", example);
    }
    return rc;
}

void tc_probe__set_value(tc_result_t *r, const char *name, const char *key, const char *fmt, ...)
{
    char value[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    /* One line per value: a line break inside would start a forged entry. */
    for (char *p = value; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    tc_buf_printf(&r->values, "%s%s%s=%s\n", name, key ? "." : "", key ? key : "", value);
}

/* The value of NAME (or NAME.key) among the kind's lines; the last one set wins. */
static int kind_value(const tc_result_t *r, const char *name, const char *key, tc_value_t *out)
{
    size_t nlen = strlen(name);
    size_t klen = key ? strlen(key) : 0;
    int found = TC_ENOENT;
    for (const char *line = r->values.data; line && *line;) {
        const char *end = strchr(line, '\n');
        const char *p = line;
        if (!end)
            break;
        if (strncmp(p, name, nlen) == 0) {
            p += nlen;
            if (key && *p == '.' && strncmp(p + 1, key, klen) == 0)
                p += 1 + klen;
            else if (key)
                p = NULL;
            if (p && *p == '=') {
                out->type = TC_VALUE_STRING;
                out->str = p + 1;
                out->len = (size_t)(end - p - 1);
                found = 0;
            }
        }
        line = end + 1;
    }
    return found;
}

int tc_probe_lookup(void *ctx, const char *name, const char *key, tc_value_t *out)
{
    const tc_result_t *r = ctx;
    memset(out, 0, sizeof *out);
    if (strcmp(name, "STATUS") == 0) {
        if (r->status_code) {
            out->type = TC_VALUE_NUMBER;
            out->num = r->status_code;
        }
    } else if (strcmp(name, "RESPONSE_TIME") == 0) {
        if (r->connected) {
            out->type = TC_VALUE_NUMBER;
            out->num = r->response_ms;
        }
    } else if (strncmp(name, "RESPONSE_TIME_P", 15) == 0) {
        int which = strcmp(name + 15, "50") == 0   ? 0
                    : strcmp(name + 15, "95") == 0 ? 1
                    : strcmp(name + 15, "99") == 0 ? 2
                                                   : -1;
        if (which < 0)
            return kind_value(r, name, key, out);
        if (r->window_runs) {
            out->type = TC_VALUE_NUMBER;
            out->num = r->window_ms[which];
        }
    } else if (strcmp(name, "BODY") == 0) {
        if (r->connected) {
            out->type = TC_VALUE_STRING;
            out->str = r->body.data ? r->body.data : "";
            out->len = r->body.len;
        }
    } else if (strcmp(name, "CONNECTED") == 0) {
        out->type = TC_VALUE_BOOL;
        out->boolean = r->connected;
    } else if (strcmp(name, "CERTIFICATE_EXPIRATION") == 0) {
        if (r->cert_expires_at) {
            out->type = TC_VALUE_NUMBER;
            out->num = (double)(r->cert_expires_at - r->finished_at);
        }
    } else if (strcmp(name, "DNS_RCODE") == 0) {
        if (r->dns_rcode[0]) {
            out->type = TC_VALUE_STRING;
            out->str = r->dns_rcode;
            out->len = strlen(r->dns_rcode);
        }
    } else if (strcmp(name, "IP") == 0) {
        if (r->ip[0]) {
            out->type = TC_VALUE_STRING;
            out->str = r->ip;
            out->len = strlen(r->ip);
        }
    } else if (strcmp(name, "HEADER") == 0) {
        if (!key)
            return TC_ENOENT;
        /* Header names are case-insensitive; the last occurrence wins, as in redirects the
         * final response's headers are the ones kept. */
        size_t klen = strlen(key);
        const char *line = r->headers.data;
        while (line && *line) {
            const char *end = strchr(line, '\n');
            size_t len = end ? (size_t)(end - line) : strlen(line);
            if (len > klen && line[klen] == ':' && strncasecmp(line, key, klen) == 0) {
                const char *v = line + klen + 1;
                while (*v == ' ')
                    v++;
                out->type = TC_VALUE_STRING;
                out->str = v;
                out->len = (size_t)(line + len - v);
                while (out->len && (out->str[out->len - 1] == '\r' || out->str[out->len - 1] == ' '))
                    out->len--;
            }
            line = end ? end + 1 : NULL;
        }
    } else {
        return kind_value(r, name, key, out);
    }
    return 0;
}

static int judge_list(tc_cond_t *const *conds, size_t n, tc_result_t *r, tc_buf_t *explain,
                      const char *label, char *reason, size_t reasonlen,
                      const tc_cond_t **blamed)
{
    int all = 1;
    for (size_t i = 0; i < n; i++) {
        tc_buf_t why;
        tc_buf_init(&why, 4096);
        bool ok = tc_cond_eval(conds[i], tc_probe_lookup, r, &why);
        if (explain)
            tc_buf_printf(explain, "%s %-8s %s\n", ok ? "PASS" : "FAIL", label,
                          why.data ? why.data : tc_cond_text(conds[i]));
        if (!ok && all) {
            if (reason)
                snprintf(reason, reasonlen, "%s", why.data ? why.data : tc_cond_text(conds[i]));
            if (blamed)
                *blamed = conds[i];
            all = 0;
        }
        tc_buf_free(&why);
    }
    return all;
}

void tc_probe_judge(const tc_monitor_cfg_t *m, tc_result_t *r, tc_buf_t *explain)
{
    /* Errors come from servers and vendors and are cut at a byte count: keep them valid
     * UTF-8, or JSON payloads built from them (alerts, incidents) would fail. */
    tc_utf8_clean(r->error);
    tc_utf8_clean(r->degraded);
    r->reason[0] = '\0';
    r->verdict = TC_VERDICT_UP;
    r->blamed = NULL;
    if (r->pending) {
        /* Nothing to judge yet: the kind says why in error; the engine counts nothing. */
        snprintf(r->reason, sizeof r->reason, "%s", r->error);
        return;
    }
    int ok = judge_list(m->conditions, m->nconditions, r, explain, "up", r->reason,
                        sizeof r->reason, &r->blamed);
    /* A transport error explains a failure better than the condition it broke. A kind that
     * judged the run down itself (r->failed) is down whatever the conditions say. */
    if (r->error[0] && (!ok || m->nconditions == 0 || r->failed)) {
        snprintf(r->reason, sizeof r->reason, "%s", r->error);
        ok = 0;
    }
    if (!ok) {
        r->verdict = TC_VERDICT_DOWN;
        if (explain)
            judge_list(m->degraded, m->ndegraded, r, explain, "degraded", NULL, 0, NULL);
        return;
    }
    char why[512] = "";
    if (!judge_list(m->degraded, m->ndegraded, r, explain, "degraded", why, sizeof why,
                    &r->blamed)) {
        r->verdict = TC_VERDICT_DEGRADED;
        snprintf(r->reason, sizeof r->reason, "%s", why);
    } else if (r->degraded[0]) {
        /* The kind's own word (a vendor's minor problem), after the user's conditions. */
        r->verdict = TC_VERDICT_DEGRADED;
        snprintf(r->reason, sizeof r->reason, "%s", r->degraded);
    }
}

void tc_monitor_cfg_clear(tc_monitor_cfg_t *m)
{
    if (m->type && m->kind_cfg)
        m->type->free_config(m->kind_cfg);
    for (size_t i = 0; i < m->nconditions; i++)
        tc_cond_free(m->conditions[i]);
    free(m->conditions);
    for (size_t i = 0; i < m->ndegraded; i++)
        tc_cond_free(m->degraded[i]);
    free(m->degraded);
    free(m->id);
    free(m->name);
    memset(m, 0, sizeof *m);
}
