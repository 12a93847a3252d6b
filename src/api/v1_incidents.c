/* Incidents and maintenances on the write API: JSON bodies in Statuspage's shape decoded
 * into typed commands (engine/command.h), lists with filters and paging, and the incident
 * JSON the engine's view renders for replies. */
#define _GNU_SOURCE /* strcasestr */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "core/alloc.h"
#include "core/err.h"
#include "web/render.h"

#define LIST_LIMIT 100 /* most incidents one GET returns */

/* ---- decoding ---- */

/* A decoded incident body: the command plus the arrays it points into (owned here). */
typedef struct incident_body {
    tc_incident_cmd_t cmd;
    tc_cmd_component_t *components; /* owned */
    const char **covered;           /* owned array; strings borrowed from the JSON */
} incident_body_t;

static void incident_body_free(incident_body_t *b)
{
    free(b->components);
    free(b->covered);
}

static int decode_components(json_t *o, incident_body_t *b, char *err, size_t errlen)
{
    json_t *map = json_object_get(o, "components");
    if (map && !json_is_null(map)) {
        if (!json_is_object(map)) {
            snprintf(err, errlen, "components must be an object of component id: status");
            return TC_EINVAL;
        }
        b->components = tc_calloc(json_object_size(map) + 1, sizeof *b->components);
        const char *key;
        json_t *v;
        json_object_foreach(map, key, v)
        {
            tc_cmd_component_t *c = &b->components[b->cmd.ncomponents];
            if (!json_string_value(v) || tc_status_parse(json_string_value(v), &c->status) != 0) {
                snprintf(err, errlen,
                         "components.%s must be operational, degraded_performance, "
                         "partial_outage, major_outage or under_maintenance",
                         key);
                return TC_EINVAL;
            }
            c->id = key;
            b->cmd.ncomponents++;
        }
        b->cmd.components = b->components;
    }
    json_t *ids = json_object_get(o, "component_ids");
    if (ids && !json_is_null(ids)) {
        if (!json_is_array(ids)) {
            snprintf(err, errlen, "component_ids must be a list of component ids");
            return TC_EINVAL;
        }
        b->covered = tc_calloc(json_array_size(ids) + 1, sizeof *b->covered);
        size_t k;
        json_t *v;
        json_array_foreach(ids, k, v)
        {
            if (!json_string_value(v)) {
                snprintf(err, errlen, "component_ids must be a list of component ids");
                return TC_EINVAL;
            }
            b->covered[b->cmd.ncovered++] = json_string_value(v);
        }
        b->cmd.covered = b->covered;
    }
    return 0;
}

/* Decode {"incident": {...}} (the wrapper and its fields checked whole) into @p b. */
static int decode_incident(json_t *doc, incident_body_t *b, char *err, size_t errlen)
{
    static const char *const top[] = {"incident", NULL};
    static const char *const known[] = {
        "name", "status", "body", "impact_override", "components", "component_ids",
        "deliver_notifications", "backfilled", "backfill_date", "created_at", "display_at",
        "started_at", "scheduled_for", "scheduled_until", "scheduled_auto_in_progress",
        "scheduled_auto_completed", "scheduled_auto_transition",
        "auto_transition_to_maintenance_state", "auto_transition_to_operational_state",
        "scheduled_remind_prior", NULL,
    };
    memset(b, 0, sizeof *b);
    tc_incident_cmd_t *c = &b->cmd;
    tc_incident_cmd_init(c);
    json_t *o = json_object_get(doc, "incident");
    if (!json_is_object(o)) {
        snprintf(err, errlen, "send {\"incident\": {...}}");
        return TC_EINVAL;
    }
    if (tc_api__only_fields(doc, top, err, errlen) || tc_api__only_fields(o, known, err, errlen))
        return TC_EINVAL;
    json_t *v = json_object_get(o, "name");
    if (v) {
        c->name = json_string_value(v);
        if (!c->name || !c->name[0] || strlen(c->name) > TC_API_MAX_NAME) {
            snprintf(err, errlen, "name must be a string of 1 to %d characters",
                     TC_API_MAX_NAME);
            return TC_EINVAL;
        }
    }
    v = json_object_get(o, "status");
    if (v && !json_is_null(v)) {
        const char *s = json_string_value(v);
        if (!s || tc_incident_status_parse(s, &c->status) != 0) {
            snprintf(err, errlen,
                     "status must be investigating, identified, monitoring, resolved or "
                     "postmortem (scheduled, in_progress, verifying or completed for "
                     "maintenance)");
            return TC_EINVAL;
        }
        c->has_status = true;
    }
    v = json_object_get(o, "body");
    if (v && !json_is_null(v)) {
        c->body = json_string_value(v);
        if (!c->body || strlen(c->body) > TC_API_MAX_BODY_TEXT) {
            snprintf(err, errlen, "body must be a string of at most %d bytes",
                     TC_API_MAX_BODY_TEXT);
            return TC_EINVAL;
        }
    }
    v = json_object_get(o, "impact_override");
    if (v) {
        c->has_impact_override = true;
        tc_impact_t imp;
        if (json_is_null(v)) {
            c->impact_override = -1;
        } else if (!json_string_value(v) || tc_impact_parse(json_string_value(v), &imp) != 0) {
            snprintf(err, errlen,
                     "impact_override must be none, minor, major, critical or maintenance");
            return TC_EINVAL;
        } else {
            c->impact_override = (int)imp;
        }
    }
    if (decode_components(o, b, err, errlen))
        return TC_EINVAL;
    if (tc_api__bool_field(o, "deliver_notifications", &c->deliver_notifications, err, errlen) ||
        tc_api__bool_field(o, "backfilled", &c->backfilled, err, errlen) ||
        tc_api__bool_field(o, "scheduled_auto_in_progress", &c->auto_in_progress, err, errlen) ||
        tc_api__bool_field(o, "auto_transition_to_maintenance_state", &c->auto_in_progress, err,
                           errlen) ||
        tc_api__bool_field(o, "scheduled_auto_completed", &c->auto_completed, err, errlen) ||
        tc_api__bool_field(o, "scheduled_remind_prior", &c->remind_prior, err, errlen) ||
        tc_api__bool_field(o, "auto_transition_to_operational_state", &c->auto_completed, err,
                           errlen))
        return TC_EINVAL;
    int both = -1;
    if (tc_api__bool_field(o, "scheduled_auto_transition", &both, err, errlen))
        return TC_EINVAL;
    if (both >= 0) {
        c->auto_in_progress = both;
        c->auto_completed = both;
    }
    if (tc_api__time_field(o, "created_at", &c->created_at, err, errlen) ||
        tc_api__time_field(o, "display_at", &c->display_at, err, errlen) ||
        tc_api__time_field(o, "started_at", &c->started_at, err, errlen) ||
        tc_api__time_field(o, "scheduled_for", &c->scheduled_for, err, errlen) ||
        tc_api__time_field(o, "scheduled_until", &c->scheduled_until, err, errlen))
        return TC_EINVAL;
    v = json_object_get(o, "backfill_date");
    if (v && !json_is_null(v)) {
        char iso[40];
        const char *s = json_string_value(v);
        if (!s || strlen(s) != 10) {
            snprintf(err, errlen, "backfill_date must be a date such as 2024-11-14");
            return TC_EINVAL;
        }
        snprintf(iso, sizeof iso, "%sT12:00:00Z", s);
        if (tc_incident_parse_time(iso, &c->created_at) != 0) {
            snprintf(err, errlen, "backfill_date must be a date such as 2024-11-14");
            return TC_EINVAL;
        }
        if (c->backfilled < 0)
            c->backfilled = 1;
    }
    return 0;
}

/* ---- replies ---- */

/* Answer with incident @p inc as the write API shows it (v2 shape plus the v1 fields). */
static void reply_incident(tc_api_call_t *c, unsigned status, const tc_incident_t *inc)
{
    const tc_view_t *view = tc_engine_view(c->e);
    json_t *doc = tc_render_incident_json(view, inc, true);
    tc_api_reply_json(c->req, status, doc);
}

/* The reply to a command that returns the incident it changed; a change is recorded in the
 * audit log as @p action on the incident. */
static void reply_result(tc_api_call_t *c, int rc, unsigned status, const tc_incident_t *inc,
                         const char *err, const char *action)
{
    if (rc) {
        tc_api__reply_failure(c->req, rc, err);
        return;
    }
    tc_api__audit(c, action, inc->id, inc->name);
    reply_incident(c, status, inc);
}

/* ---- handlers ---- */

void tc_api__incident_create(tc_api_call_t *c)
{
    char err[512];
    incident_body_t b;
    const tc_incident_t *inc = NULL;
    int rc = decode_incident(c->body, &b, err, sizeof err);
    if (!rc)
        rc = tc_engine_incident_create(c->e, &b.cmd, &inc, err, sizeof err);
    reply_result(c, rc, 201, inc, err, "incident.create");
    incident_body_free(&b);
}

void tc_api__incident_patch(tc_api_call_t *c)
{
    char err[512];
    incident_body_t b;
    const tc_incident_t *inc = NULL;
    int rc = decode_incident(c->body, &b, err, sizeof err);
    if (!rc)
        rc = tc_engine_incident_patch(c->e, c->params[0], &b.cmd, &inc, err, sizeof err);
    reply_result(c, rc, 200, inc, err, "incident.update");
    incident_body_free(&b);
}

void tc_api__incident_get(tc_api_call_t *c)
{
    const tc_incident_t *inc = tc_engine_incident(c->e, c->params[0]);
    if (!inc)
        tc_api_reply_error(c->req, 404, "no incident %s", c->params[0]);
    else
        reply_incident(c, 200, inc);
}

void tc_api__incident_delete(tc_api_call_t *c)
{
    char err[512];
    tc_incident_t *gone = NULL;
    int rc = tc_engine_incident_delete(c->e, c->params[0], &gone, err, sizeof err);
    reply_result(c, rc, 200, gone, err, "incident.delete");
    tc_incident_free(gone);
}

/* PATCH incidents/{id}/incident_updates/{uid}: edit the body, display time or notification
 * flag of an update that exists (Statuspage has no endpoint to add one here). Statuspage
 * clients wrap the fields as {"incident_update": {...}}; bare works too. */
void tc_api__update_patch(tc_api_call_t *c)
{
    static const char *const top[] = {"incident_update", NULL};
    static const char *const known[] = {"body", "display_at", "deliver_notifications", NULL};
    char err[512];
    json_t *o = c->body;
    if (json_is_object(json_object_get(o, "incident_update"))) {
        if (tc_api__only_fields(o, top, err, sizeof err) != 0) {
            tc_api_reply_error(c->req, 422, "%s", err);
            return;
        }
        o = json_object_get(o, "incident_update");
    }
    if (!tc_engine_incident(c->e, c->params[0])) {
        tc_api_reply_error(c->req, 404, "no incident %s", c->params[0]);
        return;
    }
    tc_update_cmd_t cmd = {.deliver_notifications = -1};
    json_t *v = json_object_get(o, "body");
    int rc = tc_api__only_fields(o, known, err, sizeof err);
    if (!rc && v && (!json_string_value(v) || strlen(json_string_value(v)) > TC_API_MAX_BODY_TEXT)) {
        snprintf(err, sizeof err, "body must be a string of at most %d bytes",
                 TC_API_MAX_BODY_TEXT);
        rc = TC_EINVAL;
    }
    if (!rc)
        rc = tc_api__time_field(o, "display_at", &cmd.display_at, err, sizeof err);
    if (!rc)
        rc = tc_api__bool_field(o, "deliver_notifications", &cmd.deliver_notifications, err,
                                sizeof err);
    const tc_incident_t *inc = NULL;
    if (!rc) {
        cmd.body = json_string_value(v);
        rc = tc_engine_update_edit(c->e, c->params[0], c->params[1], &cmd, &inc, err,
                                   sizeof err);
    }
    reply_result(c, rc, 200, inc, err, "update.edit");
}

/* PUT incidents/{id}/postmortem {"postmortem": {"body_draft": "..."}}. */
void tc_api__postmortem_put(tc_api_call_t *c)
{
    static const char *const top[] = {"postmortem", NULL};
    static const char *const fields[] = {"body_draft", "body", NULL};
    char err[512];
    const tc_incident_t *inc = NULL;
    json_t *pm = json_object_get(c->body, "postmortem");
    int rc = tc_api__only_fields(c->body, top, err, sizeof err);
    if (!rc && json_is_object(pm))
        rc = tc_api__only_fields(pm, fields, err, sizeof err);
    json_t *body = json_is_object(pm) ? json_object_get(pm, "body_draft") : NULL;
    if (!body && json_is_object(pm))
        body = json_object_get(pm, "body");
    if (!rc && (!json_string_value(body) ||
                strlen(json_string_value(body)) > TC_API_MAX_BODY_TEXT)) {
        snprintf(err, sizeof err,
                 "send {\"postmortem\": {\"body_draft\": \"...\"}} (Markdown, at most %d bytes)",
                 TC_API_MAX_BODY_TEXT);
        rc = TC_EINVAL;
    }
    if (!rc)
        rc = tc_engine_postmortem_write(c->e, c->params[0], json_string_value(body), &inc, err,
                                        sizeof err);
    reply_result(c, rc, 200, inc, err, "postmortem.save");
}

/* PUT incidents/{id}/postmortem/publish; Statuspage's publish options are accepted (tocsin
 * tells subscribers through incident updates, and tweets nothing). */
void tc_api__postmortem_publish(tc_api_call_t *c)
{
    static const char *const top[] = {"postmortem", NULL};
    static const char *const fields[] = {"notify_twitter", "notify_subscribers", "custom_tweet",
                                         NULL};
    char err[512];
    const tc_incident_t *inc = NULL;
    json_t *pm = json_object_get(c->body, "postmortem");
    int rc = tc_api__only_fields(c->body, top, err, sizeof err);
    if (!rc && json_is_object(pm))
        rc = tc_api__only_fields(pm, fields, err, sizeof err);
    if (!rc)
        rc = tc_engine_postmortem_publish(c->e, c->params[0], &inc, err, sizeof err);
    reply_result(c, rc, 200, inc, err, "postmortem.publish");
}

void tc_api__postmortem_delete(tc_api_call_t *c)
{
    char err[512];
    const tc_incident_t *inc = NULL;
    int rc = tc_engine_postmortem_delete(c->e, c->params[0], &inc, err, sizeof err);
    reply_result(c, rc, 200, inc, err, "postmortem.delete");
}

/* ---- lists ---- */

typedef enum {
    SEL_ALL,        /* incidents and maintenances */
    SEL_UNRESOLVED, /* open incidents */
    SEL_UPCOMING,   /* scheduled maintenances */
    SEL_ACTIVE,     /* maintenances in progress or verifying */
    SEL_SCHEDULED,  /* maintenances not completed */
} selection_t;

static int selected(const tc_incident_t *i, selection_t sel)
{
    switch (sel) {
    case SEL_UNRESOLVED:
        return !i->is_maintenance && tc_incident_is_open(i);
    case SEL_UPCOMING:
        return i->is_maintenance && i->status == TC_INC_SCHEDULED;
    case SEL_ACTIVE:
        return i->is_maintenance &&
               (i->status == TC_INC_IN_PROGRESS || i->status == TC_INC_VERIFYING);
    case SEL_SCHEDULED:
        return i->is_maintenance && tc_incident_is_open(i);
    default:
        return 1;
    }
}

static int matches(const tc_incident_t *inc, const char *q)
{
    if (!q || !q[0])
        return 1;
    if (strcasestr(inc->name, q))
        return 1;
    for (size_t k = 0; k < inc->nupdates; k++)
        if (strcasestr(inc->updates[k].body, q))
            return 1;
    return 0;
}

static void list(tc_api_call_t *c, selection_t sel)
{
    const char *q = tc_http_arg(c->req, "q");
    const char *limit_s = tc_http_arg(c->req, "limit");
    const char *page_s = tc_http_arg(c->req, "page");
    long limit = limit_s ? strtol(limit_s, NULL, 10) : LIST_LIMIT;
    long page = page_s ? strtol(page_s, NULL, 10) : 1;
    if (limit < 1 || limit > LIST_LIMIT || page < 1 || page > 1000000) {
        tc_api_reply_error(c->req, 400, "limit must be 1-%d and page 1-1000000", LIST_LIMIT);
        return;
    }
    const tc_view_t *view = tc_engine_view(c->e);
    json_t *out = json_array();
    long skip = (page - 1) * limit;
    for (size_t k = 0; k < view->nincidents && (long)json_array_size(out) < limit; k++) {
        const tc_incident_t *inc = view->incidents[k];
        if (!selected(inc, sel) || !matches(inc, q))
            continue;
        if (skip > 0) {
            skip--;
            continue;
        }
        json_array_append_new(out, tc_render_incident_json(view, inc, true));
    }
    tc_api_reply_json(c->req, 200, out);
}

void tc_api__incidents_list(tc_api_call_t *c)
{
    list(c, SEL_ALL);
}

void tc_api__incidents_unresolved(tc_api_call_t *c)
{
    list(c, SEL_UNRESOLVED);
}

void tc_api__incidents_upcoming(tc_api_call_t *c)
{
    list(c, SEL_UPCOMING);
}

void tc_api__incidents_active(tc_api_call_t *c)
{
    list(c, SEL_ACTIVE);
}

void tc_api__incidents_scheduled(tc_api_call_t *c)
{
    list(c, SEL_SCHEDULED);
}
