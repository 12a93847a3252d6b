/* A failing decision's confirmation (a monitor's `confirm: true`; the rule in
 * status/confirm.h). Before the leader alerts that a monitor is down, degraded or failing
 * regionally, it holds the decision back and asks every live location to run the monitor
 * now, out of schedule: with several nodes a question over the link (NOTIFY tocsin_confirm,
 * store_cluster.h) that every node answers with its next run's verdict (tocsin_confirmed);
 * with one node a fresh run here. The answers, or the deadline (the monitor's timeout and
 * ANSWER_MARGIN_MS), end the wait, and cluster.c's callback decides again. Nothing is stored:
 * a confirmation lost with its leader is asked again by the next one.
 *
 * Both sides live here: the leader's waits (which answers came, the deadline, /metrics) and
 * a node's part (run at once, answer with the run). Calls no other engine file: cluster.c
 * passes the callback that decides. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "engine/engine_int.h"
#include "sched/sched.h"
#include "status/confirm.h"

#define MODULE "engine"
#define ANSWER_MARGIN_MS 3000 /* beyond the monitor's timeout: the question's and the answer's
                                 way through the store, a run's start on a busy loop */
#define MAX_ASKED 64          /* live locations a confirmation asks (cluster.c's MAX_LOCATIONS) */

/* One confirmation the leader waits for. Owned by the engine's list until its timer is
 * closed. */
typedef struct confirm_wait {
    uv_timer_t deadline;        /* first member: the close callback frees the whole struct */
    tc_engine_t *d;
    size_t slot;
    uint64_t epoch;             /* the monitor generation it belongs to */
    int64_t id;                 /* the question's, which answers carry */
    tc_monitor_state_t proposed;
    int quorum;
    tc_confirm_done_fn done;
    char *why, *problem, *summary; /* owned: the facts of the decision held back */
    int status_code;
    double response_ms;
    size_t n;
    char where[MAX_ASKED][65];  /* the live locations asked */
    tc_monitor_state_t votes[MAX_ASKED]; /* their old votes, replaced by the fresh ones */
    bool answered[MAX_ASKED];
    struct confirm_wait *prev, *next;
} confirm_wait_t;

static void free_wait(uv_handle_t *h)
{
    confirm_wait_t *w = (confirm_wait_t *)h;
    free(w->why);
    free(w->problem);
    free(w->summary);
    free(w);
}

/* Take @p w off the engine's list and close its timer (which frees it). */
static void drop_wait(confirm_wait_t *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        w->d->confirm_waits = w->next;
    if (w->next)
        w->next->prev = w->prev;
    uv_timer_stop(&w->deadline);
    uv_close((uv_handle_t *)&w->deadline, free_wait);
}

static confirm_wait_t *find_wait(tc_engine_t *d, size_t slot)
{
    for (confirm_wait_t *w = d->confirm_waits; w; w = w->next)
        if (w->slot == slot && w->epoch == d->monitor_epoch)
            return w;
    return NULL;
}

static void list_places(tc_buf_t *b, confirm_wait_t *w, bool answered, bool failing)
{
    for (size_t k = 0; k < w->n; k++) {
        bool bad = w->votes[k] == TC_MONITOR_DOWN || w->votes[k] == TC_MONITOR_DEGRADED;
        if (w->answered[k] == answered && (!answered || bad == failing))
            tc_buf_printf(b, "%s%s", b->len ? ", " : "", w->where[k][0] ? w->where[k] : "here");
    }
    tc_buf_puts(b, "");
}

/* The answers are in, or the deadline passed: decide, tell cluster.c, forget the wait. */
static void conclude(confirm_wait_t *w, bool timed_out)
{
    tc_engine_t *d = w->d;
    bool holds = tc_confirm_holds(w->proposed, w->votes, w->n, w->quorum);
    d->confirmations[timed_out ? TC_CONFIRM_TIMEOUT
                     : holds   ? TC_CONFIRM_CONFIRMED
                               : TC_CONFIRM_CLEARED]++;
    mon_slot_t *slot = &d->monitors[w->slot];
    slot->confirming[0] = '\0';
    tc_buf_t failed, passed, silent;
    tc_buf_init(&failed, 0);
    tc_buf_init(&passed, 0);
    tc_buf_init(&silent, 0);
    list_places(&failed, w, true, true);
    list_places(&passed, w, true, false);
    list_places(&silent, w, false, false);
    tc_log(holds ? TC_LOG_WARN : TC_LOG_INFO, MODULE,
           "monitor %s: %s %s: fresh runs failed from [%s], passed from [%s]%s%s%s",
           slot->cfg->id, tc_monitor_state_name(w->proposed),
           holds ? "confirmed" : "not confirmed, no alert", failed.data, passed.data,
           silent.len ? "; no answer in time from [" : "", silent.data, silent.len ? "]" : "");
    tc_buf_free(&failed);
    tc_buf_free(&passed);
    tc_buf_free(&silent);
    /* A failure not confirmed is asked about again, while it lasts, an interval later. */
    if (!holds)
        slot->confirm_quiet_until = tc_clock_mono_ms() + slot->cfg->interval_ms;
    tc_confirm_done_fn done = w->done;
    size_t index = w->slot;
    tc_monitor_state_t proposed = w->proposed;
    change_facts_t f = {w->why, w->problem, w->summary, w->status_code, w->response_ms};
    /* Off the list first: the callback decides again and must not find this wait. */
    if (w->prev)
        w->prev->next = w->next;
    else
        d->confirm_waits = w->next;
    if (w->next)
        w->next->prev = w->prev;
    w->prev = w->next = NULL;
    done(d, index, proposed, holds, &f);
    uv_timer_stop(&w->deadline);
    uv_close((uv_handle_t *)&w->deadline, free_wait);
}

/* Whether @p w no longer decides anything, and is dropped: a reload replaced the slots, or
 * this node stopped leading (the next leader decides afresh, and asks again). */
static bool dropped(confirm_wait_t *w)
{
    tc_engine_t *d = w->d;
    if (w->epoch == d->monitor_epoch && (!d->link || d->leading))
        return false;
    if (w->epoch == d->monitor_epoch)
        d->monitors[w->slot].confirming[0] = '\0';
    drop_wait(w);
    return true;
}

static void on_deadline(uv_timer_t *t)
{
    confirm_wait_t *w = (confirm_wait_t *)t;
    if (!dropped(w))
        conclude(w, true);
}

/* Run monitor @p slot now for question @p id, unless a run of it is in flight or a re-check
 * waits (either answers instead). */
static void run_now(tc_engine_t *d, size_t index, int64_t id)
{
    mon_slot_t *slot = &d->monitors[index];
    if (slot->paused)
        return;
    slot->confirm_asked = id;
    if (slot->run || slot->retry)
        return;
    /* Planned again from now: the run starts at the next turn of the loop, and the
     * schedule goes on an interval after it. */
    tc_sched_remove(d->sched, index);
    tc_sched_add(d->sched, index, slot->cfg->interval_ms, tc_clock_mono_ms());
}

/* A fresh vote for @p location of the wait for question @p id of monitor @p index. */
static void take_vote(tc_engine_t *d, size_t index, int64_t id, const char *location,
                      tc_monitor_state_t vote)
{
    confirm_wait_t *w = find_wait(d, index);
    if (!w || w->id != id || dropped(w))
        return; /* concluded already, another question's, or no longer this node's to decide */
    size_t answered = 0;
    for (size_t k = 0; k < w->n; k++) {
        if (!w->answered[k] && strcmp(w->where[k], location) == 0) {
            w->answered[k] = true;
            w->votes[k] = vote;
        }
        answered += w->answered[k];
    }
    if (answered == w->n)
        conclude(w, false);
}

bool tc_engine__confirm_hold(tc_engine_t *d, size_t index, tc_monitor_state_t before,
                             tc_monitor_state_t after, const char *const *where,
                             const tc_monitor_state_t *votes, size_t n, const change_facts_t *f,
                             tc_confirm_done_fn done)
{
    mon_slot_t *slot = &d->monitors[index];
    if (!slot->rules->confirm)
        return false;
    if (find_wait(d, index))
        return true; /* the answers will decide */
    if (!tc_confirm_needed(before, after))
        return false;
    if (slot->confirm_pass) {
        slot->confirm_pass = false; /* just confirmed: this is the decision it allowed */
        return false;
    }
    if (tc_clock_mono_ms() < slot->confirm_quiet_until)
        return true; /* not confirmed a moment ago: not asked again yet */
    confirm_wait_t *w = tc_calloc(1, sizeof *w);
    w->d = d;
    w->slot = index;
    w->epoch = d->monitor_epoch;
    w->id = d->confirm_seq = d->confirm_seq ? d->confirm_seq + 1 : tc_clock_wall_ms();
    w->proposed = after;
    w->quorum = slot->rules->quorum;
    w->done = done;
    w->why = tc_strdup(f->why);
    w->problem = tc_strdup(f->problem);
    w->summary = tc_strdup(f->summary);
    w->status_code = f->status_code;
    w->response_ms = f->response_ms;
    w->n = n < MAX_ASKED ? n : MAX_ASKED;
    tc_buf_t asked;
    tc_buf_init(&asked, 0);
    for (size_t k = 0; k < w->n; k++) {
        snprintf(w->where[k], sizeof w->where[k], "%s", where[k]);
        w->votes[k] = votes[k];
        tc_buf_printf(&asked, "%s%s", asked.len ? ", " : "", where[k][0] ? where[k] : "here");
    }
    tc_buf_puts(&asked, "");
    snprintf(slot->confirming, sizeof slot->confirming, "%s", asked.data);
    w->next = d->confirm_waits;
    if (d->confirm_waits)
        d->confirm_waits->prev = w;
    d->confirm_waits = w;
    uv_timer_init(&d->loop, &w->deadline);
    uv_timer_start(&w->deadline, on_deadline,
                   (uint64_t)(slot->cfg->timeout_ms + ANSWER_MARGIN_MS), 0);
    tc_log(TC_LOG_WARN, MODULE, "monitor %s: would go %s -> %s (%s); confirming from %s",
           slot->cfg->id, tc_monitor_state_name(before), tc_monitor_state_name(after), f->why,
           asked.data);
    tc_buf_free(&asked);
    if (d->link) {
        json_t *q = json_pack("{s:I, s:s}", "id", (json_int_t)w->id, "monitor", slot->cfg->id);
        char *text = json_dumps(q, JSON_COMPACT);
        tc_store_link_send(d->link, false, text);
        free(text);
        json_decref(q);
    } else {
        run_now(d, index, w->id); /* one node: a fresh run here */
    }
    return true;
}

/* The slot of monitor @p id, or -1 (a confirmation is rare: a look through the slots). */
static long slot_of(const tc_engine_t *d, const char *id)
{
    for (size_t i = 0; i < d->nmonitors; i++)
        if (strcmp(d->monitors[i].cfg->id, id) == 0)
            return (long)i;
    return -1;
}

void tc_engine__confirm_answer(tc_engine_t *d, mon_slot_t *slot, const tc_result_t *r)
{
    int64_t id = slot->confirm_asked;
    slot->confirm_asked = 0;
    tc_monitor_state_t vote = r->verdict == TC_VERDICT_DOWN       ? TC_MONITOR_DOWN
                              : r->verdict == TC_VERDICT_DEGRADED ? TC_MONITOR_DEGRADED
                                                                  : TC_MONITOR_UP;
    const char *here = d->config->node.location;
    if (!d->link) {
        take_vote(d, (size_t)(slot - d->monitors), id, here, vote);
        return;
    }
    json_t *a = json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)id, "monitor",
                          slot->cfg->id, "location", here, "node", d->config->node.name,
                          "vote", tc_monitor_state_name(vote));
    char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;
    if (text)
        tc_store_link_send(d->link, true, text);
    free(text);
    json_decref(a);
}

/* A fresh run's vote by its name: up, degraded or down, nothing else. */
static bool vote_of(const char *name, tc_monitor_state_t *out)
{
    static const tc_monitor_state_t votes[] = {TC_MONITOR_UP, TC_MONITOR_DEGRADED,
                                               TC_MONITOR_DOWN};
    for (size_t k = 0; k < sizeof votes / sizeof votes[0]; k++)
        if (strcmp(name, tc_monitor_state_name(votes[k])) == 0) {
            *out = votes[k];
            return true;
        }
    return false;
}

int tc_engine_confirm_decode(const char *payload, bool answer, tc_confirm_msg_t *out)
{
    memset(out, 0, sizeof *out);
    json_t *o = json_loads(payload, 0, NULL);
    json_int_t id = 0;
    const char *monitor = NULL, *location = "", *vote = "up";
    int rc = -1;
    if (o && json_unpack(o, answer ? "{s:I, s:s, s:s, s:s}" : "{s:I, s:s}", "id", &id,
                         "monitor", &monitor, "location", &location, "vote", &vote) == 0 &&
        id > 0 && strlen(monitor) < sizeof out->monitor &&
        strlen(location) < sizeof out->location &&
        vote_of(vote, &out->vote)) {
        out->id = id;
        snprintf(out->monitor, sizeof out->monitor, "%s", monitor);
        snprintf(out->location, sizeof out->location, "%s", location);
        rc = 0;
    }
    json_decref(o);
    return rc;
}

void tc_engine__confirm_heard(tc_engine_t *d, const tc_link_msg_t *msg)
{
    tc_confirm_msg_t m;
    if (tc_engine_confirm_decode(msg->payload, msg->answer, &m) != 0) {
        tc_log(TC_LOG_WARN, MODULE, "a confirmation %s that makes no sense: %.200s",
               msg->answer ? "answer" : "question", msg->payload);
        return;
    }
    long i = slot_of(d, m.monitor);
    if (i < 0)
        return; /* a monitor this node's config does not have (a reload on the way) */
    if (msg->answer)
        take_vote(d, (size_t)i, m.id, m.location, m.vote);
    else
        run_now(d, (size_t)i, m.id);
}

void tc_engine__confirm_metrics(tc_engine_t *d, tc_buf_t *b)
{
    tc_buf_printf(b,
                  "# HELP tocsin_confirmations_total Failing decisions put to fresh runs "
                  "(confirm: true), by outcome; timeout: decided at the deadline on what "
                  "had come.\n"
                  "# TYPE tocsin_confirmations_total counter\n"
                  "tocsin_confirmations_total{outcome=\"confirmed\"} %lu\n"
                  "tocsin_confirmations_total{outcome=\"cleared\"} %lu\n"
                  "tocsin_confirmations_total{outcome=\"timeout\"} %lu\n",
                  d->confirmations[TC_CONFIRM_CONFIRMED], d->confirmations[TC_CONFIRM_CLEARED],
                  d->confirmations[TC_CONFIRM_TIMEOUT]);
}

void tc_engine__confirm_stop(tc_engine_t *d)
{
    while (d->confirm_waits)
        drop_wait(d->confirm_waits);
}
