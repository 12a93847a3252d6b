/* The engine's component rows, at the bottom of the engine's files: rows adopted from each
 * config generation (keeping stored statuses, creation times and a person's overrides),
 * lookup by id, and the index of which monitor slots feed which row. Calls no other engine
 * file. */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/log.h"
#include "engine/engine_int.h"
#include "status/status.h"
#include "store/store.h"

#define MODULE "engine"

static tc_store_row_t *rows_from_config(const tc_config_t *c, size_t *n)
{
    *n = c->ngroups + c->ncomponents;
    tc_store_row_t *rows = tc_calloc(*n, sizeof *rows);
    for (size_t i = 0; i < c->ngroups; i++) {
        tc_store_row_t *r = &rows[i];
        r->id = tc_strdup(c->groups[i].id);
        r->name = tc_strdup(c->groups[i].name);
        r->description = c->groups[i].description ? tc_strdup(c->groups[i].description) : NULL;
        r->position = c->groups[i].position;
        r->is_group = true;
        r->showcase = false;
    }
    for (size_t i = 0; i < c->ncomponents; i++) {
        const tc_component_cfg_t *cc = &c->components[i];
        tc_store_row_t *r = &rows[c->ngroups + i];
        r->id = tc_strdup(cc->id);
        r->name = tc_strdup(cc->name);
        r->description = cc->description ? tc_strdup(cc->description) : NULL;
        r->group_id = cc->group ? tc_strdup(cc->group) : NULL;
        r->position = cc->position;
        r->showcase = cc->showcase;
        r->only_show_if_degraded = cc->only_show_if_degraded;
    }
    return rows;
}

/* Make the store match @p c and adopt its rows as the engine's state. */
int tc_engine__adopt_rows(tc_engine_t *d, const tc_config_t *c)
{
    size_t n;
    tc_store_row_t *rows = rows_from_config(c, &n);
    char err[512];
    int rc = tc_store_sync_rows(d->store, rows, n, tc_clock_wall_ms(), err, sizeof err);
    if (rc) {
        tc_log(TC_LOG_ERROR, MODULE, "cannot save components: %s", err);
        tc_store_rows_free(rows, n);
        return rc;
    }
    tc_store_rows_free(d->rows, d->nrows);
    d->rows = rows;
    d->nrows = n;
    d->status_changes++; /* revived rows may have logs of their own again */
    d->view_valid = false;
    return 0;
}

tc_store_row_t *tc_engine__row(tc_engine_t *d, const char *id)
{
    for (size_t i = 0; i < d->nrows; i++)
        if (strcmp(d->rows[i].id, id) == 0)
            return &d->rows[i];
    return NULL;
}

/* The open incidents and maintenances as the status rules see them (status.h). The arrays
 * point into the incidents; free the result with free(). */
/* Which monitors feed which row, as one array of slot indexes per row (CSR layout), so a
 * state change costs the row's own monitors, not every monitor: 10,000 monitors coming up
 * at start would otherwise cost 10,000 × 10,000 comparisons. Rebuilt when rows or monitors
 * change. */
static uint64_t row_hash(const char *p)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h ? h : 1;
}

/* The row whose id is @p id in @p t (open addressing of row index + 1 by hash), or -1. */
static long row_of(const tc_engine_t *d, const size_t *t, size_t cap, const char *id)
{
    for (size_t i = row_hash(id) & (cap - 1); t[i]; i = (i + 1) & (cap - 1))
        if (strcmp(d->rows[t[i] - 1].id, id) == 0)
            return (long)(t[i] - 1);
    return -1;
}

void tc_engine__index_feeds(tc_engine_t *d)
{
    free(d->feed_start);
    free(d->feed_slots);
    d->feed_start = tc_calloc(d->nrows + 1, sizeof *d->feed_start);
    size_t total = 0;
    for (size_t j = 0; j < d->nmonitors; j++)
        total += d->monitors[j].rules->ncomponents;
    d->feed_slots = tc_calloc(total ? total : 1, sizeof *d->feed_slots);
    /* The rows by id, so each monitor's components are found at once instead of every row
     * going through every monitor (rows x monitors string compares: 10,000 monitors made it
     * a tenth of a reload). */
    size_t cap = 16;
    while (cap < d->nrows * 2)
        cap *= 2;
    size_t *t = tc_calloc(cap, sizeof *t);
    for (size_t r = 0; r < d->nrows; r++) {
        size_t i = row_hash(d->rows[r].id) & (cap - 1);
        while (t[i])
            i = (i + 1) & (cap - 1);
        t[i] = r + 1;
    }
    /* Count per row, then place: a row's feeds in monitor order. A monitor's component ids
     * were checked at load. */
    size_t *fill = tc_calloc(d->nrows + 1, sizeof *fill);
    for (size_t j = 0; j < d->nmonitors; j++) {
        const tc_monitor_rules_t *m = d->monitors[j].rules;
        for (size_t k = 0; k < m->ncomponents; k++) {
            long r = row_of(d, t, cap, m->components[k]);
            if (r >= 0)
                fill[r]++;
        }
    }
    for (size_t r = 0; r < d->nrows; r++)
        d->feed_start[r + 1] = d->feed_start[r] + fill[r];
    memset(fill, 0, (d->nrows + 1) * sizeof *fill);
    for (size_t j = 0; j < d->nmonitors; j++) {
        const tc_monitor_rules_t *m = d->monitors[j].rules;
        for (size_t k = 0; k < m->ncomponents; k++) {
            long r = row_of(d, t, cap, m->components[k]);
            if (r >= 0)
                d->feed_slots[d->feed_start[r] + fill[r]++] = j;
        }
    }
    free(fill);
    free(t);
}
