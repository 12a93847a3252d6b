/* The tcp probe: resolve, connect on a fresh socket, optionally send bytes and read until the
 * expected text arrives (or the timeout). Catches "new connections refused while old ones
 * work" and services that accept but never answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"
#include "probe/probe_int.h"

typedef struct tcp_cfg {
    char *host;
    char port[8];
    char *send;   /* NULL: connect only */
    char *expect; /* NULL: nothing to wait for */
    bool refused_passes; /* a refusal is an answer (the self-check's gateway knock) */
} tcp_cfg_t;

typedef struct tcp_run {
    uv_getaddrinfo_t resolve;
    uv_tcp_t sock;
    uv_connect_t connect;
    uv_write_t write;
    uv_timer_t timer;
    char *send;         /* owned copy, so a cancelled run never reads the config */
    char *expect;       /* owned copy */
    bool refused_passes; /* copied from the config */
    bool resolving;     /* the getaddrinfo request is outstanding (and held) */
    bool sock_open;     /* sock was initialised (and is held) */
} tcp_run_t;

static const char *const keys[] = {"address", "send", "expect", NULL};
static const char *const placeholders[] = {"CONNECTED", "RESPONSE_TIME", "BODY", "IP", NULL};

static void tcp_parse(tc_yaml_t *y, tc_ynode_t node, tc_monitor_cfg_t *m)
{
    tcp_cfg_t *c = tc_calloc(1, sizeof *c);
    m->kind_cfg = c;
    char *address = NULL;
    tc_yaml_get_string(y, node, "monitor", "address", 1, &address);
    tc_yaml_get_string(y, node, "monitor", "send", 0, &c->send);
    tc_yaml_get_string(y, node, "monitor", "expect", 0, &c->expect);
    if (!address)
        return;
    int port = 0;
    tc_probe__parse_address(y, node, address, "db.internal:5432", &c->host, &port);
    snprintf(c->port, sizeof c->port, "%d", port);
    free(address);
}

static void tcp_free_config(void *p)
{
    tcp_cfg_t *c = p;
    free(c->host);
    free(c->send);
    free(c->expect);
    free(c);
}

static void tcp_free_state(void *state)
{
    tcp_run_t *t = state;
    free(t->send);
    free(t->expect);
    free(t);
}

/* The outcome is decided: close everything. A resolve still on the thread pool is cancelled
 * and its callback releases it. */
static void tcp_stop(tc_probe_run_t *run)
{
    tcp_run_t *t = run->state;
    run->result.response_ms = tc_probe__elapsed_ms(run);
    if (t->resolving)
        uv_cancel((uv_req_t *)&t->resolve);
    uv_timer_stop(&t->timer);
    tc_probe__close((uv_handle_t *)&t->timer, false);
    if (t->sock_open)
        tc_probe__close((uv_handle_t *)&t->sock, false);
}

static void on_timeout(uv_timer_t *timer)
{
    tc_probe_run_t *run = timer->data;
    tcp_run_t *t = run->state;
    if (t->expect && run->result.connected)
        tc_probe__conclude(run, "timed out waiting for the expected reply");
    else
        tc_probe__conclude(run, "timed out");
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    static char scratch[4096]; /* the engine thread is the only reader */
    *buf = uv_buf_init(scratch, sizeof scratch);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    tc_probe_run_t *run = s->data;
    tcp_run_t *t = run->state;
    if (n < 0) {
        const char *why = n != UV_EOF ? uv_strerror((int)n)
                          : t->expect ? "connection closed before the expected reply"
                                      : NULL;
        tc_probe__conclude(run, why);
        return;
    }
    tc_buf_append(&run->result.body, buf->base, (size_t)n);
    if (run->result.body.data && strstr(run->result.body.data, t->expect))
        tc_probe__conclude(run, NULL);
}

static void on_write(uv_write_t *w, int status)
{
    tc_probe_run_t *run = w->data;
    tcp_run_t *t = run->state;
    if (status < 0) {
        tc_probe__conclude(run, uv_strerror(status));
        return;
    }
    if (!t->expect)
        tc_probe__conclude(run, NULL);
}

static void on_connect(uv_connect_t *c, int status)
{
    tc_probe_run_t *run = c->data;
    tcp_run_t *t = run->state;
    if (tc_probe__concluded(run))
        return;
    if (status == UV_ECONNREFUSED && t->refused_passes) {
        tc_buf_puts(&run->result.details, "refused: the host answered\n");
        tc_probe__conclude(run, NULL);
        return;
    }
    if (status < 0) {
        tc_probe__conclude(run, uv_strerror(status));
        return;
    }
    run->result.connected = true;
    run->result.connect_ms = tc_probe__elapsed_ms(run);
    if (t->expect)
        uv_read_start((uv_stream_t *)&t->sock, on_alloc, on_read);
    if (t->send) {
        uv_buf_t b = uv_buf_init(t->send, (unsigned)strlen(t->send));
        t->write.data = run;
        uv_write(&t->write, (uv_stream_t *)&t->sock, &b, 1, on_write);
    } else if (!t->expect) {
        tc_probe__conclude(run, NULL);
    }
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *ai)
{
    tc_probe_run_t *run = req->data;
    tcp_run_t *t = run->state;
    t->resolving = false;
    run->result.dns_ms = tc_probe__elapsed_ms(run);
    if (tc_probe__concluded(run)) {
        uv_freeaddrinfo(ai);
        tc_probe__release(run);
        return;
    }
    if (status < 0) {
        tc_probe__conclude(run, uv_strerror(status));
        tc_probe__release(run);
        return;
    }
    uv_ip_name(ai->ai_addr, run->result.ip, sizeof run->result.ip);
    uv_tcp_init(run->env->loop, &t->sock);
    tc_probe__own(run, (uv_handle_t *)&t->sock);
    t->sock_open = true;
    t->connect.data = run;
    if (!run->result.connecting_mono)
        run->result.connecting_mono = tc_clock_mono_ms();
    int rc = uv_tcp_connect(&t->connect, &t->sock, ai->ai_addr, on_connect);
    uv_freeaddrinfo(ai);
    if (rc < 0)
        tc_probe__conclude(run, uv_strerror(rc));
    tc_probe__release(run);
}

static int tcp_start(tc_probe_run_t *run)
{
    const tcp_cfg_t *c = run->m->kind_cfg;
    tcp_run_t *t = tc_calloc(1, sizeof *t);
    t->send = c->send ? tc_strdup(c->send) : NULL;
    t->expect = c->expect ? tc_strdup(c->expect) : NULL;
    t->refused_passes = c->refused_passes;
    run->state = t;
    uv_timer_init(run->env->loop, &t->timer);
    tc_probe__own(run, (uv_handle_t *)&t->timer);
    uv_timer_start(&t->timer, on_timeout, (uint64_t)run->m->timeout_ms, 0);
    struct addrinfo hints = {0};
    hints.ai_socktype = SOCK_STREAM;
    t->resolve.data = run;
    int rc = uv_getaddrinfo(run->env->loop, &t->resolve, on_resolved, c->host, c->port, &hints);
    if (rc < 0) {
        tc_probe__conclude(run, uv_strerror(rc));
    } else {
        t->resolving = true;
        tc_probe__hold(run);
    }
    return 0;
}

void tc_probe_connect_monitor(tc_monitor_cfg_t *m, const char *id, const char *host, int port,
                              bool refused_passes, long timeout_ms)
{
    tcp_cfg_t *c = tc_calloc(1, sizeof *c);
    c->host = tc_strdup(host);
    snprintf(c->port, sizeof c->port, "%d", port);
    c->refused_passes = refused_passes;
    memset(m, 0, sizeof *m);
    m->id = tc_strdup(id);
    m->type = &tc_probe_tcp;
    m->kind_cfg = c;
    m->interval_ms = timeout_ms;
    m->timeout_ms = timeout_ms;
}

const tc_probe_type_t tc_probe_tcp = {
    .name = "tcp",
    .keys = keys,
    .placeholders = placeholders,
    .parse = tcp_parse,
    .free_config = tcp_free_config,
    .start = tcp_start,
    .stop = tcp_stop,
    .free_state = tcp_free_state,
};
