/* The derivation of every component's status from its inputs (a person's status, open
 * incidents, maintenance, its monitors) through the pure rules of status/status.h, and what
 * follows a change: the new status is stored with its log entry, told to the subscribers who
 * follow the component, and rendered. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "config/config.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "engine/engine_int.h"
#include "status/status.h"
#include "status/tracker.h"
#include "store/store.h"

#define MODULE "engine"

/* The status rules' input for row @p r: its override and stored status, and the states of
 * the monitors that feed it, written into @p feeds (room for every feed_slots entry). */
static tc_status_row_t status_input(const tc_engine_t *d, size_t r, tc_status_feed_t *feeds)
{
    const tc_store_row_t *row = &d->rows[r];
    tc_status_row_t in = {
        .id = row->id,
        .current = row->status,
        .has_manual = row->has_manual,
        .manual = row->manual_status,
        .feeds = feeds,
    };
    for (size_t f = d->feed_start ? d->feed_start[r] : 0;
         d->feed_start && f < d->feed_start[r + 1]; f++) {
        const mon_slot_t *slot = &d->monitors[d->feed_slots[f]];
        /* A paused monitor says nothing: the row is as if it had no such monitor. */
        if (slot->paused)
            continue;
        feeds[in.nfeeds].state = slot->state;
        feeds[in.nfeeds].down_status = slot->rules->down_status;
        feeds[in.nfeeds].regional_status = slot->rules->regional_status;
        in.nfeeds++;
    }
    return in;
}

void tc_engine__derive_components(tc_engine_t *d)
{
    /* With several nodes the leader derives and stores the statuses (once, and its
     * subscriber messages once); the others show what it stored (cluster.c reloads it). */
    if (!d->leading)
        return;
    int64_t now = tc_clock_wall_ms();
    int changed = 0;
    char txerr[256];
    /* Each change and the subscriber messages it causes are stored together. */
    int tx = tc_store_begin(d->store, txerr, sizeof txerr) == 0;
    size_t nopen;
    tc_status_open_t *open = tc_engine__open_for_status(d, &nopen);
    size_t nfeeds = d->feed_start ? d->feed_start[d->nrows] : 0;
    tc_status_feed_t *feeds = tc_calloc(nfeeds ? nfeeds : 1, sizeof *feeds);
    /* Changes are applied first and told after, so every message (and the one view they
     * share) sees the page as it is once all of them are made. */
    tc_status_t *old = tc_calloc(d->nrows ? d->nrows : 1, sizeof *old);
    bool *moved = tc_calloc(d->nrows ? d->nrows : 1, sizeof *moved);
    for (size_t i = 0; i < d->nrows; i++) {
        tc_store_row_t *row = &d->rows[i];
        if (row->is_group)
            continue;
        tc_status_row_t in = status_input(d, i, feeds);
        tc_status_t status = tc_status_derive_component(&in, open, nopen);
        if (status == row->status)
            continue;
        char err[256];
        if (tc_store_set_status(d->store, row->id, status, now, err, sizeof err) != 0) {
            tc_log(TC_LOG_ERROR, MODULE, "cannot save status of %s: %s", row->id, err);
            continue;
        }
        tc_log(TC_LOG_INFO, MODULE, "component %s: %s -> %s", row->id,
               tc_status_name(row->status), tc_status_name(status));
        old[i] = row->status;
        moved[i] = true;
        row->status = status;
        row->updated_at = now;
        d->status_changes++;
        d->view_valid = false;
        changed = 1;
    }
    for (size_t i = 0; i < d->nrows && !d->quiet; i++)
        if (moved[i])
            tc_engine__notify_component(d, &d->rows[i], old[i], now);
    free(moved);
    free(old);
    free(feeds);
    free(open);
    if (tx && tc_store_commit(d->store, txerr, sizeof txerr) != 0)
        tc_log(TC_LOG_ERROR, MODULE, "component statuses not saved: %s", txerr);
    if (changed && d->notify)
        tc_notify_kick(d->notify);
    if (changed)
        tc_engine__request_render(d);
}
