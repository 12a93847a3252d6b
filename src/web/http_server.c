/* libmicrohttpd binding: start and stop, snapshot publication and serving, /healthz,
 * /metrics and the request callbacks. Each published snapshot is turned once into prebuilt,
 * refcounted MHD_Response objects (one per document and content coding, plus the matching
 * 304s); a request is then a lookup, an Accept-Encoding and If-None-Match check, and a queue
 * of a prebuilt response. No allocation, no lock of ours, no rendering on that path.
 * Requests the engine answers are handed to http_request.c; the connection guard (per-address
 * limit, header and body deadlines) is http_conn.c over http_guard.c.
 *
 * Reclamation: a request thread enters a read section (it counts itself in one of two slots),
 * loads the current set with one atomic read and queues a response from it
 * (MHD_queue_response takes libmicrohttpd's own reference), then leaves. The engine frees a
 * retired set only once every request that could have loaded it has left (the slot of the
 * epoch it was retired in has drained; the epoch moves on only when the slot before it has),
 * so however long a request thread stalls, what it holds stays alive; and nothing waits.
 * A response still being sent holds a reference to its document's bytes (tc_doc_ref()). */
#include "web/http_server_int.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"

/* Per-connection pool: caps the request line and headers. libmicrohttpd zero-fills it on
 * every request, so 32 KiB cost 12% of throughput at 1,000 connections (bench/, BENCHMARKS.md);
 * 8 KiB matches nginx's large header buffer. */
#define CONN_MEMORY (8 * 1024)
#define HEALTH_STALE_MS 5000  /* an engine heartbeat older than this fails /healthz */

/* What the server builds once per document (tc_doc_t.served): its responses. */
typedef struct served_doc {
    struct MHD_Response *ok[TC_ENC_COUNT];        /* NULL when the coding is not offered */
    struct MHD_Response *not_modified[TC_ENC_COUNT];
} served_doc_t;

struct served_set {
    tc_snapshot_t *snap;        /* held */
    int64_t published_mono;     /* when it became current */
    uint64_t retired_epoch;     /* the reclamation epoch it stopped being current in */
    struct served_set *next;    /* retired list link */
};

void tc_http_set_metrics(tc_http_t *h, char *text, size_t len)
{
    pthread_mutex_lock(&h->metrics_lock);
    char *old = h->engine_metrics;
    h->engine_metrics = text;
    h->engine_metrics_len = len;
    h->engine_metrics_mono = tc_clock_mono_ms();
    pthread_mutex_unlock(&h->metrics_lock);
    free(old);
}

static conn_rec_t *conn_rec(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static struct MHD_Response *static_response(const char *body, const char *type)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    return r;
}

static void add_doc_headers(const tc_http_t *h, struct MHD_Response *r, const tc_doc_t *d,
                            const char *etag)
{
    tc_http__hsts(h, r);
    MHD_add_response_header(r, "ETag", etag);
    MHD_add_response_header(r, "Cache-Control", d->cache_control);
    MHD_add_response_header(r, "Vary", "Accept-Encoding");
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
}

/* The policy of the HTML pages, up to the sites that may frame them. "/" alone runs a
 * script, /page.js from its own origin (the day detail of the uptime bars); no page runs
 * inline script. connect-src 'self' lets nothing new run: it is there because Chromium
 * applies a page's policy to the requests its tools make from the page, and Lighthouse's
 * fetch of /robots.txt failed ("CSP violation") under connect-src 'none'. */
#define PAGE_CSP                                                                           \
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "                \
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors "
#define HOME_CSP "script-src 'self'; " PAGE_CSP "'none'"

static void served_free(void *p)
{
    served_doc_t *sd = p;
    for (int e = 0; e < TC_ENC_COUNT; e++) {
        if (sd->ok[e])
            MHD_destroy_response(sd->ok[e]);
        if (sd->not_modified[e])
            MHD_destroy_response(sd->not_modified[e]);
    }
    free(sd);
}

/* libmicrohttpd lets go of a response (the last connection sending it is done). */
static void response_done(void *cls)
{
    tc_doc_unref(cls);
}

/* The responses of @p d, built the first time a snapshot with it is published: a document
 * shared by later snapshots keeps them. A document is only ever published to one server (the
 * console's server renders its own), so its responses may carry that server's HSTS header. */
static void build_doc(const tc_http_t *h, tc_doc_t *d)
{
    static const char *const coding[TC_ENC_COUNT] = {NULL, "gzip", "br"};
    if (d->served)
        return;
    served_doc_t *sd = tc_calloc(1, sizeof *sd);
    for (int e = 0; e < TC_ENC_COUNT; e++) {
        tc_variant_t *v = &d->var[e];
        if (!v->data)
            continue;
        tc_doc_ref(d);
        struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback_cls(
            v->len, v->data, response_done, d);
        MHD_add_response_header(r, "Content-Type", d->content_type);
        if (coding[e])
            MHD_add_response_header(r, "Content-Encoding", coding[e]);
        add_doc_headers(h, r, d, v->etag);
        /* Every HTML page (/, /history..., /incidents/...) gets the same strict policy; only
         * /embed, made to be framed by other sites, may be. */
        if (strncmp(d->content_type, "text/html", 9) == 0) {
            MHD_add_response_header(r, "Content-Security-Policy",
                                    d->route == TC_ROUTE_EMBED  ? PAGE_CSP "*"
                                    : d->route == TC_ROUTE_PAGE ? HOME_CSP
                                                                : PAGE_CSP "'none'");
            MHD_add_response_header(r, "Referrer-Policy", "strict-origin-when-cross-origin");
        } else if (strncmp(d->content_type, "image/svg+xml", 13) == 0) {
            /* A badge opened on its own is a document: it may load and run nothing. */
            MHD_add_response_header(r, "Content-Security-Policy", "default-src 'none'");
        }
        sd->ok[e] = r;
        /* libmicrohttpd 0.9.75 adds "Content-Length: 0" to a 304 whatever we set (setting
         * our own gives two headers); browsers and common caches ignore the length of a
         * 304, so it is documented in README.md rather than worked around. */
        struct MHD_Response *nm =
            MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        add_doc_headers(h, nm, d, v->etag);
        sd->not_modified[e] = nm;
    }
    d->served = sd;
    d->served_free = served_free;
}

static void free_set(served_set_t *set)
{
    tc_snapshot_release(set->snap);
    free(set);
}

/* The current set and every retired one, once no request thread can be serving. */
static void free_sets(tc_http_t *h)
{
    served_set_t *cur = atomic_exchange(&h->current, NULL);
    if (cur)
        free_set(cur);
    while (h->retired) {
        served_set_t *next = h->retired->next;
        free_set(h->retired);
        h->retired = next;
    }
}

/* A request thread's read section: the set it loads stays alive until it leaves. */
static served_set_t *enter(tc_http_t *h, unsigned *slot)
{
    *slot = (unsigned)(atomic_load(&h->epoch) & 1);
    atomic_fetch_add(&h->readers[*slot], 1);
    return atomic_load(&h->current);
}

static void leave(tc_http_t *h, unsigned slot)
{
    atomic_fetch_sub(&h->readers[slot], 1);
}

void tc_http_publish(tc_http_t *h, tc_snapshot_t *snap)
{
    served_set_t *set = tc_calloc(1, sizeof *set);
    set->snap = snap;
    for (size_t i = 0; i < snap->ndocs; i++)
        build_doc(h, snap->docs[i]);
    set->published_mono = tc_clock_mono_ms();
    served_set_t *old = atomic_exchange(&h->current, set);
    if (old) {
        old->retired_epoch = atomic_load(&h->epoch);
        old->next = h->retired;
        h->retired = old;
    }
    tc_http_reap(h);
}

void tc_http_reap(tc_http_t *h)
{
    tc_http__certs_reap(h, 0);
    /* A reader counted in slot e & 1 may hold any set retired in epoch e or before it. Once
     * the slot of the epoch before the current one is empty, every set retired before the
     * current epoch is free to go; the epoch then moves on if sets wait in it, so the next
     * reap can free them once their slot drains. */
    uint64_t epoch = atomic_load(&h->epoch);
    if (atomic_load(&h->readers[(epoch + 1) & 1]) != 0)
        return;
    bool waiting = false;
    served_set_t **link = &h->retired;
    while (*link) {
        served_set_t *set = *link;
        if (set->retired_epoch < epoch) {
            *link = set->next;
            free_set(set);
        } else {
            waiting = true;
            link = &set->next;
        }
    }
    if (waiting)
        atomic_store(&h->epoch, epoch + 1);
}

/* The q-value of a coding in an Accept-Encoding header: 1000 for q=1, 0 when absent or
 * refused. "*" stands for any coding not named. */
static int accept_q(const char *header, const char *coding)
{
    int star = 0, named = -1;
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *tok = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ' && *p != '\t')
            p++;
        size_t toklen = (size_t)(p - tok);
        int q = 1000;
        while (*p && *p != ',') {
            if (*p == ';') {
                p++;
                while (*p == ' ' || *p == '\t')
                    p++;
                if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
                    double d = strtod(p + 2, NULL);
                    q = d <= 0 ? 0 : d >= 1 ? 1000 : (int)(d * 1000);
                }
            }
            if (*p && *p != ',')
                p++;
        }
        if (toklen == 1 && tok[0] == '*')
            star = q;
        else if (toklen == strlen(coding) && strncasecmp(tok, coding, toklen) == 0)
            named = q;
    }
    return named >= 0 ? named : star;
}

static tc_encoding_t choose_encoding(struct MHD_Connection *c, const served_doc_t *sd)
{
    const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
    if (!ae)
        return TC_ENC_IDENTITY;
    int br = sd->ok[TC_ENC_BR] ? accept_q(ae, "br") : 0;
    int gz = sd->ok[TC_ENC_GZIP] ? accept_q(ae, "gzip") : 0;
    /* Brotli is smaller for text, so it wins a tie. */
    if (br > 0 && br >= gz)
        return TC_ENC_BR;
    if (gz > 0)
        return TC_ENC_GZIP;
    return TC_ENC_IDENTITY;
}

/* If-None-Match uses the weak comparison (RFC 9110 §13.1.2): a W/ prefix is ignored. */
static int etag_matches(const char *header, const char *etag)
{
    size_t elen = strlen(etag);
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*')
            return 1;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        const char *start = p;
        if (*p == '"') {
            const char *close = strchr(p + 1, '"');
            p = close ? close + 1 : p + strlen(p);
        } else {
            while (*p && *p != ',')
                p++;
        }
        if ((size_t)(p - start) == elen && memcmp(start, etag, elen) == 0)
            return 1;
    }
    return 0;
}

static int code_index(unsigned code)
{
    return code >= CODE_MIN && code <= CODE_MAX ? (int)(code - CODE_MIN) : (int)NCODES - 1;
}

enum MHD_Result tc_http__reply(tc_http_t *h, struct MHD_Connection *c, tc_route_t route,
                               unsigned code, struct MHD_Response *r)
{
    atomic_fetch_add_explicit(&h->requests[route][code_index(code)], 1, memory_order_relaxed);
    return MHD_queue_response(c, code, r);
}

static void metrics_text(tc_http_t *h, tc_buf_t *b)
{
    tc_buf_puts(b, "# HELP tocsin_http_requests_total HTTP requests by route and status code.\n"
                   "# TYPE tocsin_http_requests_total counter\n");
    for (int r = 0; r < TC_ROUTE_COUNT; r++) {
        for (size_t i = 0; i < NCODES; i++) {
            unsigned long n = atomic_load_explicit(&h->requests[r][i], memory_order_relaxed);
            if (!n)
                continue;
            char code[12];
            if (i < NCODES - 1)
                snprintf(code, sizeof code, "%u", (unsigned)(i + CODE_MIN));
            else
                snprintf(code, sizeof code, "other");
            tc_buf_printf(b, "tocsin_http_requests_total{route=\"%s\",code=\"%s\"} %lu\n",
                          tc_route_name((tc_route_t)r), code, n);
        }
    }
    pthread_mutex_lock(&h->conns_lock);
    size_t open_conns = h->nconns;
    pthread_mutex_unlock(&h->conns_lock);
    unsigned long ev[TC_HTTP_GUARD_EV_COUNT];
    for (int e = 0; e < TC_HTTP_GUARD_EV_COUNT; e++)
        ev[e] = atomic_load_explicit(&h->events[e], memory_order_relaxed);
    tc_buf_printf(b,
                  "# HELP tocsin_http_connections_open Client connections open now.\n"
                  "# TYPE tocsin_http_connections_open gauge\n"
                  "tocsin_http_connections_open %zu\n"
                  "# HELP tocsin_http_connections_refused_total Connections refused at accept.\n"
                  "# TYPE tocsin_http_connections_refused_total counter\n"
                  "tocsin_http_connections_refused_total{reason=\"per_ip_limit\"} %lu\n"
                  "tocsin_http_connections_refused_total{reason=\"connection_limit\"} %lu\n"
                  "# HELP tocsin_http_connections_timed_out_total Connections closed for "
                  "missing the header or body deadline.\n"
                  "# TYPE tocsin_http_connections_timed_out_total counter\n"
                  "tocsin_http_connections_timed_out_total{phase=\"headers\"} %lu\n"
                  "tocsin_http_connections_timed_out_total{phase=\"body\"} %lu\n",
                  open_conns, ev[TC_HTTP_GUARD_EV_PER_ADDR], ev[TC_HTTP_GUARD_EV_LIMIT],
                  ev[TC_HTTP_GUARD_EV_HEADERS], ev[TC_HTTP_GUARD_EV_BODY]);
    unsigned slot;
    served_set_t *set = enter(h, &slot);
    int64_t now = tc_clock_mono_ms();
    tc_buf_printf(b,
                  "# HELP tocsin_snapshot_generation Generation of the snapshot being served.\n"
                  "# TYPE tocsin_snapshot_generation gauge\n"
                  "tocsin_snapshot_generation %llu\n"
                  "# HELP tocsin_snapshot_age_seconds Seconds since the served snapshot was "
                  "published.\n"
                  "# TYPE tocsin_snapshot_age_seconds gauge\n"
                  "tocsin_snapshot_age_seconds %.3f\n"
                  "# HELP tocsin_snapshot_documents Documents in the served snapshot.\n"
                  "# TYPE tocsin_snapshot_documents gauge\n"
                  "tocsin_snapshot_documents %zu\n",
                  set ? (unsigned long long)set->snap->generation : 0ULL,
                  set ? (double)(now - set->published_mono) / 1000.0 : 0.0,
                  set ? set->snap->ndocs : 0);
    leave(h, slot);
    tc_buf_printf(b,
                  "# HELP tocsin_uptime_seconds Seconds since the HTTP server started.\n"
                  "# TYPE tocsin_uptime_seconds gauge\n"
                  "tocsin_uptime_seconds %.3f\n"
                  "# HELP tocsin_build_info Build information.\n"
                  "# TYPE tocsin_build_info gauge\n"
                  "tocsin_build_info{version=\"%s\"} 1\n",
                  (double)(now - h->started_mono) / 1000.0, TC_VERSION);
    pthread_mutex_lock(&h->metrics_lock);
    if (h->engine_metrics)
        tc_buf_append(b, h->engine_metrics, h->engine_metrics_len);
    pthread_mutex_unlock(&h->metrics_lock);
}

void tc_http_set_health(tc_http_t *h, char *text, size_t len)
{
    pthread_mutex_lock(&h->metrics_lock);
    char *old = h->health;
    h->health = text;
    h->health_len = len;
    pthread_mutex_unlock(&h->metrics_lock);
    free(old);
}

/* /healthz while the loop turns: "ok", or the engine's JSON when it gave one. */
static enum MHD_Result serve_health(tc_http_t *h, struct MHD_Connection *c)
{
    pthread_mutex_lock(&h->metrics_lock);
    char *text = h->health ? tc_strndup(h->health, h->health_len) : NULL;
    size_t len = h->health_len;
    pthread_mutex_unlock(&h->metrics_lock);
    if (!text)
        return tc_http__reply(h, c, TC_ROUTE_HEALTHZ, 200, h->health_ok);
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(len, text, free);
    MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    tc_http__hsts(h, r);
    enum MHD_Result ret = tc_http__reply(h, c, TC_ROUTE_HEALTHZ, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* Can /metrics be answered without the engine: is its text young enough? */
static int metrics_fresh(tc_http_t *h)
{
    pthread_mutex_lock(&h->metrics_lock);
    int fresh = h->engine_metrics &&
                tc_clock_mono_ms() - h->engine_metrics_mono < TC_HTTP_METRICS_FRESH_MS;
    pthread_mutex_unlock(&h->metrics_lock);
    return fresh;
}

enum MHD_Result tc_http__serve_metrics(tc_http_t *h, struct MHD_Connection *c)
{
    tc_buf_t b;
    tc_buf_init(&b, 0);
    metrics_text(h, &b);
    size_t len;
    char *text = tc_buf_steal(&b, &len);
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(len, text, free);
    MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    tc_http__hsts(h, r);
    enum MHD_Result ret = tc_http__reply(h, c, TC_ROUTE_METRICS, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* Statuspage clients append ".json" themselves, but a path without it is served too. */
static const tc_doc_t *find_doc(served_set_t *set, const char *url)
{
    if (!set)
        return NULL;
    const tc_doc_t *d = tc_snapshot_find(set->snap, url);
    if (!d && strncmp(url, "/api/v2/", 8) == 0 && !strchr(url + 8, '.')) {
        char with_json[256];
        int n = snprintf(with_json, sizeof with_json, "%s.json", url);
        if (n > 0 && (size_t)n < sizeof with_json)
            d = tc_snapshot_find(set->snap, with_json);
    }
    return d;
}

/* The console (/admin and below) is answered by the engine, except its static assets,
 * which are snapshot documents like the page's. */
static int is_console_path(const char *url)
{
    return strncmp(url, "/admin", 6) == 0 && (url[6] == '\0' || url[6] == '/');
}

/* Requests under these prefixes are answered by the engine, not from the snapshot; a server
 * for the console alone answers nothing else. */
static int is_engine_path(const tc_http_t *h, const char *url)
{
    int console = is_console_path(url) && strncmp(url, "/admin/assets/", 14) != 0;
    if (h->console == TC_HTTP_CONSOLE_ONLY)
        return console;
    if (console)
        return h->console == TC_HTTP_CONSOLE_ALSO;
    return strncmp(url, "/api/push/", 10) == 0 || strncmp(url, "/v1/", 4) == 0 ||
           strcmp(url, "/api/v2/subscribers") == 0 ||
           strcmp(url, "/api/v2/subscribers.json") == 0 ||
           strncmp(url, "/subscribers/", 13) == 0;
}

/* Paths this server does not serve at all (404 whatever the snapshot holds). */
static int is_elsewhere(const tc_http_t *h, const char *url)
{
    if (h->console == TC_HTTP_CONSOLE_ONLY)
        return !is_console_path(url) && strcmp(url, "/healthz") != 0;
    return h->console == TC_HTTP_CONSOLE_NONE && is_console_path(url);
}


static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    /* The header deadline of the next request on this connection starts now. */
    set_phase(cls, conn_rec(c), PHASE_HEADERS);
    uintptr_t v = (uintptr_t)*con_cls;
    /* Odd values are the byte counts of snapshot requests; even ones are engine requests. */
    if (v && !(v & 1))
        tc_http__free_request((tc_http_request_t *)*con_cls);
    *con_cls = NULL;
}

static int is_api_path(const char *url)
{
    return strncmp(url, "/api/", 5) == 0 || strncmp(url, "/v1/", 4) == 0;
}

/* A request answered from @p set (loaded in a read section) or by /healthz and /metrics. */
static enum MHD_Result serve(tc_http_t *h, struct MHD_Connection *c, const char *url,
                             const char *method, served_set_t *set)
{
    int is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    const tc_doc_t *d = is_elsewhere(h, url) ? NULL : find_doc(set, url);
    const served_doc_t *sd = d ? d->served : NULL;
    tc_route_t route = sd ? d->route : TC_ROUTE_OTHER;
    int known = sd || strcmp(url, "/healthz") == 0 ||
                (strcmp(url, "/metrics") == 0 && h->console != TC_HTTP_CONSOLE_ONLY) ||
                (set && tc_snapshot_offers(set->snap, url));

    if (!is_get) {
        if (strcmp(method, "OPTIONS") == 0 && known)
            return tc_http__reply(h, c, route, 204, h->options);
        if (known)
            return tc_http__reply(h, c, route, 405, h->method_not_allowed);
        return tc_http__reply(h, c, TC_ROUTE_OTHER, 404,
                              is_api_path(url) ? h->not_found_json : h->not_found_html);
    }
    if (sd) {
        /* When it was last asked for, to the second: which pages made on demand to keep. A
         * page read all the time is written to once a second, not on every request. */
        tc_doc_t *used = (tc_doc_t *)d;
        int64_t now = coarse_ms();
        if (atomic_load_explicit(&used->used, memory_order_relaxed) + 1000 <= now)
            atomic_store_explicit(&used->used, now, memory_order_relaxed);
        tc_encoding_t e = choose_encoding(c, sd);
        const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
        if (inm && etag_matches(inm, d->var[e].etag))
            return tc_http__reply(h, c, route, 304, sd->not_modified[e]);
        return tc_http__reply(h, c, route, 200, sd->ok[e]);
    }
    if (strcmp(url, "/healthz") == 0) {
        int64_t beat = atomic_load(h->heartbeat);
        int alive = tc_clock_mono_ms() - beat < HEALTH_STALE_MS;
        if (alive)
            return serve_health(h, c);
        return tc_http__reply(h, c, TC_ROUTE_HEALTHZ, 503, h->health_stale);
    }
    if (strcmp(url, "/metrics") == 0 && h->console != TC_HTTP_CONSOLE_ONLY)
        return tc_http__serve_metrics(h, c);
    if (!set)
        return tc_http__reply(h, c, TC_ROUTE_OTHER, 503, h->unavailable);
    return tc_http__reply(h, c, TC_ROUTE_OTHER, 404,
                          is_api_path(url) ? h->not_found_json : h->not_found_html);
}

enum MHD_Result tc_http__serve_snapshot(tc_http_t *h, struct MHD_Connection *c, const char *url,
                                        const char *method)
{
    unsigned slot;
    served_set_t *set = enter(h, &slot);
    enum MHD_Result ret = serve(h, c, url, method, set);
    leave(h, slot);
    return ret;
}

/* Is @p url a page @p set offers to make on demand and does not hold yet? */
static int wants_page_made(const tc_http_t *h, const served_set_t *set, const char *url,
                           const char *method)
{
    return set && tc_snapshot_offers(set->snap, url) &&
           (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) &&
           !is_elsewhere(h, url) && !tc_snapshot_find(set->snap, url);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    tc_http_t *h = cls;
    (void)version;
    /* The first call only announces the request. Queuing a response then made libmicrohttpd
     * close keep-alive connections, so we answer from the second call. For snapshot requests
     * the per-request state is just a byte count, kept in the pointer itself (as an odd
     * number) to avoid an allocation; engine requests get a tc_http_request_t. */
    if (!*con_cls) {
        /* The headers are in: the body deadline starts. */
        conn_rec_t *rec = conn_rec(c);
        set_phase(h, rec, PHASE_BODY);
        /* A body announced as too large is refused before it is read; libmicrohttpd closes
         * the connection after this early reply. */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > MAX_BODY) {
            *con_cls = (void *)(uintptr_t)1;
            set_phase(h, rec, PHASE_ANSWER);
            return tc_http__reply(h, c, TC_ROUTE_OTHER, 413, h->too_large);
        }
        /* /metrics goes to the engine when its figures are older than a second. */
        int stale_metrics = strcmp(url, "/metrics") == 0 && h->console != TC_HTTP_CONSOLE_ONLY &&
                            (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) &&
                            !metrics_fresh(h);
        if (is_engine_path(h, url) || stale_metrics)
            *con_cls = tc_http__new_request(h, c, url, method);
        else
            *con_cls = (void *)(uintptr_t)1;
        return MHD_YES;
    }
    /* A call without body bytes after the first one means the request is whole: no deadline
     * of ours while it is answered (an engine request may wait for the engine). */
    if (!*upload_data_size)
        set_phase(h, conn_rec(c), PHASE_ANSWER);
    if (!((uintptr_t)*con_cls & 1))
        return tc_http__serve_engine_request(h, c, *con_cls, upload_data, upload_data_size);
    uintptr_t seen = (uintptr_t)*con_cls >> 1;
    if (*upload_data_size) {
        /* A chunked body has no length up front: count it, drop it, answer at its end
         * (libmicrohttpd refuses a response queued in the middle of an upload). */
        seen += *upload_data_size;
        *upload_data_size = 0;
        if (seen > MAX_BODY)
            seen = MAX_BODY + 1;
        *con_cls = (void *)((seen << 1) | 1);
        return MHD_YES;
    }
    if (seen > MAX_BODY)
        return tc_http__reply(h, c, TC_ROUTE_OTHER, 413, h->too_large);

    unsigned slot;
    served_set_t *set = enter(h, &slot);
    if (wants_page_made(h, set, url, method)) {
        leave(h, slot);
        /* The engine makes the page and publishes it, then the request is answered from the
         * snapshot (tc_http_reply_document()). */
        tc_http_request_t *req = tc_http__new_request(h, c, url, method);
        req->on_demand = 1;
        *con_cls = req;
        return tc_http__serve_engine_request(h, c, req, upload_data, upload_data_size);
    }
    enum MHD_Result ret = serve(h, c, url, method, set);
    leave(h, slot);
    return ret;
}

/* The responses made once per server, for create_static() and destroy_static(). */
#define STATIC_RESPONSES(h)                                                                  \
    (h)->not_found_json, (h)->not_found_html, (h)->method_not_allowed, (h)->too_large,       \
        (h)->options, (h)->health_ok, (h)->health_stale, (h)->unavailable, (h)->stopping_resp

static void create_static(tc_http_t *h)
{
    static const char json[] = "application/json; charset=utf-8";
    h->not_found_json = static_response("{\"error\":\"not found\"}", json);
    h->not_found_html = static_response(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
        "content=\"width=device-width,initial-scale=1\"><title>Not found</title></head><body>"
        "<main><h1>Not found</h1><p><a href=\"/\">Current status</a></p></main></body></html>\n",
        "text/html; charset=utf-8");
    h->method_not_allowed =
        static_response("{\"error\":\"method not allowed; use GET or HEAD\"}", json);
    MHD_add_response_header(h->method_not_allowed, "Allow", "GET, HEAD, OPTIONS");
    h->too_large = static_response("{\"error\":\"request body too large\"}", json);
    h->options = static_response("", "text/plain");
    MHD_add_response_header(h->options, "Allow", "GET, HEAD, OPTIONS");
    MHD_add_response_header(h->options, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
    MHD_add_response_header(h->options, "Access-Control-Max-Age", "86400");
    h->health_ok = static_response("ok\n", "text/plain; charset=utf-8");
    h->health_stale = static_response("engine loop is not responding\n",
                                      "text/plain; charset=utf-8");
    h->unavailable = static_response("{\"error\":\"starting up\"}", json);
    h->stopping_resp = static_response("{\"error\":\"shutting down; try again shortly\"}",
                                       json);
    struct MHD_Response *all[] = {STATIC_RESPONSES(h)};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        tc_http__hsts(h, all[i]);
}

static void destroy_static(tc_http_t *h)
{
    struct MHD_Response *all[] = {STATIC_RESPONSES(h)};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i])
            MHD_destroy_response(all[i]);
}

/* Open the listening socket ourselves rather than through libmicrohttpd, to control its
 * options and to say exactly why a bind failed. SO_REUSEADDR only lets a restarted daemon
 * bind while old connections sit in TIME_WAIT; on Linux it never lets two live listeners
 * share a port. SO_REUSEPORT, which would, is not set: a second daemon on the same port
 * must fail, not silently take half of the requests. @return the descriptor, or -1. */
static int open_listener(const struct addrinfo *ai, const char *host, int port, char *err,
                         size_t errlen)
{
    const char *open_br = strchr(host, ':') ? "[" : "", *close_br = *open_br ? "]" : "";
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
        goto fail;
    int on = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0)
        goto fail;
    /* "[::]:8080" means IPv6 only, as before; list 0.0.0.0 separately for IPv4. */
    if (ai->ai_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on))
        goto fail;
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0)
        goto fail;
    return fd;
fail:;
    int e = errno;
    snprintf(err, errlen, "cannot listen on %s%s%s:%d: %s", open_br, host, close_br, port,
             e == EADDRINUSE ? "address in use" : strerror(e));
    if (fd >= 0)
        close(fd);
    return -1;
}

int tc_http__listen(const char *host, int port, int *ipv6, char *err, size_t errlen)
{
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    char service[8];
    snprintf(service, sizeof service, "%d", port);
    int gai = getaddrinfo(host, service, &hints, &ai);
    if (gai != 0) {
        snprintf(err, errlen, "cannot resolve listen address %s: %s", host, gai_strerror(gai));
        return -1;
    }
    int fd = open_listener(ai, host, port, err, errlen);
    *ipv6 = ai->ai_family == AF_INET6;
    freeaddrinfo(ai);
    return fd;
}

int tc_http_start(const tc_http_opts_t *opts, tc_snapshot_t *first, tc_http_t **out, char *err,
                  size_t errlen)
{
    *out = NULL;
    int fd = -1, rc = TC_EIO, ipv6 = 0;
    tc_http_t *h = tc_calloc(1, sizeof *h);
    /* First: every response built from here on carries HSTS when it should. */
    tc_http__tls_init(h, opts->cert, opts->hsts_seconds);
    h->port = opts->port;
    h->heartbeat = opts->heartbeat;
    pthread_mutex_init(&h->metrics_lock, NULL);
    pthread_mutex_init(&h->queue_lock, NULL);
    pthread_mutex_init(&h->conns_lock, NULL);
    pthread_mutex_init(&h->mhd_log_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->sweep_cond, &ca);
    pthread_condattr_destroy(&ca);
    h->wake = opts->wake;
    h->console = opts->console;
    h->wake_arg = opts->wake_arg;
    h->lim.per_ip_limit = opts->per_ip_limit;
    h->lim.connection_limit = opts->connection_limit;
    h->lim.header_ms = (int64_t)opts->header_timeout * 1000;
    h->lim.body_ms = (int64_t)opts->body_timeout * 1000;
    tc_http_guard_table_init(&h->table, opts->connection_limit);
    for (const char *const *p = opts->trusted_proxies; p && *p; p++) {
        if (h->nproxies == TC_HTTP_GUARD_MAX_PROXIES ||
            tc_http_guard_parse_net(*p, &h->proxies[h->nproxies]) != 0) {
            char shown[61];
            snprintf(err, errlen, "trusted proxy \"%s\": %s", tc_utf8_excerpt(shown, sizeof shown, *p),
                     h->nproxies == TC_HTTP_GUARD_MAX_PROXIES ? "too many (at most 64)"
                                                : "expected an address or ADDRESS/BITS");
            rc = TC_EINVAL;
            goto fail;
        }
        h->nproxies++;
    }
    if (opts->trusted_proxy_header && *opts->trusted_proxy_header)
        h->proxy_header = tc_strdup(opts->trusted_proxy_header);
    tc_http_publish(h, first);
    first = NULL;
    h->started_mono = tc_clock_mono_ms();
    create_static(h);

    fd = tc_http__listen(opts->host, opts->port, &ipv6, err, errlen);
    if (fd < 0)
        goto fail;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = opts->threads > 0 ? (unsigned)opts->threads : cores > 0 ? (unsigned)cores
                                                                                : 1;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (ipv6)
        flags |= MHD_USE_IPv6;
    struct MHD_OptionItem tls[3];
    tc_http__tls_options(h, tls);
    if (opts->cert)
        flags |= MHD_USE_TLS;
    /* Our accept policy replaces MHD_OPTION_PER_IP_CONNECTION_LIMIT (exact addresses only,
     * and no exemption for proxies). */
    h->mhd = MHD_start_daemon(
        flags, (uint16_t)opts->port, tc_http__on_accept, h, on_request, h,
        MHD_OPTION_EXTERNAL_LOGGER, tc_http__mhd_log, h, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        h, MHD_OPTION_NOTIFY_CONNECTION, tc_http__on_connection, h, MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)opts->connection_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)opts->connection_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY, MHD_OPTION_ARRAY, tls,
        MHD_OPTION_END);
    if (!h->mhd) {
        snprintf(err, errlen, "cannot start the HTTP server on %s:%d (see the log above)",
                 opts->host, opts->port);
        goto fail;
    }
    fd = -1; /* libmicrohttpd's now; it closes it when stopped */
    if (opts->cert && opts->redirect_host &&
        tc_http__redirect_start(h, opts->redirect_host, opts->redirect_port,
                                opts->connection_limit, opts->per_ip_limit,
                                opts->connection_timeout, err, errlen) != 0)
        goto fail;
    if (tc_http__sweeper_start(h) != 0) {
        snprintf(err, errlen, "cannot start the connection sweeper thread");
        goto fail;
    }
    *out = h;
    return 0;

fail:
    if (fd >= 0)
        close(fd);
    tc_http__redirect_stop(h);
    if (h->mhd)
        MHD_stop_daemon(h->mhd);
    tc_http__certs_reap(h, 1);
    free_sets(h);
    destroy_static(h);
    pthread_mutex_destroy(&h->metrics_lock);
    pthread_mutex_destroy(&h->queue_lock);
    pthread_mutex_destroy(&h->conns_lock);
    pthread_mutex_destroy(&h->mhd_log_lock);
    pthread_cond_destroy(&h->sweep_cond);
    tc_http_guard_table_free(&h->table);
    free(h->proxy_header);
    free(h);
    tc_snapshot_release(first);
    return rc;
}

void tc_http_stop(tc_http_t *h)
{
    if (!h)
        return;
    /* libmicrohttpd must not be stopped with suspended connections: refuse new engine
     * requests, then answer what is left; after the flag nothing more can be queued. */
    pthread_mutex_lock(&h->queue_lock);
    h->stopping = 1;
    pthread_mutex_unlock(&h->queue_lock);
    tc_http_request_t *req;
    while ((req = tc_http_take(h)))
        tc_http_reply(req, 503, "{\"error\":\"shutting down\"}");
    tc_http__sweeper_stop(h);
    tc_http__redirect_stop(h);
    MHD_stop_daemon(h->mhd);
    tc_http__certs_reap(h, 1);
    tc_http__log_events(h, coarse_ms(), 1);
    free_sets(h);
    destroy_static(h);
    free(h->engine_metrics);
    free(h->health);
    pthread_mutex_destroy(&h->metrics_lock);
    pthread_mutex_destroy(&h->queue_lock);
    pthread_mutex_destroy(&h->conns_lock);
    pthread_mutex_destroy(&h->mhd_log_lock);
    pthread_cond_destroy(&h->sweep_cond);
    tc_http_guard_table_free(&h->table);
    free(h->proxy_header);
    free(h);
}
