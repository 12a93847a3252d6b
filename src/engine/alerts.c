/* Alerts and automatic incidents on a monitor's state change: the engine gathers the facts
 * (its rules, an open incident, an active maintenance), asks incident/incident_policy.h what
 * to do, queues one outbox message per alert rule that is told (stable ids, so a retry is
 * never a second alert), and hands the incident decision to incidents.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/log.h"
#include "engine/engine_int.h"
#include "incident/incident_policy.h"
#include "notify/notify.h"
#include "status/window.h"
#include "store/store.h"

#define MODULE "engine"

/* Is any component of @p m under an active maintenance? Its failures then open nothing. */
static bool under_maintenance(tc_engine_t *d, const tc_monitor_rules_t *m)
{
    for (size_t k = 0; k < m->ncomponents; k++) {
        const tc_store_row_t *row = tc_engine__row(d, m->components[k]);
        if (row && row->status == TC_STATUS_UNDER_MAINTENANCE)
            return 1;
    }
    return 0;
}

/* Queue the alerts @p alert selects for @p kind, in the caller's transaction. */
static void queue_alerts(tc_engine_t *d, mon_slot_t *slot, tc_event_kind_t kind,
                         const bool *alert, tc_monitor_state_t before, tc_monitor_state_t after,
                         const change_facts_t *f)
{
    const tc_monitor_cfg_t *m = slot->cfg;
    const tc_monitor_rules_t *rules = slot->rules;
    bool reminder = kind == TC_EVENT_REMINDER;
    int64_t now = tc_clock_wall_ms();
    tc_status_t want = tc_monitor_component_status(after, rules->down_status,
                                                   rules->regional_status);
    tc_event_component_t *comps =
        tc_calloc(rules->ncomponents ? rules->ncomponents : 1, sizeof *comps);
    for (size_t k = 0; k < rules->ncomponents; k++) {
        const tc_store_row_t *row = tc_engine__row(d, rules->components[k]);
        comps[k].id = row->id;
        comps[k].name = row->name;
        comps[k].old_status = row->status;
        comps[k].new_status = reminder ? row->status : want;
    }
    const tc_incident_t *open = tc_engine__monitor_incident(d, m->id);
    char event_id[13];
    tc_engine__new_id(event_id);
    tc_notify_event_t e = {
        .kind = kind,
        .at = now,
        .zone = d->zone,
        .page_id = d->config->page.id,
        .page_name = d->config->page.name,
        .page_url = d->config->page.url,
        .monitor_id = m->id,
        .monitor_name = m->name,
        .monitor_kind = tc_probe_type_name(m->type),
        .old_state = tc_monitor_state_name(before),
        .new_state = tc_monitor_state_name(after),
        .reason = f->why,
        .status_code = f->status_code,
        .response_ms = f->response_ms,
        .components = comps,
        .ncomponents = rules->ncomponents,
        .incident_id = open ? open->id : NULL,
        .incident_name = open ? open->name : NULL,
    };
    tc_outbox_t *msgs = tc_calloc(rules->nalerts, sizeof *msgs);
    size_t nmsgs = 0;
    for (size_t a = 0; a < rules->nalerts; a++) {
        if (!alert[a])
            continue;
        const tc_channel_cfg_t *ch = tc_config_channel(d->config, rules->alerts[a].channel);
        if (!ch)
            continue;
        /* One id per delivery: the event id and the rule, stable across retries. */
        char id[40];
        snprintf(id, sizeof id, "%s-%zu", event_id, a);
        e.id = id;
        tc_outbox_t *msg = &msgs[nmsgs++];
        msg->id = tc_strdup(id);
        msg->target = tc_strdup(ch->id);
        msg->kind = tc_strdup(tc_notify_type_name(ch->type));
        msg->payload = tc_notify_format(ch, &e);
        if (!msg->payload) {
            /* Only a text jansson refuses could do this; say so rather than lose it. */
            tc_log(TC_LOG_ERROR, MODULE, "monitor %s: cannot format the alert for %s", m->id,
                   ch->id);
            free(msg->id);
            free(msg->target);
            free(msg->kind);
            nmsgs--;
            continue;
        }
        msg->created_at = now;
        msg->expires_at = now + d->config->notify_retry_ms;
        if (a < MAX_REMINDED)
            slot->alerted_at[a] = now;
    }
    char err[256];
    if (nmsgs && tc_store_outbox_add(d->store, msgs, nmsgs, err, sizeof err) != 0)
        tc_log(TC_LOG_ERROR, MODULE, "monitor %s: cannot queue alerts: %s", m->id, err);
    else if (nmsgs)
        tc_log(TC_LOG_INFO, MODULE, "monitor %s: %s queued for %zu channel(s)", m->id,
               tc_event_kind_name(kind), nmsgs);
    if (nmsgs && reminder)
        tc_notify_kick(d->notify);
    tc_store_outbox_free(msgs, nmsgs);
    free(comps);
}

void tc_engine__run_words(const mon_slot_t *slot, tc_monitor_state_t after, const tc_result_t *r,
                          tc_buf_t *problem, tc_buf_t *summary)
{
    const tc_monitor_tracker_t *t = &slot->tracker;
    const tc_monitor_cfg_t *m = slot->cfg;
    if (after == TC_MONITOR_FLAPPING) {
        tc_buf_puts(problem, "unstable");
        tc_buf_printf(summary, "its checks changed state %zu times in the last %d",
                      tc_window_changes(&slot->window, TC_FLAP_RUNS), TC_FLAP_RUNS);
    } else if ((after == TC_MONITOR_DOWN || after == TC_MONITOR_DEGRADED) && after == t->level &&
               after != t->threshold) {
        tc_buf_puts(problem, after == TC_MONITOR_DOWN ? "failing" : "degraded");
        tc_buf_printf(summary, "%zu of the last %d checks failed",
                      tc_window_failures(&slot->window, (size_t)m->window), m->window);
        if (slot->last_failure_words[0])
            tc_buf_printf(summary, ", most recently: %s", slot->last_failure_words);
    } else {
        tc_buf_puts(problem, tc_probe_problem(r));
        tc_probe_words(m, r, summary);
    }
}

void tc_engine__monitor_changed(tc_engine_t *d, mon_slot_t *slot, tc_monitor_state_t before,
                                tc_monitor_state_t after, const change_facts_t *f)
{
    const tc_monitor_rules_t *rules = slot->rules;
    tc_policy_rule_t *prules = tc_calloc(rules->nalerts + 1, sizeof *prules);
    bool *alert = tc_calloc(rules->nalerts + 1, sizeof *alert);
    for (size_t a = 0; a < rules->nalerts; a++) {
        prules[a].on = rules->alerts[a].on;
        /* Reminders need the time a rule was last told, kept for the first MAX_REMINDED. */
        prules[a].remind_ms = a < MAX_REMINDED ? rules->alerts[a].remind_ms : 0;
        prules[a].alerted_at = a < MAX_REMINDED ? slot->alerted_at[a] : 0;
    }
    tc_policy_in_t in = {
        .before = before,
        .after = after,
        .auto_incident = rules->auto_incident,
        .has_open = tc_engine__monitor_incident(d, slot->cfg->id) != NULL,
        .under_maintenance = under_maintenance(d, rules),
        .rules = prules,
        .nrules = rules->nalerts,
        .now = tc_clock_wall_ms(),
    };
    tc_policy_out_t out = tc_incident_policy(&in, alert);
    /* Alerts first, so they record the components' status before the incident moves it. */
    if (out.nalerted)
        queue_alerts(d, slot, out.kind, alert, before, after, f);
    if (out.incident != TC_POLICY_KEEP) {
        auto_words_t words = {f->problem, f->summary, f->why};
        tc_engine__auto_incident(d, rules, out.incident, after, &words);
    }
    free(alert);
    free(prules);
}
