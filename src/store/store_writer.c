/* The results writer (store_writer.h): a FIFO of copied batches between the engine's thread
 * and a writer thread that owns a second store handle. One mutex guards the queue and the
 * counters; the writer never holds it while it talks to the store. */
#include "store/store_writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/log.h"
#include "store/store_cluster.h"

#define MODULE "store"

typedef struct batch {
    struct batch *next;
    tc_store_result_t *r; /* owned, with each monitor_id, reason and location */
    size_t n;
    tc_location_state_t *loc; /* owned; written in the results' transaction */
    size_t nloc;
} batch_t;

struct tc_store_writer {
    tc_store_t *store; /* owned; used by the writer thread only */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;    /* the writer: a batch was queued, or stop */
    pthread_cond_t drained; /* the engine: the queue went empty */
    batch_t *head, *tail;   /* guarded by lock, as everything below */
    bool busy;              /* the writer is writing the head batch (still queued) */
    bool stopping;
    size_t queued, max_queued;
    uint64_t written, dropped, failures;
};

static void batch_free(batch_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free((char *)b->r[i].monitor_id);
        free((char *)b->r[i].reason);
        free((char *)b->r[i].location);
    }
    free(b->r);
    tc_store_locations_free(b->loc, b->nloc);
    free(b);
}

/* A deadline @p ms from now on the realtime clock, which pthread_cond_timedwait uses. */
static struct timespec after_ms(long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* A batch's results, then its location states, in one transaction. */
static int write_batch(tc_store_t *s, const batch_t *b, char *err, size_t errlen)
{
    if (!b->nloc)
        return tc_store_add_results(s, b->r, b->n, err, errlen);
    int rc = tc_store_begin(s, err, errlen);
    if (!rc)
        rc = tc_store_add_results(s, b->r, b->n, err, errlen);
    if (!rc)
        rc = tc_store_put_locations(s, b->loc, b->nloc, err, errlen);
    if (!rc)
        return tc_store_commit(s, err, errlen);
    tc_store_rollback(s);
    return rc;
}

static void *run(void *arg)
{
    tc_store_writer_t *w = arg;
    long backoff = 0; /* ms to wait before the next try; 0 while the store answers */
    bool failing = false;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->head && !w->stopping)
            pthread_cond_wait(&w->wake, &w->lock);
        if (!w->head)
            break; /* stopping, and nothing left */
        if (backoff > 0) {
            /* Wait before trying the store again; a stop cuts the wait short. */
            struct timespec until = after_ms(backoff);
            while (!w->stopping &&
                   pthread_cond_timedwait(&w->wake, &w->lock, &until) != ETIMEDOUT)
                ;
            if (w->stopping)
                break;
        }
        batch_t *b = w->head;
        w->busy = true;
        pthread_mutex_unlock(&w->lock);
        char err[512];
        int rc = write_batch(w->store, b, err, sizeof err);
        pthread_mutex_lock(&w->lock);
        w->busy = false;
        if (rc != 0) {
            w->failures++;
            if (!failing)
                tc_log(TC_LOG_ERROR, MODULE, "cannot save %zu results (kept, will retry): %s",
                       b->n, err);
            failing = true;
            backoff = backoff ? (backoff * 2 > 10000 ? 10000 : backoff * 2) : 1000;
            continue;
        }
        if (failing)
            tc_log(TC_LOG_INFO, MODULE, "saving results again (%zu queued)", w->queued - b->n);
        failing = false;
        backoff = 0;
        /* The head may have been dropped meanwhile only if it was not busy; it was. */
        w->head = b->next;
        if (!w->head)
            w->tail = NULL;
        w->queued -= b->n;
        w->written += b->n;
        batch_free(b);
        if (!w->head)
            pthread_cond_broadcast(&w->drained);
    }
    pthread_cond_broadcast(&w->drained);
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int tc_store_writer_start(const char *dir, const char *dsn, size_t max_queued,
                          tc_store_writer_t **out, char *err, size_t errlen)
{
    *out = NULL;
    tc_store_writer_t *w = tc_calloc(1, sizeof *w);
    w->max_queued = max_queued;
    if (tc_store_open(dir, dsn, &w->store, err, errlen) != 0) {
        free(w);
        return TC_ESTORE;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    pthread_cond_init(&w->drained, NULL);
    if (pthread_create(&w->thread, NULL, run, w) != 0) {
        snprintf(err, errlen, "cannot start the results writer");
        pthread_cond_destroy(&w->drained);
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->lock);
        tc_store_close(w->store);
        free(w);
        return TC_ESTORE;
    }
    *out = w;
    return 0;
}

/* Move the location states of @p from to the end of @p to's. */
static void add_locations(batch_t *to, batch_t *from)
{
    to->loc = tc_realloc(to->loc, (to->nloc + from->nloc) * sizeof *to->loc);
    memcpy(to->loc + to->nloc, from->loc, from->nloc * sizeof *from->loc);
    to->nloc += from->nloc;
    free(from->loc);
    from->loc = NULL;
    from->nloc = 0;
}

void tc_store_writer_add(tc_store_writer_t *w, const tc_store_result_t *r, size_t n)
{
    if (n == 0)
        return;
    batch_t *b = tc_calloc(1, sizeof *b);
    b->r = tc_calloc(n, sizeof *b->r);
    b->n = n;
    for (size_t i = 0; i < n; i++) {
        b->r[i] = r[i];
        b->r[i].monitor_id = tc_strdup(r[i].monitor_id);
        b->r[i].reason = tc_strdup(r[i].reason ? r[i].reason : "");
        b->r[i].location = tc_strdup(r[i].location ? r[i].location : "");
    }
    pthread_mutex_lock(&w->lock);
    if (w->tail)
        w->tail->next = b;
    else
        w->head = b;
    w->tail = b;
    w->queued += n;
    /* Over the bound: the oldest batches go, except the one being written. */
    size_t dropped = 0;
    batch_t **p = w->busy ? &w->head->next : &w->head;
    while (w->queued > w->max_queued && *p && *p != b) {
        batch_t *old = *p;
        *p = old->next;
        w->queued -= old->n;
        dropped += old->n;
        /* A location's state is never dropped: the leader would keep an old one. It moves
         * into the newest batch, after the states it replaces. */
        add_locations(b, old);
        batch_free(old);
    }
    w->dropped += dropped;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    if (dropped)
        tc_log(TC_LOG_WARN, MODULE, "dropped %zu results: the store is not keeping up", dropped);
}

void tc_store_writer_put_location(tc_store_writer_t *w, const tc_location_state_t *st)
{
    batch_t one = {.nloc = 1};
    one.loc = tc_calloc(1, sizeof *one.loc);
    tc_location_state_t *c = one.loc;
    *c = *st;
    c->monitor = tc_strdup(st->monitor);
    c->location = tc_strdup(st->location ? st->location : "");
    c->node = tc_strdup(st->node ? st->node : "");
    c->reason = tc_strdup(st->reason ? st->reason : "");
    c->problem = tc_strdup(st->problem ? st->problem : "");
    c->summary = tc_strdup(st->summary ? st->summary : "");
    pthread_mutex_lock(&w->lock);
    /* Into the last batch, unless the writer is busy with it (it would not be written). */
    batch_t *b = w->tail;
    if (!b || (w->busy && b == w->head)) {
        b = tc_calloc(1, sizeof *b);
        if (w->tail)
            w->tail->next = b;
        else
            w->head = b;
        w->tail = b;
    }
    add_locations(b, &one);
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
}

int tc_store_writer_drain(tc_store_writer_t *w, int timeout_ms)
{
    struct timespec until = after_ms(timeout_ms);
    pthread_mutex_lock(&w->lock);
    while (w->head && pthread_cond_timedwait(&w->drained, &w->lock, &until) != ETIMEDOUT)
        ;
    int rc = w->head ? TC_EAGAIN : 0;
    pthread_mutex_unlock(&w->lock);
    return rc;
}

void tc_store_writer_stats(tc_store_writer_t *w, tc_store_writer_stats_t *out)
{
    pthread_mutex_lock(&w->lock);
    out->written = w->written;
    out->dropped = w->dropped;
    out->failures = w->failures;
    out->queued = w->queued;
    pthread_mutex_unlock(&w->lock);
}

void tc_store_writer_stop(tc_store_writer_t *w, int timeout_ms)
{
    if (!w)
        return;
    tc_store_writer_drain(w, timeout_ms);
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    size_t lost = 0;
    while (w->head) {
        batch_t *b = w->head;
        w->head = b->next;
        lost += b->n;
        batch_free(b);
    }
    if (lost)
        tc_log(TC_LOG_ERROR, MODULE, "%zu results could not be saved before the stop", lost);
    pthread_cond_destroy(&w->drained);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    tc_store_close(w->store);
    free(w);
}
