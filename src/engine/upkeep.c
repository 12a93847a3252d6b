/* The store's upkeep on the engine's loop: rollup passes (aggregation and pruning of the
 * stored results) in slices that each hold the loop a few milliseconds, the pruning of the
 * notification outbox, and checkpoints of SQLite's write-ahead log on a worker. */
#include <stdlib.h>
#include <uv.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "engine/engine_int.h"
#include "store/store.h"
#include "store/store_writer.h"

#define MODULE "engine"

/* One slice of a rollup pass; the next slice runs on a later loop turn, so probes and
 * requests interleave with a long pass over thousands of monitors. */
static void on_rollup_step(uv_timer_t *t)
{
    tc_engine_t *d = t->data;
    char err[256];
    /* A pass aggregates the hours completed by rollup_now: first let the writer save the
     * results queued before it (a few milliseconds; the loop goes on meanwhile). */
    if (d->rollup_cursor == 0 && d->writer) {
        tc_store_writer_stats_t ws;
        tc_store_writer_stats(d->writer, &ws);
        if (ws.queued > 0) {
            uv_timer_start(&d->rollup_step, on_rollup_step, 50, 0);
            return;
        }
    }
    int64_t t0 = tc_clock_mono_us();
    int rc = tc_store_rollup(d->store, d->rollup_now, d->config->raw_retention_ms,
                             d->config->aggregate_retention_ms, &d->rollup_cursor, err,
                             sizeof err);
    int64_t took = tc_clock_mono_us() - t0;
    if (took > d->rollup_slice_max_us)
        d->rollup_slice_max_us = took;
    if (rc == TC_EAGAIN) {
        uv_timer_start(&d->rollup_step, on_rollup_step, 0, 0);
        return;
    }
    if (rc)
        tc_log(TC_LOG_ERROR, MODULE, "rollup failed: %s", err);
    else
        d->rollup_passes++;
    d->rollup_cursor = 0;
    /* The page's bars move on with the day even when nothing changes. */
    tc_engine__refresh_render(d);
}

/* A checkpoint on a worker: SQLite's own, at commit, held the loop for up to a tenth of a
 * second after a rollup slice had written its deletions (issue 16). */
typedef struct checkpoint_job {
    tc_engine_t *d;
    int rc;
    char err[256];
} checkpoint_job_t;

static void checkpoint_work(void *arg)
{
    checkpoint_job_t *j = arg;
    j->rc = tc_store_checkpoint(j->d->store, j->err, sizeof j->err);
}

static void checkpoint_done(tc_engine_t *d, void *arg)
{
    checkpoint_job_t *j = arg;
    d->checkpointing = false;
    if (j->rc)
        tc_log(TC_LOG_ERROR, MODULE, "checkpoint failed: %s", j->err);
    free(j);
}

void tc_engine__on_checkpoint_timer(uv_timer_t *t)
{
    tc_engine_t *d = t->data;
    if (d->checkpointing)
        return;
    checkpoint_job_t *j = tc_calloc(1, sizeof *j);
    j->d = d;
    d->checkpointing = true;
    tc_engine_in_background(d, checkpoint_work, checkpoint_done, j);
}

void tc_engine__on_rollup_timer(uv_timer_t *t)
{
    tc_engine_t *d = t->data;
    if (uv_is_active((uv_handle_t *)&d->rollup_step))
        return; /* the previous pass is still going */
    if (!d->leading)
        return; /* the leader aggregates and prunes for every node */
    tc_engine__flush_results(d);
    /* Finished outbox rows, 5,000 at most per run (1.4 M a day), so a backlog never holds
     * the loop long. */
    char err[256];
    int64_t now = tc_clock_wall_ms();
    int rc = tc_store_outbox_prune(d->store, now - d->config->notify_keep_delivered_ms,
                                   now - d->config->notify_keep_dead_ms, 5000, NULL, err,
                                   sizeof err);
    if (rc && rc != TC_EAGAIN)
        tc_log(TC_LOG_ERROR, MODULE, "outbox pruning failed: %s", err);
    d->rollup_now = tc_clock_wall_ms();
    d->rollup_cursor = 0;
    on_rollup_step(&d->rollup_step);
}
