/* The push kind (a heartbeat): the service calls GET or POST /api/push/<token> itself, and a
 * run only looks at what it heard. No push within interval + grace is a failure; a push with
 * status=down is a failure carrying the service's msg=. Good for cron jobs and for services
 * behind firewalls that tocsin cannot reach. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "probe/probe_int.h"

#define MIN_TOKEN 16 /* shorter tokens could be guessed by anyone who can reach the page */

typedef struct push_cfg {
    char *token;
    long grace_ms;
} push_cfg_t;

static const char *const keys[] = {"token", "grace", NULL};
static const char *const placeholders[] = {"CONNECTED", "RESPONSE_TIME", "BODY", NULL};

static void push_parse(tc_yaml_t *y, tc_ynode_t node, tc_monitor_cfg_t *m)
{
    push_cfg_t *c = tc_calloc(1, sizeof *c);
    m->kind_cfg = c;
    tc_yaml_get_string(y, node, "monitor", "token", 1, &c->token);
    tc_yaml_get_duration(y, node, "monitor", "grace", 0, 86400000L, &c->grace_ms);
    if (!c->token)
        return;
    size_t len = strlen(c->token);
    int ok = len >= MIN_TOKEN && len <= 128;
    for (const char *p = c->token; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            ok = 0;
    if (!ok)
        tc_yaml_error(y, tc_yaml_lookup(y, node, "token"),
                      "monitor: token must be %d to 128 letters, digits, '-' or '_'",
                      MIN_TOKEN);
}

static void push_free_config(void *p)
{
    push_cfg_t *c = p;
    free(c->token);
    free(c);
}

const char *tc_probe_push_token(const tc_monitor_cfg_t *m)
{
    if (m->type != &tc_probe_push || !m->kind_cfg)
        return NULL;
    return ((const push_cfg_t *)m->kind_cfg)->token;
}

static void judge_push(uv_timer_t *t)
{
    tc_probe_run_t *run = t->data;
    tc_result_t *r = &run->result;
    const push_cfg_t *c = run->m->kind_cfg;
    const tc_push_state_t *st = run->env->push_state
                                    ? run->env->push_state(run->env->push_ctx, run->m)
                                    : NULL;
    int64_t now = tc_clock_wall_ms();
    long window = run->m->interval_ms + c->grace_ms;
    if (!st || (!st->last_at && (!st->heard_before || now - st->watching_since <= window))) {
        /* Pending, not down: a monitor that never heard a push is waiting for its service to
         * start pushing; one heard before gets the same interval + grace after a restart
         * (pushes are not kept across restarts) as it gets between pushes. */
        r->pending = true;
        if (!st)
            snprintf(r->error, sizeof r->error, "waiting for a push (only the daemon hears "
                                                "them)");
        else if (!st->heard_before)
            snprintf(r->error, sizeof r->error, "waiting for the first push");
        else
            snprintf(r->error, sizeof r->error, "waiting for a push since the start, %ld s ago",
                     (long)((now - st->watching_since) / 1000));
    } else if (!st->last_at || now - st->last_at > window) {
        snprintf(r->error, sizeof r->error, "no push received in the last %ld s",
                 window / 1000);
    } else if (st->last_down) {
        r->connected = true;
        snprintf(r->error, sizeof r->error, "the service pushed status=down%s%s",
                 st->last_msg[0] ? ": " : "", st->last_msg);
    } else {
        r->connected = true;
        r->response_ms = st->last_ping_ms;
        tc_buf_puts(&r->body, st->last_msg);
    }
    tc_probe__conclude(run, NULL);
}

/* The verdict is known at once, but the contract says done fires from the loop, never from
 * inside tc_probe_start(), so the judgement runs on the next loop turn. */
static int push_start(tc_probe_run_t *run)
{
    uv_timer_t *t = tc_calloc(1, sizeof *t);
    uv_timer_init(run->env->loop, t);
    tc_probe__own(run, (uv_handle_t *)t);
    run->state = t;
    uv_timer_start(t, judge_push, 0, 0);
    return 0;
}

/* The timer is the run's state: probe.c frees it (free_state = free) once it is closed. */
static void push_stop(tc_probe_run_t *run)
{
    uv_timer_t *t = run->state;
    uv_timer_stop(t);
    tc_probe__close((uv_handle_t *)t, false);
}

const tc_probe_type_t tc_probe_push = {
    .name = "push",
    .keys = keys,
    .placeholders = placeholders,
    .parse = push_parse,
    .free_config = push_free_config,
    .start = push_start,
    .stop = push_stop,
    .free_state = free,
};
