/* What the HTTP server's files share and nothing else includes: struct tc_http, struct
 * tc_http_request, the per-connection record, and the tc_http__ functions one of them calls
 * in another. http_server.c: start/stop, snapshot publication and serving, /metrics, the
 * request callbacks. http_request.c: requests answered by the engine. http_conn.c: the
 * connection guard's libmicrohttpd side (accept policy, connection records, deadlines and
 * their sweeper, log summaries). http_guard.c (no libmicrohttpd): its pure data structures.
 *
 * Only web/http_*.c may include this header, since it includes <microhttpd.h>. The macros
 * below are private to those files, hence unprefixed. */
#ifndef TC_HTTP_SERVER_INT_H
#define TC_HTTP_SERVER_INT_H

#include <sys/socket.h> /* before microhttpd.h, which needs struct sockaddr */
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "core/buf.h"
#include "web/http_guard.h"
#include "web/http_server.h"

#define MAX_BODY (64 * 1024)  /* request bodies larger than this get 413 */

/* /metrics counts every status code from 100 to 599 on its own; anything else (which
 * libmicrohttpd would refuse anyway) is "other", in the last column. */
#define CODE_MIN 100
#define CODE_MAX 599
#define NCODES (CODE_MAX - CODE_MIN + 2)

/* A published snapshot with its prebuilt responses; private to http_server.c. */
typedef struct served_set served_set_t;

/* Where a queued request is in its life. */
enum {
    REQ_READING,  /* the body is still arriving */
    REQ_QUEUED,   /* waiting for the engine; the connection is suspended */
    REQ_ANSWERED, /* the engine replied; the connection is resumed to send it */
};

struct tc_http_request {
    tc_http_t *h;
    struct MHD_Connection *conn;
    int state;
    int too_big;                 /* the body passed MAX_BODY */
    char method[16];
    char *path;                  /* owned */
    char client[64];
    tc_buf_t fields;             /* "H\0name\0value\0" headers and "A\0name\0value\0" args */
    tc_buf_t body;
    unsigned status;             /* the engine's reply */
    char *reply;                 /* owned */
    int html;                    /* the reply is an HTML page (tc_http_reply_html) */
    int metrics;                 /* the reply is /metrics (tc_http_reply_metrics) */
    int on_demand;               /* a GET of a page the snapshot offers (tc_http_on_demand) */
    tc_buf_t extra;              /* "name\0value\0" headers added by tc_http_add_header() */
    struct tc_http_request *next;/* queue link */
};

/* Where a connection is in its current request, for the sweeper's deadlines. */
enum {
    PHASE_HEADERS, /* waiting for a request line and headers (also keep-alive idle time) */
    PHASE_BODY,    /* headers in, body arriving */
    PHASE_ANSWER,  /* request whole: being answered; no deadline of ours */
    PHASE_CLOSING, /* cut off by the sweeper; libmicrohttpd is closing it */
};

/* Per-connection state (libmicrohttpd's socket context). Allocated when the connection
 * starts, freed when it closes; prev/next/key/counted are guarded by conns_lock, deadline is
 * written by request threads and read by the sweeper. */
typedef struct conn_rec {
    tc_http_t *h;   /* the server it belongs to (the TLS certificate callback looks it up) */
    struct conn_rec *prev, *next;
    tc_http_guard_key_t key;
    int counted; /* holds a count in the address table */
    int fd;
    /* (monotonic ms << 2) | phase; ms 0 means no deadline. One word, so the sweeper never
     * sees the deadline of one phase with the tag of another. */
    _Atomic int64_t deadline;
} conn_rec_t;

struct tc_http {
    struct MHD_Daemon *mhd;
    /* Connection guard. The limits and proxy list are set at start and then only read. */
    tc_http_guard_limits_t lim;        /* per_ip_limit, connection_limit, header/body ms */
    tc_http_guard_net_t proxies[TC_HTTP_GUARD_MAX_PROXIES];
    size_t nproxies;
    char *proxy_header;                /* owned; NULL when none */
    pthread_mutex_t conns_lock;        /* guards what follows, up to the sweeper fields */
    tc_http_guard_table_t table;       /* connections per client address */
    conn_rec_t *conns;                 /* every open connection */
    size_t nconns;
    tc_http_guard_key_t last_refused;  /* the address of the latest per-address refusal */
    pthread_cond_t sweep_cond;         /* signalled to stop the sweeper */
    int sweep_stop;
    pthread_t sweeper;
    int sweeper_started;
    _Atomic unsigned long events[TC_HTTP_GUARD_EV_COUNT];  /* totals, for /metrics */
    _Atomic unsigned long pending[TC_HTTP_GUARD_EV_COUNT]; /* since the last log line */
    _Atomic int64_t logged_ms;               /* when the last summary was written; 0: never */
    pthread_mutex_t mhd_log_lock;            /* guards mhd_msgs */
    tc_http_guard_msg_t mhd_msgs[TC_HTTP_GUARD_MSGS];
    _Atomic(served_set_t *) current;   /* written by the engine, read by request threads */
    served_set_t *retired;             /* engine thread only */
    /* Reclamation of retired sets (http_server.c): request threads count themselves in
     * readers[epoch & 1] while they use a set. */
    _Atomic uint64_t epoch;
    _Atomic unsigned long readers[2];
    const _Atomic int64_t *heartbeat;  /* borrowed */
    int64_t started_mono;
    struct MHD_Response *not_found_json, *not_found_html, *method_not_allowed, *too_large,
        *options, *health_ok, *health_stale, *unavailable;
    _Atomic unsigned long requests[TC_ROUTE_COUNT][NCODES];
    /* The engine's part of /metrics. /metrics is not a hot path, so a mutex is simpler than
     * another grace-period scheme. */
    pthread_mutex_t metrics_lock;
    char *engine_metrics; /* owned; guarded by metrics_lock */
    size_t engine_metrics_len;
    int64_t engine_metrics_mono; /* when it was set; guarded by metrics_lock */
    char *health;         /* owned; guarded by metrics_lock; NULL: /healthz says "ok" */
    size_t health_len;
    /* Requests waiting for the engine (FIFO), guarded by queue_lock. */
    pthread_mutex_t queue_lock;
    int stopping;                      /* guarded by queue_lock: refuse new engine requests */
    struct MHD_Response *stopping_resp;
    tc_http_request_t *queue_head, *queue_tail;
    void (*wake)(void *arg);
    void *wake_arg;
    int console;                       /* TC_HTTP_CONSOLE_*: where /admin is served */
    int port;                          /* the port served; https redirects point here */
    /* HTTPS (http_tls.c). cert is what new handshakes get: written by the engine, read by
     * the certificate callback; NULL for plain HTTP. */
    _Atomic(tc_http_cert_t *) cert;
    tc_http_cert_t *retired_certs;     /* engine thread only; freed after a grace period */
    char hsts[40];                     /* "max-age=N" on every response, or "" */
    struct MHD_Daemon *redirect;       /* the plain-HTTP redirector (http_redirect.c), or NULL */
};

/* A cheap monotonic clock for deadlines (a few ms coarse, which they can afford); the
 * request path reads it twice per request. Inline, as set_phase(), because both sit on
 * that path and are called from more than one file. */
static inline int64_t coarse_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void set_phase(tc_http_t *h, conn_rec_t *rec, int phase)
{
    if (!rec)
        return;
    int64_t ms = phase == PHASE_HEADERS ? h->lim.header_ms
                 : phase == PHASE_BODY  ? h->lim.body_ms
                                        : 0;
    int64_t deadline = ms ? coarse_ms() + ms : 0;
    atomic_store_explicit(&rec->deadline, deadline << 2 | phase, memory_order_relaxed);
}

/* ---- http_server.c ---- */

/** The /metrics response: the server's figures and the engine's last text. */
enum MHD_Result tc_http__serve_metrics(tc_http_t *h, struct MHD_Connection *c);

/** Queue @p r with @p code on @p c and count it for /metrics under @p route. */
enum MHD_Result tc_http__reply(tc_http_t *h, struct MHD_Connection *c, tc_route_t route,
                               unsigned code, struct MHD_Response *r);

/* ---- http_request.c ---- */

/** A request thread's first call for an engine path: copy method, path, headers, query
 *  arguments and the client address (after a trusted proxy's header) into a new request.
 *  Owned by libmicrohttpd's per-request pointer; freed by tc_http__free_request(). */
tc_http_request_t *tc_http__new_request(tc_http_t *h, struct MHD_Connection *c,
                                        const char *url, const char *method);

void tc_http__free_request(tc_http_request_t *req);

/** The request-thread side of an engine request, on every call after the first: read the
 *  body, queue it for the engine (suspending the connection), then send the reply once the
 *  engine resumed the connection. */
enum MHD_Result tc_http__serve_engine_request(tc_http_t *h, struct MHD_Connection *c,
                                              tc_http_request_t *req, const char *upload_data,
                                              size_t *upload_data_size);

/** Open the listening socket for @p host:@p port (@p ipv6 set for an IPv6 address).
 *  @return the descriptor, or -1 with "cannot listen on ..." in @p err. */
int tc_http__listen(const char *host, int port, int *ipv6, char *err, size_t errlen);

/** Answer a GET or HEAD of @p url from the current snapshot, as any snapshot request is
 *  (a 404 when it is not there). */
enum MHD_Result tc_http__serve_snapshot(tc_http_t *h, struct MHD_Connection *c, const char *url,
                                        const char *method);

/* ---- http_tls.c ---- */

/** At start, before anything is built: serve HTTPS with @p cert (taken over; NULL: plain
 *  HTTP) and send Strict-Transport-Security max-age @p hsts_seconds with it (0: not). */
void tc_http__tls_init(tc_http_t *h, tc_http_cert_t *cert, long hsts_seconds);

/** The libmicrohttpd options of an HTTPS server (certificate callback, TLS 1.2+ priorities)
 *  for MHD_OPTION_ARRAY; just MHD_OPTION_END for plain HTTP. */
void tc_http__tls_options(const tc_http_t *h, struct MHD_OptionItem items[3]);

/** Add Strict-Transport-Security to @p r when @p h serves HTTPS with HSTS. Every response
 *  the server builds goes through this. */
void tc_http__hsts(const tc_http_t *h, struct MHD_Response *r);

/** Free replaced certificates past their grace period; all of them and the current one
 *  with @p all (at stop, after libmicrohttpd). */
void tc_http__certs_reap(tc_http_t *h, int all);

/* ---- http_redirect.c ---- */

/** Start the plain-HTTP redirector on @p host:@p port, pointing at @p h's port.
 *  @return 0, or TC_EIO with the reason in @p err. */
int tc_http__redirect_start(tc_http_t *h, const char *host, int port, int connection_limit,
                            int per_ip_limit, int timeout, char *err, size_t errlen);

/** Stop it (nothing when it was not started). */
void tc_http__redirect_stop(tc_http_t *h);

/* ---- http_conn.c ---- */

/** libmicrohttpd's accept policy (MHD_AcceptPolicyCallback; cls is the tc_http_t). */
enum MHD_Result tc_http__on_accept(void *cls, const struct sockaddr *sa, socklen_t salen);

/** MHD_OPTION_NOTIFY_CONNECTION: creates the connection's record and counts it on start,
 *  removes and frees it on close. */
void tc_http__on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                            enum MHD_ConnectionNotificationCode toe);

/** MHD_OPTION_EXTERNAL_LOGGER: counts "reached connection limit" into the summaries and
 *  writes other messages at most once per format per TC_HTTP_GUARD_LOG_EVERY_MS. */
void tc_http__mhd_log(void *cls, const char *fmt, va_list ap);

/** Start the thread that cuts off connections past their deadline. @return 0, or -1. */
int tc_http__sweeper_start(tc_http_t *h);

/** Stop and join it; nothing when it was not started. */
void tc_http__sweeper_stop(tc_http_t *h);

/** Write the summary of refused and cut connections if TC_HTTP_GUARD_LOG_EVERY_MS passed
 *  since the last one, or at once with @p force. Any thread. */
void tc_http__log_events(tc_http_t *h, int64_t now, int force);

#endif
