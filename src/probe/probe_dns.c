/* The dns probe: one query of one type for one name, sent with c-ares to the configured
 * resolver (or the system's), driven by the engine's libuv loop. Reports the rcode and the
 * answers of the queried type; it does not follow CNAMEs itself or validate DNSSEC.
 * This is the only file that includes <ares.h>. */
#include <ares.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#include "core/alloc.h"
#include "core/err.h"
#include "probe/probe_int.h"

#define DNS_CLASS_IN 1
#define MAX_RESOLVER 80 /* "[v6 address]:port" */

typedef struct dns_cfg {
    char *name;
    int qtype;                    /* one of the qtypes[] values */
    char resolver[MAX_RESOLVER];  /* "IP:PORT" for ares_set_servers_ports_csv, "" for system */
} dns_cfg_t;

/* One per socket c-ares asks us to watch; freed in its uv_close callback. */
typedef struct dns_sock {
    uv_poll_t poll;
    ares_socket_t fd;
    struct dns_sock *next;
} dns_sock_t;

typedef struct dns_run {
    ares_channel channel; /* owned; NULL once destroyed */
    uv_timer_t timer;     /* both c-ares' retransmit timer and the monitor's deadline */
    dns_sock_t *socks;    /* sockets being polled */
    int qtype;
    long timeout_ms;      /* copied: the monitor is not ours to read after a cancel */
    bool answered;        /* the query callback ran; conclude once c-ares has returned */
    char error[128];      /* the query callback's error, "" when an answer came back */
} dns_run_t;

static const struct {
    const char *name;
    int value;
} qtypes[] = {
    {"A", 1}, {"NS", 2}, {"CNAME", 5}, {"MX", 15}, {"TXT", 16}, {"AAAA", 28},
};

static const char *const keys[] = {"name", "type", "resolver", NULL};
static const char *const placeholders[] = {"DNS_RCODE", "BODY", "IP", "RESPONSE_TIME",
                                           "CONNECTED", NULL};

/* The rcode's mnemonic from RFC 1035 and RFC 2136; unknown codes are shown by number. */
static void rcode_name(int rcode, char *out, size_t outlen)
{
    static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                        "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                        "NXRRSET", "NOTAUTH", "NOTZONE"};
    if (rcode >= 0 && (size_t)rcode < sizeof names / sizeof names[0])
        snprintf(out, outlen, "%s", names[rcode]);
    else
        snprintf(out, outlen, "RCODE%d", rcode);
}

/* Turn "IP", "IP:PORT", "[IPv6]" or "[IPv6]:PORT" into the "IP:PORT" / "[IPv6]:PORT" form
 * c-ares takes. c-ares only talks to addresses, so a host name is refused here, at load,
 * rather than failing every run. @return 0 or TC_EINVAL. */
static int parse_resolver(const char *s, char *out, size_t outlen)
{
    char host[64];
    const char *port = NULL;
    unsigned char addr[16];
    int v6 = 0;
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end || (size_t)(end - s - 1) >= sizeof host)
            return TC_EINVAL;
        memcpy(host, s + 1, (size_t)(end - s - 1));
        host[end - s - 1] = '\0';
        if (end[1] == ':')
            port = end + 2;
        else if (end[1] != '\0')
            return TC_EINVAL;
        v6 = 1;
    } else if (strchr(s, ':') != strrchr(s, ':')) {
        /* Two colons or more: a bare IPv6 address, which cannot carry a port. */
        if (strlen(s) >= sizeof host)
            return TC_EINVAL;
        snprintf(host, sizeof host, "%s", s);
        v6 = 1;
    } else {
        const char *colon = strchr(s, ':');
        size_t len = colon ? (size_t)(colon - s) : strlen(s);
        if (len >= sizeof host)
            return TC_EINVAL;
        memcpy(host, s, len);
        host[len] = '\0';
        port = colon ? colon + 1 : NULL;
    }
    if (inet_pton(v6 ? AF_INET6 : AF_INET, host, addr) != 1)
        return TC_EINVAL;
    long p = 53;
    if (port) {
        char *end = NULL;
        p = strtol(port, &end, 10);
        if (!*port || *end || p < 1 || p > 65535)
            return TC_EINVAL;
    }
    int n = snprintf(out, outlen, v6 ? "[%s]:%ld" : "%s:%ld", host, p);
    return n > 0 && (size_t)n < outlen ? 0 : TC_EINVAL;
}

static void dns_parse(tc_yaml_t *y, tc_ynode_t node, tc_monitor_cfg_t *m)
{
    dns_cfg_t *c = tc_calloc(1, sizeof *c);
    c->qtype = 1;
    m->kind_cfg = c;
    tc_yaml_get_string(y, node, "monitor", "name", 1, &c->name);
    char *type = NULL;
    tc_yaml_get_string(y, node, "monitor", "type", 0, &type);
    if (type) {
        c->qtype = 0;
        for (size_t i = 0; i < sizeof qtypes / sizeof qtypes[0]; i++)
            if (strcasecmp(type, qtypes[i].name) == 0)
                c->qtype = qtypes[i].value;
        if (!c->qtype)
            tc_yaml_error(y, tc_yaml_lookup(y, node, "type"),
                          "monitor: type must be one of A, AAAA, CNAME, MX, TXT, NS");
        free(type);
    }
    char *resolver = NULL;
    tc_yaml_get_string(y, node, "monitor", "resolver", 0, &resolver);
    if (resolver && parse_resolver(resolver, c->resolver, sizeof c->resolver) != 0)
        tc_yaml_error(y, tc_yaml_lookup(y, node, "resolver"),
                      "monitor: resolver must be an IP address with an optional port, "
                      "e.g. 127.0.0.1:5353 or [::1]:53");
    free(resolver);
}

static void dns_free_config(void *p)
{
    dns_cfg_t *c = p;
    free(c->name);
    free(c);
}

static unsigned get16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* Skip a possibly compressed name at *@p pos, moving *@p pos past it. @return 0 or
 * TC_EINVAL. */
static int skip_name(const unsigned char *abuf, int alen, long *pos)
{
    char *name = NULL;
    long enclen = 0;
    if (*pos >= alen ||
        ares_expand_name(abuf + *pos, abuf, alen, &name, &enclen) != ARES_SUCCESS)
        return TC_EINVAL;
    ares_free_string(name);
    *pos += enclen;
    return 0;
}

/* Append the name at @p p (inside @p abuf, so compression pointers resolve) to @p out.
 * @return 0 or TC_EINVAL. */
static int put_name(const unsigned char *abuf, int alen, const unsigned char *p, tc_buf_t *out)
{
    char *name = NULL;
    long enclen = 0;
    if (ares_expand_name(p, abuf, alen, &name, &enclen) != ARES_SUCCESS)
        return TC_EINVAL;
    tc_buf_puts(out, name);
    ares_free_string(name);
    return 0;
}

/* Write the answers of type @p qtype in the DNS message @p abuf to @p out, one per line
 * (addresses, names, "PREF EXCHANGE" for MX, TXT strings concatenated as SPF and DKIM read
 * them), and the first address into @p ip. Records of other types, such as the CNAMEs an A
 * query passes through, are left out so [BODY] holds only what was asked for. The message
 * is untrusted: every length is checked against @p alen. @return 0, or TC_EINVAL when
 * malformed. */
static int format_answers(const unsigned char *abuf, int alen, int qtype, tc_buf_t *out,
                          char *ip, size_t iplen)
{
    if (alen < 12)
        return TC_EINVAL;
    unsigned qdcount = get16(abuf + 4);
    unsigned ancount = get16(abuf + 6);
    long pos = 12;
    for (unsigned i = 0; i < qdcount; i++) {
        if (skip_name(abuf, alen, &pos) != 0 || pos + 4 > alen)
            return TC_EINVAL;
        pos += 4;
    }
    int lines = 0;
    for (unsigned i = 0; i < ancount; i++) {
        if (skip_name(abuf, alen, &pos) != 0 || pos + 10 > alen)
            return TC_EINVAL;
        int type = (int)get16(abuf + pos);
        unsigned cls = get16(abuf + pos + 2);
        unsigned rdlen = get16(abuf + pos + 8);
        const unsigned char *rd = abuf + pos + 10;
        pos += 10;
        if (pos + (long)rdlen > alen)
            return TC_EINVAL;
        pos += rdlen;
        if (type != qtype || cls != DNS_CLASS_IN)
            continue;
        size_t mark = out->len;
        if (lines)
            tc_buf_puts(out, "\n");
        char addr[INET6_ADDRSTRLEN];
        int rc = 0;
        switch (type) {
        case 1:  /* A */
        case 28: /* AAAA */
            if (rdlen != (type == 1 ? 4u : 16u)) {
                rc = TC_EINVAL;
                break;
            }
            inet_ntop(type == 1 ? AF_INET : AF_INET6, rd, addr, sizeof addr);
            tc_buf_puts(out, addr);
            if (ip && !ip[0])
                snprintf(ip, iplen, "%s", addr);
            break;
        case 2: /* NS */
        case 5: /* CNAME */
            rc = put_name(abuf, alen, rd, out);
            break;
        case 15: /* MX */
            if (rdlen < 3) {
                rc = TC_EINVAL;
                break;
            }
            tc_buf_printf(out, "%u ", get16(rd));
            rc = put_name(abuf, alen, rd + 2, out);
            break;
        case 16: /* TXT: length-prefixed character-strings */
            for (unsigned off = 0; off < rdlen;) {
                unsigned len = rd[off];
                if (off + 1 + len > rdlen) {
                    rc = TC_EINVAL;
                    break;
                }
                tc_buf_append(out, rd + off + 1, len);
                off += 1 + len;
            }
            break;
        default:
            break;
        }
        if (rc != 0) {
            /* Drop the half-written line so [BODY] never holds a partial record. */
            out->len = mark;
            if (out->data)
                out->data[mark] = '\0';
            return TC_EINVAL;
        }
        lines++;
    }
    return 0;
}

static void dns_free_state(void *state)
{
    free(state);
    ares_library_cleanup();
}

static void close_sock(tc_probe_run_t *run, dns_sock_t *s)
{
    dns_run_t *t = run->state;
    for (dns_sock_t **pp = &t->socks; *pp; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    }
    uv_poll_stop(&s->poll);
    tc_probe__close((uv_handle_t *)&s->poll, true); /* the poll is s's first member */
}

/* The outcome is decided: release c-ares and close every handle. Never reached from inside
 * a c-ares callback (on_answer() only records; after_ares() concludes), because
 * ares_destroy() must not run there. */
static void dns_stop(tc_probe_run_t *run)
{
    dns_run_t *t = run->state;
    if (!run->result.response_ms)
        run->result.response_ms = tc_probe__elapsed_ms(run);
    if (t->channel) {
        /* Calls the query callback with ARES_EDESTRUCTION (ignored: the run is concluded)
         * and the socket callback for each open socket, which closes its poll handle. */
        ares_destroy(t->channel);
        t->channel = NULL;
    }
    while (t->socks)
        close_sock(run, t->socks);
    uv_timer_stop(&t->timer);
    tc_probe__close((uv_handle_t *)&t->timer, false);
}

static void on_timer(uv_timer_t *timer);

/* After c-ares has run: finish if the answer came, else wake up again at c-ares' next
 * retransmit or at the monitor's deadline, whichever is first. */
static void after_ares(tc_probe_run_t *run)
{
    dns_run_t *t = run->state;
    if (tc_probe__concluded(run))
        return;
    if (t->answered) {
        tc_probe__conclude(run, t->error[0] ? t->error : NULL);
        return;
    }
    double left = (double)t->timeout_ms - tc_probe__elapsed_ms(run);
    if (left <= 0) {
        tc_probe__conclude(run, "timed out");
        return;
    }
    struct timeval max = {(time_t)(left / 1000), (suseconds_t)((long)left % 1000 * 1000)};
    struct timeval tv;
    struct timeval *next = ares_timeout(t->channel, &max, &tv);
    uint64_t ms = next ? (uint64_t)next->tv_sec * 1000 + (uint64_t)next->tv_usec / 1000 : 0;
    /* Never 0: a 0 ms timer while c-ares rounds its own deadline up would spin. */
    uv_timer_start(&t->timer, on_timer, ms ? ms : 1, 0);
}

static void on_timer(uv_timer_t *timer)
{
    tc_probe_run_t *run = timer->data;
    dns_run_t *t = run->state;
    ares_process_fd(t->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    after_ares(run);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    tc_probe_run_t *run = h->data;
    dns_run_t *t = run->state;
    dns_sock_t *s = (dns_sock_t *)h;
    ares_socket_t fd = s->fd;
    /* On a poll error let c-ares read the socket, so it sees the error and moves on. */
    int readable = status < 0 || (events & UV_READABLE);
    int writable = status >= 0 && (events & UV_WRITABLE);
    ares_process_fd(t->channel, readable ? fd : ARES_SOCKET_BAD, writable ? fd : ARES_SOCKET_BAD);
    after_ares(run);
}

/* c-ares' ARES_OPT_SOCK_STATE_CB: watch, re-arm or forget one of its sockets. c-ares calls
 * this with both flags clear just before it closes the socket, so the poll handle is
 * stopped while the descriptor is still valid. */
static void on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    tc_probe_run_t *run = data;
    dns_run_t *t = run->state;
    dns_sock_t *s = t->socks;
    while (s && s->fd != fd)
        s = s->next;
    if (!readable && !writable) {
        if (s)
            close_sock(run, s);
        return;
    }
    if (!s) {
        s = tc_calloc(1, sizeof *s);
        if (uv_poll_init_socket(run->env->loop, &s->poll, fd) != 0) {
            /* Nothing to close; the query will time out and report it. */
            free(s);
            return;
        }
        s->fd = fd;
        tc_probe__own(run, (uv_handle_t *)&s->poll);
        s->next = t->socks;
        t->socks = s;
    }
    uv_poll_start(&s->poll, (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0),
                  on_poll);
}

/* The query's end, from inside c-ares: record what came back; after_ares() concludes. */
static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    (void)timeouts;
    tc_probe_run_t *run = arg;
    dns_run_t *t = run->state;
    if (tc_probe__concluded(run))
        return;
    t->answered = true;
    tc_result_t *r = &run->result;
    r->response_ms = tc_probe__elapsed_ms(run);
    r->dns_ms = r->response_ms;
    if (status != ARES_SUCCESS || !abuf || alen < 12) {
        snprintf(t->error, sizeof t->error, "%s",
                 status == ARES_ETIMEOUT ? "timed out" : ares_strerror(status));
        return;
    }
    /* Any rcode is an answer: NXDOMAIN or SERVFAIL are for the conditions to judge. */
    r->connected = true;
    rcode_name(abuf[3] & 0x0f, r->dns_rcode, sizeof r->dns_rcode);
    if (format_answers(abuf, alen, t->qtype, &r->body, r->ip, sizeof r->ip) != 0)
        snprintf(t->error, sizeof t->error, "malformed DNS answer");
}

static int dns_start(tc_probe_run_t *run)
{
    const dns_cfg_t *c = run->m->kind_cfg;
    dns_run_t *t = tc_calloc(1, sizeof *t);
    t->qtype = c->qtype;
    t->timeout_ms = run->m->timeout_ms;
    run->state = t;
    uv_timer_init(run->env->loop, &t->timer);
    tc_probe__own(run, (uv_handle_t *)&t->timer);
    ares_library_init(ARES_LIB_INIT_ALL); /* undone by dns_free_state() */

    struct ares_options opts;
    memset(&opts, 0, sizeof opts);
    /* NOCHECKRESP: a SERVFAIL or REFUSED is reported as such instead of c-ares quietly
     * trying the next server, since that answer is what the monitor is looking for. */
    opts.flags = ARES_FLAG_NOCHECKRESP;
    opts.timeout = (int)(run->m->timeout_ms / 2 > 0 ? run->m->timeout_ms / 2 : 1);
    opts.tries = 2;
    opts.sock_state_cb = on_sock_state;
    opts.sock_state_cb_data = run;
    int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB;
    int rc = ares_init_options(&t->channel, &opts, mask);
    if (rc != ARES_SUCCESS) {
        t->channel = NULL;
        tc_probe__conclude(run, ares_strerror(rc));
        return 0;
    }
    if (c->resolver[0]) {
        rc = ares_set_servers_ports_csv(t->channel, c->resolver);
        if (rc != ARES_SUCCESS) {
            tc_probe__conclude(run, ares_strerror(rc));
            return 0;
        }
    }
    unsigned char *query = NULL;
    int qlen = 0;
    rc = ares_create_query(c->name, DNS_CLASS_IN, c->qtype, 0, 1, &query, &qlen, 0);
    if (rc != ARES_SUCCESS) {
        tc_probe__conclude(run, ares_strerror(rc));
        return 0;
    }
    /* ares_send() gives the query a fresh random id and may call back at once on error. */
    ares_send(t->channel, query, qlen, on_answer, run);
    ares_free_string(query);
    after_ares(run);
    return 0;
}

int tc_probe_resolver_monitor(tc_monitor_cfg_t *m, const char *id, const char *resolver,
                              long timeout_ms)
{
    char server[MAX_RESOLVER] = "";
    if (resolver && parse_resolver(resolver, server, sizeof server) != 0)
        return TC_EINVAL;
    dns_cfg_t *c = tc_calloc(1, sizeof *c);
    /* The root zone's servers: every resolver that resolves at all has them at hand, so
     * the question tests the resolver and its way out, not some name's owner. */
    c->name = tc_strdup(".");
    c->qtype = 2; /* NS */
    memcpy(c->resolver, server, sizeof c->resolver);
    memset(m, 0, sizeof *m);
    m->id = tc_strdup(id);
    m->type = &tc_probe_dns;
    m->kind_cfg = c;
    m->interval_ms = timeout_ms;
    m->timeout_ms = timeout_ms;
    return 0;
}

const tc_probe_type_t tc_probe_dns = {
    .name = "dns",
    .keys = keys,
    .placeholders = placeholders,
    .parse = dns_parse,
    .free_config = dns_free_config,
    .start = dns_start,
    .stop = dns_stop,
    .free_state = dns_free_state,
};
