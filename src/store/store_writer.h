/* The results writer: a thread with its own store handle that appends the engine's result
 * batches, so that writing them (a network round trip and the server's commit, with
 * PostgreSQL) never holds the engine's loop. The engine uses it with PostgreSQL only; SQLite
 * writes its batches inline, as before.
 *
 * Batches are copied when queued (the caller keeps its own). A batch the store refuses (the
 * server is away) stays queued and is tried again, first after a second, then less often,
 * up to every 10 s; when the queue holds more than its bound, the oldest batches are dropped
 * and counted. Every function is called from one thread (the engine's); the writer's thread
 * only ever touches its own handle and the queue. */
#ifndef TC_STORE_WRITER_H
#define TC_STORE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "store/store_cluster.h"

typedef struct tc_store_writer tc_store_writer_t;

/** Open a store handle of its own on the same database (tc_store_open(@p dir, @p dsn)) and
 *  start the thread; at most @p max_queued results wait at once.
 *  @return 0, or TC_ESTORE with the reason in @p err (nothing is left running). */
int tc_store_writer_start(const char *dir, const char *dsn, size_t max_queued,
                          tc_store_writer_t **out, char *err, size_t errlen);

/** Queue a copy of @p n results. Never blocks on the store. */
void tc_store_writer_add(tc_store_writer_t *w, const tc_store_result_t *r, size_t n);

/** Queue a copy of location state @p st (store_cluster.h), written after the results queued
 *  before it, in their transaction. States are never dropped. Never blocks on the store. */
void tc_store_writer_put_location(tc_store_writer_t *w, const tc_location_state_t *st);

/** Wait until every queued result is written, at most @p timeout_ms.
 *  @return 0, or TC_EAGAIN when some are still queued (the store is slow or away). */
int tc_store_writer_drain(tc_store_writer_t *w, int timeout_ms);

/* What the writer did, for /metrics and logs. */
typedef struct tc_store_writer_stats {
    uint64_t written;  /* results in the store */
    uint64_t dropped;  /* results dropped because the queue was full */
    uint64_t failures; /* batches the store refused (each retried) */
    size_t queued;     /* results waiting now */
} tc_store_writer_stats_t;

void tc_store_writer_stats(tc_store_writer_t *w, tc_store_writer_stats_t *out);

/** Try to write what is queued (for at most @p timeout_ms), then stop the thread and close
 *  its handle. Results still queued after that are dropped, and logged. NULL is accepted. */
void tc_store_writer_stop(tc_store_writer_t *w, int timeout_ms);

#endif
