/* The connection guard's libmicrohttpd side. libmicrohttpd's own per-IP limit counts exact
 * addresses and its timeout is an idle timeout, so a client trickling a byte every few
 * seconds from many sockets can hold every connection slot. Here: the accept policy that
 * refuses a client over per_ip_limit, the connection records that count clients and carry
 * deadlines, the sweeper thread that cuts off connections past their deadline, and the log
 * (refusals summarized as one line per TC_HTTP_GUARD_LOG_EVERY_MS, libmicrohttpd's own
 * messages rate limited). The tables and parsers themselves are in http_guard.c. */
#include "web/http_server_int.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/alloc.h"
#include "core/log.h"
#include "core/err.h"

#define MODULE "http"
#define SWEEP_MS 500          /* how often deadlines are checked: cut-offs are this late at most */

/* So an attack costs one log line per period, not one per connection; the first event after
 * a quiet period is logged at once. */
void tc_http__log_events(tc_http_t *h, int64_t now, int force)
{
    int64_t last = atomic_load(&h->logged_ms);
    if (!force && last && now - last < TC_HTTP_GUARD_LOG_EVERY_MS)
        return;
    int any = 0;
    for (int e = 0; e < TC_HTTP_GUARD_EV_COUNT; e++)
        any |= atomic_load_explicit(&h->pending[e], memory_order_relaxed) != 0;
    if (!any || !atomic_compare_exchange_strong(&h->logged_ms, &last, now))
        return;
    unsigned long n[TC_HTTP_GUARD_EV_COUNT];
    for (int e = 0; e < TC_HTTP_GUARD_EV_COUNT; e++)
        n[e] = atomic_exchange(&h->pending[e], 0);
    char from[INET6_ADDRSTRLEN + 4] = "";
    if (n[TC_HTTP_GUARD_EV_PER_ADDR]) {
        pthread_mutex_lock(&h->conns_lock);
        tc_http_guard_key_t k = h->last_refused;
        pthread_mutex_unlock(&h->conns_lock);
        tc_http_guard_key_text(&k, from, sizeof from);
    }
    char msg[512];
    tc_http_guard_summary(n, &h->lim, from, msg, sizeof msg);
    if (last && now - last < 3600 * 1000)
        tc_log(TC_LOG_WARN, MODULE, "in the last %.0f s: %s", (double)(now - last) / 1000, msg);
    else
        tc_log(TC_LOG_WARN, MODULE, "%s (further ones are summarized every %d s)", msg,
               TC_HTTP_GUARD_LOG_EVERY_MS / 1000);
}

static void note_event(tc_http_t *h, int ev)
{
    atomic_fetch_add_explicit(&h->events[ev], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->pending[ev], 1, memory_order_relaxed);
    tc_http__log_events(h, coarse_ms(), 0);
}

/* Runs on a server thread for every accepted socket, before the connection exists. The
 * count is only read here and taken in tc_http__on_connection(), so a connection that
 * libmicrohttpd drops between the two cannot leak a count; two threads accepting from the
 * same address at once may overshoot the limit by one each. */
enum MHD_Result tc_http__on_accept(void *cls, const struct sockaddr *sa, socklen_t salen)
{
    tc_http_t *h = cls;
    (void)salen;
    tc_http_guard_key_t k;
    if (h->lim.per_ip_limit <= 0 || tc_http_guard_key(sa, &k) != 0 ||
        tc_http_guard_trusted(h->proxies, h->nproxies, sa))
        return MHD_YES;
    pthread_mutex_lock(&h->conns_lock);
    int over = tc_http_guard_count(&h->table, &k) >= (unsigned)h->lim.per_ip_limit;
    if (over)
        h->last_refused = k;
    pthread_mutex_unlock(&h->conns_lock);
    if (!over)
        return MHD_YES;
    note_event(h, TC_HTTP_GUARD_EV_PER_ADDR);
    return MHD_NO;
}

void tc_http__on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                            enum MHD_ConnectionNotificationCode toe)
{
    tc_http_t *h = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        conn_rec_t *rec = tc_calloc(1, sizeof *rec);
        rec->h = h;
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        rec->fd = ci ? ci->connect_fd : -1;
        ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const struct sockaddr *sa = ci ? ci->client_addr : NULL;
        int count = h->lim.per_ip_limit > 0 && sa && tc_http_guard_key(sa, &rec->key) == 0 &&
                    !tc_http_guard_trusted(h->proxies, h->nproxies, sa);
        set_phase(h, rec, PHASE_HEADERS);
        pthread_mutex_lock(&h->conns_lock);
        rec->counted = count && tc_http_guard_add(&h->table, &rec->key) == 0;
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
        tc_http_guard_del(&h->table, &rec->key);
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
        int ev = phase == PHASE_BODY ? TC_HTTP_GUARD_EV_BODY : TC_HTTP_GUARD_EV_HEADERS;
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
        tc_http__log_events(h, now, 0);
        pthread_mutex_lock(&h->conns_lock);
    }
    pthread_mutex_unlock(&h->conns_lock);
    return NULL;
}

int tc_http__sweeper_start(tc_http_t *h)
{
    if (pthread_create(&h->sweeper, NULL, sweeper_main, h) != 0)
        return TC_EIO;
    h->sweeper_started = 1;
    return 0;
}

void tc_http__sweeper_stop(tc_http_t *h)
{
    if (!h->sweeper_started)
        return;
    pthread_mutex_lock(&h->conns_lock);
    h->sweep_stop = 1;
    pthread_cond_signal(&h->sweep_cond);
    pthread_mutex_unlock(&h->conns_lock);
    pthread_join(h->sweeper, NULL);
}

void tc_http__mhd_log(void *cls, const char *fmt, va_list ap)
{
    tc_http_t *h = cls;
    /* libmicrohttpd logs this once per refused connection; it is counted and summarized
     * instead (tc_http__log_events). */
    if (strstr(fmt, "reached connection limit")) {
        note_event(h, TC_HTTP_GUARD_EV_LIMIT);
        return;
    }
    /* Others can also come once per connection (a client that hangs up mid-request, or one
     * the sweeper cut off), so each format is written at most once per period. */
    unsigned long skipped;
    int64_t now = coarse_ms(), since;
    pthread_mutex_lock(&h->mhd_log_lock);
    int admit = tc_http_guard_msg_admit(h->mhd_msgs, fmt, now, &skipped, &since);
    pthread_mutex_unlock(&h->mhd_log_lock);
    if (!admit)
        return;
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
