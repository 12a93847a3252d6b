/* Several nodes on one PostgreSQL store, the engine's side (docs/DEPLOY.md,
 * store/store_cluster.h). Every node probes every monitor from its location and judges its
 * own runs (its tracker); when its location's state changes it writes it beside its results.
 * One node leads: it holds the lock on its link, reads every location's state, decides each
 * monitor's state by a quorum (status/quorum.h) and does what a decision asks (alerts,
 * automatic incidents, component statuses), fenced by its term, so that a node that only
 * believes it leads writes nothing. The leader alone also moves maintenance windows, rolls
 * results up and delivers the outbox (engine.c, monitors.c ask tc_engine_t.leading).
 * The others show what the leader decided: when another node announces a change, they read
 * incidents, statuses and decisions again and re-render.
 *
 * With one node (SQLite) there is no link: this node leads, and its location's state is
 * the monitor's, exactly as before there were several. */
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "engine/engine_int.h"
#include "status/quorum.h"
#include "store/store_cluster.h"

#define MODULE "cluster"
#define REFRESH_DELAY_MS 10 /* other nodes' changes within this window share one reload */
#define LINK_READY_MS 3000  /* at start: how long the link gets to connect and try the lock */
#define MAX_LOCATIONS 64    /* live locations a decision weighs (TC_LINK_MAX_NODES) */
#define FLUSH_DELAY_MS 20   /* decisions within this window are stored together */

/* The states of one monitor at the other locations, as last read (this node's own is its
 * tracker's). */
typedef struct mon_locs {
    char *id;                  /* the monitor's config id; owned */
    tc_location_state_t *rows; /* owned, one per location */
    size_t n;
    int64_t minority_since;    /* wall ms a minority of locations began failing, 0: none */
} mon_locs_t;

/* A monitor's id (borrowed from its mon_locs_t) and slot, for lookups by id. */
typedef struct slot_id {
    const char *id;
    size_t slot;
} slot_id_t;

/* A decision taken, to be stored with the next flush (on_flush). */
typedef struct decision {
    size_t slot;
    uint64_t epoch;            /* d->monitor_epoch it was taken in */
    tc_monitor_state_t before, after;
    char *why, *problem, *summary, *failing; /* owned */
    int status_code;
    double response_ms;
} decision_t;

typedef struct tc_cluster {
    uv_async_t wake;           /* first member: the close callback frees the struct */
    uv_timer_t refresh;        /* reloads after the other nodes' changes, coalesced */
    uv_timer_t flush;          /* stores the decisions taken meanwhile */
    decision_t *queue;         /* owned, with its strings */
    size_t nqueue, capqueue;
    tc_engine_t *d;
    int closing;               /* handles still to close before the struct goes */
    tc_store_link_status_t st; /* as of the last wake */
    uint64_t changes_seen;
    int64_t term;              /* the term this node leads in; 0 while it does not */
    int64_t fenced;            /* a term the store refused decisions of: not taken again */
    bool ready;                /* every location's state was read since taking the lead */
    bool loaded;               /* the last leader's decisions too: this node may decide */
    int64_t decided;           /* tc_store_decisions_since()'s cursor */
    uint64_t epoch;            /* d->monitor_epoch that locs and by_id were built for */
    mon_locs_t *locs;          /* per monitor slot */
    size_t nlocs;
    slot_id_t *by_id;          /* owned; the slots sorted by monitor id (the ids are locs') */
} tc_cluster_t;

static bool bad(tc_monitor_state_t s)
{
    return s == TC_MONITOR_DOWN || s == TC_MONITOR_DEGRADED;
}

/* ---- monitors by id ---- */

static int by_id_cmp(const void *a, const void *b)
{
    return strcmp(((const slot_id_t *)a)->id, ((const slot_id_t *)b)->id);
}

/* Free the strings of one row (not the row). */
static void clear_row(tc_location_state_t *r)
{
    free(r->monitor);
    free(r->location);
    free(r->node);
    free(r->reason);
    free(r->problem);
    free(r->summary);
    memset(r, 0, sizeof *r);
}

static void free_locs(mon_locs_t *locs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(locs[i].id);
        tc_store_locations_free(locs[i].rows, locs[i].n);
    }
    free(locs);
}

/* The slot of monitor @p id in the index, or -1. */
static long find_slot(const tc_cluster_t *c, const char *id)
{
    size_t lo = 0, hi = c->nlocs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(c->by_id[mid].id, id);
        if (cmp == 0)
            return (long)c->by_id[mid].slot;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* The monitors change with each config generation: index the new slots by id and carry the
 * other locations' states of monitors that are still there. */
static void reindex(tc_engine_t *d, tc_cluster_t *c)
{
    if (c->epoch == d->monitor_epoch && c->nlocs == d->nmonitors)
        return;
    slot_id_t *old_order = c->by_id;
    mon_locs_t *old = c->locs;
    size_t nold = c->nlocs;
    c->locs = tc_calloc(d->nmonitors ? d->nmonitors : 1, sizeof *c->locs);
    c->by_id = tc_calloc(d->nmonitors ? d->nmonitors : 1, sizeof *c->by_id);
    c->nlocs = d->nmonitors;
    for (size_t i = 0; i < d->nmonitors; i++) {
        c->locs[i].id = tc_strdup(d->monitors[i].cfg->id);
        c->by_id[i] = (slot_id_t){c->locs[i].id, i};
    }
    qsort(c->by_id, c->nlocs, sizeof *c->by_id, by_id_cmp);
    for (size_t k = 0; k < nold; k++) {
        long j = find_slot(c, old[k].id);
        if (j < 0)
            continue;
        c->locs[j].rows = old[k].rows;
        c->locs[j].n = old[k].n;
        c->locs[j].minority_since = old[k].minority_since;
        old[k].rows = NULL;
        old[k].n = 0;
    }
    free(old_order);
    free_locs(old, nold);
    c->epoch = d->monitor_epoch;
}

/* ---- reading what the other nodes wrote ---- */

/* The leader's decisions, which this node shows while it does not lead, and takes up when
 * it does: every one with @p all, else those written since the last read.
 * @return 0 or TC_ESTORE (nothing changed). */
static int load_decisions(tc_engine_t *d, bool all)
{
    tc_cluster_t *c = d->cluster;
    tc_monitor_decision_t *rows = NULL;
    size_t n = 0;
    char err[256];
    int64_t cursor = all ? 0 : c->decided;
    if (tc_store_decisions_since(d->store, &cursor, &rows, &n, err, sizeof err) != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "cannot read the leader's decisions: %s", err);
        return TC_ESTORE;
    }
    c->decided = cursor;
    reindex(d, c);
    for (size_t i = 0; i < n; i++) {
        long j = find_slot(c, rows[i].monitor);
        if (j < 0 || d->monitors[j].paused)
            continue;
        d->monitors[j].state = rows[i].state;
        snprintf(d->monitors[j].failing_from, sizeof d->monitors[j].failing_from, "%s",
                 rows[i].state == TC_MONITOR_REGIONAL ? rows[i].failing : "");
    }
    tc_store_decisions_free(rows, n);
    d->view_valid = false;
    return 0;
}

/* Read again what any node may have changed: incidents, component rows and statuses; a
 * leader then reads the recurring maintenance and derives the statuses that follow, the
 * others take the leader's decisions. What cannot be read (the store is away) stays as it
 * was. */
static void reload(tc_engine_t *d)
{
    tc_engine__load_incidents(d);
    tc_engine__adopt_rows(d, d->config);
    if (d->leading) {
        tc_engine__schedules_load(d); /* the leader plans them, whoever added one */
        tc_engine__derive_components(d);
    } else {
        load_decisions(d, false);
    }
    tc_engine__refresh_render(d);
}

static void on_refresh(uv_timer_t *t)
{
    reload(((tc_cluster_t *)t->data)->d);
}

/* ---- deciding ---- */

/* The locations whose nodes are alive, this node's first; @return how many. */
static size_t live_locations(const tc_engine_t *d, const char **out)
{
    const tc_cluster_t *c = d->cluster;
    size_t n = 0;
    out[n++] = d->config->node.location;
    for (size_t i = 0; i < c->st.nnodes && n < MAX_LOCATIONS; i++) {
        const tc_link_node_t *node = &c->st.nodes[i];
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++)
            seen = strcmp(out[k], node->location) == 0;
        if (node->alive && !seen)
            out[n++] = node->location;
    }
    return n;
}

/* One node: carry out the decision that monitor @p slot is now @p after (it was @p before)
 * at once: its alerts, its automatic incident and the component statuses in one
 * transaction, as before there were several nodes. */
static void decide_now(tc_engine_t *d, mon_slot_t *slot, tc_monitor_state_t before,
                       tc_monitor_state_t after, const change_facts_t *f)
{
    char err[256];
    int tx = tc_store_begin(d->store, err, sizeof err) == 0;
    /* Alerts and the incident go first, so they record the components' old status. */
    slot->state = after;
    tc_engine__monitor_changed(d, slot, before, after, f);
    tc_engine__derive_components(d);
    if (tx && tc_store_commit(d->store, err, sizeof err) != 0)
        tc_log(TC_LOG_ERROR, "engine", "monitor %s: state change not saved: %s",
               slot->cfg->id, err);
    tc_notify_kick(d->notify);
}

static void free_queue(tc_cluster_t *c)
{
    for (size_t k = 0; k < c->nqueue; k++) {
        decision_t *q = &c->queue[k];
        free(q->why);
        free(q->problem);
        free(q->summary);
        free(q->failing);
    }
    c->nqueue = 0;
}

/* The decisions queued since the last flush, in one transaction: the fence, each one's
 * alerts and automatic incident, the component statuses once, the decisions in one
 * statement. A leader deciding thousands of monitors at once (its first results, an
 * outage everywhere) pays a few round trips a flush rather than a few per monitor, so its
 * loop keeps turning. On failure nothing was stored (alerts included): the states go back
 * and are decided again at the next result. */
static void on_flush(uv_timer_t *t)
{
    tc_cluster_t *c = t->data;
    tc_engine_t *d = c->d;
    if (!c->nqueue)
        return;
    char err[256], fence[256] = "";
    int tx = tc_store_begin(d->store, err, sizeof err) == 0;
    if (tx && tc_store_fence(d->store, c->term, fence, sizeof fence) != 0)
        tc_log(TC_LOG_WARN, MODULE, "%zu decisions: %s", c->nqueue, fence);
    tc_monitor_decision_t *rows = tc_calloc(c->nqueue, sizeof *rows);
    size_t nrows = 0;
    int64_t now = tc_clock_wall_ms();
    for (size_t k = 0; k < c->nqueue && tx && !fence[0]; k++) {
        decision_t *q = &c->queue[k];
        if (q->epoch != d->monitor_epoch)
            continue; /* a reload replaced the slots */
        mon_slot_t *slot = &d->monitors[q->slot];
        change_facts_t f = {q->why, q->problem, q->summary, q->status_code, q->response_ms};
        if (q->after != q->before)
            tc_engine__monitor_changed(d, slot, q->before, q->after, &f);
        rows[nrows++] = (tc_monitor_decision_t){(char *)slot->cfg->id, q->after, now,
                                                q->failing, q->why};
    }
    if (tx && !fence[0]) {
        tc_engine__derive_components(d);
        if (tc_store_put_decisions(d->store, rows, nrows, c->term, err, sizeof err) != 0)
            tc_log(TC_LOG_ERROR, MODULE, "%s", err);
    }
    free(rows);
    if (!tx || tc_store_commit(d->store, err, sizeof err) != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "%zu state changes not saved: %s", c->nqueue,
               fence[0] ? fence : err);
        for (size_t k = c->nqueue; k-- > 0;) {
            decision_t *q = &c->queue[k];
            if (q->epoch != d->monitor_epoch)
                continue;
            d->monitors[q->slot].state = q->before;
            d->monitors[q->slot].failing_from[0] = '\0';
        }
        if (fence[0] && d->leading) {
            /* Another node leads: what was done here in memory goes, the store is right. */
            free_queue(c);
            c->fenced = c->term;
            d->leading = false;
            c->term = 0;
            c->ready = false;
            c->loaded = false;
            reload(d);
        }
    }
    free_queue(c);
    tc_notify_kick(d->notify);
    /* The other nodes show the decisions (and a regional failure's places) even when no
     * component's status moved. */
    tc_engine__request_render(d);
}

/* Several nodes: the leader's decision that monitor @p i is now @p after (it was @p before)
 * takes effect in memory now and in the store with the next flush (on_flush). */
static void queue_decision(tc_engine_t *d, size_t i, tc_monitor_state_t before,
                           tc_monitor_state_t after, const change_facts_t *f,
                           const char *failing)
{
    tc_cluster_t *c = d->cluster;
    mon_slot_t *slot = &d->monitors[i];
    slot->state = after;
    snprintf(slot->failing_from, sizeof slot->failing_from, "%s",
             after == TC_MONITOR_REGIONAL ? failing : "");
    if (c->nqueue == c->capqueue) {
        c->capqueue = c->capqueue ? 2 * c->capqueue : 64;
        c->queue = tc_realloc(c->queue, c->capqueue * sizeof *c->queue);
    }
    c->queue[c->nqueue++] = (decision_t){
        .slot = i,
        .epoch = d->monitor_epoch,
        .before = before,
        .after = after,
        .why = tc_strdup(f->why),
        .problem = tc_strdup(f->problem),
        .summary = tc_strdup(f->summary),
        .failing = tc_strdup(failing),
        .status_code = f->status_code,
        .response_ms = f->response_ms,
    };
    if (!uv_is_active((uv_handle_t *)&c->flush))
        uv_timer_start(&c->flush, on_flush, FLUSH_DELAY_MS, 0);
}

static void evaluate(tc_engine_t *d, size_t i, const change_facts_t *own, bool remind);

/* A confirmation of monitor @p i's failure ended (confirm.c): when it holds, the leader
 * weighs the locations again, and a decision into the failure confirmed goes ahead. */
static void confirmed_many(tc_engine_t *d, size_t i, tc_monitor_state_t proposed, bool holds,
                           const change_facts_t *f)
{
    (void)proposed;
    (void)f; /* weighed again: the facts as they are now */
    if (!holds)
        return;
    d->monitors[i].confirm_pass = true;
    evaluate(d, i, NULL, false);
    d->monitors[i].confirm_pass = false;
}

/* Whether a decided state reminds the rules that ask for it (the policy says whom). */
static bool reminds(tc_monitor_state_t s)
{
    return bad(s) || s == TC_MONITOR_REGIONAL;
}

/* The leader weighs monitor @p i's states at every live location (its own location's is its
 * tracker's; @p own are this run's facts, NULL when another location moved) by the monitor's
 * quorum. A minority failing leaves the state as it is until it has failed for
 * `regional_after`, then it is a regional failure. A new state is decided; with @p remind,
 * one that stays bad reminds. */
static void evaluate(tc_engine_t *d, size_t i, const change_facts_t *own, bool remind)
{
    tc_cluster_t *c = d->cluster;
    mon_slot_t *slot = &d->monitors[i];
    mon_locs_t *m = &c->locs[i];
    if (slot->paused || !d->leading || !c->ready || !c->loaded)
        return;
    const char *where[MAX_LOCATIONS];
    size_t n = live_locations(d, where);
    tc_monitor_state_t states[MAX_LOCATIONS];
    const tc_location_state_t *rows[MAX_LOCATIONS] = {NULL};
    bool failing[MAX_LOCATIONS];
    states[0] = slot->tracker.state;
    for (size_t k = 1; k < n; k++) {
        states[k] = TC_MONITOR_UNKNOWN; /* live, but nothing read from there yet */
        for (size_t r = 0; r < m->n; r++)
            if (strcmp(m->rows[r].location, where[k]) == 0) {
                rows[k] = &m->rows[r];
                states[k] = rows[k]->state;
            }
    }
    tc_monitor_state_t after = tc_quorum_decide(states, n, slot->rules->quorum, failing);
    if (after == TC_MONITOR_UNKNOWN)
        return; /* nothing known yet: keep what was decided */
    size_t nfailing = 0;
    for (size_t k = 0; k < n; k++)
        nfailing += failing[k];
    if (after == TC_MONITOR_UP && nfailing > 0) {
        int64_t now = tc_clock_wall_ms();
        if (!m->minority_since)
            m->minority_since = now;
        if (now - m->minority_since >= slot->rules->regional_after_ms)
            after = TC_MONITOR_REGIONAL;
        else if (slot->state != TC_MONITOR_UNKNOWN)
            after = slot->state; /* not yet: as it was */
    } else {
        m->minority_since = 0;
    }
    tc_buf_t list;
    tc_buf_init(&list, 0);
    for (size_t k = 0; k < n; k++)
        if (failing[k])
            tc_buf_printf(&list, "%s%s", list.len ? ", " : "", where[k]);
    tc_buf_puts(&list, "");
    bool moved = after != slot->state ||
                 (after == TC_MONITOR_REGIONAL && strcmp(list.data, slot->failing_from) != 0);
    if (!moved && !(remind && reminds(after))) {
        tc_buf_free(&list);
        return;
    }

    /* The facts of the location that best shows the new state: one in that state (this
     * node's first), else one failing; when up, this node's (or one that is up). */
    size_t pick = 0;
    if (after != TC_MONITOR_UP) {
        size_t same = n, any = n;
        for (size_t k = n; k-- > 0;) {
            if (states[k] == after)
                same = k;
            if (failing[k])
                any = k;
        }
        pick = same < n ? same : any < n ? any : 0;
    } else {
        for (size_t k = n; k-- > 0;)
            if (states[k] == after)
                pick = k;
    }
    change_facts_t f;
    if (pick == 0 && own) {
        f = *own;
    } else if (pick == 0) {
        /* Another location moved: this node's side in its own last words. */
        f = (change_facts_t){slot->last_failure, bad(after) ? "failing" : "",
                             slot->last_failure_words, 0, slot->last_ms};
    } else {
        f = (change_facts_t){rows[pick]->reason, rows[pick]->problem, rows[pick]->summary,
                             rows[pick]->status_code, rows[pick]->response_ms};
    }
    /* Where it fails, for on-call, the page and the console, when there is more than one
     * place; a regional failure is named by its places. */
    tc_buf_t why, problem;
    tc_buf_init(&why, 0);
    tc_buf_init(&problem, 0);
    if (n > 1 && list.len && after != TC_MONITOR_UP)
        tc_buf_printf(&why, "from %s: %s", list.data, f.why);
    else
        tc_buf_puts(&why, f.why);
    f.why = why.data;
    if (after == TC_MONITOR_REGIONAL) {
        tc_buf_printf(&problem, "failing from %s", list.data);
        f.problem = problem.data;
    }
    if (!moved) {
        tc_engine__monitor_changed(d, slot, after, after, &f); /* a reminder, maybe */
    } else if (after != slot->state &&
               tc_engine__confirm_hold(d, i, slot->state, after, where, states, n, &f,
                                       confirmed_many)) {
        /* A failure waits for fresh runs everywhere before it alerts (confirm.c). */
    } else {
        /* As one node says it, with the count of places when there are several. */
        char places[64] = "";
        if (n > 1)
            snprintf(places, sizeof places, " (%zu of %zu locations failing)", nfailing, n);
        tc_log(after == TC_MONITOR_UP ? TC_LOG_INFO : TC_LOG_WARN, "engine",
               "monitor %s: %s -> %s%s%s%s", slot->cfg->id, tc_monitor_state_name(slot->state),
               tc_monitor_state_name(after), f.why[0] ? ": " : "", f.why, places);
        queue_decision(d, i, slot->state, after, &f, list.data);
    }
    tc_buf_free(&problem);
    tc_buf_free(&why);
    tc_buf_free(&list);
}

static void evaluate_all(tc_engine_t *d)
{
    for (size_t i = 0; i < d->nmonitors && d->leading && d->cluster->loaded; i++)
        evaluate(d, i, NULL, false);
}

/* Take the states the link read (the leader's): replace each location's state of each
 * monitor, then weigh the monitors they moved. */
static void take_states(tc_engine_t *d)
{
    tc_cluster_t *c = d->cluster;
    tc_location_state_t *rows = NULL;
    size_t n = 0;
    bool complete = false;
    tc_store_link_take(d->link, &rows, &n, &complete);
    reindex(d, c);
    if (complete) {
        for (size_t i = 0; i < c->nlocs; i++) {
            tc_store_locations_free(c->locs[i].rows, c->locs[i].n);
            c->locs[i].rows = NULL;
            c->locs[i].n = 0;
        }
    }
    bool *moved = tc_calloc(c->nlocs ? c->nlocs : 1, sizeof *moved);
    for (size_t k = 0; k < n; k++) {
        tc_location_state_t *r = &rows[k];
        long i = find_slot(c, r->monitor);
        /* This node's own state is its tracker's, newer than what it wrote. */
        if (i < 0 || strcmp(r->location, d->config->node.location) == 0) {
            clear_row(r);
            continue;
        }
        mon_locs_t *m = &c->locs[i];
        size_t at = m->n;
        for (size_t j = 0; j < m->n; j++)
            if (strcmp(m->rows[j].location, r->location) == 0)
                at = j;
        if (at == m->n) {
            m->rows = tc_realloc(m->rows, (m->n + 1) * sizeof *m->rows);
            memset(&m->rows[m->n++], 0, sizeof *m->rows);
        }
        clear_row(&m->rows[at]);
        m->rows[at] = *r; /* the strings move */
        moved[i] = true;
    }
    free(rows);
    if (complete)
        c->ready = true;
    if (c->ready && c->loaded && d->leading) {
        for (size_t i = 0; i < c->nlocs; i++)
            if (moved[i] || complete)
                evaluate(d, i, NULL, false);
    }
    free(moved);
}

/* ---- leading ---- */

static void take_lead(tc_engine_t *d, int64_t term)
{
    tc_cluster_t *c = d->cluster;
    d->leading = true;
    c->term = term;
    c->ready = false; /* until the link has read every location's state */
    tc_log(TC_LOG_INFO, MODULE, "this node (%s) leads now, term %lld", d->config->node.name,
           (long long)term);
    /* Pick up where the last leader stopped: its incidents and decisions. Until they are
     * read (the store may not answer this node's own connection yet) nothing is decided. */
    c->loaded = load_decisions(d, true) == 0;
    reload(d);
    tc_notify_kick(d->notify);
}

static void step_down(tc_engine_t *d, const char *why)
{
    tc_cluster_t *c = d->cluster;
    d->leading = false;
    c->term = 0;
    c->ready = false;
    c->loaded = false;
    /* A rollup pass half done is the next leader's to do again. */
    uv_timer_stop(&d->rollup_step);
    d->rollup_cursor = 0;
    tc_log(TC_LOG_WARN, MODULE, "this node (%s) no longer leads: %s", d->config->node.name, why);
    reload(d);
}

/* /healthz with several nodes: which node this is and which one leads, as JSON. */
static void publish_health(tc_engine_t *d)
{
    tc_cluster_t *c = d->cluster;
    if (!d->http)
        return; /* not serving yet */
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string("ok"));
    json_object_set_new(o, "node", json_string(d->config->node.name));
    json_object_set_new(o, "location", json_string(d->config->node.location));
    json_object_set_new(o, "role", json_string(d->config->node.probe_only ? "probe" : "full"));
    json_object_set_new(o, "leader", c->st.leader_name[0] ? json_string(c->st.leader_name)
                                                           : json_null());
    json_object_set_new(o, "is_leader", json_boolean(d->leading));
    json_object_set_new(o, "store", json_string(c->st.connected ? "connected" : "unreachable"));
    /* Results taken while the store does not answer wait in memory, up to a bound. */
    tc_store_writer_stats_t ws = {0};
    if (d->writer)
        tc_store_writer_stats(d->writer, &ws);
    json_object_set_new(o, "results_buffered", json_integer((json_int_t)ws.queued));
    json_object_set_new(o, "results_dropped", json_integer((json_int_t)ws.dropped));
    json_t *nodes = json_array();
    for (size_t i = 0; i < c->st.nnodes; i++) {
        const tc_link_node_t *n = &c->st.nodes[i];
        json_t *e = json_object();
        json_object_set_new(e, "name", json_string(n->name));
        json_object_set_new(e, "location", json_string(n->location));
        json_object_set_new(e, "alive", json_boolean(n->alive));
        json_array_append_new(nodes, e);
    }
    json_object_set_new(o, "nodes", nodes);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    tc_buf_t b;
    tc_buf_init(&b, 0);
    tc_buf_printf(&b, "%s\n", text ? text : "{}");
    free(text);
    size_t len;
    char *body = tc_buf_steal(&b, &len);
    tc_http_set_health(d->http, body, len);
}

/* The link's thread woke the loop: the lead, the nodes, other nodes' changes, states. */
static void on_wake(uv_async_t *a)
{
    tc_engine_t *d = a->data;
    tc_cluster_t *c = d->cluster;
    tc_store_link_status_t st;
    tc_store_link_status(d->link, &st);
    bool nodes_moved = st.nnodes != c->st.nnodes;
    for (size_t i = 0; i < st.nnodes && !nodes_moved; i++)
        nodes_moved = st.nodes[i].alive != c->st.nodes[i].alive ||
                      strcmp(st.nodes[i].location, c->st.nodes[i].location) != 0;
    c->st = st;
    if (st.leader && st.term != c->term && st.term != c->fenced)
        take_lead(d, st.term);
    else if (d->leading && (!st.leader || st.term != c->term))
        step_down(d, st.connected ? "another node took the lead" : "the store is unreachable");
    if (st.changes != c->changes_seen && !d->config->node.probe_only) {
        c->changes_seen = st.changes;
        if (!uv_is_active((uv_handle_t *)&c->refresh))
            uv_timer_start(&c->refresh, on_refresh, REFRESH_DELAY_MS, 0);
    }
    /* A confirmation's questions (every node runs the monitor now) and answers (leader). */
    tc_link_msg_t *msgs = NULL;
    size_t nmsgs = 0;
    tc_store_link_take_msgs(d->link, &msgs, &nmsgs);
    for (size_t i = 0; i < nmsgs; i++)
        tc_engine__confirm_heard(d, &msgs[i]);
    tc_store_link_msgs_free(msgs, nmsgs);
    if (d->leading) {
        bool was_ready = c->ready;
        take_states(d);
        /* A location that came or went changes every monitor's quorum. */
        if (was_ready && nodes_moved)
            evaluate_all(d);
    }
    publish_health(d);
}

/* ---- the engine's hooks ---- */

/* One node: the fresh run here confirmed (or not) the failure held back; the decision is
 * the one held, with its facts. */
static void confirmed_one(tc_engine_t *d, size_t i, tc_monitor_state_t proposed, bool holds,
                          const change_facts_t *f)
{
    mon_slot_t *slot = &d->monitors[i];
    if (!holds || proposed == slot->state)
        return;
    tc_log(TC_LOG_WARN, "engine", "monitor %s: %s -> %s%s%s", slot->cfg->id,
           tc_monitor_state_name(slot->state), tc_monitor_state_name(proposed),
           f->why[0] ? ": " : "", f->why);
    decide_now(d, slot, slot->state, proposed, f);
}

void tc_engine__location_result(tc_engine_t *d, mon_slot_t *slot, tc_monitor_state_t before,
                                tc_monitor_state_t after, const change_facts_t *f)
{
    if (!d->link) {
        /* One node: its location's state is the monitor's, once a confirmation (when the
         * monitor asks for one) has held it; until then the monitor stays as it was. */
        before = slot->state;
        if (after == before) {
            if (bad(after))
                tc_engine__monitor_changed(d, slot, before, after, f); /* reminders */
            return;
        }
        const char *here = d->config->node.location;
        if (tc_engine__confirm_hold(d, (size_t)(slot - d->monitors), before, after, &here,
                                    &after, 1, f, confirmed_one))
            return;
        tc_log(after == TC_MONITOR_UP ? TC_LOG_INFO : TC_LOG_WARN, "engine",
               "monitor %s: %s -> %s%s%s", slot->cfg->id, tc_monitor_state_name(before),
               tc_monitor_state_name(after), f->why[0] ? ": " : "", f->why);
        decide_now(d, slot, before, after, f);
        return;
    }
    if (after != before) {
        /* The monitor's own change is logged by the leader; a place's, where it has a name. */
        if (d->config->node.location[0])
            tc_log(after == TC_MONITOR_UP ? TC_LOG_INFO : TC_LOG_WARN, MODULE,
                   "monitor %s in %s: %s -> %s%s%s", slot->cfg->id, d->config->node.location,
                   tc_monitor_state_name(before), tc_monitor_state_name(after),
                   f->why[0] ? ": " : "", f->why);
        /* Borrowed for the call: the writer copies them. */
        tc_location_state_t st = {(char *)slot->cfg->id, d->config->node.location,
                                  d->config->node.name, after, tc_clock_wall_ms(),
                                  (char *)f->why, (char *)f->problem, (char *)f->summary,
                                  f->status_code, f->response_ms};
        tc_store_writer_put_location(d->writer, &st);
    }
    tc_cluster_t *c = d->cluster;
    if (d->leading && !c->loaded && load_decisions(d, true) == 0) {
        c->loaded = true;
        reload(d);
    }
    if (d->leading && c->ready && c->loaded)
        evaluate(d, (size_t)(slot - d->monitors), f, true);
}

void tc_engine__cluster_stopping(tc_engine_t *d)
{
    if (d->cluster && d->cluster->nqueue) {
        uv_timer_stop(&d->cluster->flush);
        on_flush(&d->cluster->flush);
    }
}

void tc_engine__cluster_serving(tc_engine_t *d)
{
    if (d->cluster)
        publish_health(d);
}

void tc_engine__cluster_health(tc_engine_t *d)
{
    if (d->cluster)
        publish_health(d);
}

void tc_engine__cluster_metrics(tc_engine_t *d, tc_buf_t *b)
{
    tc_cluster_t *c = d->cluster;
    if (!c)
        return;
    tc_buf_puts(b, "# HELP tocsin_leader 1 for the node that leads, as this node knows it.\n"
                   "# TYPE tocsin_leader gauge\n");
    for (size_t i = 0; i < c->st.nnodes; i++)
        tc_buf_printf(b, "tocsin_leader{node=\"%s\"} %d\n", c->st.nodes[i].name,
                      strcmp(c->st.nodes[i].name, c->st.leader_name) == 0);
    int alive = 0;
    for (size_t i = 0; i < c->st.nnodes; i++)
        alive += c->st.nodes[i].alive;
    tc_buf_printf(b,
                  "# HELP tocsin_node_leading 1 while this node leads.\n"
                  "# TYPE tocsin_node_leading gauge\n"
                  "tocsin_node_leading{node=\"%s\",location=\"%s\"} %d\n"
                  "# HELP tocsin_nodes_alive Nodes whose heartbeat in the store is fresh.\n"
                  "# TYPE tocsin_nodes_alive gauge\n"
                  "tocsin_nodes_alive %d\n"
                  "# HELP tocsin_store_link_up 1 while this node's link to the store is up.\n"
                  "# TYPE tocsin_store_link_up gauge\n"
                  "tocsin_store_link_up %d\n",
                  d->config->node.name, d->config->node.location, d->leading, alive,
                  c->st.connected);
    publish_health(d);
}

static void wake_loop(void *arg)
{
    uv_async_send(arg);
}

int tc_engine__cluster_start(tc_engine_t *d)
{
    /* One node, or `tocsin export` (which shows what the store holds and decides nothing). */
    if (!d->config->storage_dsn || d->opts->export_to) {
        d->leading = !d->config->storage_dsn;
        return 0;
    }
    tc_cluster_t *c = tc_calloc(1, sizeof *c);
    c->d = d;
    d->cluster = c;
    uv_async_init(&d->loop, &c->wake, on_wake);
    uv_timer_init(&d->loop, &c->refresh);
    uv_timer_init(&d->loop, &c->flush);
    c->flush.data = c;
    c->wake.data = d;
    c->refresh.data = c;
    c->closing = 3;
    reindex(d, c);
    tc_store_link_opts_t o = {
        .dsn = d->config->storage_dsn,
        .node = d->config->node.name,
        .location = d->config->node.location,
        .can_lead = !d->config->node.probe_only,
        .heartbeat = &d->heartbeat,
        .wake = wake_loop,
        .wake_arg = &c->wake,
    };
    char err[256];
    /* Loading the monitors may have taken a while: the loop is about to turn. */
    atomic_store(&d->heartbeat, tc_clock_mono_ms());
    if (tc_store_link_start(&o, &d->link, err, sizeof err) != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "%s", err);
        return -1;
    }
    /* Show the leader's decisions, and give the link a moment to connect and take the lead
     * if it is free, so a node alone on its store leads from its first page on. */
    load_decisions(d, true);
    int64_t until = tc_clock_mono_ms() + LINK_READY_MS;
    tc_store_link_status_t st;
    do {
        uv_sleep(10);
        tc_store_link_status(d->link, &st);
    } while (!st.connected && tc_clock_mono_ms() < until);
    if (st.connected) {
        until = tc_clock_mono_ms() + 500;
        while (!st.leader && st.leader_name[0] == '\0' && tc_clock_mono_ms() < until) {
            uv_sleep(10);
            tc_store_link_status(d->link, &st);
        }
    }
    tc_log(TC_LOG_INFO, MODULE, "node %s (%s) %s; %s", d->config->node.name,
           d->config->node.location[0] ? d->config->node.location : "no location",
           st.connected ? "connected to the other nodes" : "cannot reach the store yet",
           st.leader ? "it leads" : st.leader_name[0] ? "another node leads" : "no leader yet");
    on_wake(&c->wake);
    return 0;
}

/* Both handles closed: the struct can go. */
static void closed(tc_cluster_t *c)
{
    if (--c->closing == 0)
        free(c);
}

static void on_wake_closed(uv_handle_t *h)
{
    closed((tc_cluster_t *)(void *)h); /* the first member */
}

static void on_refresh_closed(uv_handle_t *h)
{
    closed(h->data);
}

void tc_engine__cluster_stop(tc_engine_t *d)
{
    tc_cluster_t *c = d->cluster;
    if (!c)
        return;
    /* The thread first: it wakes the loop through c->wake. Ending its session gives the lead
     * to another node at once. */
    tc_store_link_stop(d->link);
    d->link = NULL;
    d->leading = false;
    free_locs(c->locs, c->nlocs);
    free(c->by_id);
    free_queue(c);
    free(c->queue);
    c->locs = NULL;
    c->by_id = NULL;
    c->queue = NULL;
    d->cluster = NULL;
    uv_close((uv_handle_t *)&c->refresh, on_refresh_closed);
    uv_close((uv_handle_t *)&c->flush, on_refresh_closed);
    uv_close((uv_handle_t *)&c->wake, on_wake_closed);
}
