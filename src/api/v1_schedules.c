/* Recurring maintenance windows on the write API (a tocsin extension; Statuspage has none):
 *   GET    maintenance_schedules          every window, those of tocsin.yaml included
 *   POST   maintenance_schedules          {"maintenance_schedule": {"name": "...",
 *            "days": ["tue", "thu"], "at": "02:00", "duration_minutes": 60,
 *            "component_ids": ["db"], "message": "...", "notify": true}}
 *   DELETE maintenance_schedules/{id}     stop repeating (windows already made stay)
 * Times are local to the page's zone. Each window becomes an ordinary scheduled maintenance
 * a week ahead, visible in /api/v2/scheduled-maintenances*.json. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"

static json_t *schedule_json(tc_api_call_t *c, const tc_schedule_t *s)
{
    static const char *const days[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    json_t *list = json_array(), *comps = json_array();
    for (int d = 1; d <= 7; d++) /* Monday first */
        if (s->rule.days & (1u << (d % 7)))
            json_array_append_new(list, json_string(days[d % 7]));
    for (size_t k = 0; k < s->ncomponents; k++)
        json_array_append_new(comps, json_string(s->components[k]));
    char at[24], last[40] = "";
    snprintf(at, sizeof at, "%02d:%02d", s->rule.minute / 60, s->rule.minute % 60);
    if (s->last_start)
        tc_clock_format_iso(tc_engine_zone(c->e), s->last_start, last, sizeof last);
    return json_pack("{s:s, s:s, s:s?, s:o, s:s, s:I, s:s, s:o, s:b, s:b, s:s?}", "id", s->id,
                     "name", s->name, "message", s->message, "days", list, "at", at,
                     "duration_minutes", (json_int_t)(s->rule.duration_ms / 60000), "time_zone",
                     tc_zone_name(tc_engine_zone(c->e)), "component_ids", comps, "notify",
                     s->notify, "from_config", s->from_config, "latest_window_at",
                     last[0] ? last : NULL);
}

void tc_api__schedules_list(tc_api_call_t *c)
{
    size_t n = 0;
    const tc_schedule_t *s = tc_engine_schedules(c->e, &n);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, schedule_json(c, &s[i]));
    tc_api_reply_json(c->req, 200, out);
}

void tc_api__schedule_create(tc_api_call_t *c)
{
    static const char *const top[] = {"maintenance_schedule", NULL};
    static const char *const known[] = {"name",          "days",    "at",     "duration_minutes",
                                        "component_ids", "message", "notify", NULL};
    char err[512];
    json_t *o = json_object_get(c->body, "maintenance_schedule");
    if (!json_is_object(o)) {
        tc_api_reply_error(c->req, 422, "send {\"maintenance_schedule\": {\"name\": ..., "
                                        "\"days\": [\"tue\"], \"at\": \"02:00\", "
                                        "\"duration_minutes\": 60, \"component_ids\": [...]}}");
        return;
    }
    if (tc_api__only_fields(c->body, top, err, sizeof err) ||
        tc_api__only_fields(o, known, err, sizeof err)) {
        tc_api_reply_error(c->req, 422, "%s", err);
        return;
    }
    tc_schedule_cmd_t cmd = {.notify = true};
    cmd.name = json_string_value(json_object_get(o, "name"));
    json_t *msg = json_object_get(o, "message");
    cmd.message = json_string_value(msg);
    if (!cmd.name || strlen(cmd.name) > TC_API_MAX_NAME || (msg && !json_is_null(msg) &&
        (!cmd.message || strlen(cmd.message) > TC_API_MAX_BODY_TEXT))) {
        tc_api_reply_error(c->req, 422, "name (a string of at most %d bytes) is required; "
                                        "message is a string of at most 64 KiB",
                           TC_API_MAX_NAME);
        return;
    }
    json_t *days = json_object_get(o, "days"), *v;
    size_t k;
    if (!json_is_array(days) || json_array_size(days) == 0) {
        tc_api_reply_error(c->req, 422, "days must be a list of week days, e.g. [\"tue\"]");
        return;
    }
    json_array_foreach(days, k, v)
    {
        unsigned bit;
        if (!json_string_value(v) || tc_recurrence_day(json_string_value(v), &bit) != 0) {
            tc_api_reply_error(c->req, 422, "days: each is mon, tue, wed, thu, fri, sat or sun");
            return;
        }
        cmd.rule.days |= bit;
    }
    const char *at = json_string_value(json_object_get(o, "at"));
    if (!at || tc_recurrence_time(at, &cmd.rule.minute) != 0) {
        tc_api_reply_error(c->req, 422, "at is a local time like \"02:00\" (the page's zone)");
        return;
    }
    json_t *dur = json_object_get(o, "duration_minutes");
    if (!json_is_integer(dur) || json_integer_value(dur) < 1 ||
        json_integer_value(dur) > 7 * 24 * 60) {
        tc_api_reply_error(c->req, 422, "duration_minutes is a whole number from 1 to 10080");
        return;
    }
    cmd.rule.duration_ms = json_integer_value(dur) * 60000;
    json_t *notify = json_object_get(o, "notify");
    if (notify && !json_is_boolean(notify)) {
        tc_api_reply_error(c->req, 422, "notify must be true or false");
        return;
    }
    if (notify)
        cmd.notify = json_is_true(notify);
    json_t *comps = json_object_get(o, "component_ids");
    if (!json_is_array(comps) || json_array_size(comps) == 0 ||
        json_array_size(comps) > 1000) {
        tc_api_reply_error(c->req, 422, "component_ids must list the components it covers");
        return;
    }
    const char **ids = tc_calloc(json_array_size(comps), sizeof *ids);
    json_array_foreach(comps, k, v)
    {
        if (!json_string_value(v)) {
            free(ids);
            tc_api_reply_error(c->req, 422, "component_ids must be a list of strings");
            return;
        }
        ids[k] = json_string_value(v);
    }
    cmd.components = ids;
    cmd.ncomponents = json_array_size(comps);
    const tc_schedule_t *made = NULL;
    int rc = tc_engine_schedule_add(c->e, &cmd, &made, err, sizeof err);
    free(ids);
    if (rc) {
        tc_api__reply_failure(c->req, rc, err);
        return;
    }
    tc_api__audit(c, "maintenance.recurring", made->id, made->name);
    tc_api_reply_json(c->req, 201, schedule_json(c, made));
}

void tc_api__schedule_delete(tc_api_call_t *c)
{
    char err[512];
    int rc = tc_engine_schedule_delete(c->e, c->params[0], err, sizeof err);
    if (rc) {
        tc_api__reply_failure(c->req, rc, err);
        return;
    }
    tc_api__audit(c, "maintenance.stop", c->params[0], "stopped repeating");
    tc_api_reply_json(c->req, 200, json_pack("{s:s, s:b}", "id", c->params[0], "deleted", 1));
}
