/* The engine. One libuv loop on this thread owns the config generation, the store handle and
 * the component state; every change ends in tc_daemon's render step, which builds a view,
 * renders a snapshot and publishes it to the HTTP server. Renders are coalesced: a burst of
 * changes within RENDER_DELAY_MS produces one snapshot. */
#include "core/daemon.h"
#include "core/daemon_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uv.h>

#include "config/config.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/curl_glue.h"
#include "core/err.h"
#include "core/log.h"
#include "core/secret.h"
#include "monitor/monitor.h"
#include "probe/probe.h"
#include "sched/sched.h"
#include "status/rollup.h"
#include "store/store.h"
#include "web/http_server.h"
#include "web/render.h"

#define MODULE "engine"
/* Load the config file and apply the command line's overrides to it, so a reload compares
 * like with like. @return 0, or TC_ECONFIG with "FILE:LINE:COL: msg" lines in *errors. */
static int load_config(const tc_daemon_opts_t *opts, tc_config_t **out, char **errors)
{
    int rc = tc_config_load(opts->config_path, out, errors);
    if (rc)
        return rc;
    tc_config_t *c = *out;
    if (opts->listen) {
        char *host = NULL;
        int port = 0;
        if (tc_config_parse_listen(opts->listen, &host, &port) != 0) {
            *errors = tc_strdup("--listen must be HOST:PORT, e.g. 127.0.0.1:8080\n");
            tc_config_free(c);
            *out = NULL;
            return TC_ECONFIG;
        }
        free(c->server.host);
        c->server.host = host;
        c->server.port = port;
    }
    if (opts->data_dir) {
        free(c->storage_path);
        c->storage_path = tc_strdup(opts->data_dir);
    }
    return 0;
}

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
static int adopt_rows(tc_daemon_t *d, const tc_config_t *c)
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
    return 0;
}

static int by_position(const void *a, const void *b)
{
    const tc_view_row_t *x = a, *y = b;
    if (x->position != y->position)
        return x->position < y->position ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Lay the rows out in display order: top-level rows by position, each group followed by its
 * children by position; groups take the worst status of their children. */
static tc_view_row_t *build_rows(const tc_daemon_t *d, size_t *n)
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
        /* Fallback advice lives in the config only: it is text for readers, not state. */
        for (size_t k = 0; d->config && k < d->config->ncomponents; k++) {
            const tc_component_cfg_t *cc = &d->config->components[k];
            if (!r->is_group && cc->id && strcmp(cc->id, r->id) == 0) {
                v->fallback = cc->fallback;
                v->vendor_url = cc->vendor_url;
            }
        }
    }
    for (size_t i = 0; i < d->nrows; i++) {
        if (!all[i].is_group)
            continue;
        all[i].status = TC_STATUS_OPERATIONAL;
        for (size_t j = 0; j < d->nrows; j++) {
            if (all[j].group_id && strcmp(all[j].group_id, all[i].id) == 0) {
                all[i].status = tc_status_worst(all[i].status, all[j].status);
                if (all[j].updated_at > all[i].updated_at)
                    all[i].updated_at = all[j].updated_at;
            }
        }
    }
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
static size_t row_latencies(const tc_daemon_t *d, const char *row_id, double *out)
{
    for (size_t j = 0; j < d->nmonitors; j++) {
        const mon_slot_t *slot = &d->monitors[j];
        for (size_t k = 0; k < slot->cfg->ncomponents; k++) {
            if (strcmp(slot->cfg->components[k], row_id) != 0 || !slot->nrecent)
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

void tc_daemon__view(tc_daemon_t *d, tc_view_t *view)
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
    tc_rollup_t rollup = tc_rollup(leaves, nleaves);
    free(leaves);
    const tc_incident_t **incidents = tc_calloc(d->nincidents, sizeof *incidents);
    for (size_t i = 0; i < d->nincidents; i++) {
        const tc_incident_t *inc = d->incidents[i];
        incidents[i] = inc;
        if (inc->updated_at > updated)
            updated = inc->updated_at;
        /* Open incidents raise the page status to their impact (statuspage.md §1.3: the
         * documented rule only says incidents count; taking the worse is the safe reading). */
        if (!tc_incident_is_open(inc))
            continue;
        if (inc->is_maintenance) {
            if (inc->status == TC_INC_IN_PROGRESS || inc->status == TC_INC_VERIFYING)
                rollup = tc_rollup_raise(rollup, TC_INDICATOR_MAINTENANCE);
        } else if (inc->impact == TC_IMPACT_MINOR) {
            rollup = tc_rollup_raise(rollup, TC_INDICATOR_MINOR);
        } else if (inc->impact == TC_IMPACT_MAJOR) {
            rollup = tc_rollup_raise(rollup, TC_INDICATOR_MAJOR);
        } else if (inc->impact == TC_IMPACT_CRITICAL) {
            rollup = tc_rollup_raise(rollup, TC_INDICATOR_CRITICAL);
        }
    }
    qsort(incidents, d->nincidents, sizeof *incidents, newest_first);
    memset(view, 0, sizeof *view);
    view->page_id = c->page.id;
    view->page_name = c->page.name;
    view->page_url = c->page.url;
    view->page_description = c->page.description;
    view->time_zone = c->page.time_zone;
    view->updated_at = updated;
    view->rows = rows;
    view->nrows = nrows;
    view->rollup = rollup;
    view->incidents = (const tc_incident_t *const *)incidents;
    view->nincidents = d->nincidents;
    view->now = tc_clock_wall_ms();
    for (int i = 0; i < 5; i++)
        view->impact_labels[i] = c->page.impact_labels[i];
    view->subscribe_email = c->subscribers.email_channel != NULL;
}

void tc_daemon__view_free(tc_view_t *view)
{
    free((void *)view->rows);
    free((void *)view->incidents);
}

static tc_snapshot_t *build_snapshot(tc_daemon_t *d)
{
    tc_view_t view;
    tc_daemon__view(d, &view);
    tc_view_row_t *rows = (tc_view_row_t *)view.rows;
    size_t nrows = view.nrows;
    tc_uptime_day_t *days = tc_calloc(nrows * UPTIME_DAYS, sizeof *days);
    double *latencies = tc_calloc(nrows * RECENT, sizeof *latencies);
    int64_t now = view.now;
    /* Day boundaries in the page's zone, shared by every row. */
    tc_uptime_day_t frame[UPTIME_DAYS];
    for (int i = 0; i < UPTIME_DAYS; i++) {
        frame[i].start = tc_clock_local_midnight(now, UPTIME_DAYS - 1 - i);
        frame[i].end = tc_clock_local_midnight(now, UPTIME_DAYS - 2 - i);
    }
    for (size_t i = 0; i < nrows; i++) {
        tc_view_row_t *row = &rows[i];
        if (row->is_group)
            continue;
        row->nlatencies = row_latencies(d, row->id, &latencies[i * RECENT]);
        row->latencies = row->nlatencies ? &latencies[i * RECENT] : NULL;
        if (!row->showcase)
            continue;
        tc_status_change_t *log = NULL;
        size_t nlog = 0;
        char err[256];
        if (tc_store_status_log(d->store, row->id, frame[0].start, &log, &nlog, err,
                                sizeof err) != 0) {
            tc_log(TC_LOG_ERROR, MODULE, "cannot read the status log of %s: %s", row->id, err);
            continue;
        }
        tc_uptime_day_t *mine = &days[i * UPTIME_DAYS];
        memcpy(mine, frame, sizeof frame);
        tc_uptime_days(log, nlog, now, mine, UPTIME_DAYS);
        free(log);
        row->days = mine;
        row->ndays = UPTIME_DAYS;
        row->uptime = tc_uptime_total(mine, UPTIME_DAYS);
    }
    d->fresh_results = 0;
    tc_snapshot_t *snap = tc_render(&view, ++d->generation, d->render_cache);
    free(latencies);
    free(days);
    tc_daemon__view_free(&view);
    return snap;
}

static void render_now(tc_daemon_t *d)
{
    tc_http_publish(d->http, build_snapshot(d));
    tc_log(TC_LOG_DEBUG, MODULE, "published snapshot %llu", (unsigned long long)d->generation);
}

static void on_render_timer(uv_timer_t *t)
{
    render_now(t->data);
}

/* Ask for a new snapshot; changes within the coalescing window share one render. */
void tc_daemon__request_render(tc_daemon_t *d)
{
    if (!uv_is_active((uv_handle_t *)&d->render_timer))
        uv_timer_start(&d->render_timer, on_render_timer, RENDER_DELAY_MS, 0);
}

static void on_heartbeat(uv_timer_t *t)
{
    tc_daemon_t *d = t->data;
    atomic_store(&d->heartbeat, tc_clock_mono_ms());
    tc_http_reap(d->http);
}


/* ---- monitoring: schedule → probe → judge → threshold state → component status ---- */

static void flush_results(tc_daemon_t *d)
{
    if (!d->npending)
        return;
    char err[256];
    if (tc_store_add_results(d->store, d->pending, d->npending, err, sizeof err) != 0)
        tc_log(TC_LOG_ERROR, MODULE, "cannot save %zu results: %s", d->npending, err);
    for (size_t i = 0; i < d->npending; i++)
        free(d->pending_reasons[i]);
    d->npending = 0;
}

static void on_flush_timer(uv_timer_t *t)
{
    flush_results(t->data);
}

static void queue_result(tc_daemon_t *d, const tc_monitor_cfg_t *m, const tc_result_t *r)
{
    if (d->npending == d->cap_pending) {
        d->cap_pending = d->cap_pending ? d->cap_pending * 2 : 256;
        d->pending = tc_realloc(d->pending, d->cap_pending * sizeof *d->pending);
        d->pending_reasons = tc_realloc(d->pending_reasons,
                                        d->cap_pending * sizeof *d->pending_reasons);
    }
    d->pending_reasons[d->npending] = tc_strdup(r->reason);
    tc_store_result_t *p = &d->pending[d->npending];
    p->monitor_id = m->id;
    p->at = r->started_at;
    p->verdict = (int)r->verdict;
    p->latency_ms = r->response_ms;
    p->reason = d->pending_reasons[d->npending];
    d->npending++;
}

tc_store_row_t *tc_daemon__row(tc_daemon_t *d, const char *id)
{
    for (size_t i = 0; i < d->nrows; i++)
        if (strcmp(d->rows[i].id, id) == 0)
            return &d->rows[i];
    return NULL;
}

/* The status component @p row should have now, by precedence: a person's, then the open
 * incidents' (the worst they set), then an in-progress maintenance, then its monitors (the
 * worst; monitors still unknown do not count), else operational. *keep is set when nothing
 * has spoken yet and the stored status should stay (monitors not run since a restart). */
static tc_status_t wanted_status(const tc_daemon_t *d, const tc_store_row_t *row, int *keep)
{
    *keep = 0;
    if (row->has_manual)
        return row->manual_status;
    int set = 0;
    tc_status_t status = TC_STATUS_OPERATIONAL;
    for (size_t i = 0; i < d->nincidents; i++) {
        const tc_incident_t *inc = d->incidents[i];
        if (!tc_incident_is_open(inc))
            continue;
        for (size_t k = 0; k < inc->ncomponents; k++) {
            if (strcmp(inc->component_ids[k], row->id) != 0)
                continue;
            if (inc->is_maintenance) {
                if (inc->status == TC_INC_IN_PROGRESS || inc->status == TC_INC_VERIFYING) {
                    status = tc_status_worst(status, TC_STATUS_UNDER_MAINTENANCE);
                    set = 1;
                }
            } else {
                status = tc_status_worst(status, inc->component_status[k]);
                set = 1;
            }
        }
    }
    if (set)
        return status;
    int known = 0;
    size_t r = (size_t)(row - d->rows);
    int fed = d->feed_start && d->feed_start[r + 1] > d->feed_start[r];
    for (size_t f = fed ? d->feed_start[r] : 0; fed && f < d->feed_start[r + 1]; f++) {
        const mon_slot_t *slot = &d->monitors[d->feed_slots[f]];
        tc_monitor_state_t st = slot->tracker.state;
        if (st == TC_MONITOR_UNKNOWN)
            continue;
        known = 1;
        status = tc_status_worst(status, tc_monitor_component_status(st, slot->cfg->down_status));
    }
    *keep = fed && !known;
    return status;
}

/* Which monitors feed which row, as one array of slot indexes per row (CSR layout), so a
 * state change costs the row's own monitors, not every monitor: 10,000 monitors coming up
 * at start would otherwise cost 10,000 × 10,000 comparisons. Rebuilt when rows or monitors
 * change. */
static void index_feeds(tc_daemon_t *d)
{
    free(d->feed_start);
    free(d->feed_slots);
    d->feed_start = tc_calloc(d->nrows + 1, sizeof *d->feed_start);
    size_t total = 0;
    for (size_t j = 0; j < d->nmonitors; j++)
        total += d->monitors[j].cfg->ncomponents;
    d->feed_slots = tc_calloc(total ? total : 1, sizeof *d->feed_slots);
    /* Rows by position in d->rows; a monitor's component ids were checked at load. */
    size_t n = 0;
    for (size_t r = 0; r < d->nrows; r++) {
        d->feed_start[r] = n;
        for (size_t j = 0; j < d->nmonitors; j++) {
            const tc_monitor_cfg_t *m = d->monitors[j].cfg;
            for (size_t k = 0; k < m->ncomponents; k++)
                if (strcmp(m->components[k], d->rows[r].id) == 0)
                    d->feed_slots[n++] = j;
        }
    }
    d->feed_start[d->nrows] = n;
}

void tc_daemon__derive_components(tc_daemon_t *d)
{
    int64_t now = tc_clock_wall_ms();
    int changed = 0;
    char txerr[256];
    /* Each change and the subscriber messages it causes are stored together. */
    int tx = tc_store_begin(d->store, txerr, sizeof txerr) == 0;
    for (size_t i = 0; i < d->nrows; i++) {
        tc_store_row_t *row = &d->rows[i];
        if (row->is_group)
            continue;
        int keep;
        tc_status_t status = wanted_status(d, row, &keep);
        if (keep || status == row->status)
            continue;
        char err[256];
        if (tc_store_set_status(d->store, row->id, status, now, err, sizeof err) != 0) {
            tc_log(TC_LOG_ERROR, MODULE, "cannot save status of %s: %s", row->id, err);
            continue;
        }
        tc_log(TC_LOG_INFO, MODULE, "component %s: %s -> %s", row->id,
               tc_status_name(row->status), tc_status_name(status));
        tc_status_t old = row->status;
        row->status = status;
        row->updated_at = now;
        changed = 1;
        if (!d->quiet)
            tc_daemon__notify_component(d, row, old, now);
    }
    if (tx && tc_store_commit(d->store, txerr, sizeof txerr) != 0)
        tc_log(TC_LOG_ERROR, MODULE, "component statuses not saved: %s", txerr);
    if (changed && d->notify)
        tc_notify_kick(d->notify);
    if (changed)
        tc_daemon__request_render(d);
}

static void on_probe_done(const tc_monitor_cfg_t *m, tc_result_t *r, void *arg)
{
    ticket_t *t = arg;
    tc_daemon_t *d = t->d;
    int current = t->epoch == d->monitor_epoch;
    mon_slot_t *slot = current ? &d->monitors[t->slot] : NULL;
    free(t);
    d->in_flight--;
    if (slot)
        slot->run = NULL;
    if (!slot || r->canceled)
        return;
    slot->checks[r->verdict]++;
    slot->last_ms = r->response_ms;
    slot->last_at = r->started_at;
    if (r->connected) {
        slot->recent[slot->nrecent++ % RECENT] = r->response_ms;
        d->fresh_results = 1;
    }
    snprintf(slot->last_reason, sizeof slot->last_reason, "%s", r->reason);
    queue_result(d, m, r);
    tc_monitor_state_t before = slot->tracker.state;
    tc_monitor_state_t after = tc_monitor_observe(&slot->tracker, r->verdict,
                                                  m->failure_threshold, m->success_threshold);
    if (after == before) {
        if (after == TC_MONITOR_DOWN || after == TC_MONITOR_DEGRADED)
            tc_daemon__alert(d, slot, before, after, r, true);
        return;
    }
    tc_log(after == TC_MONITOR_UP ? TC_LOG_INFO : TC_LOG_WARN, MODULE,
           "monitor %s: %s -> %s%s%s", m->id, tc_monitor_state_name(before),
           tc_monitor_state_name(after), r->reason[0] ? ": " : "", r->reason);
    /* One transaction: the alerts, the automatic incident and the component statuses are
     * stored together or not at all. Alerts and the incident go first, so they record the
     * components' old status. */
    char err[256];
    int tx = tc_store_begin(d->store, err, sizeof err) == 0;
    tc_daemon__alert(d, slot, before, after, r, false);
    tc_daemon__auto_incident(d, m, before, after, r->reason);
    tc_daemon__derive_components(d);
    if (tx && tc_store_commit(d->store, err, sizeof err) != 0)
        tc_log(TC_LOG_ERROR, MODULE, "monitor %s: state change not saved: %s", m->id, err);
    tc_notify_kick(d->notify);
}

static void on_due(size_t index, int64_t lag_ms, void *arg)
{
    tc_daemon_t *d = arg;
    mon_slot_t *slot = &d->monitors[index];
    d->lags[d->nlags++ % LAG_WINDOW] = lag_ms;
    if (slot->run || d->in_flight >= MAX_IN_FLIGHT) {
        slot->skipped++;
        return;
    }
    ticket_t *t = tc_malloc(sizeof *t);
    t->d = d;
    t->slot = index;
    t->epoch = d->monitor_epoch;
    int rc = tc_probe_start(slot->cfg, &d->probe_env, on_probe_done, t, &slot->run);
    if (rc) {
        free(t);
        slot->run = NULL;
        tc_log(TC_LOG_ERROR, MODULE, "monitor %s: cannot start: %s", slot->cfg->id,
               tc_strerror(rc));
        return;
    }
    d->in_flight++;
}

/* Stop every run and forget the schedule; results still in flight are dropped by epoch. */
static void stop_monitors(tc_daemon_t *d)
{
    d->monitor_epoch++;
    tc_sched_clear(d->sched);
    for (size_t i = 0; i < d->nmonitors; i++)
        if (d->monitors[i].run)
            tc_probe_cancel(d->monitors[i].run);
    flush_results(d);
    free(d->monitors);
    d->monitors = NULL;
    d->nmonitors = 0;
}

/* A new slot replays the monitor's last stored verdicts, so a restart during an outage keeps
 * the monitor down until success_threshold good runs, as if it had never stopped. */
static void restore_tracker(tc_daemon_t *d, mon_slot_t *slot)
{
    const tc_monitor_cfg_t *m = slot->cfg;
    size_t max = (size_t)(m->failure_threshold + m->success_threshold);
    int *verdicts = tc_calloc(max, sizeof *verdicts);
    size_t n = 0;
    if (tc_store_last_verdicts(d->store, m->id, max, verdicts, &n) == 0)
        for (size_t k = 0; k < n; k++)
            tc_monitor_observe(&slot->tracker, (tc_verdict_t)verdicts[k], m->failure_threshold,
                               m->success_threshold);
    free(verdicts);
}

/* Build slots for the config's monitors, keeping the state of monitors that still exist, and
 * spread their first runs over their intervals. */
static void start_monitors(tc_daemon_t *d, const tc_config_t *c, mon_slot_t *old, size_t nold)
{
    d->monitors = tc_calloc(c->nmonitors, sizeof *d->monitors);
    d->nmonitors = c->nmonitors;
    int64_t now = tc_clock_mono_ms();
    for (size_t i = 0; i < c->nmonitors; i++) {
        mon_slot_t *slot = &d->monitors[i];
        slot->cfg = &c->monitors[i];
        for (size_t j = 0; j < nold; j++) {
            if (strcmp(old[j].cfg->id, slot->cfg->id) == 0) {
                *slot = old[j];
                slot->cfg = &c->monitors[i];
                slot->run = NULL;
            }
        }
        if (!slot->tracker.state)
            restore_tracker(d, slot);
        int64_t interval = slot->cfg->interval_ms;
        tc_sched_add(d->sched, i, interval, now + tc_sched_spread(slot->cfg->id, interval));
    }
}

static int cmp_lag(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void publish_metrics(tc_daemon_t *d)
{
    tc_buf_t b;
    tc_buf_init(&b, 0);
    size_t n = d->nlags < LAG_WINDOW ? d->nlags : LAG_WINDOW;
    int64_t *sorted = tc_calloc(n ? n : 1, sizeof *sorted);
    memcpy(sorted, d->lags, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_lag);
    tc_buf_printf(&b,
                  "# HELP tocsin_schedule_lag_seconds Actual minus planned start of recent "
                  "probe runs.\n"
                  "# TYPE tocsin_schedule_lag_seconds summary\n"
                  "tocsin_schedule_lag_seconds{quantile=\"0.5\"} %.3f\n"
                  "tocsin_schedule_lag_seconds{quantile=\"0.99\"} %.3f\n"
                  "tocsin_schedule_lag_seconds_count %zu\n"
                  "# HELP tocsin_probes_in_flight Probe runs in progress.\n"
                  "# TYPE tocsin_probes_in_flight gauge\n"
                  "tocsin_probes_in_flight %d\n",
                  n ? (double)sorted[n / 2] / 1000.0 : 0.0,
                  n ? (double)sorted[(n * 99) / 100] / 1000.0 : 0.0, d->nlags, d->in_flight);
    free(sorted);
    tc_buf_puts(&b, "# HELP tocsin_monitor_state 1 for the monitor's current state.\n"
                    "# TYPE tocsin_monitor_state gauge\n");
    for (size_t i = 0; i < d->nmonitors; i++)
        tc_buf_printf(&b, "tocsin_monitor_state{monitor=\"%s\",state=\"%s\"} 1\n",
                      d->monitors[i].cfg->id,
                      tc_monitor_state_name(d->monitors[i].tracker.state));
    tc_buf_puts(&b, "# HELP tocsin_monitor_latency_seconds Duration of the last probe run.\n"
                    "# TYPE tocsin_monitor_latency_seconds gauge\n");
    for (size_t i = 0; i < d->nmonitors; i++)
        if (d->monitors[i].last_at)
            tc_buf_printf(&b, "tocsin_monitor_latency_seconds{monitor=\"%s\"} %.4f\n",
                          d->monitors[i].cfg->id, d->monitors[i].last_ms / 1000.0);
    tc_buf_puts(&b, "# HELP tocsin_monitor_checks_total Probe runs by verdict.\n"
                    "# TYPE tocsin_monitor_checks_total counter\n");
    for (size_t i = 0; i < d->nmonitors; i++)
        for (int v = 0; v < 3; v++)
            tc_buf_printf(&b, "tocsin_monitor_checks_total{monitor=\"%s\",verdict=\"%s\"} %lu\n",
                          d->monitors[i].cfg->id, tc_verdict_name((tc_verdict_t)v),
                          d->monitors[i].checks[v]);
    tc_buf_puts(&b, "# HELP tocsin_monitor_skipped_total Runs skipped because the previous "
                    "one was still going.\n"
                    "# TYPE tocsin_monitor_skipped_total counter\n");
    for (size_t i = 0; i < d->nmonitors; i++)
        tc_buf_printf(&b, "tocsin_monitor_skipped_total{monitor=\"%s\"} %lu\n",
                      d->monitors[i].cfg->id, d->monitors[i].skipped);
    long counts[3], retried = 0;
    if (tc_store_outbox_counts(d->store, counts, &retried) == 0)
        tc_buf_printf(&b,
                      "# HELP tocsin_notifications Notifications in the outbox by state.\n"
                      "# TYPE tocsin_notifications gauge\n"
                      "tocsin_notifications{state=\"pending\"} %ld\n"
                      "tocsin_notifications{state=\"delivered\"} %ld\n"
                      "tocsin_notifications{state=\"dead\"} %ld\n"
                      "# HELP tocsin_notifications_retried Notifications that needed more than "
                      "one attempt.\n"
                      "# TYPE tocsin_notifications_retried gauge\n"
                      "tocsin_notifications_retried %ld\n"
                      "# HELP tocsin_notifications_in_flight Deliveries in progress.\n"
                      "# TYPE tocsin_notifications_in_flight gauge\n"
                      "tocsin_notifications_in_flight %d\n",
                      counts[0], counts[1], counts[2], retried, tc_notify_in_flight(d->notify));
    size_t len;
    char *text = tc_buf_steal(&b, &len);
    tc_http_set_metrics(d->http, text, len);
}

static void on_metrics_timer(uv_timer_t *t)
{
    tc_daemon_t *d = t->data;
    publish_metrics(d);
    /* Sparklines change with every run; re-render for them now and then, not per result, so
     * the page's ETag (and readers' caches) stay valid for a while. */
    if (++d->metrics_ticks % REFRESH_TICKS == 0 && d->fresh_results)
        tc_daemon__request_render(d);
}

static void on_maintenance_timer(uv_timer_t *t)
{
    tc_daemon__maintenance_tick(t->data);
}

/* One slice of a rollup pass; the next slice runs on a later loop turn, so probes and
 * requests interleave with a long pass over thousands of monitors. */
static void on_rollup_step(uv_timer_t *t)
{
    tc_daemon_t *d = t->data;
    char err[256];
    int rc = tc_store_rollup(d->store, d->rollup_now, d->config->raw_retention_ms,
                             d->config->aggregate_retention_ms, &d->rollup_cursor, err,
                             sizeof err);
    if (rc == TC_EAGAIN) {
        uv_timer_start(&d->rollup_step, on_rollup_step, 0, 0);
        return;
    }
    if (rc)
        tc_log(TC_LOG_ERROR, MODULE, "rollup failed: %s", err);
    d->rollup_cursor = 0;
    /* The page's bars move on with the day even when nothing changes. */
    tc_daemon__request_render(d);
}

static void on_rollup_timer(uv_timer_t *t)
{
    tc_daemon_t *d = t->data;
    if (uv_is_active((uv_handle_t *)&d->rollup_step))
        return; /* the previous pass is still going */
    flush_results(d);
    d->rollup_now = tc_clock_wall_ms();
    d->rollup_cursor = 0;
    on_rollup_step(&d->rollup_step);
}

/* ---- requests the HTTP server hands to the engine ---- */

static const tc_channel_cfg_t *channel_lookup(void *ctx, const char *id)
{
    tc_daemon_t *d = ctx;
    if (!id)
        id = d->config->subscribers.email_channel;
    return id ? tc_config_channel(d->config, id) : NULL;
}

static const tc_push_state_t *push_state(void *ctx, const tc_monitor_cfg_t *m)
{
    tc_daemon_t *d = ctx;
    for (size_t i = 0; i < d->nmonitors; i++)
        if (d->monitors[i].cfg == m)
            return &d->monitors[i].push;
    return NULL;
}

/* GET or POST /api/push/<token>[?status=up|down&msg=...&ping=ms] */
static void handle_push(tc_daemon_t *d, tc_http_request_t *req)
{
    const char *method = tc_http_method(req);
    if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0 &&
        strcmp(method, "PUT") != 0) {
        tc_http_reply(req, 405, "{\"error\":\"use GET or POST\"}");
        return;
    }
    const char *token = tc_http_path(req) + strlen("/api/push/");
    mon_slot_t *slot = NULL;
    for (size_t i = 0; i < d->nmonitors; i++) {
        const char *t = tc_probe_push_token(d->monitors[i].cfg);
        if (t && tc_secret_equal(t, token))
            slot = &d->monitors[i];
    }
    if (!slot) {
        tc_http_reply(req, 404, "{\"error\":\"no push monitor has this token\"}");
        return;
    }
    const char *status = tc_http_arg(req, "status");
    if (status && strcmp(status, "up") != 0 && strcmp(status, "down") != 0) {
        tc_http_reply(req, 400, "{\"error\":\"status must be up or down\"}");
        return;
    }
    const char *msg = tc_http_arg(req, "msg");
    const char *ping = tc_http_arg(req, "ping");
    slot->push.last_at = tc_clock_wall_ms();
    slot->push.last_down = status && strcmp(status, "down") == 0;
    double ping_ms = ping ? strtod(ping, NULL) : 0;
    /* Only a plausible duration: NaN or infinity would poison latencies and charts. */
    slot->push.last_ping_ms = ping_ms >= 0 && ping_ms <= 1e7 ? ping_ms : 0;
    snprintf(slot->push.last_msg, sizeof slot->push.last_msg, "%s", msg ? msg : "");
    tc_utf8_clean(slot->push.last_msg);
    tc_http_reply(req, 200, "{\"ok\":true}");
}

static void on_requests(uv_async_t *a)
{
    tc_daemon_t *d = a->data;
    tc_http_request_t *req;
    while ((req = tc_http_take(d->http))) {
        if (d->stopping) {
            tc_http_reply(req, 503, "{\"error\":\"shutting down; try again shortly\"}");
            continue;
        }
        if (strncmp(tc_http_path(req), "/api/push/", 10) == 0)
            handle_push(d, req);
        else if (strncmp(tc_http_path(req), "/v1/", 4) == 0)
            tc_daemon__handle_v1(d, req);
        else if (strncmp(tc_http_path(req), "/api/v2/subscribers", 19) == 0 ||
                 strncmp(tc_http_path(req), "/subscribers/", 13) == 0)
            tc_daemon__handle_subscribers(d, req);
        else
            tc_http_reply(req, 404, "{\"error\":\"not found\"}");
    }
}

static void wake_engine(void *arg)
{
    uv_async_send(arg);
}

static void reload(tc_daemon_t *d)
{
    tc_config_t *next = NULL;
    char *errors = NULL;
    if (load_config(d->opts, &next, &errors) != 0) {
        /* Report every error on its own line and keep the running generation. */
        char *line = errors;
        while (line && *line) {
            char *end = strchr(line, '\n');
            if (end)
                *end = '\0';
            tc_log(TC_LOG_ERROR, MODULE, "reload refused: %s", line);
            line = end ? end + 1 : NULL;
        }
        free(errors);
        tc_log(TC_LOG_WARN, MODULE, "keeping the running configuration");
        return;
    }
    /* The listen address and data folder are bound at start; they need a restart. */
    const tc_config_t *cur = d->config;
    if (strcmp(next->server.host, cur->server.host) != 0 ||
        next->server.port != cur->server.port ||
        strcmp(next->storage_path, cur->storage_path) != 0)
        tc_log(TC_LOG_WARN, MODULE, "server.listen and storage.path take effect at restart");
    if (adopt_rows(d, next) != 0) {
        tc_config_free(next);
        tc_log(TC_LOG_WARN, MODULE, "keeping the running configuration");
        return;
    }
    /* Keep the old slots (and their threshold state) until the new ones copied them. */
    mon_slot_t *old = d->monitors;
    size_t nold = d->nmonitors;
    d->monitors = NULL;
    d->nmonitors = 0;
    d->monitor_epoch++;
    tc_sched_clear(d->sched);
    for (size_t i = 0; i < nold; i++)
        if (old[i].run)
            tc_probe_cancel(old[i].run);
    flush_results(d);
    start_monitors(d, next, old, nold);
    index_feeds(d);
    free(old);
    tc_config_free(d->config);
    d->config = next;
    tc_notify_allow_private(d->notify, next->subscribers.allow_private_webhooks);
    /* Incidents may have been imported by `tocsin import` while we ran. */
    tc_daemon__load_incidents(d);
    tc_daemon__derive_components(d);
    tc_clock_use_zone(next->page.time_zone);
    tc_log(TC_LOG_INFO, MODULE,
           "configuration reloaded: %zu groups, %zu components, %zu monitors", next->ngroups,
           next->ncomponents, next->nmonitors);
    tc_daemon__request_render(d);
}

static void on_signal(uv_signal_t *s, int signum)
{
    tc_daemon_t *d = s->data;
    if (signum == SIGHUP) {
        tc_log(TC_LOG_INFO, MODULE, "SIGHUP: reloading %s", d->opts->config_path);
        reload(d);
        return;
    }
    tc_log(TC_LOG_INFO, MODULE, "signal %d: shutting down", signum);
    uv_stop(&d->loop);
}

/* Thousands of simultaneous readers need thousands of descriptors. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

int tc_daemon_run(const tc_daemon_opts_t *opts)
{
    tc_daemon_t d;
    memset(&d, 0, sizeof d);
    d.opts = opts;
    d.started_at = tc_clock_wall_ms();
    int exit_code = 1;
    int loop_ready = 0;
    char err[512];

    char *errors = NULL;
    if (load_config(opts, &d.config, &errors) != 0) {
        /* Printed as they are, one per line, like a compiler's, for the user fixing it. */
        fputs(errors, stderr);
        free(errors);
        return 2;
    }
    d.render_cache = tc_snapshot_cache_new(); /* freed on every path below, at out: */
    tc_clock_use_zone(d.config->page.time_zone);
    raise_fd_limit();
    if (tc_store_open(d.config->storage_path, &d.store, err, sizeof err) != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "cannot open store: %s", err);
        goto out;
    }
    if (tc_daemon__subscribers_init(&d) != 0 || adopt_rows(&d, d.config) != 0 ||
        tc_daemon__load_incidents(&d) != 0)
        goto out;

    if (uv_loop_init(&d.loop) != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "cannot create the event loop");
        goto out;
    }
    loop_ready = 1;
    uv_async_init(&d.loop, &d.requests, on_requests);
    d.requests.data = &d;
    atomic_store(&d.heartbeat, tc_clock_mono_ms());
    tc_http_opts_t hopts = {
        .host = d.config->server.host,
        .port = d.config->server.port,
        .connection_limit = d.config->server.connection_limit,
        .per_ip_limit = d.config->server.per_ip_limit,
        .connection_timeout = d.config->server.connection_timeout,
        .header_timeout = d.config->server.header_timeout,
        .body_timeout = d.config->server.body_timeout,
        .trusted_proxies = (const char *const *)d.config->server.trusted_proxies,
        .trusted_proxy_header = d.config->server.trusted_proxy_header,
        .heartbeat = &d.heartbeat,
        .wake = wake_engine,
        .wake_arg = &d.requests,
    };
    /* The first snapshot is ready before the port opens, so no reader ever gets a 503. */
    if (tc_http_start(&hopts, build_snapshot(&d), &d.http, err, sizeof err) != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "%s", err);
        goto out;
    }
    uv_timer_init(&d.loop, &d.render_timer);
    uv_timer_init(&d.loop, &d.heartbeat_timer);
    d.render_timer.data = d.heartbeat_timer.data = &d;
    uv_signal_init(&d.loop, &d.sighup);
    uv_signal_init(&d.loop, &d.sigterm);
    uv_signal_init(&d.loop, &d.sigint);
    d.sighup.data = d.sigterm.data = d.sigint.data = &d;
    uv_signal_start(&d.sighup, on_signal, SIGHUP);
    uv_signal_start(&d.sigterm, on_signal, SIGTERM);
    uv_signal_start(&d.sigint, on_signal, SIGINT);
    uv_timer_start(&d.heartbeat_timer, on_heartbeat, HEARTBEAT_MS, HEARTBEAT_MS);
    uv_timer_init(&d.loop, &d.flush_timer);
    uv_timer_init(&d.loop, &d.metrics_timer);
    uv_timer_init(&d.loop, &d.rollup_timer);
    uv_timer_init(&d.loop, &d.rollup_step);
    d.flush_timer.data = d.metrics_timer.data = d.rollup_timer.data = d.rollup_step.data = &d;
    uv_timer_start(&d.rollup_timer, on_rollup_timer, 0, ROLLUP_MS);
    uv_timer_init(&d.loop, &d.maintenance_timer);
    d.maintenance_timer.data = &d;
    uv_timer_start(&d.maintenance_timer, on_maintenance_timer, 0, MAINTENANCE_MS);
    uv_timer_start(&d.flush_timer, on_flush_timer, FLUSH_MS, FLUSH_MS);
    uv_timer_start(&d.metrics_timer, on_metrics_timer, METRICS_MS, METRICS_MS);

    d.curl = tc_curl_new(&d.loop);
    d.sched = tc_sched_new(&d.loop, on_due, &d);
    d.probe_env.loop = &d.loop;
    d.probe_env.curl = d.curl;
    d.probe_env.push_state = push_state;
    d.probe_env.push_ctx = &d;
    d.notify = tc_notify_new(&d.loop, d.curl, d.store, channel_lookup, &d);
    tc_notify_allow_private(d.notify, d.config->subscribers.allow_private_webhooks);
    start_monitors(&d, d.config, NULL, 0);
    index_feeds(&d);
    tc_daemon__derive_components(&d);

    tc_log(TC_LOG_INFO, MODULE,
           "serving \"%s\" on http://%s:%d/ (%zu monitors, data in %s, schema v%d)",
           d.config->page.name, d.config->server.host, d.config->server.port,
           d.config->nmonitors, d.config->storage_path, tc_store_schema_version(d.store));
    uv_run(&d.loop, UV_RUN_DEFAULT);

    /* From here on, requests that reach the engine are refused: the notify worker and the
     * monitors are going away while the loop still runs to close their handles. */
    d.stopping = 1;
    uv_timer_stop(&d.metrics_timer);
    uv_timer_stop(&d.maintenance_timer);
    uv_timer_stop(&d.rollup_timer);
    uv_timer_stop(&d.rollup_step);
    stop_monitors(&d);
    tc_notify_free(d.notify);
    d.notify = NULL;
    /* Cancelled runs close their handles asynchronously; let them report before every
     * remaining handle is closed below (bounded, in case one never does). */
    int64_t give_up = tc_clock_mono_ms() + 5000;
    while (d.in_flight > 0 && tc_clock_mono_ms() < give_up)
        uv_run(&d.loop, UV_RUN_ONCE);
    tc_sched_free(d.sched);
    tc_curl_free(d.curl);
    exit_code = 0;
out:
    /* The HTTP threads wake the loop; stop them before the loop's handles go. */
    tc_http_stop(d.http);
    if (loop_ready) {
        /* Close every handle and let the loop run their close callbacks before freeing it. */
        uv_walk(&d.loop, close_walk, NULL);
        uv_run(&d.loop, UV_RUN_DEFAULT);
        uv_loop_close(&d.loop);
    }
    tc_store_close(d.store);
    tc_store_rows_free(d.rows, d.nrows);
    free(d.pending);
    free(d.feed_start);
    free(d.feed_slots);
    free(d.pending_reasons);
    tc_daemon__free_incidents(&d);
    tc_snapshot_cache_free(d.render_cache);
    tc_daemon__subscribers_free(&d);
    tc_config_free(d.config);
    if (exit_code == 0)
        tc_log(TC_LOG_INFO, MODULE, "stopped");
    return exit_code;
}
