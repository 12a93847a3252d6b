/* Monitoring on the engine thread: schedule -> probe -> judge -> (re-checks) -> tracker state
 * (thresholds, failure window, flapping) -> component status. Owns the monitor slots (rebuilt on reload, keeping threshold state and pauses),
 * batches results into the store, publishes /metrics figures, and answers push (heartbeat)
 * monitors' pings (the store's rollups and checkpoints are upkeep.c's). The console's commands on
 * monitors live here too: pause and resume (stored, so they outlive reloads and restarts),
 * and "check now", whose request is answered when the run ends, never blocking the loop. */
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
#include "core/secret.h"
#include "engine/engine_int.h"
#include "probe/probe.h"
#include "sched/sched.h"
#include "status/status.h"
#include "status/tracker.h"
#include "status/window.h"
#include "store/store.h"
#include "web/http_server.h"

#define MODULE "engine"

void tc_engine__flush_results(tc_engine_t *d)
{
    if (!d->npending)
        return;
    char err[256];
    /* With PostgreSQL the writer's thread takes the batch (a copy): the loop does not wait
     * for the network and the server's commit. */
    if (d->writer)
        tc_store_writer_add(d->writer, d->pending, d->npending);
    else if (tc_store_add_results(d->store, d->pending, d->npending, err, sizeof err) != 0)
        tc_log(TC_LOG_ERROR, MODULE, "cannot save %zu results: %s", d->npending, err);
    for (size_t i = 0; i < d->npending; i++)
        free(d->pending_reasons[i]);
    d->npending = 0;
}

void tc_engine__on_flush_timer(uv_timer_t *t)
{
    /* /metrics is built on request only; /healthz's cluster figures follow the flushes: what
     * is still waiting from the flush before, which the writer has saved by now unless the
     * store is away (before this flush hands it more). */
    tc_engine__cluster_health(t->data);
    tc_engine__flush_results(t->data);
}

static void queue_result(tc_engine_t *d, const tc_monitor_cfg_t *m, const tc_result_t *r)
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
    p->location = d->config->node.location;
    d->npending++;
}

/* A re-check of a failed run, waiting for its retry_interval. Owned by the engine's list
 * until its timer is closed. */
typedef struct retry {
    uv_timer_t timer;        /* first member: the close callback frees the whole struct */
    tc_engine_t *d;
    size_t slot;
    uint64_t epoch;          /* the monitor generation it belongs to */
    struct retry *prev, *next;
} retry_t;

static int start_run(tc_engine_t *d, size_t index, int64_t due);

static void free_retry(uv_handle_t *h)
{
    free(h);
}

/* Take @p rt off the engine's list and close its timer (which frees it). */
static void drop_retry(retry_t *rt)
{
    if (rt->prev)
        rt->prev->next = rt->next;
    else
        rt->d->retries = rt->next;
    if (rt->next)
        rt->next->prev = rt->prev;
    uv_timer_stop(&rt->timer);
    uv_close((uv_handle_t *)&rt->timer, free_retry);
}

static void on_retry_due(uv_timer_t *h)
{
    retry_t *rt = (retry_t *)h;
    tc_engine_t *d = rt->d;
    size_t index = rt->slot;
    int current = rt->epoch == d->monitor_epoch;
    drop_retry(rt);
    if (!current)
        return;
    mon_slot_t *slot = &d->monitors[index];
    slot->retry = NULL;
    /* With too many runs in flight the re-check is skipped like a due run, and the next
     * due run starts afresh. */
    if (start_run(d, index, 0) != 0) {
        slot->skipped++;
        slot->attempt = 0;
    }
}

static void schedule_retry(tc_engine_t *d, size_t index)
{
    mon_slot_t *slot = &d->monitors[index];
    retry_t *rt = tc_calloc(1, sizeof *rt);
    rt->d = d;
    rt->slot = index;
    rt->epoch = d->monitor_epoch;
    rt->next = d->retries;
    if (d->retries)
        d->retries->prev = rt;
    d->retries = rt;
    uv_timer_init(&d->loop, &rt->timer);
    uv_timer_start(&rt->timer, on_retry_due, (uint64_t)slot->cfg->retry_interval_ms, 0);
    slot->retry = rt;
}

/* Cancel every waiting re-check (config generation replaced, or shutdown). */
static void drop_retries(tc_engine_t *d)
{
    while (d->retries)
        drop_retry(d->retries);
}

/* The exact words for a state the run alone does not explain: a failure share, flapping. */
static void state_reason(const mon_slot_t *slot, tc_monitor_state_t before,
                         tc_monitor_state_t after, const tc_result_t *r, char *out, size_t size)
{
    const tc_monitor_cfg_t *m = slot->cfg;
    const tc_monitor_tracker_t *t = &slot->tracker;
    size_t failed = tc_window_failures(&slot->window, (size_t)m->window);
    if (after == TC_MONITOR_FLAPPING) {
        snprintf(out, size, "%.0f%% weighted state change over the last %d runs "
                            "(flap_start %g%%); last run: %s",
                 t->flap_percent, TC_FLAP_RUNS, m->flap_start, r->reason[0] ? r->reason : "up");
    } else if (before == TC_MONITOR_FLAPPING) {
        snprintf(out, size, "%.0f%% weighted state change over the last %d runs (flap_stop "
                            "%g%%)%s%s",
                 t->flap_percent, TC_FLAP_RUNS, m->flap_stop, r->reason[0] ? "; last run: " : "",
                 r->reason);
    } else if (after == t->level && after != t->threshold &&
               (after == TC_MONITOR_DOWN || after == TC_MONITOR_DEGRADED)) {
        snprintf(out, size, "%zu of the last %d runs failed (%.0f%%, %s %g)%s%s", failed,
                 m->window, t->share * 100,
                 after == TC_MONITOR_DOWN ? "down_ratio" : "degraded_ratio",
                 after == TC_MONITOR_DOWN ? m->down_ratio : m->degraded_ratio,
                 r->reason[0] ? "; last failure: " : "", r->reason);
    } else {
        snprintf(out, size, "%s", r->reason);
    }
}

/* A run that will count: a re-check of a failure first, when the monitor asks for them.
 * @return true when the run is held back for a re-check. */
static bool hold_for_retry(tc_engine_t *d, size_t index, tc_result_t *r)
{
    mon_slot_t *slot = &d->monitors[index];
    const tc_monitor_cfg_t *m = slot->cfg;
    if (r->verdict == TC_VERDICT_DOWN && slot->attempt < m->retries) {
        if (slot->attempt == 0)
            snprintf(slot->first_failure, sizeof slot->first_failure, "%.*s",
                     (int)sizeof slot->first_failure - 1, r->reason);
        slot->attempt++;
        slot->retried++;
        tc_log(TC_LOG_INFO, MODULE, "monitor %s: failed (%s); re-check %d of %d in %ld ms",
               m->id, r->reason, slot->attempt, m->retries, m->retry_interval_ms);
        schedule_retry(d, index);
        return true;
    }
    if (slot->attempt == 0)
        return false;
    /* Said, not hidden: the result records that the first attempt failed. */
    tc_buf_t reason;
    tc_buf_init(&reason, 0);
    if (r->verdict == TC_VERDICT_DOWN) {
        tc_buf_printf(&reason, "%s (failed on %d re-check%s too)", r->reason, slot->attempt,
                      slot->attempt > 1 ? "s" : "");
    } else {
        slot->recovered++;
        tc_buf_printf(&reason, "recovered on retry %d of %d (first attempt: %s)%s%s",
                      slot->attempt, m->retries, slot->first_failure, r->reason[0] ? "; " : "",
                      r->reason);
        tc_log(TC_LOG_INFO, MODULE, "monitor %s: %s", m->id, reason.data);
    }
    snprintf(r->reason, sizeof r->reason, "%s", reason.data);
    tc_buf_free(&reason);
    tc_utf8_clean(r->reason);
    slot->attempt = 0;
    return false;
}

/* A counted result: into the slot's figures, the batch for the store, the tracker (thresholds,
 * failure window, flapping) and what follows a change of state. */
static void record_result(tc_engine_t *d, mon_slot_t *slot, const tc_monitor_cfg_t *m,
                          const tc_result_t *r)
{
    slot->checks[r->verdict]++;
    slot->last_ms = r->response_ms;
    slot->last_at = r->started_at;
    if (r->connected) {
        slot->recent[slot->nrecent++ % RECENT] = r->response_ms;
        d->fresh_results = 1;
    }
    snprintf(slot->last_reason, sizeof slot->last_reason, "%s", r->reason);
    if (r->verdict != TC_VERDICT_UP) {
        slot->last_failure_at = r->started_at;
        snprintf(slot->last_failure, sizeof slot->last_failure, "%s", r->reason);
    }
    if (r->verdict == TC_VERDICT_DOWN) {
        tc_buf_t words;
        tc_buf_init(&words, 0);
        tc_probe_words(m, r, &words);
        snprintf(slot->last_failure_words, sizeof slot->last_failure_words, "%s",
                 words.data ? words.data : "");
        tc_buf_free(&words);
    }
    queue_result(d, m, r);
    tc_monitor_state_t before = slot->tracker.state;
    tc_monitor_state_t after = tc_monitor_track(&slot->tracker, &slot->window, r->verdict,
                                                r->connected ? r->response_ms : -1, m);
    /* What this location's state rests on; the words only when someone may read them. */
    char why[1024];
    state_reason(slot, before, after, r, why, sizeof why);
    tc_buf_t problem, summary;
    tc_buf_init(&problem, 0);
    tc_buf_init(&summary, 0);
    if (after != before || after == TC_MONITOR_DOWN || after == TC_MONITOR_DEGRADED)
        tc_engine__run_words(slot, after, r, &problem, &summary);
    change_facts_t f = {why, problem.data ? problem.data : "", summary.data ? summary.data : "",
                        r->status_code, r->response_ms};
    tc_engine__location_result(d, slot, before, after, &f);
    tc_buf_free(&problem);
    tc_buf_free(&summary);
}

/* Tell the console requests waiting for this run what it measured, as `tocsin probe` shows
 * it. @p m is only read when the run was not canceled (a canceled run's config generation
 * may be gone). */
static void answer_waiters(tc_engine_t *d, const tc_monitor_cfg_t *m, tc_result_t *r,
                           bool canceled, bool counted, check_waiter_t *w)
{
    tc_check_report_t rep = {.canceled = canceled, .cert_days = -1, .body = "", .details = "",
                             .conditions = ""};
    tc_buf_t explain;
    tc_buf_init(&explain, 0);
    if (!canceled) {
        /* Judged again only to explain each condition; the verdict is the same (pure). */
        tc_probe_judge(m, r, &explain);
        rep.monitor_id = m->id;
        rep.counted = counted;
        rep.verdict = tc_verdict_name(r->verdict);
        rep.reason = r->reason;
        rep.error = r->error;
        rep.connected = r->connected;
        rep.ip = r->ip;
        rep.status_code = r->status_code;
        rep.dns_ms = r->dns_ms;
        rep.connect_ms = r->connect_ms;
        rep.tls_ms = r->tls_ms;
        rep.first_byte_ms = r->first_byte_ms;
        rep.total_ms = r->response_ms;
        if (r->cert_expires_at)
            rep.cert_days = (double)(r->cert_expires_at - r->finished_at) / 86400000.0;
        if (r->body.len) {
            rep.body = r->body.data;
            rep.body_len = r->body.len;
        }
        if (r->details.len)
            rep.details = r->details.data;
        if (explain.len)
            rep.conditions = explain.data;
    }
    while (w) {
        check_waiter_t *next = w->next;
        w->done(d, &rep, w->arg);
        free(w);
        w = next;
    }
    tc_buf_free(&explain);
}

static void on_probe_done(const tc_monitor_cfg_t *m, tc_result_t *r, void *arg)
{
    ticket_t *t = arg;
    tc_engine_t *d = t->d;
    /* The schedule lag of a planned run counts to when it began connecting: a loop busy
     * between the timer and the probe's first socket delays the check as much as a late
     * timer does. Kinds that open no socket of their own count to their start. */
    if (t->due && !r->canceled) {
        int64_t began = r->connecting_mono ? r->connecting_mono : t->started;
        d->lags[d->nlags++ % LAG_WINDOW] = began > t->due ? began - t->due : 0;
    }
    int current = t->epoch == d->monitor_epoch;
    size_t t_slot = t->slot;
    mon_slot_t *slot = current ? &d->monitors[t_slot] : NULL;
    check_waiter_t *waiters = t->waiters;
    free(t);
    d->in_flight--;
    if (slot) {
        slot->run = NULL;
        slot->ticket = NULL;
    }
    bool canceled = !slot || r->canceled;
    /* A paused monitor's run (one that was in flight when it was paused, or a check now)
     * is shown to whoever asked, and otherwise not counted. A run with nothing to judge yet
     * (a push monitor before its first push) is no result: no downtime, still pending. A
     * failed run with re-checks left waits for them. */
    bool counted = !canceled && !slot->paused;
    if (counted && r->pending) {
        slot->pending_runs++;
        counted = false;
    }
    /* While most monitors fail at once and the node's own network is in doubt (being
     * checked, or impaired), a run measures the node, not its target (vantage.c). */
    if (counted && !tc_engine__vantage_counts(d, slot, r))
        counted = false;
    /* A confirmation's answer is this run's own verdict, before re-checks and thresholds
     * (confirm.c); a node whose network is in doubt does not answer. */
    if (counted && slot->confirm_asked)
        tc_engine__confirm_answer(d, slot, r);
    if (counted && hold_for_retry(d, t_slot, r))
        counted = false;
    if (counted)
        record_result(d, slot, m, r);
    if (waiters)
        answer_waiters(d, m, r, canceled, counted, waiters);
}

void tc_engine__fill_window(void *done_arg, tc_result_t *r)
{
    const ticket_t *t = done_arg;
    r->window_runs = 0;
    if (t->epoch != t->d->monitor_epoch)
        return;
    const mon_slot_t *slot = &t->d->monitors[t->slot];
    r->window_runs = tc_window_percentiles(&slot->window, (size_t)slot->cfg->window,
                                           r->connected ? r->response_ms : -1, r->window_ms);
}

/* Start a run of monitor slot @p index, planned for @p due (monotonic ms; 0: not a planned
 * run). @return 0, TC_EAGAIN (too many in flight) or the probe's error. */
static int start_run(tc_engine_t *d, size_t index, int64_t due)
{
    mon_slot_t *slot = &d->monitors[index];
    if (d->in_flight >= MAX_IN_FLIGHT)
        return TC_EAGAIN;
    ticket_t *t = tc_calloc(1, sizeof *t);
    t->d = d;
    t->slot = index;
    t->epoch = d->monitor_epoch;
    t->due = due;
    t->started = tc_clock_mono_ms();
    int rc = tc_probe_start(slot->cfg, &d->probe_env, on_probe_done, t, &slot->run);
    if (rc) {
        free(t);
        slot->run = NULL;
        tc_log(TC_LOG_ERROR, MODULE, "monitor %s: cannot start: %s", slot->cfg->id,
               tc_strerror(rc));
        return rc;
    }
    slot->ticket = t;
    d->in_flight++;
    return 0;
}

void tc_engine__on_due(size_t index, int64_t lag_ms, void *arg)
{
    tc_engine_t *d = arg;
    mon_slot_t *slot = &d->monitors[index];
    /* A re-check waiting for its turn is the run in progress: the due run is skipped (and
     * its lag counted now; a run that starts counts its own when it ends). */
    if (slot->run || slot->retry ||
        start_run(d, index, tc_clock_mono_ms() - lag_ms) == TC_EAGAIN) {
        slot->skipped++;
        d->lags[d->nlags++ % LAG_WINDOW] = lag_ms;
    }
}

static mon_slot_t *find_slot(tc_engine_t *d, const char *id, size_t *index)
{
    for (size_t i = 0; i < d->nmonitors; i++)
        if (strcmp(d->monitors[i].cfg->id, id) == 0) {
            *index = i;
            return &d->monitors[i];
        }
    return NULL;
}

int tc_engine_monitor_check(tc_engine_t *d, const char *id, tc_engine_check_fn done, void *arg,
                            char *err, size_t errlen)
{
    size_t i;
    mon_slot_t *slot = find_slot(d, id, &i);
    if (!slot) {
        snprintf(err, errlen, "no monitor \"%s\"", id);
        return TC_ENOENT;
    }
    /* A run in flight is the check asked for: its result is as fresh, and a second run at
     * once would only load the target twice. */
    if (!slot->run) {
        int rc = start_run(d, i, 0);
        if (rc == TC_EAGAIN) {
            snprintf(err, errlen, "too many checks are running; try again in a moment");
            return rc;
        }
        if (rc) {
            snprintf(err, errlen, "the check could not start: %s", tc_strerror(rc));
            return TC_EIO;
        }
    }
    check_waiter_t *w = tc_calloc(1, sizeof *w);
    w->done = done;
    w->arg = arg;
    w->next = slot->ticket->waiters;
    slot->ticket->waiters = w;
    return 0;
}

int tc_engine_monitor_pause(tc_engine_t *d, const char *id, bool paused, const char *actor,
                            char *err, size_t errlen)
{
    size_t i;
    mon_slot_t *slot = find_slot(d, id, &i);
    if (!slot) {
        snprintf(err, errlen, "no monitor \"%s\"", id);
        return TC_ENOENT;
    }
    if (slot->paused == paused)
        return 0;
    int64_t now = tc_clock_wall_ms();
    if (tc_store_monitor_pause(d->store, id, paused ? now : 0, actor, err, errlen) != 0)
        return TC_ESTORE;
    slot->paused = paused;
    if (paused) {
        slot->paused_at = now;
        snprintf(slot->paused_by, sizeof slot->paused_by, "%s", actor);
        tc_sched_remove(d->sched, i);
        /* Its state is forgotten: it feeds nothing while paused (components.c), and once
         * resumed it starts from "no result yet", as after a fresh start: no tracker, no
         * window, no re-check waiting. */
        memset(&slot->tracker, 0, sizeof slot->tracker);
        slot->state = TC_MONITOR_UNKNOWN;
        tc_window_init(&slot->window, slot->samples, slot->window.cap);
        if (slot->retry)
            drop_retry(slot->retry);
        slot->retry = NULL;
        slot->attempt = 0;
    } else {
        slot->paused_at = 0;
        slot->paused_by[0] = '\0';
        /* The first run at once: whoever resumed it wants to see it work. */
        tc_sched_add(d->sched, i, slot->cfg->interval_ms, tc_clock_mono_ms());
    }
    slot->vote = 0; /* what it said before the pause is old news */
    tc_engine__vantage_recount(d);
    tc_log(TC_LOG_INFO, MODULE, "monitor %s: %s by %s", id, paused ? "paused" : "resumed",
           actor);
    tc_engine__derive_components(d);
    d->view_valid = false;
    tc_engine__request_render(d);
    return 0;
}

/* Stop every run and forget the schedule; results still in flight are dropped by epoch. */
void tc_engine__stop_monitors(tc_engine_t *d)
{
    d->monitor_epoch++;
    tc_sched_clear(d->sched);
    drop_retries(d);
    for (size_t i = 0; i < d->nmonitors; i++)
        if (d->monitors[i].run)
            tc_probe_cancel(d->monitors[i].run);
    tc_engine__flush_results(d);
    for (size_t i = 0; i < d->nmonitors; i++)
        free(d->monitors[i].samples);
    free(d->monitors);
    d->monitors = NULL;
    d->nmonitors = 0;
}

/* Room for the window and for flap detection's runs. */
static size_t window_cap(const tc_monitor_cfg_t *m)
{
    return m->window > TC_FLAP_RUNS ? (size_t)m->window : TC_FLAP_RUNS;
}

/* A monitor new to this process (a start, or a reload that added it) picks up where the
 * store left off: its tracker (thresholds, failure window, flapping) from its last results
 * replayed as if it had never stopped, so a restart during an outage keeps it down until
 * success_threshold good runs; and the page's sparkline from the response times of its last
 * RECENT results that were up or degraded (a stored result does not say whether the
 * connection was made; down ones mostly did not). */
static void restore_slot(tc_engine_t *d, mon_slot_t *slot)
{
    const tc_monitor_cfg_t *m = slot->cfg;
    /* A pause outlives the process; a paused monitor's old results set no state. */
    slot->paused = tc_store_monitor_paused(d->store, m->id, &slot->paused_at, slot->paused_by,
                                           sizeof slot->paused_by) == 0;
    size_t replay = (size_t)(m->failure_threshold + m->success_threshold);
    if (replay < window_cap(m))
        replay = window_cap(m);
    size_t max = replay > RECENT ? replay : RECENT;
    int *verdicts = tc_calloc(max, sizeof *verdicts);
    double *latency = tc_calloc(max, sizeof *latency);
    size_t n = 0;
    if (tc_store_last_results(d->store, m->id, d->config->node.location, max, verdicts,
                              latency, &n) == 0) {
        for (size_t k = n > replay ? n - replay : 0; k < n; k++)
            if (!slot->paused)
                tc_monitor_track(&slot->tracker, &slot->window, (tc_verdict_t)verdicts[k],
                                 verdicts[k] != TC_VERDICT_DOWN ? latency[k] : -1, m);
        for (size_t k = 0; k < n; k++)
            if (latency[k] >= 0 && verdicts[k] != TC_VERDICT_DOWN)
                slot->recent[slot->nrecent++ % RECENT] = latency[k];
    }
    slot->state = slot->tracker.state; /* a leader's decision replaces it (cluster.c) */
    slot->push.heard_before = n > 0;
    free(latency);
    free(verdicts);
}

/* Give @p slot a window sized for its monitor, keeping the runs it had (a reload may change
 * `window:`). */
static void size_window(mon_slot_t *slot)
{
    size_t cap = window_cap(slot->cfg);
    if (slot->samples && slot->window.cap == cap)
        return;
    tc_run_sample_t *samples = tc_calloc(cap, sizeof *samples);
    tc_window_t w;
    tc_window_init(&w, samples, cap);
    if (slot->samples)
        tc_window_copy(&w, &slot->window);
    free(slot->samples);
    slot->samples = samples;
    slot->window = w;
}

static uint64_t id_hash(const char *p)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h;
}

/* The old slots by id: open addressing over indexes + 1 (0 is empty), so matching a reloaded
 * config is O(monitors), not O(monitors^2) (issue 16: 1.3 s at 10,000). */
static size_t *index_old(const mon_slot_t *old, size_t nold, size_t *cap)
{
    *cap = 16;
    while (*cap < nold * 2)
        *cap *= 2;
    size_t *t = tc_calloc(*cap, sizeof *t);
    for (size_t j = 0; j < nold; j++) {
        size_t i = id_hash(old[j].cfg->id) & (*cap - 1);
        while (t[i])
            i = (i + 1) & (*cap - 1);
        t[i] = j + 1;
    }
    return t;
}

/* The old slot of @p id whose state was not taken yet, or NULL. */
static mon_slot_t *find_old(const size_t *t, size_t cap, mon_slot_t *old, const char *id)
{
    for (size_t i = id_hash(id) & (cap - 1); t[i]; i = (i + 1) & (cap - 1))
        if (old[t[i] - 1].samples && strcmp(old[t[i] - 1].cfg->id, id) == 0)
            return &old[t[i] - 1];
    return NULL;
}

/* Are the monitors of @p c the old slots' ones, in the same order (a reload that changed no
 * monitor's id, as most do)? */
static bool same_ids(const tc_config_t *c, const mon_slot_t *old, size_t nold)
{
    if (nold != c->nmonitors)
        return false;
    for (size_t i = 0; i < nold; i++)
        if (strcmp(old[i].cfg->id, c->monitors[i].id) != 0)
            return false;
    return true;
}

/* Build slots for the config's monitors, keeping the state of monitors that still exist, and
 * spread their first runs over their intervals; a monitor whose config did not change
 * (fingerprint) keeps its place in the schedule. Takes @p old (the array and the windows of
 * its slots): with the same monitors in the same order its slots are updated where they are,
 * since a slot is a few KB and 10,000 of them copied to fresh memory made most of a reload's
 * stall (issue 16); otherwise each one's state moves to its new slot. */
void tc_engine__start_monitors(tc_engine_t *d, const tc_config_t *c, mon_slot_t *old, size_t nold,
                               const int64_t *old_due)
{
    /* A re-check planned by the old generation belongs to it. */
    drop_retries(d);
    bool in_place = nold && same_ids(c, old, nold);
    d->monitors = in_place ? old : tc_calloc(c->nmonitors, sizeof *d->monitors);
    d->nmonitors = c->nmonitors;
    int64_t now = tc_clock_mono_ms();
    int64_t wall = tc_clock_wall_ms();
    size_t cap = 0;
    size_t *byid = in_place ? NULL : index_old(old, nold, &cap);
    for (size_t i = 0; i < c->nmonitors; i++) {
        mon_slot_t *slot = &d->monitors[i];
        mon_slot_t *was = in_place ? slot : find_old(byid, cap, old, c->monitors[i].id);
        const tc_monitor_cfg_t *was_cfg = was ? was->cfg : NULL;
        slot->cfg = &c->monitors[i];
        slot->rules = &c->monitor_rules[i];
        int64_t interval = slot->cfg->interval_ms;
        int64_t first = now + tc_sched_spread(slot->cfg->id, interval);
        if (was) {
            /* Same monitor: its state goes on; with the same config, so does its place in
             * the schedule (a run cut short by the reload is due at once). */
            if (old_due && old_due[was - old] && was_cfg->fingerprint &&
                was_cfg->fingerprint == slot->cfg->fingerprint)
                first = old_due[was - old];
            if (!in_place) {
                *slot = *was;
                was->samples = NULL; /* moved */
            }
            slot->cfg = &c->monitors[i];
            slot->rules = &c->monitor_rules[i];
            slot->run = NULL;
            slot->ticket = NULL;
            slot->retry = NULL;
            slot->attempt = 0;
            slot->confirming[0] = '\0'; /* a confirmation waiting belongs to the old slots */
            slot->confirm_asked = 0;
        }
        size_window(slot);
        if (!was) {
            slot->push.watching_since = wall;
            restore_slot(d, slot);
        }
        if (!slot->paused)
            tc_sched_add(d->sched, i, interval, first);
    }
    free(byid);
    if (in_place)
        return;
    for (size_t j = 0; j < nold; j++)
        free(old[j].samples);
    free(old);
}

static int cmp_lag(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The detection figures of each monitor: failure share, flapping, window percentiles,
 * re-checks and runs with nothing to judge yet. */
static void publish_detection(tc_engine_t *d, tc_buf_t *b)
{
    tc_buf_puts(b, "# HELP tocsin_monitor_failure_share Share of the monitor's last `window` "
                   "runs that failed.\n"
                   "# TYPE tocsin_monitor_failure_share gauge\n");
    for (size_t i = 0; i < d->nmonitors; i++)
        tc_buf_printf(b, "tocsin_monitor_failure_share{monitor=\"%s\"} %.4f\n",
                      d->monitors[i].cfg->id, d->monitors[i].tracker.share);
    tc_buf_puts(b, "# HELP tocsin_monitor_state_change_percent Weighted percent state change "
                   "over the last 21 runs (flap detection).\n"
                   "# TYPE tocsin_monitor_state_change_percent gauge\n");
    for (size_t i = 0; i < d->nmonitors; i++)
        tc_buf_printf(b, "tocsin_monitor_state_change_percent{monitor=\"%s\"} %.1f\n",
                      d->monitors[i].cfg->id, d->monitors[i].tracker.flap_percent);
    tc_buf_puts(b, "# HELP tocsin_monitor_flapping 1 while the monitor is flapping.\n"
                   "# TYPE tocsin_monitor_flapping gauge\n");
    for (size_t i = 0; i < d->nmonitors; i++)
        tc_buf_printf(b, "tocsin_monitor_flapping{monitor=\"%s\"} %d\n",
                      d->monitors[i].cfg->id, d->monitors[i].tracker.flapping ? 1 : 0);
    tc_buf_puts(b, "# HELP tocsin_monitor_response_time_seconds Response time over the "
                   "monitor's last `window` runs.\n"
                   "# TYPE tocsin_monitor_response_time_seconds summary\n");
    for (size_t i = 0; i < d->nmonitors; i++) {
        const mon_slot_t *slot = &d->monitors[i];
        double q[3];
        if (!tc_window_percentiles(&slot->window, (size_t)slot->cfg->window, -1, q))
            continue;
        static const char *const names[3] = {"0.5", "0.95", "0.99"};
        for (int k = 0; k < 3; k++)
            tc_buf_printf(b,
                          "tocsin_monitor_response_time_seconds{monitor=\"%s\",quantile=\"%s\"} "
                          "%.4f\n",
                          slot->cfg->id, names[k], q[k] / 1000.0);
    }
    /* Lines that only some monitors can move are left out for the others: with 10,000
     * monitors every line per monitor is half a megabyte of /metrics. */
    tc_buf_puts(b, "# HELP tocsin_monitor_retries_total Re-checks of failed runs (monitors "
                   "with retries).\n"
                   "# TYPE tocsin_monitor_retries_total counter\n");
    for (size_t i = 0; i < d->nmonitors; i++)
        if (d->monitors[i].cfg->retries || d->monitors[i].retried)
            tc_buf_printf(b, "tocsin_monitor_retries_total{monitor=\"%s\"} %lu\n",
                          d->monitors[i].cfg->id, d->monitors[i].retried);
    tc_buf_puts(b, "# HELP tocsin_monitor_recovered_on_retry_total Runs that failed, then "
                   "passed on a re-check (monitors with retries).\n"
                   "# TYPE tocsin_monitor_recovered_on_retry_total counter\n");
    for (size_t i = 0; i < d->nmonitors; i++)
        if (d->monitors[i].cfg->retries || d->monitors[i].recovered)
            tc_buf_printf(b, "tocsin_monitor_recovered_on_retry_total{monitor=\"%s\"} %lu\n",
                          d->monitors[i].cfg->id, d->monitors[i].recovered);
    tc_buf_puts(b, "# HELP tocsin_monitor_pending_runs_total Runs with nothing to judge yet "
                   "(push monitors before their first push).\n"
                   "# TYPE tocsin_monitor_pending_runs_total counter\n");
    for (size_t i = 0; i < d->nmonitors; i++)
        if (tc_probe_push_token(d->monitors[i].cfg))
            tc_buf_printf(b, "tocsin_monitor_pending_runs_total{monitor=\"%s\"} %lu\n",
                          d->monitors[i].cfg->id, d->monitors[i].pending_runs);
}

static void publish_metrics(tc_engine_t *d)
{
    tc_buf_t b;
    tc_buf_init(&b, 0);
    size_t n = d->nlags < LAG_WINDOW ? d->nlags : LAG_WINDOW;
    int64_t *sorted = tc_calloc(n ? n : 1, sizeof *sorted);
    memcpy(sorted, d->lags, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_lag);
    tc_buf_printf(&b,
                  "# HELP tocsin_schedule_lag_seconds From the planned start of recent probe "
                  "runs to their first socket (or their start, for kinds that open none).\n"
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
    tc_buf_printf(&b,
                  "# HELP tocsin_rollup_passes_total Passes that aggregated and pruned the "
                  "stored results.\n"
                  "# TYPE tocsin_rollup_passes_total counter\n"
                  "tocsin_rollup_passes_total %lu\n"
                  "# HELP tocsin_rollup_slice_seconds_max The longest the loop was held by one "
                  "slice of a pass, since the start.\n"
                  "# TYPE tocsin_rollup_slice_seconds_max gauge\n"
                  "tocsin_rollup_slice_seconds_max %.4f\n",
                  d->rollup_passes, (double)d->rollup_slice_max_us / 1e6);
    tc_buf_puts(&b, "# HELP tocsin_monitor_state 1 for the monitor's current state.\n"
                    "# TYPE tocsin_monitor_state gauge\n");
    for (size_t i = 0; i < d->nmonitors; i++)
        tc_buf_printf(&b, "tocsin_monitor_state{monitor=\"%s\",state=\"%s\"} 1\n",
                      d->monitors[i].cfg->id,
                      d->monitors[i].paused ? "paused"
                                            : tc_monitor_state_name(d->monitors[i].state));
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
                    "one (or its re-check) was still going.\n"
                    "# TYPE tocsin_monitor_skipped_total counter\n");
    for (size_t i = 0; i < d->nmonitors; i++)
        tc_buf_printf(&b, "tocsin_monitor_skipped_total{monitor=\"%s\"} %lu\n",
                      d->monitors[i].cfg->id, d->monitors[i].skipped);
    publish_detection(d, &b);
    tc_engine__vantage_metrics(d, &b);
    tc_engine__confirm_metrics(d, &b);
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
    if (d->writer) {
        tc_store_writer_stats_t ws;
        tc_store_writer_stats(d->writer, &ws);
        tc_buf_printf(&b,
                      "# HELP tocsin_store_results_written_total Probe results saved by the "
                      "results writer.\n"
                      "# TYPE tocsin_store_results_written_total counter\n"
                      "tocsin_store_results_written_total %llu\n"
                      "# HELP tocsin_store_results_dropped_total Probe results dropped because "
                      "the store did not keep up.\n"
                      "# TYPE tocsin_store_results_dropped_total counter\n"
                      "tocsin_store_results_dropped_total %llu\n"
                      "# HELP tocsin_store_results_queued Probe results waiting to be saved.\n"
                      "# TYPE tocsin_store_results_queued gauge\n"
                      "tocsin_store_results_queued %zu\n",
                      (unsigned long long)ws.written, (unsigned long long)ws.dropped, ws.queued);
    }
    tc_engine__cluster_metrics(d, &b);
    size_t len;
    char *text = tc_buf_steal(&b, &len);
    tc_http_set_metrics(d->http, text, len);
}

/* Built when asked for, not on a timer: with 10,000 monitors the text is megabytes, and
 * nobody may be scraping. A scrape within METRICS_FRESH_MS of the last build is answered by
 * the HTTP server from that text without reaching the engine. */
void tc_engine__serve_metrics(tc_engine_t *d, tc_http_request_t *req)
{
    int64_t now = tc_clock_mono_ms();
    if (!d->metrics_mono || now - d->metrics_mono >= METRICS_FRESH_MS) {
        publish_metrics(d);
        d->metrics_mono = now;
    }
    tc_http_reply_metrics(req);
}

void tc_engine__on_refresh_timer(uv_timer_t *t)
{
    tc_engine_t *d = t->data;
    /* Sparklines change with every run; re-render for them now and then, not per result, so
     * the page's ETag (and readers' caches) stay valid for a while. What did not change is
     * shared with the snapshot before (render.c), so this costs the documents with
     * sparklines and the few that show the time. */
    if (d->fresh_results)
        tc_engine__refresh_render(d);
}

const tc_push_state_t *tc_engine__push_state(void *ctx, const tc_monitor_cfg_t *m)
{
    tc_engine_t *d = ctx;
    for (size_t i = 0; i < d->nmonitors; i++)
        if (d->monitors[i].cfg == m)
            return &d->monitors[i].push;
    return NULL;
}

/* GET or POST /api/push/<token>[?status=up|down&msg=...&ping=ms] */
void tc_engine__handle_push(tc_engine_t *d, tc_http_request_t *req)
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
