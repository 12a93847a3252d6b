/* Probe self-health on the engine thread: every counted run says whether it failed (its
 * vote on the node's vantage); when most monitors fail at once, the node checks its own
 * network (self_check: its resolver and targets, by default its gateway) before anything
 * counts, and while that check fails too the vantage is impaired: runs are shown but not
 * counted, so no threshold moves and no alert, reminder, automatic incident or component
 * change can come of them. The decision is status/vantage.c's (pure); this file runs the
 * self-check rounds (tcp and dns runs built by probe.h, on the engine's loop), keeps the
 * votes, logs each change once, and says where things stand on /metrics and in the
 * console. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "config/config.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/route.h"
#include "engine/engine_int.h"
#include "probe/probe.h"
#include "status/vantage.h"

#define MODULE "engine"
#define VOTE_PASSED 1 /* mon_slot_t.vote: the latest run passed (up or degraded) */
#define VOTE_FAILED 2 /* ... it failed (down) */

/* One part of a self-check round: the resolver, or one target. */
typedef struct part {
    tc_monitor_cfg_t cfg;   /* owned; the run's monitor (empty when nothing could run) */
    tc_probe_run_t *run;    /* in flight, or NULL */
    char label[300];        /* "127.0.0.1:22", "gateway 192.0.2.1:53", "resolver (system)" */
    char addr[280];         /* HOST:PORT connected to; "" for the resolver or no gateway */
    bool resolver;
    bool gateway;           /* the default gateway, read from the routing table */
    bool trusted;           /* its failure is evidence (fixed when the round starts) */
    bool done, passed;
    char words[200];        /* what it found: "answered in 2 ms", "connection refused" */
} part_t;

/* Passed through a part's run so its result finds it, unless the round is over. */
typedef struct part_ticket {
    tc_engine_t *d;
    uint64_t round;
    size_t part;
} part_ticket_t;

typedef struct vantage {
    tc_vantage_t s;            /* the decision's state (status/vantage.h) */
    uv_timer_t timer;          /* a round every self_check.interval */
    long timer_ms;             /* the interval the timer runs at */
    tc_probe_env_t env;        /* the loop, without the monitors' window or push hooks */
    part_t *parts;             /* owned; the current or last round's */
    size_t nparts;
    size_t left;               /* parts of the round in flight still running ... */
    size_t trusted_left;       /* ... and of them, trusted ones */
    bool judged;               /* the round in flight has its verdict */
    uint64_t round;            /* bumped by every round and at shutdown */
    int64_t round_started;     /* monotonic ms */
    bool checked;              /* a round has finished */
    int64_t last_started;      /* monotonic ms the last finished round started */
    int64_t last_at;           /* wall ms it finished */
    tc_self_verdict_t last;    /* what it found */
    char last_words[768];      /* in words: each part's outcome */
    char proven_gateway[280];  /* a default gateway that has answered, "" before one did */
    bool resolver_proven;      /* the system's resolver has answered */
    bool warned_no_evidence;   /* said once that the defaults cannot tell anything here */
    size_t voting, failing;    /* monitors with a say, and those whose latest run failed */
    unsigned long held;        /* runs not counted while checking or impaired */
    unsigned long rounds;
    int64_t since_wall;        /* wall ms the state began, 0: since the start */
    char reason[1024];         /* why checking or impaired */
} vantage_t;

static void evaluate(tc_engine_t *d);

/* Can this monitor's run speak for the node's network? A push monitor's runs only look at
 * what its service sent (an inbound call), and a paused one does not run. */
static bool has_say(const mon_slot_t *slot)
{
    return !slot->paused && !tc_probe_push_token(slot->cfg);
}

static void free_parts(vantage_t *v)
{
    for (size_t i = 0; i < v->nparts; i++)
        tc_monitor_cfg_clear(&v->parts[i].cfg);
    free(v->parts);
    v->parts = NULL;
    v->nparts = 0;
}

/* The default gateway now: IPv4's, else IPv6's. @return 0 or -1 when there is none. A
 * host's tables are a few lines; of a router's full table only the first 64 KiB are read
 * (the kernel lists the default route early), and a gateway never found is never trusted. */
static int read_gateway(char *out, size_t size)
{
    static const char *const files[2] = {"/proc/net/route", "/proc/net/ipv6_route"};
    static char text[65536]; /* the engine thread is the only reader */
    for (int f = 0; f < 2; f++) {
        FILE *fp = fopen(files[f], "r");
        if (!fp)
            continue;
        size_t n = fread(text, 1, sizeof text - 1, fp);
        fclose(fp);
        text[n] = '\0';
        int rc = f == 0 ? tc_route_gateway4(text, out, size) : tc_route_gateway6(text, out, size);
        if (rc == 0)
            return 0;
    }
    return -1;
}

/* The parts of a new round, as the config asks now (the gateway is read afresh: it can
 * change under a running daemon). */
static void build_parts(vantage_t *v, const tc_config_t *c)
{
    const long timeout = c->self_check.timeout_ms;
    v->parts = tc_calloc(c->self_check.ntargets + 1, sizeof *v->parts);
    v->nparts = 0;
    if (!c->self_check.resolver_off) {
        part_t *p = &v->parts[v->nparts++];
        p->resolver = true;
        snprintf(p->label, sizeof p->label, "resolver %s",
                 c->self_check.resolver ? c->self_check.resolver : "(system)");
        /* The address was checked when the config loaded. */
        tc_probe_resolver_monitor(&p->cfg, "self-check", c->self_check.resolver, timeout);
    }
    for (size_t i = 0; i < c->self_check.ntargets; i++) {
        const tc_self_target_t *t = &c->self_check.targets[i];
        part_t *p = &v->parts[v->nparts++];
        char host[256];
        if (t->host) {
            snprintf(host, sizeof host, "%s", t->host);
        } else {
            p->gateway = true;
            if (read_gateway(host, sizeof host) != 0) {
                snprintf(p->label, sizeof p->label, "gateway");
                snprintf(p->words, sizeof p->words, "no default route");
                p->done = true;
                continue;
            }
        }
        snprintf(p->addr, sizeof p->addr, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host,
                 t->port);
        snprintf(p->label, sizeof p->label, "%s%s", p->gateway ? "gateway " : "", p->addr);
        /* A gateway need not listen on anything: its refusal shows it is there. */
        tc_probe_connect_monitor(&p->cfg, "self-check", host, t->port, p->gateway, timeout);
    }
}

/* Is @p p's failure evidence? A configured part always is; a default (the gateway, the
 * system's resolver) only once it has answered here, so a guess that does not fit this
 * network (a gateway that drops unexpected connections) never holds alerts. */
static bool trusted(const vantage_t *v, const tc_config_t *c, const part_t *p)
{
    if (p->resolver)
        return c->self_check.resolver || v->resolver_proven;
    if (!p->gateway)
        return true;
    if (!v->proven_gateway[0])
        return false;
    /* The same gateway, or none at all: a default route that vanished is a cut too. */
    return !p->addr[0] || strcmp(p->addr, v->proven_gateway) == 0;
}

/* The trusted parts have their outcome: judge the round and take a step with it. Parts
 * that are not trusted yet cannot change the verdict, so it does not wait for them (a
 * resolver that never answers would otherwise hold runs for its whole timeout); they go on
 * to prove themselves for later rounds. */
static void judge_round(tc_engine_t *d)
{
    vantage_t *v = d->vantage;
    tc_self_part_t *judged = tc_calloc(v->nparts + 1, sizeof *judged);
    tc_buf_t words;
    tc_buf_init(&words, 0);
    for (size_t i = 0; i < v->nparts; i++) {
        const part_t *p = &v->parts[i];
        judged[i] = (tc_self_part_t){p->resolver, p->passed, p->trusted};
        tc_buf_printf(&words, "%s%s: %s%s", i ? "; " : "", p->label,
                      p->done ? p->words : "no answer yet",
                      p->trusted || p->passed ? "" : " (not trusted: it has not answered here)");
    }
    v->judged = true;
    v->last = tc_vantage_self_verdict(judged, v->nparts);
    free(judged);
    v->checked = true;
    v->last_started = v->round_started;
    v->last_at = tc_clock_wall_ms();
    v->rounds++;
    snprintf(v->last_words, sizeof v->last_words, "%s", words.data ? words.data : "nothing");
    tc_buf_free(&words);
    evaluate(d);
}

/* Every run of the round has ended. */
static void round_over(tc_engine_t *d)
{
    vantage_t *v = d->vantage;
    bool any = false;
    for (size_t i = 0; i < v->nparts; i++)
        any |= trusted(v, d->config, &v->parts[i]);
    if (!any && !v->warned_no_evidence) {
        v->warned_no_evidence = true;
        tc_log(TC_LOG_WARN, MODULE, "self-check: nothing it checks has answered from here "
               "yet (%s), so a node cut off from its network cannot be told from a mass "
               "outage; set self_check.targets to something this node always reaches",
               v->last_words);
    }
}

static void on_part_done(const tc_monitor_cfg_t *m, tc_result_t *r, void *arg)
{
    (void)m; /* the part's; not read after a cancel */
    part_ticket_t *t = arg;
    tc_engine_t *d = t->d;
    d->in_flight--;
    vantage_t *v = d->vantage;
    if (r->canceled || t->round != v->round) {
        free(t);
        return;
    }
    part_t *p = &v->parts[t->part];
    free(t);
    p->run = NULL;
    p->done = true;
    p->passed = r->verdict != TC_VERDICT_DOWN &&
                (!p->resolver || tc_vantage_resolver_answered(r->dns_rcode));
    if (p->passed)
        snprintf(p->words, sizeof p->words, "%s in %.0f ms",
                 p->resolver                ? "answered"
                 : r->connected             ? "connected"
                                            : "refused (the host answered)",
                 r->response_ms);
    else if (p->resolver && r->dns_rcode[0])
        snprintf(p->words, sizeof p->words, "answered %s", r->dns_rcode);
    else
        snprintf(p->words, sizeof p->words, "%.*s", (int)sizeof p->words - 1,
                 r->reason[0] ? r->reason : "no answer");
    tc_utf8_clean(p->words);
    /* A default that answers is trusted from the next round on. */
    if (p->passed && p->resolver && !d->config->self_check.resolver)
        v->resolver_proven = true;
    if (p->passed && p->gateway)
        snprintf(v->proven_gateway, sizeof v->proven_gateway, "%s", p->addr);
    v->left--;
    if (p->trusted && --v->trusted_left == 0 && !v->judged)
        judge_round(d);
    if (v->left == 0)
        round_over(d);
}

/* Start a round. @return true when its verdict can be given at once (no trusted part is
 * running), false while trusted runs go on. */
/* Cancel the runs of the round in flight; their late results find a round that is over. */
static void cancel_round(vantage_t *v)
{
    v->round++;
    v->left = v->trusted_left = 0;
    v->judged = false;
    for (size_t i = 0; i < v->nparts; i++)
        if (v->parts[i].run) {
            tc_probe_run_t *run = v->parts[i].run;
            v->parts[i].run = NULL;
            tc_probe_cancel(run);
        }
}

static bool start_round(tc_engine_t *d)
{
    vantage_t *v = d->vantage;
    /* Parts of the last round that are not trusted may still be running: a run that has
     * been cancelled reads its monitor no more, so their configs can go. */
    cancel_round(v);
    free_parts(v);
    build_parts(v, d->config);
    v->round_started = tc_clock_mono_ms();
    v->judged = false;
    for (size_t i = 0; i < v->nparts; i++) {
        part_t *p = &v->parts[i];
        p->trusted = trusted(v, d->config, p);
        if (p->done)
            continue;
        part_ticket_t *t = tc_calloc(1, sizeof *t);
        *t = (part_ticket_t){d, v->round, i};
        if (tc_probe_start(&p->cfg, &v->env, on_part_done, t, &p->run) != 0) {
            free(t);
            p->run = NULL;
            p->done = true;
            snprintf(p->words, sizeof p->words, "could not start");
            continue;
        }
        d->in_flight++;
        v->left++;
        v->trusted_left += p->trusted;
    }
    return v->trusted_left == 0;
}

/* Start a round and judge it at once when nothing trusted runs. */
static void begin_round(tc_engine_t *d)
{
    if (start_round(d))
        judge_round(d);
    if (d->vantage->left == 0)
        round_over(d);
}

/* The log says each change once, with why. */
static void announce(tc_engine_t *d, tc_vantage_state_t before)
{
    vantage_t *v = d->vantage;
    int64_t now = tc_clock_wall_ms();
    long lasted = v->since_wall ? (long)((now - v->since_wall + 500) / 1000) : 0;
    v->since_wall = now;
    switch (v->s.state) {
    case TC_VANTAGE_CHECKING:
        snprintf(v->reason, sizeof v->reason, "%zu of %zu monitors failed their latest run; "
                 "checking this node's own network", v->failing, v->voting);
        tc_log(TC_LOG_INFO, MODULE, "vantage: %s before counting them", v->reason);
        break;
    case TC_VANTAGE_IMPAIRED:
        snprintf(v->reason, sizeof v->reason, "%zu of %zu monitors failed their latest run "
                 "and the self-check failed: %s", v->failing, v->voting, v->last_words);
        tc_log(TC_LOG_WARN, MODULE, "vantage impaired: %s; runs are not counted, alerts and "
               "automatic incidents are held", v->reason);
        break;
    case TC_VANTAGE_HEALTHY:
    default:
        v->reason[0] = '\0';
        if (before == TC_VANTAGE_IMPAIRED)
            tc_log(TC_LOG_INFO, MODULE, "vantage healthy again after %ld s: %s; %lu runs "
                   "were not counted", lasted, v->s.episode ? "the self-check passed"
                                                            : "most monitors pass again",
                   v->held);
        else if (v->s.episode)
            tc_log(TC_LOG_INFO, MODULE, "vantage: the self-check %s (%s): the failures are "
                   "the targets', and count",
                   v->last == TC_SELF_NO_EVIDENCE ? "has nothing to go by" : "passed",
                   v->last_words);
        break;
    }
}

static void evaluate(tc_engine_t *d)
{
    vantage_t *v = d->vantage;
    const tc_config_t *c = d->config;
    tc_vantage_in_t in = {
        .now = tc_clock_mono_ms(),
        .most_failing = c->self_check.enabled &&
                        tc_vantage_most_failing(v->failing, v->voting,
                                                (size_t)c->self_check.min_failing,
                                                c->self_check.failing_ratio),
        .check_running = v->left > 0 && !v->judged,
        .checked = v->checked,
        .check_started = v->last_started,
        .check = v->last,
    };
    tc_vantage_state_t before = v->s.state;
    tc_vantage_out_t out = tc_vantage_step(&v->s, &in);
    if (out.changed)
        announce(d, before);
    if (out.start_check)
        begin_round(d);
}

static void on_tick(uv_timer_t *h)
{
    tc_engine_t *d = h->data;
    vantage_t *v = d->vantage;
    const tc_config_t *c = d->config;
    /* With fewer monitors that can speak than it takes to blame the node, no round could
     * ever matter: none is run (and nothing leaves the node for it). */
    size_t could = 0;
    for (size_t i = 0; i < d->nmonitors; i++)
        could += has_say(&d->monitors[i]);
    if (!c->self_check.enabled || could < (size_t)c->self_check.min_failing || v->left)
        return;
    begin_round(d);
}

void tc_engine__vantage_recount(tc_engine_t *d)
{
    vantage_t *v = d->vantage;
    if (!v) {
        v = tc_calloc(1, sizeof *v);
        d->vantage = v;
        v->env = (tc_probe_env_t){.loop = &d->loop, .curl = d->curl};
        uv_timer_init(&d->loop, &v->timer);
        v->timer.data = d;
    }
    /* A reload may change the interval; the first round runs at once. */
    long interval = d->config->self_check.interval_ms;
    if (interval != v->timer_ms) {
        uv_timer_start(&v->timer, on_tick, v->timer_ms ? (uint64_t)interval : 0,
                       (uint64_t)interval);
        v->timer_ms = interval;
    }
    v->voting = v->failing = 0;
    for (size_t i = 0; i < d->nmonitors; i++) {
        mon_slot_t *slot = &d->monitors[i];
        if (!has_say(slot))
            slot->vote = 0;
        v->voting += slot->vote != 0;
        v->failing += slot->vote == VOTE_FAILED;
    }
    evaluate(d);
}

bool tc_engine__vantage_counts(tc_engine_t *d, mon_slot_t *slot, const tc_result_t *r)
{
    vantage_t *v = d->vantage;
    if (!d->config->self_check.enabled || !has_say(slot))
        return true;
    int vote = r->verdict == TC_VERDICT_DOWN ? VOTE_FAILED : VOTE_PASSED;
    if (slot->vote != vote) {
        v->voting += slot->vote == 0;
        v->failing += vote == VOTE_FAILED;
        v->failing -= slot->vote == VOTE_FAILED;
        slot->vote = (signed char)vote;
    }
    evaluate(d);
    if (v->s.state == TC_VANTAGE_HEALTHY)
        return true;
    /* Held: the run measured this node's network, not its target. It is shown (the
     * console's last check) but not stored, not fed to the tracker, not re-checked, so the
     * monitor resumes from its state of before once the vantage is healthy and its next
     * runs decide. With several nodes (issue 14) this is also where the node's results
     * leave the quorum: a leader must count no vote from an impaired vantage. */
    v->held++;
    slot->attempt = 0;
    slot->last_at = r->started_at;
    slot->last_ms = r->response_ms;
    snprintf(slot->last_reason, sizeof slot->last_reason, "not counted (vantage %s)%s%.*s",
             tc_vantage_state_name(v->s.state), r->reason[0] ? ": " : "",
             (int)sizeof slot->last_reason - 40, r->reason);
    tc_utf8_clean(slot->last_reason);
    if (r->verdict != TC_VERDICT_UP) {
        slot->last_failure_at = r->started_at;
        memcpy(slot->last_failure, slot->last_reason, sizeof slot->last_failure);
    }
    return false;
}

/* A label value as Prometheus's text format needs it: backslash, quote and newline
 * escaped. */
static void label_value(tc_buf_t *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            tc_buf_printf(b, "\\%c", *s);
        else if (*s == '\n')
            tc_buf_puts(b, "\\n");
        else
            tc_buf_append(b, s, 1);
    }
}

void tc_engine__vantage_metrics(tc_engine_t *d, tc_buf_t *b)
{
    const vantage_t *v = d->vantage;
    bool on = v && d->config->self_check.enabled;
    tc_buf_printf(b, "# HELP tocsin_vantage_impaired 1 while this node blames its own network "
                     "for most of its monitors failing at once: their runs are not counted, "
                     "alerts and automatic incidents are held.\n"
                     "# TYPE tocsin_vantage_impaired gauge\n"
                     "tocsin_vantage_impaired %d\n",
                  on && v->s.state == TC_VANTAGE_IMPAIRED);
    if (!on)
        return;
    tc_buf_printf(b, "# HELP tocsin_vantage_state 1 for the state of this node's vantage "
                     "(healthy, checking, impaired), with why.\n"
                     "# TYPE tocsin_vantage_state gauge\n"
                     "tocsin_vantage_state{state=\"%s\",reason=\"",
                  tc_vantage_state_name(v->s.state));
    label_value(b, v->reason);
    tc_buf_printf(b, "\"} 1\n"
                     "# HELP tocsin_vantage_failing_monitors Monitors whose latest run failed.\n"
                     "# TYPE tocsin_vantage_failing_monitors gauge\n"
                     "tocsin_vantage_failing_monitors %zu\n"
                     "# HELP tocsin_vantage_voting_monitors Monitors whose latest run speaks "
                     "for the node's network (not paused, not push).\n"
                     "# TYPE tocsin_vantage_voting_monitors gauge\n"
                     "tocsin_vantage_voting_monitors %zu\n"
                     "# HELP tocsin_vantage_held_runs_total Runs not counted while the "
                     "vantage was being checked or impaired.\n"
                     "# TYPE tocsin_vantage_held_runs_total counter\n"
                     "tocsin_vantage_held_runs_total %lu\n"
                     "# HELP tocsin_self_check_rounds_total Self-check rounds finished.\n"
                     "# TYPE tocsin_self_check_rounds_total counter\n"
                     "tocsin_self_check_rounds_total %lu\n",
                  v->failing, v->voting, v->held, v->rounds);
    if (v->checked)
        tc_buf_printf(b, "# HELP tocsin_self_check_passed 1 when the node's last self-check "
                         "passed or had nothing to blame, 0 when it failed.\n"
                         "# TYPE tocsin_self_check_passed gauge\n"
                         "tocsin_self_check_passed %d\n",
                      v->last != TC_SELF_FAILED);
}

void tc_engine_vantage(tc_engine_t *d, tc_vantage_info_t *out)
{
    const vantage_t *v = d->vantage;
    memset(out, 0, sizeof *out);
    out->enabled = v && d->config->self_check.enabled;
    out->state = v ? tc_vantage_state_name(v->s.state) : "healthy";
    out->reason = v ? v->reason : "";
    out->self_check = v && v->checked ? v->last_words : "";
    if (!v)
        return;
    out->since = v->since_wall;
    out->self_check_at = v->checked ? v->last_at : 0;
    out->self_check_passed = v->last != TC_SELF_FAILED;
    out->held = v->held;
}

void tc_engine__vantage_stop(tc_engine_t *d)
{
    vantage_t *v = d->vantage;
    if (!v)
        return;
    uv_timer_stop(&v->timer);
    /* The parts stay until the loop is gone. */
    cancel_round(v);
}

void tc_engine__vantage_free(tc_engine_t *d)
{
    if (!d->vantage)
        return;
    free_parts(d->vantage);
    free(d->vantage);
    d->vantage = NULL;
}
