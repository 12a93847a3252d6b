/* The engine's view and its publication: one tc_view_t built from the current state (rows,
 * incidents newest first, the page status), the 90-day bars, the monthly uptime of /uptime
 * and the sparklines added for the page, rendered into a snapshot and published to the HTTP
 * server. Renders are coalesced: a burst of changes within RENDER_DELAY_MS produces one
 * snapshot. */
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
#include "status/uptime.h"
#include "store/store.h"
#include "web/http_server.h"
#include "web/render.h"

#define MODULE "engine"

static int by_position(const void *a, const void *b)
{
    const tc_view_row_t *x = a, *y = b;
    if (x->position != y->position)
        return x->position < y->position ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Lay the rows out in display order: top-level rows by position, each group followed by its
 * children by position; groups take the worst status of their children. */
static tc_view_row_t *build_rows(const tc_engine_t *d, size_t *n)
{
    tc_view_row_t *all = tc_calloc(d->nrows, sizeof *all);
    for (size_t i = 0; i < d->nrows; i++) {
        const tc_store_row_t *r = &d->rows[i];
        tc_view_row_t *v = &all[i];
        v->id = r->id;
        v->name = r->name;
        v->description = r->description;
        v->group_id = r->group_id;
        v->position = r->position;
        v->is_group = r->is_group;
        v->showcase = r->showcase;
        v->only_show_if_degraded = r->only_show_if_degraded;
        v->status = r->status;
        v->created_at = r->created_at;
        v->updated_at = r->updated_at;
        /* A regional failure names its places (the first monitor's that has one). */
        for (size_t f = d->feed_start && !r->is_group ? d->feed_start[i] : 0;
             d->feed_start && !r->is_group && f < d->feed_start[i + 1] && !v->failing_from; f++) {
            const mon_slot_t *slot = &d->monitors[d->feed_slots[f]];
            if (!slot->paused && slot->state == TC_MONITOR_REGIONAL && slot->failing_from[0])
                v->failing_from = slot->failing_from;
        }
        /* Fallback advice lives in the config only: it is text for readers, not state. */
        for (size_t k = 0; d->config && k < d->config->ncomponents; k++) {
            const tc_component_cfg_t *cc = &d->config->components[k];
            if (!r->is_group && cc->id && strcmp(cc->id, r->id) == 0) {
                v->fallback = cc->fallback;
                v->vendor_url = cc->vendor_url;
            }
        }
    }
    tc_status_t *children = tc_calloc(d->nrows ? d->nrows : 1, sizeof *children);
    for (size_t i = 0; i < d->nrows; i++) {
        if (!all[i].is_group)
            continue;
        size_t nchildren = 0;
        for (size_t j = 0; j < d->nrows; j++) {
            if (all[j].group_id && strcmp(all[j].group_id, all[i].id) == 0) {
                children[nchildren++] = all[j].status;
                if (all[j].updated_at > all[i].updated_at)
                    all[i].updated_at = all[j].updated_at;
            }
        }
        all[i].status = tc_status_derive_group(children, nchildren);
    }
    free(children);
    qsort(all, d->nrows, sizeof *all, by_position);
    tc_view_row_t *ordered = tc_calloc(d->nrows, sizeof *ordered);
    size_t k = 0;
    for (size_t i = 0; i < d->nrows; i++) {
        if (all[i].group_id)
            continue;
        ordered[k++] = all[i];
        if (!all[i].is_group)
            continue;
        for (size_t j = 0; j < d->nrows; j++)
            if (all[j].group_id && strcmp(all[j].group_id, all[i].id) == 0)
                ordered[k++] = all[j];
    }
    free(all);
    *n = k;
    return ordered;
}

/* The response times of the first monitor feeding @p row, oldest first, into @p out. */
static size_t row_latencies(const tc_engine_t *d, const char *row_id, double *out)
{
    for (size_t j = 0; j < d->nmonitors; j++) {
        const mon_slot_t *slot = &d->monitors[j];
        for (size_t k = 0; k < slot->rules->ncomponents; k++) {
            if (strcmp(slot->rules->components[k], row_id) != 0 || !slot->nrecent)
                continue;
            size_t n = slot->nrecent < RECENT ? slot->nrecent : RECENT;
            size_t first = slot->nrecent - n;
            for (size_t i = 0; i < n; i++)
                out[i] = slot->recent[(first + i) % RECENT];
            return n;
        }
    }
    return 0;
}

/* Newest first: by when the impact began, or the window's start for maintenance. */
static int64_t incident_time(const tc_incident_t *i)
{
    return i->is_maintenance && i->scheduled_for ? i->scheduled_for : i->started_at;
}

static int newest_first(const void *a, const void *b)
{
    const tc_incident_t *x = *(const tc_incident_t *const *)a;
    const tc_incident_t *y = *(const tc_incident_t *const *)b;
    int64_t tx = incident_time(x), ty = incident_time(y);
    if (tx != ty)
        return tx > ty ? -1 : 1;
    return x->seq > y->seq ? -1 : x->seq < y->seq;
}

void tc_engine__view_free(tc_engine_t *d)
{
    if (d->view_built) {
        free((void *)d->view.rows);
        free((void *)d->view.incidents);
        free((void *)d->view.shortlist);
    }
    memset(&d->view, 0, sizeof d->view);
    d->view_built = d->view_valid = false;
}

/* Is @p incidents[i] in order with its neighbours? */
static bool in_place(const tc_incident_t **incidents, size_t n, size_t i)
{
    return (i == 0 || newest_first(&incidents[i - 1], &incidents[i]) <= 0) &&
           (i + 1 == n || newest_first(&incidents[i], &incidents[i + 1]) <= 0);
}

/* @p incidents newest first: in @p order (the last view's, when it holds the same incidents),
 * which a write rarely changes, so it is checked before anything is sorted: only where the
 * incidents changed since the last render are (which includes those changed since the last
 * view; their places found among the pointers, without reading every incident), or all of
 * it when those are not known. */
static void order_incidents(tc_engine_t *d, const tc_incident_t **incidents,
                            const tc_incident_t *const *order)
{
    size_t n = d->nincidents;
    if (order) {
        memcpy(incidents, order, n * sizeof *incidents);
    } else {
        /* The engine keeps them in the order they were stored, mostly oldest first. */
        for (size_t i = 0; i < n; i++)
            incidents[i] = d->incidents[n - 1 - i];
    }
    bool sorted = true;
    if (order && d->nchanged <= CHANGED_MAX) {
        for (size_t c = 0; c < d->nchanged && sorted; c++)
            for (size_t i = 0; i < n; i++)
                if (incidents[i] == d->changed[c]) {
                    sorted = in_place(incidents, n, i);
                    break;
                }
    } else {
        for (size_t i = 1; i < n && sorted; i++)
            sorted = newest_first(&incidents[i - 1], &incidents[i]) <= 0;
    }
    if (!sorted)
        qsort(incidents, n, sizeof *incidents, newest_first);
}

static void build_view(tc_engine_t *d, tc_view_t *view, const tc_incident_t *const *order)
{
    const tc_config_t *c = d->config;
    size_t nrows;
    tc_view_row_t *rows = build_rows(d, &nrows);
    tc_status_t *leaves = tc_calloc(nrows, sizeof *leaves);
    size_t nleaves = 0;
    int64_t updated = d->started_at;
    for (size_t i = 0; i < nrows; i++) {
        rows[i].uptime = -1;
        if (rows[i].updated_at > updated)
            updated = rows[i].updated_at;
        if (!rows[i].is_group)
            leaves[nleaves++] = rows[i].status;
    }
    size_t nopen;
    tc_status_open_t *open = tc_engine__open_for_status(d, &nopen);
    tc_rollup_t rollup = tc_status_derive_page(leaves, nleaves, open, nopen);
    free(open);
    free(leaves);
    const tc_incident_t **incidents = tc_calloc(d->nincidents, sizeof *incidents);
    order_incidents(d, incidents, order);
    if (d->incidents_updated_at > updated)
        updated = d->incidents_updated_at;
    /* The short list in the same order: newest_first() is a total order. */
    const tc_incident_t **few = tc_calloc(d->nshortlist ? d->nshortlist : 1, sizeof *few);
    if (d->nshortlist)
        memcpy(few, d->shortlist, d->nshortlist * sizeof *few);
    qsort(few, d->nshortlist, sizeof *few, newest_first);
    memset(view, 0, sizeof *view);
    view->page_id = c->page.id;
    view->page_name = c->page.name;
    view->page_url = c->page.url;
    view->page_description = c->page.description;
    view->page_notice = c->page.notice;
    view->time_zone = c->page.time_zone;
    view->zone = d->zone;
    view->updated_at = updated;
    view->rows = rows;
    view->nrows = nrows;
    view->rollup = rollup;
    view->incidents = (const tc_incident_t *const *)incidents;
    view->nincidents = d->nincidents;
    view->shortlist = (const tc_incident_t *const *)few;
    view->nshortlist = d->nshortlist;
    view->incident_set = d->incident_set;
    view->now = tc_clock_wall_ms();
    for (int i = 0; i < 5; i++)
        view->impact_labels[i] = c->page.impact_labels[i];
    view->subscribe_email = c->subscribers.email_channel != NULL;
    view->favicon = c->page.favicon;
    view->favicon_len = c->page.favicon_len;
    view->favicon_type = c->page.favicon_type;
    view->logo = c->page.logo;
    view->logo_len = c->page.logo_len;
    view->logo_type = c->page.logo_type;
    view->logo_path = c->page.logo_path;
    view->accent = c->page.accent[0] ? c->page.accent : NULL;
    view->accent_dark = c->page.accent[0] ? c->page.accent_dark : NULL;
    view->css = c->page.css;
    view->links = (const char *const *)c->page.links;
    view->footer = c->page.footer;
    view->lang = c->page.language;
}

const tc_view_t *tc_engine_view(tc_engine_t *d)
{
    if (!d->view_valid) {
        /* The last order is good while the same incidents are in it. */
        const tc_incident_t **order = NULL;
        if (d->view_built && d->view_incident_set == d->incident_set) {
            order = (const tc_incident_t **)d->view.incidents;
            d->view.incidents = NULL;
        }
        tc_engine__view_free(d);
        build_view(d, &d->view, order);
        free(order);
        d->view_incident_set = d->incident_set;
        d->view_built = d->view_valid = true;
    }
    d->view.now = tc_clock_wall_ms();
    return &d->view;
}

static void free_logs(uptime_log_t *logs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(logs[i].row_id);
        free(logs[i].log);
    }
    free(logs);
}

void tc_engine__uptime_logs_free(tc_engine_t *d)
{
    free_logs(d->uptime_logs, d->nuptime_logs);
    d->uptime_logs = NULL;
    d->nuptime_logs = 0;
}

/* The status log of @p row since @p from: taken over from the last render's @p old logs when
 * still valid (moved into @p out, with its months), else read from the store (and *read
 * set). @return 0 or TC_ESTORE. */
static int row_log(tc_engine_t *d, const tc_view_row_t *row, int64_t from, uptime_log_t *old,
                   size_t nold, uptime_log_t *out, bool *read)
{
    for (size_t k = 0; k < nold; k++) {
        if (!old[k].row_id || strcmp(old[k].row_id, row->id) != 0)
            continue;
        if (old[k].from == from && old[k].status_changes == d->status_changes) {
            *out = old[k];
            memset(&old[k], 0, sizeof old[k]);
            return 0;
        }
        break;
    }
    *read = true;
    char err[256];
    memset(out, 0, sizeof *out);
    if (tc_store_status_log(d->store, row->id, from, &out->log, &out->nlog, err, sizeof err) !=
        0) {
        tc_log(TC_LOG_ERROR, MODULE, "cannot read the status log of %s: %s", row->id, err);
        return TC_ESTORE;
    }
    out->row_id = tc_strdup(row->id);
    out->from = from;
    out->status_changes = d->status_changes;
    return 0;
}

tc_snapshot_t *tc_engine__build_snapshot(tc_engine_t *d)
{
    /* The page's rows get bars and sparklines: a copy of the shared view with its own rows. */
    tc_view_t view = *tc_engine_view(d);
    size_t nrows = view.nrows;
    tc_view_row_t *rows = tc_calloc(nrows ? nrows : 1, sizeof *rows);
    memcpy(rows, view.rows, nrows * sizeof *rows);
    view.rows = rows;
    tc_uptime_day_t *days = tc_calloc(nrows * UPTIME_DAYS, sizeof *days);
    double *latencies = tc_calloc(nrows * RECENT, sizeof *latencies);
    uptime_log_t *logs = tc_calloc(nrows ? nrows : 1, sizeof *logs);
    size_t nlogs = 0;
    int64_t now = view.now;
    /* Day boundaries in the page's zone, shared by every row. */
    tc_uptime_day_t frame[UPTIME_DAYS];
    for (int i = 0; i < UPTIME_DAYS; i++) {
        frame[i].start = tc_clock_local_midnight(view.zone, now, UPTIME_DAYS - 1 - i);
        frame[i].end = tc_clock_local_midnight(view.zone, now, UPTIME_DAYS - 2 - i);
    }
    /* Month boundaries likewise; the first month starts long before the first day, so one
     * status log read from there serves both. */
    tc_uptime_day_t month_frame[UPTIME_MONTHS];
    for (int i = 0; i < UPTIME_MONTHS; i++) {
        month_frame[i].start = tc_clock_local_month_start(view.zone, now, UPTIME_MONTHS - 1 - i);
        month_frame[i].end = tc_clock_local_month_start(view.zone, now, UPTIME_MONTHS - 2 - i);
    }
    bool read = false;
    size_t *log_of = tc_calloc(nrows ? nrows : 1, sizeof *log_of); /* index + 1 in logs */
    for (size_t i = 0; i < nrows; i++) {
        tc_view_row_t *row = &rows[i];
        if (row->is_group)
            continue;
        row->nlatencies = row_latencies(d, row->id, &latencies[i * RECENT]);
        row->latencies = row->nlatencies ? &latencies[i * RECENT] : NULL;
        if (!row->showcase)
            continue;
        uptime_log_t *l = &logs[nlogs];
        if (row_log(d, row, month_frame[0].start, d->uptime_logs, d->nuptime_logs, l, &read) !=
            0)
            continue;
        log_of[i] = ++nlogs;
        /* The days are computed each render: today's bar grows with the time of day. */
        tc_uptime_day_t *mine = &days[i * UPTIME_DAYS];
        memcpy(mine, frame, sizeof frame);
        tc_uptime_days(l->log, l->nlog, now, mine, UPTIME_DAYS);
        row->days = mine;
        row->ndays = UPTIME_DAYS;
        row->uptime = tc_uptime_total(mine, UPTIME_DAYS);
    }
    /* The report's months are computed for all rows at once, as of one instant: again after a
     * status change, a change of rows or of month, or a minute on (the current month's figures
     * grow with the time), not at every write, so the report's documents stay the same
     * between (render_uptime.c keys them by this instant). */
    bool same = nlogs == d->nuptime_logs && !read && d->uptime_at &&
                now - d->uptime_at < UPTIME_REPORT_REFRESH_MS;
    for (size_t k = 0; same && k < nlogs; k++)
        same = logs[k].months[0].start == month_frame[0].start;
    if (!same)
        d->uptime_at = now;
    for (size_t i = 0; i < nrows; i++) {
        if (!log_of[i])
            continue;
        uptime_log_t *l = &logs[log_of[i] - 1];
        if (!same) {
            memcpy(l->months, month_frame, sizeof month_frame);
            tc_uptime_days(l->log, l->nlog, now, l->months, UPTIME_MONTHS);
        }
        rows[i].months = l->months;
        rows[i].nmonths = UPTIME_MONTHS;
    }
    free(log_of);
    view.uptime_at = d->uptime_at;
    /* Logs not taken over belong to rows that changed or left the page. */
    tc_engine__uptime_logs_free(d);
    d->uptime_logs = logs;
    d->nuptime_logs = nlogs;
    d->fresh_results = 0;
    view.changed_known = d->nchanged <= CHANGED_MAX;
    view.changed = d->changed;
    view.nchanged = view.changed_known ? d->nchanged : 0;
    tc_snapshot_t *snap = tc_render(&view, ++d->generation, d->render_state);
    d->nchanged = 0; /* the next render is told what changed after this one */
    free(latencies);
    free(days);
    free(rows);
    return snap;
}

static void render_now(tc_engine_t *d)
{
    if (d->config->node.probe_only)
        return; /* it serves no page (engine.c) */
    tc_snapshot_t *snap = tc_engine__build_snapshot(d);
    tc_engine__mirror(d, snap);
    tc_http_publish(d->http, snap);
    tc_log(TC_LOG_DEBUG, MODULE, "published snapshot %llu", (unsigned long long)d->generation);
    /* The change is committed: the other nodes read it again when told (cluster.c). */
    if (d->announce && d->link)
        tc_store_link_announce(d->link);
    d->announce = false;
}

void tc_engine__serve_page(tc_engine_t *d, tc_http_request_t *req)
{
    tc_snapshot_t *snap = NULL;
    int rc = tc_render_on_demand(tc_engine_view(d), d->generation + 1, d->render_state,
                                 tc_http_path(req), tc_clock_mono_ms(), &snap);
    if (rc == 0) {
        d->generation++;
        tc_http_publish(d->http, snap);
    }
    /* Made now, made by a request before (TC_EEXIST), or no such page: the snapshot says. */
    tc_http_reply_document(req);
}

static void on_render_timer(uv_timer_t *t)
{
    render_now(t->data);
}

/* Ask for a new snapshot; changes within the coalescing window share one render. */
void tc_engine__refresh_render(tc_engine_t *d)
{
    d->view_valid = false; /* whatever changed, the next reader sees it */
    if (!uv_is_active((uv_handle_t *)&d->render_timer))
        uv_timer_start(&d->render_timer, on_render_timer, RENDER_DELAY_MS, 0);
}

void tc_engine__request_render(tc_engine_t *d)
{
    d->announce = true;
    tc_engine__refresh_render(d);
}
