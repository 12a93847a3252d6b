/* The binding of libcurl's multi-socket API to libuv. curl tells us which sockets to watch
 * (socket callback) and when to wake it (timer callback); libuv tells curl when a socket is
 * ready. After every curl_multi_socket_action() we drain curl_multi_info_read() and finish
 * completed transfers; a CURLMsg is never touched after curl_multi_remove_handle(). */
#include "core/curl_glue.h"

#include <stdlib.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/log.h"

#define MODULE "curl"

struct tc_curl {
    uv_loop_t *loop;   /* borrowed */
    CURLM *multi;      /* owned */
    uv_timer_t timer;  /* curl's single timeout */
    int running;       /* transfers added and not yet finished or cancelled */
    int closing;
    void (*closed)(void *arg); /* called once the timer is closed, or NULL */
    void *closed_arg;
};

/* What we attach to each easy handle through CURLOPT_PRIVATE. */
typedef struct transfer {
    tc_curl_done_fn done; /* NULL once a connect-only transfer has reported */
    void *arg;
    int connect_only;     /* report without removing the handle (tc_curl_add_connect_only) */
} transfer_t;

/* One per socket curl asks us to watch; freed in the uv_close callback. */
typedef struct sock_ctx {
    uv_poll_t poll;
    curl_socket_t fd;
    tc_curl_t *g;
} sock_ctx_t;

static void drain(tc_curl_t *g)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(g->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        /* Copy what we need before remove_handle invalidates msg. */
        CURL *easy = msg->easy_handle;
        CURLcode result = msg->data.result;
        transfer_t *t = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
        if (t && t->connect_only) {
            /* The handle must stay in the multi handle for curl_easy_send/recv to find its
             * connection; tc_curl_cancel() removes it and frees t later. */
            tc_curl_done_fn done = t->done;
            t->done = NULL;
            if (done)
                done(easy, result, t->arg);
            continue;
        }
        curl_multi_remove_handle(g->multi, easy);
        curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
        g->running--;
        if (t) {
            tc_curl_done_fn done = t->done;
            void *arg = t->arg;
            free(t);
            done(easy, result, arg);
        }
    }
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    sock_ctx_t *s = h->data;
    tc_curl_t *g = s->g;
    int flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    int still;
    curl_multi_socket_action(g->multi, s->fd, flags, &still);
    drain(g);
}

static void on_timer(uv_timer_t *t)
{
    tc_curl_t *g = t->data;
    int still;
    curl_multi_socket_action(g->multi, CURL_SOCKET_TIMEOUT, 0, &still);
    drain(g);
}

/* curl asks for a wake-up in timeout_ms. A 0 ms timeout still goes through the timer, so
 * curl is called on the next loop turn and never from inside its own callback. */
static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    tc_curl_t *g = userp;
    if (timeout_ms < 0)
        uv_timer_stop(&g->timer);
    else
        uv_timer_start(&g->timer, on_timer, (uint64_t)timeout_ms, 0);
    return 0;
}

static void free_sock(uv_handle_t *h)
{
    free(h->data);
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    tc_curl_t *g = userp;
    sock_ctx_t *s = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            uv_poll_stop(&s->poll);
            uv_close((uv_handle_t *)&s->poll, free_sock);
            curl_multi_assign(g->multi, fd, NULL);
        }
        return 0;
    }
    if (!s) {
        s = tc_calloc(1, sizeof *s);
        s->fd = fd;
        s->g = g;
        if (uv_poll_init_socket(g->loop, &s->poll, fd) != 0) {
            free(s);
            return -1;
        }
        s->poll.data = s;
        curl_multi_assign(g->multi, fd, s);
    }
    int events = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        events |= UV_READABLE;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        events |= UV_WRITABLE;
    uv_poll_start(&s->poll, events, on_poll);
    return 0;
}

tc_curl_t *tc_curl_new(uv_loop_t *loop)
{
    /* Reference-counted by libcurl; paired with curl_global_cleanup() in tc_curl_free(). */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    tc_curl_t *g = tc_calloc(1, sizeof *g);
    g->loop = loop;
    g->multi = curl_multi_init();
    if (!g->multi)
        abort(); /* only fails when out of memory */
    uv_timer_init(loop, &g->timer);
    g->timer.data = g;
    curl_multi_setopt(g->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(g->multi, CURLMOPT_SOCKETDATA, g);
    curl_multi_setopt(g->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(g->multi, CURLMOPT_TIMERDATA, g);
    return g;
}

int tc_curl_add(tc_curl_t *g, CURL *easy, tc_curl_done_fn done, void *arg)
{
    transfer_t *t = tc_malloc(sizeof *t);
    t->done = done;
    t->arg = arg;
    t->connect_only = 0;
    curl_easy_setopt(easy, CURLOPT_PRIVATE, (char *)t);
    if (curl_multi_add_handle(g->multi, easy) != CURLM_OK) {
        curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
        free(t);
        return TC_EIO;
    }
    g->running++;
    return 0;
}

int tc_curl_add_connect_only(tc_curl_t *g, CURL *easy, tc_curl_done_fn done, void *arg)
{
    int rc = tc_curl_add(g, easy, done, arg);
    if (rc == 0) {
        transfer_t *t = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
        t->connect_only = 1;
    }
    return rc;
}

void tc_curl_cancel(tc_curl_t *g, CURL *easy)
{
    transfer_t *t = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
    if (!t)
        return;
    curl_multi_remove_handle(g->multi, easy);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
    free(t);
    g->running--;
}

static void free_glue(uv_handle_t *h)
{
    tc_curl_t *g = h->data;
    void (*closed)(void *) = g->closed;
    void *arg = g->closed_arg;
    free(g);
    if (closed)
        closed(arg);
}

void tc_curl_free(tc_curl_t *g)
{
    if (!g)
        return;
    if (g->running)
        tc_log(TC_LOG_WARN, MODULE, "%d transfers still running at close", g->running);
    curl_multi_cleanup(g->multi);
    curl_global_cleanup();
    uv_timer_stop(&g->timer);
    uv_close((uv_handle_t *)&g->timer, free_glue);
}

void tc_curl_free_cb(tc_curl_t *g, void (*closed)(void *arg), void *arg)
{
    g->closed = closed;
    g->closed_arg = arg;
    tc_curl_free(g);
}
