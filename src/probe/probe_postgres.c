/* The postgres probe: connect with libpq's asynchronous API on the engine's loop, read the
 * session's transaction_read_only and pg_is_in_recovery() in one round trip, run the
 * configured query (bounded by a statement_timeout sent as a connection option), and
 * optionally a write that must succeed. Nothing here blocks: the host name is resolved on
 * libuv's thread pool and handed to libpq as hostaddr, PQconnectPoll() and the query are
 * driven by a uv_poll_t on PQsocket(), and a run that times out is closed, not cancelled
 * (PQcancel() and PQrequestCancel() open a second connection synchronously).
 * This is the only probe file that includes <libpq-fe.h>. */
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/log.h"
#include "probe/probe_int.h"

#define MODULE "probe_postgres"
#define MAX_PARAMS 48      /* libpq knows about 40 connection keywords */
#define MAX_ADDRS 8        /* addresses of the host handed to libpq to try in turn */
#define BOOLOID 16         /* pg_type.oid of boolean, from catalog/pg_type_d.h */

/* The stages of a run, in order; a timeout message names the one it stopped in. */
typedef enum {
    STEP_RESOLVE, /* uv_getaddrinfo() of the host */
    STEP_CONNECT, /* PQconnectPoll() until CONNECTION_OK */
    STEP_FLAGS,   /* transaction_read_only and pg_is_in_recovery() */
    STEP_QUERY,   /* the configured query; [QUERY_TIME], [ROWS] and [RESULT] */
    STEP_WRITE,   /* write_query, when configured */
} step_t;

static const char *const step_names[] = {"resolving the host", "connecting",
                                         "reading the server state", "running the query",
                                         "running write_query"};

static const char FLAGS_SQL[] =
    "SELECT current_setting('transaction_read_only'), pg_is_in_recovery()";

typedef struct pg_cfg {
    char **keys;          /* owned; the dsn's parameters with a value, NULL-terminated */
    char **vals;          /* owned; parallel to keys */
    char *resolve_host;   /* owned; the host to resolve first, or NULL to leave it to libpq */
    char *target;         /* owned; "host:port/dbname" for messages, never the password */
    char *query;          /* owned */
    char *write_query;    /* owned; NULL when none */
    long statement_timeout_ms;
} pg_cfg_t;

typedef struct pg_run {
    uv_getaddrinfo_t resolve;
    uv_timer_t timer;
    uv_poll_t *poll;      /* owned; watches the connection's current socket; freed on close */
    uv_os_sock_t poll_fd; /* the socket poll was initialised with */
    PGconn *conn;         /* owned; PQfinish() in conclude() */
    char **keys;          /* owned copies: a cancelled run must not read the config */
    char **vals;
    char *resolve_host;
    char *target;
    char *query;
    char *write_query;
    long timeout_ms;      /* the monitor's, for the timeout message */
    long statement_timeout_ms;
    step_t step;
    double step_start;    /* elapsed ms when the current step's query was sent */
    bool resolving;       /* the getaddrinfo request is outstanding (and held) */
    int flushing;         /* PQflush() still has bytes to send */
    char error[256];      /* the first failed result of the current step, "" when none */
    PGresult *last;       /* owned; the query's last result so far */
    int queried;          /* the query ran to completion; query_ms and rows are set */
    double query_ms;
    long long rows;       /* rows returned, or changed by a command */
    int flags;            /* read_only and in_recovery were read */
    int read_only;
    int in_recovery;
} pg_run_t;

static const char *const keys[] = {"dsn", "query", "statement_timeout", "write_query", NULL};
static const char *const placeholders[] = {"CONNECTED",  "RESPONSE_TIME", "CONNECT_TIME",
                                           "QUERY_TIME", "ROWS",          "RESULT",
                                           "READ_ONLY",  "IN_RECOVERY",   "IP",
                                           NULL};

static char **strv_dup(char *const *v)
{
    size_t n = 0;
    while (v[n])
        n++;
    char **out = tc_calloc(n + 1, sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = tc_strdup(v[i]);
    return out;
}

static void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static const char *param(char *const *k, char *const *v, const char *name)
{
    for (size_t i = 0; k && k[i]; i++)
        if (strcmp(k[i], name) == 0)
            return v[i];
    return NULL;
}

/* libpq's parse errors quote the offending token, and for URIs the whole URI, which may hold
 * the password: keep the message, drop what is quoted. Option names are kept, they help. */
static void redact_parse_error(const char *msg, char *out, size_t outlen)
{
    int keep = strncmp(msg, "invalid connection option", 25) == 0;
    size_t o = 0;
    int quoted = 0;
    for (const char *p = msg; *p && o + 4 < outlen; p++) {
        if (*p == '\n')
            break;
        if (*p == '"') {
            if (!quoted && !keep) {
                memcpy(out + o, "\"...", 4);
                o += 4;
            } else if (quoted && !keep) {
                out[o++] = '"';
            }
            quoted = !quoted;
            if (keep)
                out[o++] = '"';
            continue;
        }
        if (!quoted || keep)
            out[o++] = *p;
    }
    out[o] = '\0';
}

static void pg_parse(tc_yaml_t *y, tc_ynode_t node, tc_monitor_cfg_t *m)
{
    pg_cfg_t *c = tc_calloc(1, sizeof *c);
    m->kind_cfg = c;
    c->statement_timeout_ms = m->timeout_ms;
    char *dsn = NULL;
    tc_yaml_get_string(y, node, "monitor", "dsn", 1, &dsn);
    tc_yaml_get_string(y, node, "monitor", "query", 0, &c->query);
    tc_yaml_get_string(y, node, "monitor", "write_query", 0, &c->write_query);
    tc_yaml_get_duration(y, node, "monitor", "statement_timeout", 1, 86400000L,
                         &c->statement_timeout_ms);
    if (!c->query)
        c->query = tc_strdup("SELECT 1");
    if (!dsn)
        return;

    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(dsn, &err);
    /* The dsn may hold a password; wipe our copy as soon as libpq has parsed it. */
    memset(dsn, 0, strlen(dsn));
    free(dsn);
    if (!opts) {
        char msg[256];
        redact_parse_error(err ? err : "out of memory", msg, sizeof msg);
        tc_yaml_error(y, tc_yaml_lookup(y, node, "dsn"),
                      "monitor: dsn is not a libpq connection string: %s", msg);
        PQfreemem(err);
        return;
    }
    size_t n = 0;
    c->keys = tc_calloc(MAX_PARAMS + 1, sizeof *c->keys);
    c->vals = tc_calloc(MAX_PARAMS + 1, sizeof *c->vals);
    for (PQconninfoOption *o = opts; o->keyword && n < MAX_PARAMS; o++) {
        if (!o->val || !o->val[0])
            continue;
        c->keys[n] = tc_strdup(o->keyword);
        c->vals[n] = tc_strdup(o->val);
        n++;
    }
    PQconninfoFree(opts);

    /* libpq resolves host names with a blocking getaddrinfo() inside PQconnectPoll(), so one
     * host name (not a socket directory, not a list) is resolved on the thread pool first.
     * A list of hosts is left to libpq and documented as blocking. */
    const char *host = param(c->keys, c->vals, "host");
    if (host && host[0] != '/' && host[0] != '@' && !strchr(host, ',') &&
        !param(c->keys, c->vals, "hostaddr"))
        c->resolve_host = tc_strdup(host);
    const char *port = param(c->keys, c->vals, "port");
    const char *db = param(c->keys, c->vals, "dbname");
    char target[256];
    if (!db)
        db = param(c->keys, c->vals, "user");
    snprintf(target, sizeof target, "%s:%s/%s", host ? host : "(default socket)",
             port ? port : "5432", db ? db : "(default)");
    c->target = tc_strdup(target);
}

static void pg_free_config(void *p)
{
    pg_cfg_t *c = p;
    /* The values may include the password: clear them before they go back to malloc. */
    for (size_t i = 0; c->vals && c->vals[i]; i++)
        memset(c->vals[i], 0, strlen(c->vals[i]));
    strv_free(c->keys);
    strv_free(c->vals);
    free(c->resolve_host);
    free(c->target);
    free(c->query);
    free(c->write_query);
    free(c);
}

static void pg_free_state(void *state)
{
    pg_run_t *t = state;
    PQclear(t->last);
    for (size_t i = 0; t->vals && t->vals[i]; i++)
        memset(t->vals[i], 0, strlen(t->vals[i]));
    strv_free(t->keys);
    strv_free(t->vals);
    free(t->resolve_host);
    free(t->target);
    free(t->query);
    free(t->write_query);
    free(t);
}

/* Copy libpq's message onto one line: its connection errors span lines with tabs. */
static void set_error(char *dst, size_t dstlen, const char *msg)
{
    size_t o = 0;
    int space = 0;
    for (const char *p = msg; *p && o + 1 < dstlen; p++) {
        if (*p == '\n' || *p == '\t' || *p == ' ') {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < dstlen)
            dst[o++] = ' ';
        space = 0;
        dst[o++] = *p;
    }
    dst[o] = '\0';
}

static void stop_poll(pg_run_t *t)
{
    if (!t->poll)
        return;
    /* uv_close() stops the poll and drops the descriptor from epoll at once; only the
     * callback is deferred. That ordering matters: libpq may already have closed the old
     * socket and got the same number back for the new one. */
    tc_probe__close((uv_handle_t *)t->poll, true);
    t->poll = NULL;
}

/* The lines `tocsin probe` shows for the run. Never the dsn: it may hold the password. */
static void describe(tc_probe_run_t *run)
{
    pg_run_t *t = run->state;
    tc_buf_t *d = &run->result.details;
    tc_buf_printf(d, "target     %s\n", t->target);
    if (t->queried)
        tc_buf_printf(d, "query      %.1f ms  rows %lld\n", t->query_ms, t->rows);
    if (t->flags)
        tc_buf_printf(d, "server     read_only %s  in_recovery %s\n",
                      t->read_only ? "true" : "false", t->in_recovery ? "true" : "false");
    if (t->last && PQresultStatus(t->last) == PGRES_TUPLES_OK && PQntuples(t->last) > 0) {
        tc_buf_puts(d, "row       ");
        for (int i = 0; i < PQnfields(t->last) && i < 16; i++) {
            const char *v = PQgetisnull(t->last, 0, i) ? "NULL" : PQgetvalue(t->last, 0, i);
            if (!PQgetisnull(t->last, 0, i) && PQftype(t->last, i) == BOOLOID)
                v = v[0] == 't' ? "true" : "false";
            tc_buf_printf(d, " %s=", PQfname(t->last, i));
            /* One line per value: control bytes are shown as '.', as for [BODY]. */
            for (size_t k = 0; v[k] && k < 60; k++) {
                char ch = (unsigned char)v[k] < 0x20 ? '.' : v[k];
                tc_buf_append(d, &ch, 1);
            }
        }
        tc_buf_puts(d, "\n");
    }
}

/* The outcome is decided: complete the result, then close everything. */
static void pg_stop(tc_probe_run_t *run)
{
    pg_run_t *t = run->state;
    tc_result_t *r = &run->result;
    r->response_ms = tc_probe__elapsed_ms(run);
    /* A failed connection, query or write is down whatever the conditions say: write_query
     * in particular is there to fail the run when the database takes no writes. */
    if (r->error[0] && !r->canceled)
        r->failed = true;
    describe(run);
    if (t->resolving) {
        /* The resolve callback sees UV_EAI_CANCELED (or its answer) and releases it. */
        uv_cancel((uv_req_t *)&t->resolve);
    }
    uv_timer_stop(&t->timer);
    tc_probe__close((uv_handle_t *)&t->timer, false);
    stop_poll(t);
    if (t->conn) {
        /* In non-blocking mode PQfinish() only queues a Terminate message and closes. The
         * server notices the close on its next write, and statement_timeout bounds a query
         * it is still running. */
        PQfinish(t->conn);
        t->conn = NULL;
    }
}

/* Decide the outcome with libpq's message put on one line. */
static void conclude(tc_probe_run_t *run, const char *error)
{
    char msg[sizeof run->result.error];
    if (error)
        set_error(msg, sizeof msg, error);
    tc_probe__conclude(run, error ? msg : NULL);
}

static void on_poll(uv_poll_t *h, int status, int events);

/* Wait for @p events on the connection's current socket, which may have changed since the
 * last wait: libpq opens a new one for each address it tries and when it retries without
 * SSL or GSS encryption. */
static void watch(tc_probe_run_t *run, int events)
{
    pg_run_t *t = run->state;
    uv_os_sock_t fd = PQsocket(t->conn);
    if (fd < 0) {
        conclude(run, PQerrorMessage(t->conn));
        return;
    }
    if (t->poll && t->poll_fd != fd)
        stop_poll(t);
    if (!t->poll) {
        uv_poll_t *p = tc_calloc(1, sizeof *p);
        int rc = uv_poll_init_socket(run->env->loop, p, fd);
        if (rc < 0) {
            free(p);
            conclude(run, uv_strerror(rc));
            return;
        }
        tc_probe__own(run, (uv_handle_t *)p);
        t->poll = p;
        t->poll_fd = fd;
    }
    uv_poll_start(t->poll, events, on_poll);
}

static void send_step(tc_probe_run_t *run, step_t step, const char *sql)
{
    pg_run_t *t = run->state;
    t->step = step;
    t->error[0] = '\0';
    t->step_start = tc_probe__elapsed_ms(run);
    if (!PQsendQuery(t->conn, sql)) {
        conclude(run, PQerrorMessage(t->conn));
        return;
    }
    int rc = PQflush(t->conn);
    if (rc < 0) {
        conclude(run, PQerrorMessage(t->conn));
        return;
    }
    t->flushing = rc == 1;
    watch(run, UV_READABLE | (t->flushing ? UV_WRITABLE : 0));
}

/* Offer the first row's columns as [RESULT].column. SQL NULL is left out, so it reads as
 * missing. Booleans come as t/f in text form; they are offered as true/false so that a
 * condition reads `[RESULT].ok == true`. */
static void keep_first_row(tc_result_t *r, const PGresult *res)
{
    if (PQntuples(res) < 1)
        return;
    for (int i = 0; i < PQnfields(res); i++) {
        if (PQgetisnull(res, 0, i))
            continue;
        const char *v = PQgetvalue(res, 0, i);
        if (PQftype(res, i) == BOOLOID)
            v = v[0] == 't' ? "true" : "false";
        tc_probe__set_value(r, "RESULT", PQfname(res, i), "%s", v);
    }
}

/* One result of the current step; a step may return several (a query string with more
 * than one statement), and the last one counts for [ROWS] and [RESULT]. Takes @p res.
 * @return 0 to read on, or TC_EIO when the run cannot go on (t->error says why). */
static int on_result(tc_probe_run_t *run, PGresult *res)
{
    pg_run_t *t = run->state;
    tc_result_t *r = &run->result;
    ExecStatusType st = PQresultStatus(res);
    switch (st) {
    case PGRES_FATAL_ERROR:
    case PGRES_NONFATAL_ERROR:
        /* The first error is the one to report; later results are still drained so that
         * the step ends where libpq says it does. */
        if (!t->error[0]) {
            const char *code = PQresultErrorField(res, PG_DIAG_SQLSTATE);
            const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
            if (code && msg)
                snprintf(t->error, sizeof t->error, "%s: %s", code, msg);
            else
                set_error(t->error, sizeof t->error, PQresultErrorMessage(res));
            if (!t->error[0])
                snprintf(t->error, sizeof t->error, "%s failed", step_names[t->step]);
        }
        break;
    case PGRES_TUPLES_OK:
    case PGRES_COMMAND_OK:
    case PGRES_EMPTY_QUERY:
        if (t->step == STEP_FLAGS && st == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
            PQnfields(res) == 2) {
            t->flags = 1;
            t->read_only = strcmp(PQgetvalue(res, 0, 0), "on") == 0;
            t->in_recovery = PQgetvalue(res, 0, 1)[0] == 't';
            tc_probe__set_value(r, "READ_ONLY", NULL, "%s", t->read_only ? "true" : "false");
            tc_probe__set_value(r, "IN_RECOVERY", NULL, "%s",
                                t->in_recovery ? "true" : "false");
        } else if (t->step == STEP_QUERY) {
            PQclear(t->last);
            t->last = res;
            return 0;
        }
        break;
    default:
        /* COPY and the streaming modes need a conversation the probe does not have, and
         * PQgetResult() would hand out the COPY state forever. */
        if (!t->error[0])
            snprintf(t->error, sizeof t->error, "%s: unsupported result %s",
                     step_names[t->step], PQresStatus(st));
        PQclear(res);
        return TC_EIO;
    }
    PQclear(res);
    return 0;
}

/* The current step has all its results: go on to the next one, or conclude. */
static void step_done(tc_probe_run_t *run)
{
    pg_run_t *t = run->state;
    tc_result_t *r = &run->result;
    if (t->error[0]) {
        conclude(run, t->error);
        return;
    }
    switch (t->step) {
    case STEP_FLAGS:
        send_step(run, STEP_QUERY, t->query);
        break;
    case STEP_QUERY:
        t->query_ms = tc_probe__elapsed_ms(run) - t->step_start;
        t->queried = 1;
        tc_probe__set_value(r, "QUERY_TIME", NULL, "%.1f", t->query_ms);
        if (t->last) {
            if (PQresultStatus(t->last) == PGRES_TUPLES_OK)
                t->rows = PQntuples(t->last);
            else
                t->rows = strtoll(PQcmdTuples(t->last), NULL, 10);
            keep_first_row(r, t->last);
        }
        tc_probe__set_value(r, "ROWS", NULL, "%lld", t->rows);
        if (t->write_query)
            send_step(run, STEP_WRITE, t->write_query);
        else
            conclude(run, NULL);
        break;
    default:
        conclude(run, NULL);
        break;
    }
}

static void on_connected(tc_probe_run_t *run)
{
    pg_run_t *t = run->state;
    tc_result_t *r = &run->result;
    r->connected = true;
    r->connect_ms = tc_probe__elapsed_ms(run);
    tc_probe__set_value(r, "CONNECT_TIME", NULL, "%.1f", r->connect_ms);
    const char *addr = PQhostaddr(t->conn);
    if (addr && addr[0])
        snprintf(r->ip, sizeof r->ip, "%s", addr);
    /* Non-blocking from here on: PQsendQuery() and PQfinish() must never wait for the
     * socket to drain. */
    if (PQsetnonblocking(t->conn, 1) != 0) {
        conclude(run, PQerrorMessage(t->conn));
        return;
    }
    send_step(run, STEP_FLAGS, FLAGS_SQL);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    tc_probe_run_t *run = h->data;
    pg_run_t *t = run->state;
    if (tc_probe__concluded(run) || h != t->poll)
        return;
    if (t->step == STEP_CONNECT) {
        /* On a poll error libpq finds the socket's error itself. */
        switch (PQconnectPoll(t->conn)) {
        case PGRES_POLLING_READING:
            watch(run, UV_READABLE);
            break;
        case PGRES_POLLING_WRITING:
            watch(run, UV_WRITABLE);
            break;
        case PGRES_POLLING_OK:
            on_connected(run);
            break;
        default:
            conclude(run, PQerrorMessage(t->conn));
            break;
        }
        return;
    }
    if (status < 0 || (events & UV_READABLE)) {
        if (!PQconsumeInput(t->conn)) {
            conclude(run, PQerrorMessage(t->conn));
            return;
        }
    }
    if (t->flushing) {
        int rc = PQflush(t->conn);
        if (rc < 0) {
            conclude(run, PQerrorMessage(t->conn));
            return;
        }
        t->flushing = rc == 1;
    }
    while (!PQisBusy(t->conn)) {
        PGresult *res = PQgetResult(t->conn);
        if (!res) {
            step_done(run);
            return;
        }
        if (on_result(run, res) != 0) {
            conclude(run, t->error);
            return;
        }
    }
    watch(run, UV_READABLE | (t->flushing ? UV_WRITABLE : 0));
}

static void begin_connect(tc_probe_run_t *run, const struct addrinfo *ai)
{
    pg_run_t *t = run->state;
    const char *k[MAX_PARAMS + 8];
    const char *v[MAX_PARAMS + 8];
    size_t n = 0;
    char options[1024];
    char hosts[2048] = "";
    char addrs[MAX_ADDRS * (INET6_ADDRSTRLEN + 1)] = "";
    const char *opt = param(t->keys, t->vals, "options");
    for (size_t i = 0; t->keys[i]; i++) {
        if (strcmp(t->keys[i], "options") == 0 || (ai && strcmp(t->keys[i], "host") == 0))
            continue;
        k[n] = t->keys[i];
        v[n++] = t->vals[i];
    }
    /* statement_timeout rides on the startup packet: no extra round trip, and it holds for
     * every statement of the session, including write_query. */
    snprintf(options, sizeof options, "%s%s-c statement_timeout=%ld", opt ? opt : "",
             opt ? " " : "", t->statement_timeout_ms);
    k[n] = "options";
    v[n++] = options;
    if (!param(t->keys, t->vals, "application_name")) {
        k[n] = "application_name";
        v[n++] = "tocsin";
    }
    if (ai) {
        /* host=name,name,... with hostaddr=a1,a2,...: libpq tries each address in turn,
         * as it would have after its own lookup, and still checks certificates against
         * the name. One port applies to every host. */
        size_t count = 0;
        for (const struct addrinfo *a = ai; a && count < MAX_ADDRS; a = a->ai_next) {
            char ip[INET6_ADDRSTRLEN];
            if (uv_ip_name(a->ai_addr, ip, sizeof ip) != 0)
                continue;
            if (count == 0)
                snprintf(run->result.ip, sizeof run->result.ip, "%s", ip);
            size_t hl = strlen(hosts);
            size_t al = strlen(addrs);
            snprintf(hosts + hl, sizeof hosts - hl, "%s%s", count ? "," : "", t->resolve_host);
            snprintf(addrs + al, sizeof addrs - al, "%s%s", count ? "," : "", ip);
            count++;
        }
        k[n] = "host";
        v[n++] = hosts;
        k[n] = "hostaddr";
        v[n++] = addrs;
    }
    k[n] = NULL;
    v[n] = NULL;

    t->step = STEP_CONNECT;
    tc_log(TC_LOG_DEBUG, MODULE, "connecting to %s", t->target);
    t->conn = PQconnectStartParams(k, v, 0);
    if (!t->conn) {
        conclude(run, "out of memory");
        return;
    }
    if (PQstatus(t->conn) == CONNECTION_BAD) {
        conclude(run, PQerrorMessage(t->conn));
        return;
    }
    /* As libpq documents: behave as if PQconnectPoll() had asked to wait for writing. */
    watch(run, UV_WRITABLE);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *ai)
{
    tc_probe_run_t *run = req->data;
    pg_run_t *t = run->state;
    t->resolving = false;
    run->result.dns_ms = tc_probe__elapsed_ms(run);
    if (tc_probe__concluded(run)) {
        uv_freeaddrinfo(ai);
    } else if (status < 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "could not resolve %s: %s", t->resolve_host,
                 uv_strerror(status));
        conclude(run, msg);
    } else {
        begin_connect(run, ai);
        uv_freeaddrinfo(ai);
    }
    tc_probe__release(run);
}

static void on_timeout(uv_timer_t *timer)
{
    tc_probe_run_t *run = timer->data;
    pg_run_t *t = run->state;
    char msg[300];
    snprintf(msg, sizeof msg, "timed out after %ld ms %s (%s)", t->timeout_ms,
             step_names[t->step], t->target);
    conclude(run, msg);
}

static int pg_start(tc_probe_run_t *run)
{
    const pg_cfg_t *c = run->m->kind_cfg;
    pg_run_t *t = tc_calloc(1, sizeof *t);
    t->keys = strv_dup(c->keys);
    t->vals = strv_dup(c->vals);
    t->resolve_host = c->resolve_host ? tc_strdup(c->resolve_host) : NULL;
    t->target = tc_strdup(c->target);
    t->query = tc_strdup(c->query);
    t->write_query = c->write_query ? tc_strdup(c->write_query) : NULL;
    t->timeout_ms = run->m->timeout_ms;
    t->statement_timeout_ms = c->statement_timeout_ms;
    run->state = t;
    uv_timer_init(run->env->loop, &t->timer);
    tc_probe__own(run, (uv_handle_t *)&t->timer);
    uv_timer_start(&t->timer, on_timeout, (uint64_t)run->m->timeout_ms, 0);
    if (!t->resolve_host) {
        begin_connect(run, NULL);
        return 0;
    }
    struct addrinfo hints = {0};
    hints.ai_socktype = SOCK_STREAM;
    t->step = STEP_RESOLVE;
    t->resolve.data = run;
    int rc = uv_getaddrinfo(run->env->loop, &t->resolve, on_resolved, t->resolve_host, NULL,
                            &hints);
    if (rc < 0) {
        conclude(run, uv_strerror(rc));
    } else {
        t->resolving = true;
        tc_probe__hold(run);
    }
    return 0;
}

const tc_probe_type_t tc_probe_postgres = {
    .name = "postgres",
    .keys = keys,
    .placeholders = placeholders,
    .parse = pg_parse,
    .free_config = pg_free_config,
    .start = pg_start,
    .stop = pg_stop,
    .free_state = pg_free_state,
};
