/* libmicrohttpd binding. Each published snapshot is turned once into prebuilt, refcounted
 * MHD_Response objects (one per document and content coding, plus the matching 304s); a
 * request is then a lookup, an Accept-Encoding and If-None-Match check, and a queue of a
 * prebuilt response. No allocation, no lock of ours, no rendering on that path.
 *
 * Reclamation: a request thread loads the current set with one atomic read and queues a
 * response from it within microseconds (MHD_queue_response takes its own reference). The
 * engine therefore keeps a retired set for a grace period before dropping its references;
 * after that, a response still being sent is freed by libmicrohttpd when its last connection
 * lets go, together with its buffer.
 *
 * Connection guard: libmicrohttpd's own per-IP limit counts exact addresses and its timeout
 * is an idle timeout, so a client trickling a byte every few seconds from many sockets can
 * hold every connection slot. We count connections per address (IPv6 by /64) in a small
 * table, refuse over the limit in the accept callback, and a sweeper thread closes
 * connections that miss their header or body deadline. Refusals are logged as one summary
 * line per LOG_EVERY_MS, not one line each. */
#include "web/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"

#define MODULE "http"
#define GRACE_MS 5000         /* how long a retired snapshot stays alive */
#define MAX_BODY (64 * 1024)  /* request bodies larger than this get 413 */
/* Per-connection pool: caps the request line and headers. libmicrohttpd zero-fills it on
 * every request, so 32 KiB cost 12% of throughput at 1,000 connections (bench/, BENCHMARKS.md);
 * 8 KiB matches nginx's large header buffer. */
#define CONN_MEMORY (8 * 1024)
#define HEALTH_STALE_MS 5000  /* an engine heartbeat older than this fails /healthz */

#define SWEEP_MS 500          /* how often deadlines are checked: cut-offs are this late at most */
#define LOG_EVERY_MS 10000    /* at most one line about refused or cut connections per this */
#define MAX_PROXIES 64        /* trusted proxy entries */
#define MHD_MSGS 16           /* libmicrohttpd message formats tracked for rate limiting */

/* /metrics counts every status code from 100 to 599 on its own; anything else (which
 * libmicrohttpd would refuse anyway) is "other", in the last column. */
#define CODE_MIN 100
#define CODE_MAX 599
#define NCODES (CODE_MAX - CODE_MIN + 2)

typedef struct served_doc {
    const tc_doc_t *doc;                          /* borrowed from the set's snapshot */
    struct MHD_Response *ok[TC_ENC_COUNT];        /* NULL when the coding is not offered */
    struct MHD_Response *not_modified[TC_ENC_COUNT];
} served_doc_t;

typedef struct served_set {
    tc_snapshot_t *snap;        /* owned; variant bytes were handed to the responses */
    served_doc_t *docs;         /* owned; same order as snap->docs */
    int64_t published_mono;     /* when it became current */
    int64_t retired_mono;       /* when it stopped being current */
    struct served_set *next;    /* retired list link */
} served_set_t;

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
    struct tc_http_request *next;/* queue link */
};

/* A client address as a table key: an IPv4 address (also when it arrives IPv4-mapped on an
 * IPv6 socket), or the /64 prefix of an IPv6 one. The two never collide: an IPv4 key has
 * bit 32 of lo set, an IPv6 key has lo 0. */
typedef struct addr_key {
    uint64_t hi, lo;
} addr_key_t;

/* One slot of the per-address table (open addressing, linear probing); count 0 = empty. */
typedef struct addr_slot {
    addr_key_t key;
    unsigned count;
} addr_slot_t;

/* A trusted proxy: an address and prefix length, IPv4 as AF_INET in addr[0..3]. */
typedef struct proxy_net {
    int family;
    int bits;
    uint8_t addr[16];
} proxy_net_t;

/* Where a connection is in its current request, for the sweeper's deadlines. */
enum {
    PHASE_HEADERS, /* waiting for a request line and headers (also keep-alive idle time) */
    PHASE_BODY,    /* headers in, body arriving */
    PHASE_ANSWER,  /* request whole: being answered; no deadline of ours */
    PHASE_CLOSING, /* cut off by the sweeper; libmicrohttpd is closing it */
};

/* Events counted for /metrics and summarized in the log. */
enum {
    EV_PER_ADDR, /* refused: over per_ip_limit */
    EV_LIMIT,    /* refused: over connection_limit */
    EV_HEADERS,  /* closed: missed the header deadline */
    EV_BODY,     /* closed: missed the body deadline */
    EV_COUNT,
};

/* A libmicrohttpd message format (its strings are static, so the pointer identifies it) and
 * when it was last written. */
typedef struct mhd_msg {
    const char *fmt;
    int64_t logged_ms;
    unsigned long skipped; /* suppressed since */
} mhd_msg_t;

/* Per-connection state (libmicrohttpd's socket context). Allocated when the connection
 * starts, freed when it closes; prev/next/key/counted are guarded by conns_lock, deadline is
 * written by request threads and read by the sweeper. */
typedef struct conn_rec {
    struct conn_rec *prev, *next;
    addr_key_t key;
    int counted; /* holds a count in the address table */
    int fd;
    /* (monotonic ms << 2) | phase; ms 0 means no deadline. One word, so the sweeper never
     * sees the deadline of one phase with the tag of another. */
    _Atomic int64_t deadline;
} conn_rec_t;

struct tc_http {
    struct MHD_Daemon *mhd;
    /* Connection guard. The limits and proxy list are set at start and then only read. */
    int per_ip_limit;
    int connection_limit;
    int64_t header_ms, body_ms;        /* 0: no deadline */
    proxy_net_t proxies[MAX_PROXIES];
    size_t nproxies;
    char *proxy_header;                /* owned; NULL when none */
    pthread_mutex_t conns_lock;        /* guards what follows, up to the sweeper fields */
    addr_slot_t *slots;                /* nslots entries, a power of two */
    size_t nslots;
    conn_rec_t *conns;                 /* every open connection */
    size_t nconns;
    addr_key_t last_refused;           /* the address of the latest per-address refusal */
    pthread_cond_t sweep_cond;         /* signalled to stop the sweeper */
    int sweep_stop;
    pthread_t sweeper;
    int sweeper_started;
    _Atomic unsigned long events[EV_COUNT];  /* totals, for /metrics */
    _Atomic unsigned long pending[EV_COUNT]; /* since the last log line */
    _Atomic int64_t logged_ms;               /* when the last summary was written; 0: never */
    pthread_mutex_t mhd_log_lock;            /* guards mhd_msgs */
    mhd_msg_t mhd_msgs[MHD_MSGS];
    _Atomic(served_set_t *) current;   /* written by the engine, read by request threads */
    served_set_t *retired;             /* engine thread only */
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
    /* Requests waiting for the engine (FIFO), guarded by queue_lock. */
    pthread_mutex_t queue_lock;
    int stopping;                      /* guarded by queue_lock: refuse new engine requests */
    struct MHD_Response *stopping_resp;
    tc_http_request_t *queue_head, *queue_tail;
    void (*wake)(void *arg);
    void *wake_arg;
};

void tc_http_set_metrics(tc_http_t *h, char *text, size_t len)
{
    pthread_mutex_lock(&h->metrics_lock);
    char *old = h->engine_metrics;
    h->engine_metrics = text;
    h->engine_metrics_len = len;
    pthread_mutex_unlock(&h->metrics_lock);
    free(old);
}

/* ---- connection guard ------------------------------------------------------------------ */

/* A cheap monotonic clock for deadlines (a few ms coarse, which they can afford); the
 * request path reads it twice per request. */
static int64_t coarse_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t load_be(const uint8_t *b, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | b[i];
    return v;
}

/* The bytes of an IPv4 address inside an IPv4-mapped IPv6 one (::ffff:a.b.c.d), or NULL. */
static const uint8_t *mapped_v4(const uint8_t *a6)
{
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a6, prefix, sizeof prefix) == 0 ? a6 + 12 : NULL;
}

/* @return 0 with the key of @p sa, or -1 for a family that is not counted (none today). */
static int addr_key(const struct sockaddr *sa, addr_key_t *k)
{
    const uint8_t *v4 = NULL;
    if (sa->sa_family == AF_INET) {
        v4 = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
    } else if (sa->sa_family == AF_INET6) {
        const uint8_t *a6 = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        v4 = mapped_v4(a6);
        if (!v4) {
            /* One IPv6 host usually holds a whole /64, so the /64 is the client. */
            k->hi = load_be(a6, 8);
            k->lo = 0;
            return 0;
        }
    } else {
        return -1;
    }
    k->hi = 0;
    k->lo = UINT64_C(1) << 32 | load_be(v4, 4);
    return 0;
}

static void key_text(const addr_key_t *k, char *out, size_t outlen)
{
    if (k->lo) {
        uint8_t b[4] = {(uint8_t)(k->lo >> 24), (uint8_t)(k->lo >> 16), (uint8_t)(k->lo >> 8),
                        (uint8_t)k->lo};
        inet_ntop(AF_INET, b, out, (socklen_t)outlen);
        return;
    }
    uint8_t b[16] = {0};
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(k->hi >> (56 - 8 * i));
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, b, text, sizeof text);
    snprintf(out, outlen, "%s/64", text);
}

static size_t key_hash(const addr_key_t *k)
{
    /* splitmix64's finalizer: neighbouring addresses land far apart. */
    uint64_t x = k->hi * UINT64_C(0x9e3779b97f4a7c15) ^ k->lo;
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return (size_t)x;
}

/* The slot holding @p k, or the empty slot where it would go; SIZE_MAX when the table is full
 * (it cannot be: it has twice as many slots as there can be connections). */
static size_t slot_of(const tc_http_t *h, const addr_key_t *k)
{
    size_t mask = h->nslots - 1, i = key_hash(k) & mask;
    for (size_t n = 0; n < h->nslots; n++, i = (i + 1) & mask) {
        const addr_slot_t *s = &h->slots[i];
        if (!s->count || (s->key.hi == k->hi && s->key.lo == k->lo))
            return i;
    }
    return SIZE_MAX;
}

static unsigned table_count(const tc_http_t *h, const addr_key_t *k)
{
    size_t i = slot_of(h, k);
    return i == SIZE_MAX ? 0 : h->slots[i].count;
}

/* @return 0, or -1 when there was no room (the connection is then simply not counted). */
static int table_add(tc_http_t *h, const addr_key_t *k)
{
    size_t i = slot_of(h, k);
    if (i == SIZE_MAX)
        return -1;
    h->slots[i].key = *k;
    h->slots[i].count++;
    return 0;
}

static void table_del(tc_http_t *h, const addr_key_t *k)
{
    size_t i = slot_of(h, k);
    if (i == SIZE_MAX || !h->slots[i].count || --h->slots[i].count)
        return;
    /* Backward-shift deletion: pull later entries of the probe run into the hole, so every
     * key stays reachable from its home slot without tombstones. An entry may move back
     * only if its home slot is not between the hole and itself. */
    size_t mask = h->nslots - 1, hole = i, j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!h->slots[j].count)
            break;
        size_t home = key_hash(&h->slots[j].key) & mask;
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            h->slots[hole] = h->slots[j];
            h->slots[j].count = 0;
            hole = j;
        }
    }
}

/* "10.0.0.0/8", "10.1.2.3", "fd00::/8", "::1". @return 0, or -1 when malformed. */
static int parse_proxy_net(const char *text, proxy_net_t *n)
{
    char addr[INET6_ADDRSTRLEN + 8];
    const char *slash = strchr(text, '/');
    size_t len = slash ? (size_t)(slash - text) : strlen(text);
    if (len == 0 || len >= sizeof addr)
        return -1;
    memcpy(addr, text, len);
    addr[len] = '\0';
    memset(n, 0, sizeof *n);
    if (inet_pton(AF_INET, addr, n->addr) == 1) {
        n->family = AF_INET;
        n->bits = 32;
    } else if (inet_pton(AF_INET6, addr, n->addr) == 1) {
        n->family = AF_INET6;
        n->bits = 128;
    } else {
        return -1;
    }
    if (slash) {
        char *end = NULL;
        long bits = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || bits < 0 || bits > n->bits)
            return -1;
        n->bits = (int)bits;
    }
    return 0;
}

static int prefix_matches(const uint8_t *a, const uint8_t *b, int bits)
{
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, (size_t)whole) != 0)
        return 0;
    if (!rest)
        return 1;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

static int is_trusted_proxy(const tc_http_t *h, const struct sockaddr *sa)
{
    const uint8_t *v4 = NULL, *v6 = NULL;
    if (sa->sa_family == AF_INET) {
        v4 = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
    } else if (sa->sa_family == AF_INET6) {
        v6 = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        v4 = mapped_v4(v6);
    }
    for (size_t i = 0; i < h->nproxies; i++) {
        const proxy_net_t *n = &h->proxies[i];
        if (n->family == AF_INET && v4 && prefix_matches(v4, n->addr, n->bits))
            return 1;
        if (n->family == AF_INET6 && v6 && prefix_matches(v6, n->addr, n->bits))
            return 1;
    }
    return 0;
}

/* The last entry of an X-Forwarded-For style list, if it is a bare IPv4 or IPv6 address:
 * that is the one our trusted proxy appended; earlier ones were sent by the client and
 * prove nothing. @return 0 with the address in @p out, or -1. */
static int last_forwarded(const char *value, char *out, size_t outlen)
{
    const char *start = strrchr(value, ',');
    start = start ? start + 1 : value;
    while (*start == ' ' || *start == '\t')
        start++;
    size_t len = strlen(start);
    while (len && (start[len - 1] == ' ' || start[len - 1] == '\t'))
        len--;
    char addr[INET6_ADDRSTRLEN];
    uint8_t bin[16];
    if (len == 0 || len >= sizeof addr || len >= outlen)
        return -1;
    memcpy(addr, start, len);
    addr[len] = '\0';
    if (inet_pton(AF_INET, addr, bin) != 1 && inet_pton(AF_INET6, addr, bin) != 1)
        return -1;
    memcpy(out, addr, len + 1);
    return 0;
}

/* Write one summary of refused and cut connections if LOG_EVERY_MS passed since the last
 * (or @p force), so an attack costs one log line per period, not one per connection. The
 * first event after a quiet period is logged at once. Any thread. */
static void log_events(tc_http_t *h, int64_t now, int force)
{
    int64_t last = atomic_load(&h->logged_ms);
    if (!force && last && now - last < LOG_EVERY_MS)
        return;
    int any = 0;
    for (int e = 0; e < EV_COUNT; e++)
        any |= atomic_load_explicit(&h->pending[e], memory_order_relaxed) != 0;
    if (!any || !atomic_compare_exchange_strong(&h->logged_ms, &last, now))
        return;
    unsigned long n[EV_COUNT];
    for (int e = 0; e < EV_COUNT; e++)
        n[e] = atomic_exchange(&h->pending[e], 0);
    char from[INET6_ADDRSTRLEN + 4] = "";
    if (n[EV_PER_ADDR]) {
        pthread_mutex_lock(&h->conns_lock);
        addr_key_t k = h->last_refused;
        pthread_mutex_unlock(&h->conns_lock);
        key_text(&k, from, sizeof from);
    }
    char msg[512];
    size_t len = 0;
    msg[0] = '\0';
#define APPEND(...)                                                                         \
    do {                                                                                    \
        int w = snprintf(msg + len, sizeof msg - len, "%s", len ? "; " : "");               \
        if (w > 0 && (size_t)w < sizeof msg - len)                                          \
            len += (size_t)w;                                                               \
        w = snprintf(msg + len, sizeof msg - len, __VA_ARGS__);                             \
        if (w > 0)                                                                          \
            len = (size_t)w < sizeof msg - len ? len + (size_t)w : sizeof msg - 1;          \
    } while (0)
    if (n[EV_PER_ADDR])
        APPEND("refused %lu connection(s) over per_ip_limit %d (latest from %s)",
               n[EV_PER_ADDR], h->per_ip_limit, from);
    if (n[EV_LIMIT])
        APPEND("refused %lu connection(s) over connection_limit %d", n[EV_LIMIT],
               h->connection_limit);
    if (n[EV_HEADERS])
        APPEND("closed %lu connection(s) that did not send a request's headers within "
               "header_timeout %llds",
               n[EV_HEADERS], (long long)(h->header_ms / 1000));
    if (n[EV_BODY])
        APPEND("closed %lu connection(s) that did not send a request body within "
               "body_timeout %llds",
               n[EV_BODY], (long long)(h->body_ms / 1000));
#undef APPEND
    if (last && now - last < 3600 * 1000)
        tc_log(TC_LOG_WARN, MODULE, "in the last %.0f s: %s", (double)(now - last) / 1000, msg);
    else
        tc_log(TC_LOG_WARN, MODULE, "%s (further ones are summarized every %d s)", msg,
               LOG_EVERY_MS / 1000);
}

static void note_event(tc_http_t *h, int ev)
{
    atomic_fetch_add_explicit(&h->events[ev], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->pending[ev], 1, memory_order_relaxed);
    log_events(h, coarse_ms(), 0);
}

static void set_phase(tc_http_t *h, conn_rec_t *rec, int phase)
{
    if (!rec)
        return;
    int64_t ms = phase == PHASE_HEADERS ? h->header_ms : phase == PHASE_BODY ? h->body_ms : 0;
    int64_t deadline = ms ? coarse_ms() + ms : 0;
    atomic_store_explicit(&rec->deadline, deadline << 2 | phase, memory_order_relaxed);
}

static conn_rec_t *conn_rec(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* libmicrohttpd's accept policy: runs on a server thread for every accepted socket, before
 * the connection exists. The count is only read here and taken in on_connection(), so a
 * connection that libmicrohttpd drops between the two cannot leak a count; two threads
 * accepting from the same address at once may overshoot the limit by one each. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *sa, socklen_t salen)
{
    tc_http_t *h = cls;
    (void)salen;
    addr_key_t k;
    if (h->per_ip_limit <= 0 || addr_key(sa, &k) != 0 || is_trusted_proxy(h, sa))
        return MHD_YES;
    pthread_mutex_lock(&h->conns_lock);
    int over = table_count(h, &k) >= (unsigned)h->per_ip_limit;
    if (over)
        h->last_refused = k;
    pthread_mutex_unlock(&h->conns_lock);
    if (!over)
        return MHD_YES;
    note_event(h, EV_PER_ADDR);
    return MHD_NO;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    tc_http_t *h = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        conn_rec_t *rec = tc_calloc(1, sizeof *rec);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        rec->fd = ci ? ci->connect_fd : -1;
        ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const struct sockaddr *sa = ci ? ci->client_addr : NULL;
        int count = h->per_ip_limit > 0 && sa && addr_key(sa, &rec->key) == 0 &&
                    !is_trusted_proxy(h, sa);
        set_phase(h, rec, PHASE_HEADERS);
        pthread_mutex_lock(&h->conns_lock);
        rec->counted = count && table_add(h, &rec->key) == 0;
        rec->next = h->conns;
        if (h->conns)
            h->conns->prev = rec;
        h->conns = rec;
        h->nconns++;
        pthread_mutex_unlock(&h->conns_lock);
        *socket_context = rec;
        return;
    }
    conn_rec_t *rec = *socket_context;
    if (!rec)
        return;
    /* libmicrohttpd calls this before it closes the descriptor, so the sweeper, which
     * shuts descriptors down under the same lock, never touches a closed or reused one. */
    pthread_mutex_lock(&h->conns_lock);
    if (rec->counted)
        table_del(h, &rec->key);
    if (rec->prev)
        rec->prev->next = rec->next;
    else
        h->conns = rec->next;
    if (rec->next)
        rec->next->prev = rec->prev;
    h->nconns--;
    pthread_mutex_unlock(&h->conns_lock);
    free(rec);
    *socket_context = NULL;
}

/* One pass over the open connections: shut down those past their deadline. shutdown() wakes
 * libmicrohttpd's epoll with a hang-up, and it closes the connection on its own thread. */
static void sweep(tc_http_t *h, int64_t now)
{
    pthread_mutex_lock(&h->conns_lock);
    for (conn_rec_t *rec = h->conns; rec; rec = rec->next) {
        int64_t v = atomic_load_explicit(&rec->deadline, memory_order_relaxed);
        int phase = (int)(v & 3);
        int64_t deadline = v >> 2;
        if (!deadline || now < deadline || phase == PHASE_CLOSING || rec->fd < 0)
            continue;
        atomic_store_explicit(&rec->deadline, PHASE_CLOSING, memory_order_relaxed);
        shutdown(rec->fd, SHUT_RDWR);
        int ev = phase == PHASE_BODY ? EV_BODY : EV_HEADERS;
        atomic_fetch_add_explicit(&h->events[ev], 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&h->pending[ev], 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&h->conns_lock);
}

static void *sweeper_main(void *arg)
{
    tc_http_t *h = arg;
    pthread_mutex_lock(&h->conns_lock);
    while (!h->sweep_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += SWEEP_MS * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&h->sweep_cond, &h->conns_lock, &ts);
        if (h->sweep_stop)
            break;
        pthread_mutex_unlock(&h->conns_lock);
        int64_t now = coarse_ms();
        sweep(h, now);
        log_events(h, now, 0);
        pthread_mutex_lock(&h->conns_lock);
    }
    pthread_mutex_unlock(&h->conns_lock);
    return NULL;
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

static void add_doc_headers(struct MHD_Response *r, const tc_doc_t *d, const char *etag)
{
    MHD_add_response_header(r, "ETag", etag);
    MHD_add_response_header(r, "Cache-Control", d->cache_control);
    MHD_add_response_header(r, "Vary", "Accept-Encoding");
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
}

static void build_doc(served_doc_t *sd, tc_doc_t *d)
{
    static const char *const coding[TC_ENC_COUNT] = {NULL, "gzip", "br"};
    sd->doc = d;
    for (int e = 0; e < TC_ENC_COUNT; e++) {
        tc_variant_t *v = &d->var[e];
        if (!v->data)
            continue;
        /* The response takes the bytes and frees them when its last reference goes. */
        struct MHD_Response *r =
            MHD_create_response_from_buffer_with_free_callback(v->len, v->data, free);
        v->data = NULL;
        MHD_add_response_header(r, "Content-Type", d->content_type);
        if (coding[e])
            MHD_add_response_header(r, "Content-Encoding", coding[e]);
        add_doc_headers(r, d, v->etag);
        /* Every HTML page (/, /history..., /incidents/...) gets the same strict policy. */
        if (strncmp(d->content_type, "text/html", 9) == 0) {
            MHD_add_response_header(r, "Content-Security-Policy",
                                    "default-src 'none'; style-src 'unsafe-inline'; "
                                    "img-src 'self' data:; form-action 'self'; "
                                    "base-uri 'none'; frame-ancestors 'none'");
            MHD_add_response_header(r, "Referrer-Policy", "strict-origin-when-cross-origin");
        }
        sd->ok[e] = r;
        /* libmicrohttpd 0.9.75 adds "Content-Length: 0" to a 304 whatever we set (setting
         * our own gives two headers); browsers and common caches ignore the length of a
         * 304, so it is documented in README.md rather than worked around. */
        struct MHD_Response *nm =
            MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        add_doc_headers(nm, d, v->etag);
        sd->not_modified[e] = nm;
    }
}

static void free_set(served_set_t *set)
{
    for (size_t i = 0; i < set->snap->ndocs; i++) {
        for (int e = 0; e < TC_ENC_COUNT; e++) {
            if (set->docs[i].ok[e])
                MHD_destroy_response(set->docs[i].ok[e]);
            if (set->docs[i].not_modified[e])
                MHD_destroy_response(set->docs[i].not_modified[e]);
        }
    }
    free(set->docs);
    tc_snapshot_free(set->snap);
    free(set);
}

void tc_http_publish(tc_http_t *h, tc_snapshot_t *snap)
{
    served_set_t *set = tc_calloc(1, sizeof *set);
    set->snap = snap;
    set->docs = tc_calloc(snap->ndocs, sizeof *set->docs);
    for (size_t i = 0; i < snap->ndocs; i++)
        build_doc(&set->docs[i], &snap->docs[i]);
    set->published_mono = tc_clock_mono_ms();
    served_set_t *old = atomic_exchange(&h->current, set);
    if (old) {
        old->retired_mono = set->published_mono;
        old->next = h->retired;
        h->retired = old;
    }
}

void tc_http_reap(tc_http_t *h)
{
    int64_t now = tc_clock_mono_ms();
    served_set_t **link = &h->retired;
    while (*link) {
        served_set_t *set = *link;
        if (now - set->retired_mono >= GRACE_MS) {
            *link = set->next;
            free_set(set);
        } else {
            link = &set->next;
        }
    }
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

static enum MHD_Result reply(tc_http_t *h, struct MHD_Connection *c, tc_route_t route,
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
    unsigned long ev[EV_COUNT];
    for (int e = 0; e < EV_COUNT; e++)
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
                  open_conns, ev[EV_PER_ADDR], ev[EV_LIMIT], ev[EV_HEADERS], ev[EV_BODY]);
    served_set_t *set = atomic_load(&h->current);
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

static enum MHD_Result serve_metrics(tc_http_t *h, struct MHD_Connection *c)
{
    tc_buf_t b;
    tc_buf_init(&b, 0);
    metrics_text(h, &b);
    size_t len;
    char *text = tc_buf_steal(&b, &len);
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(len, text, free);
    MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result ret = reply(h, c, TC_ROUTE_METRICS, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* Statuspage clients append ".json" themselves, but a path without it is served too. */
static const served_doc_t *find_doc(served_set_t *set, const char *url)
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
    return d ? &set->docs[d - set->snap->docs] : NULL;
}

/* Requests under these prefixes are answered by the engine, not from the snapshot. */
static int is_engine_path(const char *url)
{
    return strncmp(url, "/api/push/", 10) == 0 || strncmp(url, "/v1/", 4) == 0 ||
           strcmp(url, "/api/v2/subscribers") == 0 ||
           strcmp(url, "/api/v2/subscribers.json") == 0 ||
           strncmp(url, "/subscribers/", 13) == 0;
}

static enum MHD_Result collect_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    tc_http_request_t *req = cls;
    const char *tag = kind == MHD_HEADER_KIND ? "H" : "A";
    tc_buf_append(&req->fields, tag, 2);
    tc_buf_append(&req->fields, key, strlen(key) + 1);
    tc_buf_append(&req->fields, value ? value : "", strlen(value ? value : "") + 1);
    return MHD_YES;
}

static tc_http_request_t *new_request(tc_http_t *h, struct MHD_Connection *c, const char *url,
                                      const char *method)
{
    tc_http_request_t *req = tc_calloc(1, sizeof *req);
    req->h = h;
    req->conn = c;
    snprintf(req->method, sizeof req->method, "%s", method);
    req->path = tc_strdup(url);
    tc_buf_init(&req->fields, 16 * 1024);
    tc_buf_init(&req->body, MAX_BODY);
    MHD_get_connection_values(c, MHD_HEADER_KIND | MHD_GET_ARGUMENT_KIND, collect_field, req);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, req->client,
                      sizeof req->client);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, req->client,
                      sizeof req->client);
        /* Behind a trusted proxy the peer is the proxy; the client is the last entry of the
         * proxy header (of its last occurrence). A missing or malformed header leaves the
         * peer address, so rate limits then apply to the proxy as a whole. */
        if (h->proxy_header && is_trusted_proxy(h, sa)) {
            const char *fwd = NULL, *v = NULL;
            for (const char *p = req->fields.data, *end = p ? p + req->fields.len : NULL;
                 p && p < end; p = v + strlen(v) + 1) {
                const char *key = p + 2;
                v = key + strlen(key) + 1;
                if (p[0] == 'H' && strcasecmp(key, h->proxy_header) == 0)
                    fwd = v;
            }
            if (fwd)
                last_forwarded(fwd, req->client, sizeof req->client);
        }
    }
    return req;
}

static void free_request(tc_http_request_t *req)
{
    free(req->path);
    tc_buf_free(&req->fields);
    tc_buf_free(&req->body);
    free(req->reply);
    free(req);
}

/* @return 0 when queued for the engine, -1 when the server is stopping (nothing queued). */
static int enqueue(tc_http_t *h, tc_http_request_t *req)
{
    pthread_mutex_lock(&h->queue_lock);
    /* Once stopping, nothing new may be suspended: libmicrohttpd must not be stopped with a
     * suspended connection, and the engine is about to stop answering. */
    if (h->stopping) {
        pthread_mutex_unlock(&h->queue_lock);
        return -1;
    }
    req->state = REQ_QUEUED;
    /* Suspend before the engine can see it, so a fast reply always finds it suspended. */
    MHD_suspend_connection(req->conn);
    if (h->queue_tail)
        h->queue_tail->next = req;
    else
        h->queue_head = req;
    h->queue_tail = req;
    pthread_mutex_unlock(&h->queue_lock);
    h->wake(h->wake_arg);
    return 0;
}

tc_http_request_t *tc_http_take(tc_http_t *h)
{
    pthread_mutex_lock(&h->queue_lock);
    tc_http_request_t *req = h->queue_head;
    if (req) {
        h->queue_head = req->next;
        if (!h->queue_head)
            h->queue_tail = NULL;
        req->next = NULL;
    }
    pthread_mutex_unlock(&h->queue_lock);
    return req;
}

void tc_http_reply_html(tc_http_request_t *req, unsigned status, const char *html)
{
    req->html = 1;
    tc_http_reply(req, status, html);
}

void tc_http_reply(tc_http_request_t *req, unsigned status, const char *json)
{
    /* A caller that lost its reply must not take the server down with it. */
    if (!json) {
        tc_log(TC_LOG_ERROR, MODULE, "a %u reply had no body; answered 500", status);
        status = 500;
        json = "{\"error\":\"internal error\"}";
    }
    req->status = status;
    req->reply = tc_strdup(json);
    req->state = REQ_ANSWERED;
    MHD_resume_connection(req->conn);
}

static const char *field(const tc_http_request_t *req, const char *tag, const char *name)
{
    const char *p = req->fields.data;
    const char *end = p ? p + req->fields.len : NULL;
    while (p && p < end) {
        const char *key = p + 2;
        const char *value = key + strlen(key) + 1;
        if (p[0] == tag[0] && strcasecmp(key, name) == 0)
            return value;
        p = value + strlen(value) + 1;
    }
    return NULL;
}

const char *tc_http_method(const tc_http_request_t *req)
{
    return req->method;
}

const char *tc_http_path(const tc_http_request_t *req)
{
    return req->path;
}

const char *tc_http_arg(const tc_http_request_t *req, const char *name)
{
    return field(req, "A", name);
}

const char *tc_http_header(const tc_http_request_t *req, const char *name)
{
    return field(req, "H", name);
}

const char *tc_http_body(const tc_http_request_t *req, size_t *len)
{
    if (len)
        *len = req->body.len;
    return req->body.data ? req->body.data : "";
}

const char *tc_http_client(const tc_http_request_t *req)
{
    return req->client;
}

/* The request-thread side of an engine request: read the body, queue, then send the reply
 * once the engine resumed the connection. */
static enum MHD_Result serve_engine_request(tc_http_t *h, struct MHD_Connection *c,
                                            tc_http_request_t *req, const char *upload_data,
                                            size_t *upload_data_size)
{
    if (req->state == REQ_READING && *upload_data_size) {
        if (tc_buf_append(&req->body, upload_data, *upload_data_size) != 0)
            req->too_big = 1;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->state == REQ_READING) {
        if (req->too_big)
            return reply(h, c, TC_ROUTE_OTHER, 413, h->too_large);
        if (enqueue(h, req) != 0)
            return reply(h, c, TC_ROUTE_ENGINE, 503, h->stopping_resp);
        return MHD_YES;
    }
    if (req->state != REQ_ANSWERED)
        return MHD_YES;
    size_t len = strlen(req->reply);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, req->reply, MHD_RESPMEM_MUST_COPY);
    if (req->html) {
        /* The same policy as the snapshot's pages (build_doc). */
        MHD_add_response_header(r, "Content-Type", "text/html; charset=utf-8");
        MHD_add_response_header(r, "Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'; "
                                "img-src 'self' data:; form-action 'self'; "
                                "base-uri 'none'; frame-ancestors 'none'");
        MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    } else {
        MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
        MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    }
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ret = reply(h, c, TC_ROUTE_ENGINE, req->status, r);
    MHD_destroy_response(r);
    return ret;
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
        free_request((tc_http_request_t *)*con_cls);
    *con_cls = NULL;
}

static int is_api_path(const char *url)
{
    return strncmp(url, "/api/", 5) == 0 || strncmp(url, "/v1/", 4) == 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    tc_http_t *h = cls;
    (void)version;
    (void)upload_data;
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
            return reply(h, c, TC_ROUTE_OTHER, 413, h->too_large);
        }
        if (is_engine_path(url))
            *con_cls = new_request(h, c, url, method);
        else
            *con_cls = (void *)(uintptr_t)1;
        return MHD_YES;
    }
    /* A call without body bytes after the first one means the request is whole: no deadline
     * of ours while it is answered (an engine request may wait for the engine). */
    if (!*upload_data_size)
        set_phase(h, conn_rec(c), PHASE_ANSWER);
    if (!((uintptr_t)*con_cls & 1))
        return serve_engine_request(h, c, *con_cls, upload_data, upload_data_size);
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
        return reply(h, c, TC_ROUTE_OTHER, 413, h->too_large);

    int is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    served_set_t *set = atomic_load_explicit(&h->current, memory_order_acquire);
    const served_doc_t *sd = find_doc(set, url);
    tc_route_t route = sd ? sd->doc->route : TC_ROUTE_OTHER;
    int known = sd || strcmp(url, "/healthz") == 0 || strcmp(url, "/metrics") == 0;

    if (!is_get) {
        if (strcmp(method, "OPTIONS") == 0 && known)
            return reply(h, c, route, 204, h->options);
        if (known)
            return reply(h, c, route, 405, h->method_not_allowed);
        return reply(h, c, TC_ROUTE_OTHER, 404,
                     is_api_path(url) ? h->not_found_json : h->not_found_html);
    }
    if (sd) {
        tc_encoding_t e = choose_encoding(c, sd);
        const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
        if (inm && etag_matches(inm, sd->doc->var[e].etag))
            return reply(h, c, route, 304, sd->not_modified[e]);
        return reply(h, c, route, 200, sd->ok[e]);
    }
    if (strcmp(url, "/healthz") == 0) {
        int64_t beat = atomic_load(h->heartbeat);
        int alive = tc_clock_mono_ms() - beat < HEALTH_STALE_MS;
        return reply(h, c, TC_ROUTE_HEALTHZ, alive ? 200 : 503,
                     alive ? h->health_ok : h->health_stale);
    }
    if (strcmp(url, "/metrics") == 0)
        return serve_metrics(h, c);
    if (!set)
        return reply(h, c, TC_ROUTE_OTHER, 503, h->unavailable);
    return reply(h, c, TC_ROUTE_OTHER, 404,
                 is_api_path(url) ? h->not_found_json : h->not_found_html);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    tc_http_t *h = cls;
    /* libmicrohttpd logs this once per refused connection; it is counted and summarized
     * instead (log_events). */
    if (strstr(fmt, "reached connection limit")) {
        note_event(h, EV_LIMIT);
        return;
    }
    /* Others can also come once per connection (a client that hangs up mid-request, or one
     * the sweeper cut off), so each format is written at most once per LOG_EVERY_MS. */
    unsigned long skipped = 0;
    int64_t now = coarse_ms(), since = 0;
    pthread_mutex_lock(&h->mhd_log_lock);
    mhd_msg_t *m = NULL;
    for (size_t i = 0; i < MHD_MSGS && !m; i++)
        if (h->mhd_msgs[i].fmt == fmt || !h->mhd_msgs[i].fmt)
            m = &h->mhd_msgs[i];
    if (!m) { /* table full: reuse the slot written longest ago */
        m = &h->mhd_msgs[0];
        for (size_t i = 1; i < MHD_MSGS; i++)
            if (h->mhd_msgs[i].logged_ms < m->logged_ms)
                m = &h->mhd_msgs[i];
        m->fmt = NULL;
    }
    if (m->fmt == fmt && now - m->logged_ms < LOG_EVERY_MS) {
        m->skipped++;
        pthread_mutex_unlock(&h->mhd_log_lock);
        return;
    }
    if (m->fmt == fmt) {
        skipped = m->skipped;
        since = now - m->logged_ms;
    }
    m->fmt = fmt;
    m->logged_ms = now;
    m->skipped = 0;
    pthread_mutex_unlock(&h->mhd_log_lock);
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t len = strlen(msg);
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
        msg[--len] = '\0';
    if (skipped)
        tc_log(TC_LOG_WARN, MODULE, "%s (and %lu more like it in the last %.0f s)", msg, skipped,
               (double)since / 1000);
    else
        tc_log(TC_LOG_WARN, MODULE, "%s", msg);
}

static void create_static(tc_http_t *h)
{
    static const char json[] = "application/json; charset=utf-8";
    h->not_found_json = static_response("{\"error\":\"not found\"}", json);
    h->not_found_html = static_response(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found"
        "</title></head><body><h1>Not found</h1><p><a href=\"/\">Current status</a></p>"
        "</body></html>\n",
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
}

static void destroy_static(tc_http_t *h)
{
    struct MHD_Response *all[] = {h->not_found_json, h->not_found_html, h->method_not_allowed,
                                  h->too_large,      h->options,        h->health_ok,
                                  h->health_stale,   h->unavailable,      h->stopping_resp};
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

static size_t pow2_at_least(size_t n)
{
    size_t p = 64;
    while (p < n)
        p <<= 1;
    return p;
}

int tc_http_start(const tc_http_opts_t *opts, tc_snapshot_t *first, tc_http_t **out, char *err,
                  size_t errlen)
{
    *out = NULL;
    struct addrinfo hints = {0}, *ai = NULL;
    int fd = -1, rc = TC_EIO;
    tc_http_t *h = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    char port[8];
    snprintf(port, sizeof port, "%d", opts->port);
    int gai = getaddrinfo(opts->host, port, &hints, &ai);
    if (gai != 0) {
        snprintf(err, errlen, "cannot resolve listen address %s: %s", opts->host,
                 gai_strerror(gai));
        ai = NULL;
        goto fail;
    }
    h = tc_calloc(1, sizeof *h);
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
    h->wake_arg = opts->wake_arg;
    h->per_ip_limit = opts->per_ip_limit;
    h->connection_limit = opts->connection_limit;
    h->header_ms = (int64_t)opts->header_timeout * 1000;
    h->body_ms = (int64_t)opts->body_timeout * 1000;
    /* Twice as many slots as connections keeps probe runs short. */
    h->nslots = pow2_at_least(2 * (size_t)(opts->connection_limit > 0 ? opts->connection_limit
                                                                       : 1));
    h->slots = tc_calloc(h->nslots, sizeof *h->slots);
    for (const char *const *p = opts->trusted_proxies; p && *p; p++) {
        if (h->nproxies == MAX_PROXIES || parse_proxy_net(*p, &h->proxies[h->nproxies]) != 0) {
            char shown[61];
            snprintf(err, errlen, "trusted proxy \"%s\": %s", tc_utf8_excerpt(shown, sizeof shown, *p),
                     h->nproxies == MAX_PROXIES ? "too many (at most 64)"
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

    fd = open_listener(ai, opts->host, opts->port, err, errlen);
    if (fd < 0)
        goto fail;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = opts->threads > 0 ? (unsigned)opts->threads : cores > 0 ? (unsigned)cores
                                                                                : 1;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* Our accept policy replaces MHD_OPTION_PER_IP_CONNECTION_LIMIT (exact addresses only,
     * and no exemption for proxies). */
    h->mhd = MHD_start_daemon(
        flags, (uint16_t)opts->port, on_accept, h, on_request, h, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_log, h, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_NOTIFY_CONNECTION,
        on_connection, h, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)opts->connection_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)opts->connection_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY, MHD_OPTION_END);
    if (!h->mhd) {
        snprintf(err, errlen, "cannot start the HTTP server on %s:%d (see the log above)",
                 opts->host, opts->port);
        goto fail;
    }
    fd = -1; /* libmicrohttpd's now; it closes it when stopped */
    if (pthread_create(&h->sweeper, NULL, sweeper_main, h) != 0) {
        snprintf(err, errlen, "cannot start the connection sweeper thread");
        goto fail;
    }
    h->sweeper_started = 1;
    freeaddrinfo(ai);
    *out = h;
    return 0;

fail:
    if (ai)
        freeaddrinfo(ai);
    if (fd >= 0)
        close(fd);
    if (h) {
        if (h->mhd)
            MHD_stop_daemon(h->mhd);
        served_set_t *cur = atomic_exchange(&h->current, NULL);
        if (cur)
            free_set(cur);
        destroy_static(h);
        pthread_mutex_destroy(&h->metrics_lock);
        pthread_mutex_destroy(&h->queue_lock);
        pthread_mutex_destroy(&h->conns_lock);
    pthread_mutex_destroy(&h->mhd_log_lock);
        pthread_cond_destroy(&h->sweep_cond);
        free(h->slots);
        free(h->proxy_header);
        free(h);
    }
    tc_snapshot_free(first);
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
    if (h->sweeper_started) {
        pthread_mutex_lock(&h->conns_lock);
        h->sweep_stop = 1;
        pthread_cond_signal(&h->sweep_cond);
        pthread_mutex_unlock(&h->conns_lock);
        pthread_join(h->sweeper, NULL);
    }
    MHD_stop_daemon(h->mhd);
    log_events(h, coarse_ms(), 1);
    served_set_t *cur = atomic_exchange(&h->current, NULL);
    if (cur)
        free_set(cur);
    while (h->retired) {
        served_set_t *next = h->retired->next;
        free_set(h->retired);
        h->retired = next;
    }
    destroy_static(h);
    free(h->engine_metrics);
    pthread_mutex_destroy(&h->metrics_lock);
    pthread_mutex_destroy(&h->queue_lock);
    pthread_mutex_destroy(&h->conns_lock);
    pthread_mutex_destroy(&h->mhd_log_lock);
    pthread_cond_destroy(&h->sweep_cond);
    free(h->slots);
    free(h->proxy_header);
    free(h);
}
