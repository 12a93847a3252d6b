/* The static mirror on the engine thread (export: in the config): after each published
 * snapshot, a copy of its bytes goes to a worker thread that writes the folder and runs the
 * user's command (export/export.c), so the engine never waits for a disk or a network. One
 * export at a time: snapshots published meanwhile are not queued, but the export after the
 * running one is made from the newest snapshot. Failures are logged and counted; the page is
 * never held up by them. */
#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/log.h"
#include "engine/engine_int.h"
#include "export/export.h"

#define MODULE "export"

typedef struct mirror_run {
    tc_export_job_t *job;
    int rc;
    char err[512];
} mirror_run_t;

static void mirror_work(void *arg)
{
    mirror_run_t *m = arg;
    m->rc = tc_export_run(m->job, m->err, sizeof m->err);
}

static void mirror_done(tc_engine_t *d, void *arg)
{
    mirror_run_t *m = arg;
    d->mirror_busy = false;
    if (m->rc) {
        d->mirror_failures++;
        tc_log(TC_LOG_ERROR, MODULE, "%s", m->err);
    } else {
        tc_log(TC_LOG_DEBUG, MODULE, "mirror refreshed: %zu documents",
               tc_export_count(m->job));
    }
    tc_export_free(m->job);
    free(m);
    /* A snapshot came while this one was written: export again, from the newest. */
    if (d->mirror_stale && !d->stopping) {
        d->mirror_stale = false;
        tc_engine__refresh_render(d);
    }
}

void tc_engine__mirror(tc_engine_t *d, const tc_snapshot_t *snap)
{
    const tc_config_t *c = d->config;
    if (!c->export_.dir)
        return;
    if (d->mirror_busy) {
        d->mirror_stale = true;
        return;
    }
    mirror_run_t *m = tc_calloc(1, sizeof *m);
    m->job = tc_export_prepare(snap, c->export_.dir, c->export_.command, c->export_.timeout_ms);
    d->mirror_busy = true;
    tc_engine_in_background(d, mirror_work, mirror_done, m);
}

int tc_engine__mirror_now(tc_engine_t *d, const tc_snapshot_t *snap, const char *dir)
{
    char err[512];
    tc_export_job_t *job = tc_export_prepare(snap, dir, NULL, 0);
    int rc = tc_export_run(job, err, sizeof err);
    if (rc)
        tc_log(TC_LOG_ERROR, MODULE, "%s", err);
    else
        tc_log(TC_LOG_INFO, MODULE, "wrote %zu documents to %s", tc_export_count(job), dir);
    (void)d;
    tc_export_free(job);
    return rc;
}
