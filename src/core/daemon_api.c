/* The write API (Statuspage's manage API v1 paths and bodies, statuspage.md §3) and the
 * incident side of the engine: automatic incidents from monitors and maintenance windows.
 * Runs on the engine thread: each request is validated whole, applied to the in-memory state,
 * written to the store (durably, before the answer), and the page is re-rendered. A request
 * that fails validation changes nothing. */
#define _GNU_SOURCE /* strcasestr */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/daemon_int.h"
#include "core/err.h"
#include "core/log.h"
#include "core/secret.h"
#include "web/render.h"

#define MODULE "api"
#define MAX_NAME 255       /* incident names */
#define MAX_BODY_TEXT 65536 /* update bodies */
#define LIST_LIMIT 100     /* most incidents one GET returns */

/* ---- replies ---- */

static void reply_json(tc_http_request_t *req, unsigned status, json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    tc_http_reply(req, status, text ? text : "{}");
    free(text);
}

static void reply_error(tc_http_request_t *req, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void reply_error(tc_http_request_t *req, unsigned status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* Messages quote client bytes (paths, field names) and are cut to fit: JSON needs valid
     * UTF-8, and a failed encode would answer no message at all (issue 12 item 1). */
    tc_utf8_clean(msg);
    json_t *doc = json_object();
    json_object_set_new(doc, "error", json_string(msg));
    reply_json(req, status, doc);
}

/* ---- incidents in memory and in the store ---- */

static tc_incident_t *find_incident(tc_daemon_t *d, const char *id, size_t *index)
{
    for (size_t i = 0; i < d->nincidents; i++) {
        if (strcmp(d->incidents[i]->id, id) == 0) {
            if (index)
                *index = i;
            return d->incidents[i];
        }
    }
    return NULL;
}

/* Write @p inc durably. Its JSON is built with the current view, so component objects and
 * times are those a reader would see. */
static int persist(tc_daemon_t *d, const tc_incident_t *inc, char *err, size_t errlen)
{
    tc_view_t view;
    tc_daemon__view(d, &view);
    json_t *doc = tc_render_incident_json(&view, inc, true);
    tc_daemon__view_free(&view);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    int rc = tc_store_put_incident(d->store, inc->id, inc->seq, text, tc_clock_wall_ms(), err,
                                   errlen);
    free(text);
    return rc;
}

static void add_incident(tc_daemon_t *d, tc_incident_t *inc)
{
    d->incidents = tc_realloc(d->incidents, (d->nincidents + 1) * sizeof *d->incidents);
    d->incidents[d->nincidents++] = inc;
    if (inc->seq >= d->next_seq)
        d->next_seq = inc->seq + 1;
}

static void load_one(void *ctx, const char *text)
{
    tc_daemon_t *d = ctx;
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    tc_incident_t *inc = doc ? tc_incident_from_json(doc) : NULL;
    json_decref(doc);
    if (!inc) {
        tc_log(TC_LOG_ERROR, MODULE, "skipping an unreadable stored incident");
        return;
    }
    add_incident(d, inc);
}

int tc_daemon__load_incidents(tc_daemon_t *d)
{
    char err[256];
    tc_daemon__free_incidents(d);
    d->next_seq = 1;
    int rc = tc_store_each_incident(d->store, load_one, d, err, sizeof err);
    if (rc)
        tc_log(TC_LOG_ERROR, MODULE, "cannot load incidents: %s", err);
    return rc;
}

void tc_daemon__free_incidents(tc_daemon_t *d)
{
    for (size_t i = 0; i < d->nincidents; i++)
        tc_incident_free(d->incidents[i]);
    free(d->incidents);
    d->incidents = NULL;
    d->nincidents = 0;
}

void tc_daemon__new_id(char out[13])
{
    unsigned char raw[12];
    tc_secret_random(raw, sizeof raw);
    tc_incident_make_id(raw, out);
}

/* A component's name as updates show it: "Group - Child" for children (statuspage.md §1.4). */
static void display_name(tc_daemon_t *d, const tc_store_row_t *row, char *out, size_t outlen)
{
    const tc_store_row_t *group = row->group_id ? tc_daemon__row(d, row->group_id) : NULL;
    if (group)
        snprintf(out, outlen, "%s - %s", group->name, row->name);
    else
        snprintf(out, outlen, "%s", row->name);
}

/* ---- validation of request bodies ---- */

/* What one incident request asks for, validated, before anything is changed. */
typedef struct incident_req {
    const char *name;
    int has_status;
    tc_incident_status_t status;
    const char *body;
    int has_impact_override;
    int impact_override;          /* -1 clears */
    json_t *components;           /* {id: status}, borrowed from the request document */
    json_t *component_ids;        /* [id], borrowed */
    int deliver_notifications;    /* -1 unset */
    int backfilled;               /* -1 unset */
    int64_t created_at, display_at, started_at, scheduled_for, scheduled_until;
    int auto_in_progress, auto_completed; /* -1 unset */
} incident_req_t;

/* Fields Statuspage clients send that tocsin accepts and ignores (tweets, reminders). */
static const char *const ignored_fields[] = {
    "metadata", "auto_tweet_at_beginning", "auto_tweet_on_completion", "auto_tweet_on_creation",
    "auto_tweet_one_hour_before", "wants_twitter_update", "scheduled_remind_prior",
    "auto_transition_deliver_notifications_at_start",
    "auto_transition_deliver_notifications_at_end", "custom_tweet", NULL,
};

static int is_ignored(const char *key)
{
    for (const char *const *p = ignored_fields; *p; p++)
        if (strcmp(*p, key) == 0)
            return 1;
    return 0;
}

static int time_field(json_t *o, const char *key, int64_t *out, char *err, size_t errlen)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    const char *s = json_string_value(v);
    if (!s || tc_incident_parse_time(s, out) != 0) {
        snprintf(err, errlen, "%s must be an ISO-8601 time such as 2024-11-14T21:08:00Z", key);
        return -1;
    }
    return 0;
}

static int bool_field(json_t *o, const char *key, int *out, char *err, size_t errlen)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v)) {
        snprintf(err, errlen, "%s must be true or false", key);
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

static int check_component(tc_daemon_t *d, const char *id, char *err, size_t errlen)
{
    const tc_store_row_t *row = tc_daemon__row(d, id);
    if (!row) {
        snprintf(err, errlen, "unknown component \"%s\"", id);
        return -1;
    }
    if (row->is_group) {
        snprintf(err, errlen, "\"%s\" is a group; name its components", id);
        return -1;
    }
    return 0;
}

static int parse_incident_req(tc_daemon_t *d, json_t *o, incident_req_t *r, char *err,
                              size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->impact_override = -1;
    r->deliver_notifications = r->backfilled = r->auto_in_progress = r->auto_completed = -1;
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        static const char *const known[] = {
            "name", "status", "body", "impact_override", "components", "component_ids",
            "deliver_notifications", "backfilled", "backfill_date", "created_at", "display_at",
            "started_at", "scheduled_for", "scheduled_until", "scheduled_auto_in_progress",
            "scheduled_auto_completed", "scheduled_auto_transition",
            "auto_transition_to_maintenance_state", "auto_transition_to_operational_state",
            NULL,
        };
        int ok = is_ignored(key);
        for (const char *const *k = known; *k && !ok; k++)
            ok = strcmp(*k, key) == 0;
        if (!ok) {
            snprintf(err, errlen, "unknown field \"%s\"", key);
            return -1;
        }
    }
    v = json_object_get(o, "name");
    if (v) {
        r->name = json_string_value(v);
        if (!r->name || !r->name[0] || strlen(r->name) > MAX_NAME) {
            snprintf(err, errlen, "name must be a string of 1 to %d characters", MAX_NAME);
            return -1;
        }
    }
    v = json_object_get(o, "status");
    if (v && !json_is_null(v)) {
        const char *s = json_string_value(v);
        if (!s || tc_incident_status_parse(s, &r->status) != 0) {
            snprintf(err, errlen,
                     "status must be investigating, identified, monitoring, resolved or "
                     "postmortem (scheduled, in_progress, verifying or completed for "
                     "maintenance)");
            return -1;
        }
        r->has_status = 1;
    }
    v = json_object_get(o, "body");
    if (v && !json_is_null(v)) {
        r->body = json_string_value(v);
        if (!r->body || strlen(r->body) > MAX_BODY_TEXT) {
            snprintf(err, errlen, "body must be a string of at most %d bytes", MAX_BODY_TEXT);
            return -1;
        }
    }
    v = json_object_get(o, "impact_override");
    if (v) {
        r->has_impact_override = 1;
        tc_impact_t imp;
        if (json_is_null(v)) {
            r->impact_override = -1;
        } else if (!json_string_value(v) || tc_impact_parse(json_string_value(v), &imp) != 0) {
            snprintf(err, errlen,
                     "impact_override must be none, minor, major, critical or maintenance");
            return -1;
        } else {
            r->impact_override = (int)imp;
        }
    }
    r->components = json_object_get(o, "components");
    if (r->components && json_is_null(r->components))
        r->components = NULL;
    if (r->components) {
        if (!json_is_object(r->components)) {
            snprintf(err, errlen, "components must be an object of component id: status");
            return -1;
        }
        json_object_foreach(r->components, key, v)
        {
            tc_status_t st;
            if (check_component(d, key, err, errlen) != 0)
                return -1;
            if (!json_string_value(v) || tc_status_parse(json_string_value(v), &st) != 0) {
                snprintf(err, errlen,
                         "components.%s must be operational, degraded_performance, "
                         "partial_outage, major_outage or under_maintenance",
                         key);
                return -1;
            }
        }
    }
    r->component_ids = json_object_get(o, "component_ids");
    if (r->component_ids && json_is_null(r->component_ids))
        r->component_ids = NULL;
    if (r->component_ids) {
        if (!json_is_array(r->component_ids)) {
            snprintf(err, errlen, "component_ids must be a list of component ids");
            return -1;
        }
        size_t k;
        json_array_foreach(r->component_ids, k, v)
        {
            if (!json_string_value(v)) {
                snprintf(err, errlen, "component_ids must be a list of component ids");
                return -1;
            }
            if (check_component(d, json_string_value(v), err, errlen) != 0)
                return -1;
        }
    }
    if (bool_field(o, "deliver_notifications", &r->deliver_notifications, err, errlen) ||
        bool_field(o, "backfilled", &r->backfilled, err, errlen) ||
        bool_field(o, "scheduled_auto_in_progress", &r->auto_in_progress, err, errlen) ||
        bool_field(o, "auto_transition_to_maintenance_state", &r->auto_in_progress, err,
                   errlen) ||
        bool_field(o, "scheduled_auto_completed", &r->auto_completed, err, errlen) ||
        bool_field(o, "auto_transition_to_operational_state", &r->auto_completed, err, errlen))
        return -1;
    int both = -1;
    if (bool_field(o, "scheduled_auto_transition", &both, err, errlen))
        return -1;
    if (both >= 0) {
        r->auto_in_progress = both;
        r->auto_completed = both;
    }
    if (time_field(o, "created_at", &r->created_at, err, errlen) ||
        time_field(o, "display_at", &r->display_at, err, errlen) ||
        time_field(o, "started_at", &r->started_at, err, errlen) ||
        time_field(o, "scheduled_for", &r->scheduled_for, err, errlen) ||
        time_field(o, "scheduled_until", &r->scheduled_until, err, errlen))
        return -1;
    v = json_object_get(o, "backfill_date");
    if (v && !json_is_null(v)) {
        char iso[40];
        const char *s = json_string_value(v);
        if (!s || strlen(s) != 10) {
            snprintf(err, errlen, "backfill_date must be a date such as 2024-11-14");
            return -1;
        }
        snprintf(iso, sizeof iso, "%sT12:00:00Z", s);
        if (tc_incident_parse_time(iso, &r->created_at) != 0) {
            snprintf(err, errlen, "backfill_date must be a date such as 2024-11-14");
            return -1;
        }
        if (r->backfilled < 0)
            r->backfilled = 1;
    }
    if (r->scheduled_for && r->scheduled_until && r->scheduled_until <= r->scheduled_for) {
        snprintf(err, errlen, "scheduled_until must be after scheduled_for");
        return -1;
    }
    return 0;
}

/* Apply the components map (and component_ids) of @p r to @p inc, recording each change as
 * an affected component of the update about to be added. */
static tc_affected_t *apply_components(tc_daemon_t *d, tc_incident_t *inc,
                                       const incident_req_t *r, size_t *naffected)
{
    size_t cap = (r->components ? json_object_size(r->components) : 0) +
                 (r->component_ids ? json_array_size(r->component_ids) : 0);
    tc_affected_t *aff = tc_calloc(cap ? cap : 1, sizeof *aff);
    *naffected = 0;
    const char *key;
    json_t *v;
    json_object_foreach(r->components, key, v)
    {
        tc_status_t st = TC_STATUS_OPERATIONAL;
        tc_status_parse(json_string_value(v), &st);
        const tc_store_row_t *row = tc_daemon__row(d, key);
        char name[300];
        display_name(d, row, name, sizeof name);
        aff[*naffected].code = tc_strdup(key);
        aff[*naffected].name = tc_strdup(name);
        aff[*naffected].old_status = row->status;
        aff[*naffected].new_status = st;
        (*naffected)++;
        size_t k;
        for (k = 0; k < inc->ncomponents; k++)
            if (strcmp(inc->component_ids[k], key) == 0)
                break;
        if (k == inc->ncomponents) {
            inc->component_ids = tc_realloc(inc->component_ids,
                                            (inc->ncomponents + 1) * sizeof *inc->component_ids);
            inc->component_status = tc_realloc(
                inc->component_status, (inc->ncomponents + 1) * sizeof *inc->component_status);
            inc->component_ids[k] = tc_strdup(key);
            inc->ncomponents++;
        }
        inc->component_status[k] = st;
    }
    size_t k;
    json_array_foreach(r->component_ids, k, v)
    {
        const char *id = json_string_value(v);
        if (r->components && json_object_get(r->components, id))
            continue;
        const tc_store_row_t *row = tc_daemon__row(d, id);
        char name[300];
        display_name(d, row, name, sizeof name);
        aff[*naffected].code = tc_strdup(id);
        aff[*naffected].name = tc_strdup(name);
        aff[*naffected].old_status = row->status;
        aff[*naffected].new_status = inc->is_maintenance ? TC_STATUS_UNDER_MAINTENANCE
                                                         : row->status;
        (*naffected)++;
        /* A maintenance covers the components it names: they show under_maintenance while
         * it is in progress. */
        if (inc->is_maintenance) {
            size_t j;
            for (j = 0; j < inc->ncomponents; j++)
                if (strcmp(inc->component_ids[j], id) == 0)
                    break;
            if (j == inc->ncomponents) {
                inc->component_ids = tc_realloc(inc->component_ids,
                                                (j + 1) * sizeof *inc->component_ids);
                inc->component_status = tc_realloc(inc->component_status,
                                                   (j + 1) * sizeof *inc->component_status);
                inc->component_ids[j] = tc_strdup(id);
                inc->component_status[j] = TC_STATUS_UNDER_MAINTENANCE;
                inc->ncomponents++;
            }
        }
    }
    return aff;
}

static void free_affected(tc_affected_t *a, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        free(a[k].code);
        free(a[k].name);
    }
    free(a);
}

/* Default texts for updates that come without a body. */
static const char *default_body(tc_incident_status_t s)
{
    switch (s) {
    case TC_INC_RESOLVED:
        return "This incident has been resolved.";
    case TC_INC_SCHEDULED:
        return "We will be undergoing scheduled maintenance during this time.";
    case TC_INC_IN_PROGRESS:
        return "Scheduled maintenance is currently in progress. We will provide updates as "
               "necessary.";
    case TC_INC_VERIFYING:
        return "Verification is currently underway for the maintenance items.";
    case TC_INC_COMPLETED:
        return "The scheduled maintenance has been completed.";
    default:
        return "";
    }
}

/* Everything after a change: durable write, component statuses, subscriber messages (when
 * @p announce: a new update was added), render, all in one transaction. On a failed write the
 * in-memory change is undone by reloading from the store. */
static int commit_incident(tc_daemon_t *d, tc_incident_t *inc, tc_http_request_t *req,
                           unsigned status, bool announce)
{
    char err[256];
    tc_incident_refresh_impact(inc);
    tc_incident_refresh_times(inc);
    int rc = tc_store_begin(d->store, err, sizeof err);
    int began = rc == 0;
    if (!rc)
        rc = persist(d, inc, err, sizeof err);
    if (rc == 0) {
        /* An update sent with deliver_notifications: false is silent, including the
         * component changes it causes. */
        bool deliver = announce && inc->nupdates &&
                       inc->updates[inc->nupdates - 1].deliver_notifications;
        d->quiet = announce && !deliver;
        tc_daemon__derive_components(d);
        d->quiet = false;
        if (deliver)
            tc_daemon__notify_incident(d, inc);
        rc = tc_store_commit(d->store, err, sizeof err);
    } else if (began) {
        tc_store_rollback(d->store);
    }
    if (rc != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "cannot save incident %s: %s", inc->id, err);
        tc_daemon__load_incidents(d);
        if (req)
            reply_error(req, 500, "the incident could not be saved: %s", err);
        return -1;
    }
    tc_notify_kick(d->notify);
    tc_daemon__request_render(d);
    if (req) {
        tc_view_t view;
        tc_daemon__view(d, &view);
        json_t *doc = tc_render_incident_json(&view, inc, true);
        tc_daemon__view_free(&view);
        reply_json(req, status, doc);
    }
    return 0;
}

static tc_incident_t *create_incident(tc_daemon_t *d, const incident_req_t *r, int64_t now)
{
    tc_incident_t *inc = tc_calloc(1, sizeof *inc);
    char id[13];
    tc_daemon__new_id(id);
    inc->id = tc_strdup(id);
    inc->seq = d->next_seq;
    inc->name = tc_strdup(r->name);
    inc->impact_override = r->impact_override;
    inc->is_maintenance = r->scheduled_for != 0 || (r->has_status &&
                                                    tc_incident_status_is_maintenance(r->status));
    inc->scheduled_for = r->scheduled_for;
    inc->scheduled_until = r->scheduled_until;
    inc->auto_in_progress = r->auto_in_progress > 0;
    inc->auto_completed = r->auto_completed > 0;
    inc->backfilled = r->backfilled > 0;
    inc->created_at = r->created_at ? r->created_at : now;
    inc->started_at = r->started_at ? r->started_at : inc->created_at;
    return inc;
}

static void post_incident(tc_daemon_t *d, tc_http_request_t *req, json_t *o)
{
    char err[256];
    incident_req_t r;
    if (parse_incident_req(d, o, &r, err, sizeof err) != 0) {
        reply_error(req, 422, "%s", err);
        return;
    }
    if (!r.name) {
        reply_error(req, 422, "name is required");
        return;
    }
    int maintenance = r.scheduled_for != 0 ||
                      (r.has_status && tc_incident_status_is_maintenance(r.status));
    if (maintenance && (!r.scheduled_for || !r.scheduled_until)) {
        reply_error(req, 422, "a maintenance needs scheduled_for and scheduled_until");
        return;
    }
    tc_incident_status_t status = r.has_status ? r.status
                                  : maintenance ? TC_INC_SCHEDULED
                                                : TC_INC_INVESTIGATING;
    if (maintenance != tc_incident_status_is_maintenance(status)) {
        reply_error(req, 422, "status %s does not fit %s", tc_incident_status_name(status),
                    maintenance ? "a maintenance" : "an incident");
        return;
    }
    int64_t now = tc_clock_wall_ms();
    tc_incident_t *inc = create_incident(d, &r, now);
    size_t naff;
    tc_affected_t *aff = apply_components(d, inc, &r, &naff);
    /* The first update is when the incident was opened (or the imported display time). */
    int64_t when = r.display_at ? r.display_at : inc->created_at;
    char uid[13];
    tc_daemon__new_id(uid);
    tc_incident_add_update(inc, uid, status, r.body ? r.body : default_body(status),
                           r.created_at ? r.created_at : now, when, aff, naff,
                           r.deliver_notifications != 0);
    free_affected(aff, naff);
    if (r.created_at)
        inc->updated_at = r.created_at;
    add_incident(d, inc);
    if (commit_incident(d, inc, req, 201, true) == 0)
        tc_log(TC_LOG_INFO, MODULE, "%s %s opened: %s",
               inc->is_maintenance ? "maintenance" : "incident", inc->id, inc->name);
}

/* PATCH/PUT incidents/{id}: a new status or body appends an update; other fields edit. */
static void patch_incident(tc_daemon_t *d, tc_http_request_t *req, tc_incident_t *inc, json_t *o)
{
    char err[256];
    incident_req_t r;
    if (parse_incident_req(d, o, &r, err, sizeof err) != 0) {
        reply_error(req, 422, "%s", err);
        return;
    }
    if (r.has_status && tc_incident_status_is_maintenance(r.status) != inc->is_maintenance) {
        reply_error(req, 422, "status %s does not fit %s", tc_incident_status_name(r.status),
                    inc->is_maintenance ? "a maintenance" : "an incident");
        return;
    }
    int64_t for_ = r.scheduled_for ? r.scheduled_for : inc->scheduled_for;
    int64_t until = r.scheduled_until ? r.scheduled_until : inc->scheduled_until;
    if (inc->is_maintenance && until <= for_) {
        reply_error(req, 422, "scheduled_until must be after scheduled_for");
        return;
    }
    int64_t now = tc_clock_wall_ms();
    if (r.name) {
        free(inc->name);
        inc->name = tc_strdup(r.name);
    }
    if (r.has_impact_override)
        inc->impact_override = r.impact_override;
    if (r.backfilled >= 0)
        inc->backfilled = r.backfilled;
    if (r.auto_in_progress >= 0)
        inc->auto_in_progress = r.auto_in_progress;
    if (r.auto_completed >= 0)
        inc->auto_completed = r.auto_completed;
    inc->scheduled_for = for_;
    inc->scheduled_until = until;
    if (r.started_at)
        inc->started_at = r.started_at;
    size_t naff;
    tc_affected_t *aff = apply_components(d, inc, &r, &naff);
    bool added = r.has_status || r.body || naff;
    if (added) {
        tc_incident_status_t st = r.has_status ? r.status : inc->status;
        const char *body = r.body ? r.body : r.has_status && st != inc->status
                                                  ? default_body(st)
                                                  : "";
        char uid[13];
        tc_daemon__new_id(uid);
        tc_incident_add_update(inc, uid, st, body, r.created_at ? r.created_at : now,
                               r.display_at, aff, naff, r.deliver_notifications != 0);
    } else {
        inc->updated_at = now;
    }
    free_affected(aff, naff);
    commit_incident(d, inc, req, 200, added);
}

static void delete_incident(tc_daemon_t *d, tc_http_request_t *req, size_t index)
{
    tc_incident_t *inc = d->incidents[index];
    char err[256];
    if (tc_store_delete_incident(d->store, inc->id, err, sizeof err) != 0) {
        reply_error(req, 500, "the incident could not be deleted: %s", err);
        return;
    }
    tc_view_t view;
    tc_daemon__view(d, &view);
    json_t *doc = tc_render_incident_json(&view, inc, true);
    tc_daemon__view_free(&view);
    memmove(&d->incidents[index], &d->incidents[index + 1],
            (d->nincidents - index - 1) * sizeof *d->incidents);
    d->nincidents--;
    tc_log(TC_LOG_INFO, MODULE, "incident %s deleted", inc->id);
    tc_incident_free(inc);
    tc_daemon__derive_components(d);
    tc_daemon__request_render(d);
    reply_json(req, 200, doc);
}

/* PATCH incidents/{id}/incident_updates/{uid}: edit the body, display time or notification
 * flag of an update that exists (Statuspage has no endpoint to add one here). */
static void patch_update(tc_daemon_t *d, tc_http_request_t *req, tc_incident_t *inc,
                         const char *uid, json_t *o)
{
    tc_incident_update_t *u = NULL;
    for (size_t k = 0; k < inc->nupdates; k++)
        if (strcmp(inc->updates[k].id, uid) == 0)
            u = &inc->updates[k];
    /* Statuspage clients wrap the fields as {"incident_update": {...}}; bare works too. */
    if (json_is_object(json_object_get(o, "incident_update")))
        o = json_object_get(o, "incident_update");
    if (!u) {
        reply_error(req, 404, "incident %s has no update %s", inc->id, uid);
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        if (strcmp(key, "body") != 0 && strcmp(key, "display_at") != 0 &&
            strcmp(key, "deliver_notifications") != 0 && !is_ignored(key)) {
            reply_error(req, 422, "unknown field \"%s\" (body, display_at and "
                                  "deliver_notifications can be edited)",
                        key);
            return;
        }
    }
    char err[256];
    int64_t display = 0;
    int deliver = -1;
    v = json_object_get(o, "body");
    if (v && (!json_string_value(v) || strlen(json_string_value(v)) > MAX_BODY_TEXT)) {
        reply_error(req, 422, "body must be a string of at most %d bytes", MAX_BODY_TEXT);
        return;
    }
    if (time_field(o, "display_at", &display, err, sizeof err) != 0 ||
        bool_field(o, "deliver_notifications", &deliver, err, sizeof err) != 0) {
        reply_error(req, 422, "%s", err);
        return;
    }
    if (v) {
        free(u->body);
        u->body = tc_strdup(json_string_value(v));
    }
    if (display)
        u->display_at = display;
    if (deliver >= 0)
        u->deliver_notifications = deliver;
    u->updated_at = tc_clock_wall_ms();
    inc->updated_at = u->updated_at;
    commit_incident(d, inc, req, 200, false);
}

/* PUT incidents/{id}/postmortem {"postmortem": {"body_draft": "..."}}, PUT .../publish,
 * DELETE .../postmortem. Publishing moves a resolved incident to "postmortem". */
static void postmortem(tc_daemon_t *d, tc_http_request_t *req, tc_incident_t *inc,
                       const char *rest, json_t *doc)
{
    const char *method = tc_http_method(req);
    if (strcmp(rest, "postmortem/publish") == 0 && strcmp(method, "PUT") == 0) {
        if (!inc->postmortem_body) {
            reply_error(req, 422, "write the postmortem before publishing it");
            return;
        }
        if (!tc_incident_is_open(inc) && !inc->is_maintenance)
            inc->status = TC_INC_POSTMORTEM;
        inc->postmortem_published_at = tc_clock_wall_ms();
        inc->updated_at = inc->postmortem_published_at;
        commit_incident(d, inc, req, 200, false);
        return;
    }
    if (strcmp(rest, "postmortem") != 0) {
        reply_error(req, 404, "not found");
        return;
    }
    if (strcmp(method, "DELETE") == 0) {
        free(inc->postmortem_body);
        inc->postmortem_body = NULL;
        inc->postmortem_published_at = 0;
        if (inc->status == TC_INC_POSTMORTEM)
            inc->status = TC_INC_RESOLVED;
        inc->updated_at = tc_clock_wall_ms();
        commit_incident(d, inc, req, 200, false);
        return;
    }
    if (strcmp(method, "PUT") != 0 && strcmp(method, "PATCH") != 0) {
        reply_error(req, 405, "use PUT to write a postmortem, DELETE to remove it");
        return;
    }
    json_t *pm = json_object_get(doc, "postmortem");
    json_t *body = pm ? json_object_get(pm, "body_draft") : NULL;
    if (!body && pm)
        body = json_object_get(pm, "body");
    if (!json_string_value(body) || strlen(json_string_value(body)) > MAX_BODY_TEXT) {
        reply_error(req, 422, "send {\"postmortem\": {\"body_draft\": \"...\"}} (Markdown, at "
                              "most %d bytes)",
                    MAX_BODY_TEXT);
        return;
    }
    free(inc->postmortem_body);
    inc->postmortem_body = tc_strdup(json_string_value(body));
    inc->updated_at = tc_clock_wall_ms();
    commit_incident(d, inc, req, 200, false);
}

/* ---- lists ---- */

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

typedef enum {
    SEL_ALL,         /* incidents and maintenances */
    SEL_UNRESOLVED,  /* open incidents */
    SEL_UPCOMING,    /* scheduled maintenances */
    SEL_ACTIVE,      /* maintenances in progress or verifying */
    SEL_SCHEDULED,   /* maintenances not completed */
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

static void list_incidents(tc_daemon_t *d, tc_http_request_t *req, selection_t sel)
{
    const char *q = tc_http_arg(req, "q");
    const char *limit_s = tc_http_arg(req, "limit");
    const char *page_s = tc_http_arg(req, "page");
    long limit = limit_s ? strtol(limit_s, NULL, 10) : LIST_LIMIT;
    long page = page_s ? strtol(page_s, NULL, 10) : 1;
    if (limit < 1 || limit > LIST_LIMIT || page < 1 || page > 1000000) {
        reply_error(req, 400, "limit must be 1-%d and page 1-1000000", LIST_LIMIT);
        return;
    }
    tc_view_t view;
    tc_daemon__view(d, &view);
    json_t *list = json_array();
    long skip = (page - 1) * limit;
    for (size_t k = 0; k < view.nincidents && (long)json_array_size(list) < limit; k++) {
        const tc_incident_t *inc = view.incidents[k];
        if (!selected(inc, sel) || !matches(inc, q))
            continue;
        if (skip > 0) {
            skip--;
            continue;
        }
        json_array_append_new(list, tc_render_incident_json(&view, inc, true));
    }
    tc_daemon__view_free(&view);
    reply_json(req, 200, list);
}

/* ---- components ---- */

static void list_components(tc_daemon_t *d, tc_http_request_t *req, const char *only)
{
    tc_view_t view;
    tc_daemon__view(d, &view);
    json_t *out = only ? NULL : json_array();
    for (size_t k = 0; k < view.nrows; k++) {
        if (only && strcmp(view.rows[k].id, only) == 0)
            out = tc_render_component_json(&view, &view.rows[k]);
        else if (!only)
            json_array_append_new(out, tc_render_component_json(&view, &view.rows[k]));
    }
    tc_daemon__view_free(&view);
    if (!out) {
        reply_error(req, 404, "unknown component \"%s\"", only);
        return;
    }
    reply_json(req, 200, out);
}

/* PATCH components/{id} {"component": {"status": S}}: a person's status wins over incidents
 * and monitors until cleared with "status": null (a tocsin extension; Statuspage has no
 * monitors to return to). Names and the rest come from tocsin.yaml. */
static void patch_component(tc_daemon_t *d, tc_http_request_t *req, const char *id, json_t *doc)
{
    tc_store_row_t *row = tc_daemon__row(d, id);
    char err[256];
    if (!row) {
        reply_error(req, 404, "unknown component \"%s\"", id);
        return;
    }
    if (row->is_group) {
        reply_error(req, 422, "\"%s\" is a group: its status is the worst of its components",
                    id);
        return;
    }
    json_t *c = json_object_get(doc, "component");
    if (!json_is_object(c)) {
        reply_error(req, 422, "send {\"component\": {\"status\": \"...\"}}");
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach(c, key, v)
    {
        if (strcmp(key, "status") != 0) {
            reply_error(req, 422,
                        "\"%s\" comes from tocsin.yaml; only status can be set through the API",
                        key);
            return;
        }
    }
    v = json_object_get(c, "status");
    tc_status_t st;
    if (!v) {
        reply_error(req, 422, "status is required");
        return;
    }
    if (!json_is_null(v) && (!json_string_value(v) || tc_status_parse(json_string_value(v), &st))) {
        reply_error(req, 422,
                    "status must be operational, degraded_performance, partial_outage, "
                    "major_outage, under_maintenance, or null to return it to its monitors");
        return;
    }
    int clear = json_is_null(v);
    if (tc_store_set_manual_status(d->store, id, clear ? NULL : &st, err, sizeof err) != 0) {
        reply_error(req, 500, "the status could not be saved: %s", err);
        return;
    }
    row->has_manual = !clear;
    if (!clear)
        row->manual_status = st;
    tc_log(TC_LOG_INFO, MODULE, "component %s: status %s by hand", id,
           clear ? "released" : tc_status_name(st));
    tc_daemon__derive_components(d);
    tc_daemon__request_render(d);
    list_components(d, req, id);
}

/* ---- the outbox ---- */

/* GET notifications/dead lists what could not be delivered; POST notifications/dead/retry
 * (or .../dead/{id}/retry) queues them again for another retry window. */
static void notifications_route(tc_daemon_t *d, tc_http_request_t *req, const char *rest,
                                const char *method)
{
    char err[256];
    if (!rest[0]) {
        if (strcmp(method, "GET") != 0) {
            reply_error(req, 405, "use GET");
            return;
        }
        tc_outbox_t *dead = NULL;
        size_t n = 0;
        if (tc_store_outbox_dead(d->store, &dead, &n, err, sizeof err) != 0) {
            reply_error(req, 500, "%s", err);
            return;
        }
        json_t *list = json_array();
        for (size_t i = 0; i < n; i++) {
            char created[40];
            tc_clock_format_iso(dead[i].created_at, created, sizeof created);
            json_array_append_new(
                list, json_pack("{s:s, s:s, s:s, s:i, s:s, s:s?}", "id", dead[i].id, "target",
                                dead[i].target, "kind", dead[i].kind, "attempts",
                                dead[i].attempts, "created_at", created, "last_error",
                                dead[i].last_error));
        }
        tc_store_outbox_free(dead, n);
        reply_json(req, 200, list);
        return;
    }
    char id[64] = "*";
    if (strcmp(rest, "/retry") != 0) {
        const char *end = rest[0] == '/' ? strstr(rest + 1, "/retry") : NULL;
        if (!end || end[6] || (size_t)(end - rest - 1) >= sizeof id) {
            reply_error(req, 404, "not found");
            return;
        }
        snprintf(id, sizeof id, "%.*s", (int)(end - rest - 1), rest + 1);
    }
    if (strcmp(method, "POST") != 0) {
        reply_error(req, 405, "use POST");
        return;
    }
    int64_t now = tc_clock_wall_ms();
    int rc = tc_store_outbox_retry(d->store, id, now, now + d->config->notify_retry_ms, err,
                                   sizeof err);
    if (rc == TC_ENOENT) {
        reply_error(req, 404, "%s", err);
        return;
    }
    if (rc) {
        reply_error(req, 500, "%s", err);
        return;
    }
    tc_notify_kick(d->notify);
    tc_http_reply(req, 200, "{\"ok\":true}");
}

/* ---- routing ---- */

/* The key comes as "Authorization: OAuth KEY", "Bearer KEY", or ?api_key=KEY. */
static int authorised(tc_daemon_t *d, tc_http_request_t *req, const char **why)
{
    const char *key = NULL;
    const char *h = tc_http_header(req, "Authorization");
    if (h) {
        if (strncasecmp(h, "OAuth ", 6) == 0)
            key = h + 6;
        else if (strncasecmp(h, "Bearer ", 7) == 0)
            key = h + 7;
        while (key && *key == ' ')
            key++;
    }
    if (!key)
        key = tc_http_arg(req, "api_key");
    if (!key || !key[0]) {
        *why = "an API key is required: send Authorization: OAuth KEY (tocsin apikey create)";
        return 0;
    }
    unsigned char hash[TC_SECRET_HASH_LEN];
    tc_secret_hash(key, hash);
    if (!tc_store_key_valid(d->store, hash, sizeof hash)) {
        *why = "invalid or revoked API key";
        return 0;
    }
    return 1;
}

/* The request body as JSON, or NULL after answering 400. An empty body is {}. */
static json_t *body_json(tc_http_request_t *req)
{
    size_t len;
    const char *body = tc_http_body(req, &len);
    if (len == 0)
        return json_object();
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, 0, &jerr);
    if (!doc) {
        reply_error(req, 400, "invalid JSON at line %d, column %d: %s", jerr.line, jerr.column,
                    jerr.text);
        return NULL;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        reply_error(req, 400, "the body must be a JSON object");
        return NULL;
    }
    return doc;
}

static void incidents_route(tc_daemon_t *d, tc_http_request_t *req, const char *rest,
                            const char *method, json_t *doc)
{
    int get = strcmp(method, "GET") == 0;
    if (!rest[0]) {
        if (get) {
            list_incidents(d, req, SEL_ALL);
        } else if (strcmp(method, "POST") == 0) {
            json_t *o = json_object_get(doc, "incident");
            if (!json_is_object(o))
                reply_error(req, 422, "send {\"incident\": {...}}");
            else
                post_incident(d, req, o);
        } else {
            reply_error(req, 405, "use GET or POST");
        }
        return;
    }
    static const struct {
        const char *path;
        selection_t sel;
    } lists[] = {{"unresolved", SEL_UNRESOLVED},
                 {"upcoming", SEL_UPCOMING},
                 {"active_maintenance", SEL_ACTIVE},
                 {"scheduled", SEL_SCHEDULED}};
    for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++) {
        if (strcmp(rest, lists[k].path) == 0) {
            if (get)
                list_incidents(d, req, lists[k].sel);
            else
                reply_error(req, 405, "use GET");
            return;
        }
    }
    char id[64];
    const char *slash = strchr(rest, '/');
    size_t idlen = slash ? (size_t)(slash - rest) : strlen(rest);
    if (idlen >= sizeof id) {
        reply_error(req, 404, "no such incident");
        return;
    }
    memcpy(id, rest, idlen);
    id[idlen] = '\0';
    size_t index;
    tc_incident_t *inc = find_incident(d, id, &index);
    if (!inc) {
        reply_error(req, 404, "no incident %s", id);
        return;
    }
    if (slash) {
        const char *sub = slash + 1;
        if (strncmp(sub, "incident_updates/", 17) == 0) {
            if (strcmp(method, "PATCH") != 0 && strcmp(method, "PUT") != 0)
                reply_error(req, 405, "use PATCH or PUT to edit an update");
            else
                patch_update(d, req, inc, sub + 17, doc);
        } else if (strncmp(sub, "postmortem", 10) == 0) {
            postmortem(d, req, inc, sub, doc);
        } else {
            reply_error(req, 404, "not found");
        }
        return;
    }
    if (get) {
        tc_view_t view;
        tc_daemon__view(d, &view);
        json_t *out = tc_render_incident_json(&view, inc, true);
        tc_daemon__view_free(&view);
        reply_json(req, 200, out);
    } else if (strcmp(method, "PATCH") == 0 || strcmp(method, "PUT") == 0) {
        json_t *o = json_object_get(doc, "incident");
        if (!json_is_object(o))
            reply_error(req, 422, "send {\"incident\": {...}}");
        else
            patch_incident(d, req, inc, o);
    } else if (strcmp(method, "DELETE") == 0) {
        delete_incident(d, req, index);
    } else {
        reply_error(req, 405, "use GET, PATCH, PUT or DELETE");
    }
}

void tc_daemon__handle_v1(tc_daemon_t *d, tc_http_request_t *req)
{
    const char *why = NULL;
    if (!authorised(d, req, &why)) {
        reply_error(req, 401, "%s", why);
        return;
    }
    /* /v1/pages/{page_id}/{resource}[/...] */
    const char *path = tc_http_path(req);
    const char *prefix = "/v1/pages/";
    size_t plen = strlen(prefix), idlen = strlen(d->config->page.id);
    if (strncmp(path, prefix, plen) != 0 || strncmp(path + plen, d->config->page.id, idlen) != 0 ||
        path[plen + idlen] != '/') {
        reply_error(req, 404, "unknown page; this server has /v1/pages/%s/",
                    d->config->page.id);
        return;
    }
    const char *resource = path + plen + idlen + 1;
    const char *method = tc_http_method(req);
    json_t *doc = body_json(req);
    if (!doc)
        return;
    if (strcmp(resource, "incidents") == 0 || strncmp(resource, "incidents/", 10) == 0) {
        incidents_route(d, req, resource[9] ? resource + 10 : "", method, doc);
    } else if (strncmp(resource, "subscribers", 11) == 0 &&
               (resource[11] == '\0' || resource[11] == '/')) {
        tc_daemon__subscribers_v1(d, req, resource + 11, method);
    } else if (strncmp(resource, "notifications/dead", 18) == 0) {
        notifications_route(d, req, resource + 18, method);
    } else if (strcmp(resource, "components") == 0) {
        if (strcmp(method, "GET") == 0)
            list_components(d, req, NULL);
        else
            reply_error(req, 405, "components are defined in tocsin.yaml; use GET here and "
                                  "PATCH components/{id} to set a status");
    } else if (strncmp(resource, "components/", 11) == 0) {
        const char *id = resource + 11;
        if (strcmp(method, "GET") == 0)
            list_components(d, req, id);
        else if (strcmp(method, "PATCH") == 0 || strcmp(method, "PUT") == 0)
            patch_component(d, req, id, doc);
        else
            reply_error(req, 405, "components are defined in tocsin.yaml; use GET or PATCH");
    } else {
        reply_error(req, 404, "unknown resource \"%s\"", resource);
    }
    json_decref(doc);
}

/* ---- maintenance windows and automatic incidents ---- */

void tc_daemon__maintenance_tick(tc_daemon_t *d)
{
    int64_t now = tc_clock_wall_ms();
    for (size_t i = 0; i < d->nincidents; i++) {
        tc_incident_t *inc = d->incidents[i];
        if (!inc->is_maintenance || !tc_incident_is_open(inc))
            continue;
        tc_incident_status_t next;
        if (inc->auto_completed && inc->scheduled_until && now >= inc->scheduled_until)
            next = TC_INC_COMPLETED;
        else if (inc->auto_in_progress && inc->status == TC_INC_SCHEDULED &&
                 inc->scheduled_for && now >= inc->scheduled_for)
            next = TC_INC_IN_PROGRESS;
        else
            continue;
        char uid[13];
        tc_daemon__new_id(uid);
        tc_incident_add_update(inc, uid, next, default_body(next), now, 0, NULL, 0, true);
        tc_log(TC_LOG_INFO, MODULE, "maintenance %s: %s", inc->id, tc_incident_status_name(next));
        commit_incident(d, inc, NULL, 0, true);
    }
}

/* Is any component of @p m under an active maintenance? Its failures then open nothing. */
static int under_maintenance(tc_daemon_t *d, const tc_monitor_cfg_t *m)
{
    for (size_t k = 0; k < m->ncomponents; k++) {
        const tc_store_row_t *row = tc_daemon__row(d, m->components[k]);
        if (row && row->status == TC_STATUS_UNDER_MAINTENANCE)
            return 1;
    }
    return 0;
}

/* The fallback advice of the first of @p m's components that has one, or "". */
static const char *fallback_of(const tc_daemon_t *d, const tc_monitor_cfg_t *m)
{
    for (size_t k = 0; k < m->ncomponents; k++)
        for (size_t i = 0; i < d->config->ncomponents; i++) {
            const tc_component_cfg_t *cc = &d->config->components[i];
            if (cc->fallback && strcmp(cc->id, m->components[k]) == 0)
                return cc->fallback;
        }
    return "";
}

/* Expand {{monitor}}, {{component}}, {{reason}} and {{fallback}} in a template. */
/* Text measured from the outside (a body excerpt, a vendor's incident title, a push msg=)
 * goes into Markdown bodies with its punctuation escaped, so it reads as plain text and
 * cannot turn into a link on our page. */
static void markdown_text(tc_buf_t *b, const char *s)
{
    for (; *s; s++) {
        if (strchr("\\`*_{}[]()#+-.!|<>~", *s))
            tc_buf_append(b, "\\", 1);
        tc_buf_append(b, s, 1);
    }
}

/* @p markdown: the result is a Markdown body (else a plain title). */
static char *expand(const char *tpl, const tc_monitor_cfg_t *m, const char *component,
                    const char *reason, const char *fallback, bool markdown)
{
    tc_buf_t b;
    tc_buf_init(&b, 0);
    for (const char *p = tpl; *p;) {
        if (strncmp(p, "{{monitor}}", 11) == 0) {
            tc_buf_puts(&b, m->name);
            p += 11;
        } else if (strncmp(p, "{{component}}", 13) == 0) {
            tc_buf_puts(&b, component);
            p += 13;
        } else if (strncmp(p, "{{reason}}", 10) == 0) {
            if (markdown)
                markdown_text(&b, reason ? reason : "");
            else
                tc_buf_puts(&b, reason ? reason : "");
            p += 10;
        } else if (strncmp(p, "{{fallback}}", 12) == 0) {
            tc_buf_puts(&b, fallback);
            p += 12;
        } else {
            tc_buf_append(&b, p++, 1);
        }
    }
    return tc_buf_steal(&b, NULL);
}

void tc_daemon__auto_incident(tc_daemon_t *d, const tc_monitor_cfg_t *m,
                              tc_monitor_state_t before, tc_monitor_state_t after,
                              const char *reason)
{
    if (!m->auto_incident)
        return;
    tc_incident_t *open = NULL;
    for (size_t i = 0; i < d->nincidents; i++)
        if (d->incidents[i]->monitor_id && strcmp(d->incidents[i]->monitor_id, m->id) == 0 &&
            tc_incident_is_open(d->incidents[i]))
            open = d->incidents[i];
    const tc_store_row_t *first = m->ncomponents ? tc_daemon__row(d, m->components[0]) : NULL;
    const char *component = first ? first->name : m->name;
    int64_t now = tc_clock_wall_ms();
    tc_status_t want = tc_monitor_component_status(after, m->down_status);
    tc_affected_t *aff = tc_calloc(m->ncomponents ? m->ncomponents : 1, sizeof *aff);
    for (size_t k = 0; k < m->ncomponents; k++) {
        const tc_store_row_t *row = tc_daemon__row(d, m->components[k]);
        char name[300];
        display_name(d, row, name, sizeof name);
        aff[k].code = tc_strdup(row->id);
        aff[k].name = tc_strdup(name);
        aff[k].old_status = row->status;
        aff[k].new_status = want;
    }
    char uid[13];
    tc_daemon__new_id(uid);
    if (!open && (after == TC_MONITOR_DOWN || after == TC_MONITOR_DEGRADED)) {
        if (under_maintenance(d, m)) {
            free_affected(aff, m->ncomponents);
            return;
        }
        incident_req_t r;
        memset(&r, 0, sizeof r);
        r.impact_override = -1;
        char *title = expand(m->incident_title, m, component, reason, fallback_of(d, m), false);
        r.name = title;
        tc_incident_t *inc = create_incident(d, &r, now);
        free(title);
        inc->monitor_id = tc_strdup(m->id);
        for (size_t k = 0; k < m->ncomponents; k++) {
            inc->component_ids = tc_realloc(inc->component_ids,
                                            (k + 1) * sizeof *inc->component_ids);
            inc->component_status = tc_realloc(inc->component_status,
                                               (k + 1) * sizeof *inc->component_status);
            inc->component_ids[k] = tc_strdup(m->components[k]);
            inc->component_status[k] = want;
            inc->ncomponents++;
        }
        char *body = expand(m->incident_body, m, component, reason, fallback_of(d, m), true);
        tc_incident_add_update(inc, uid, TC_INC_INVESTIGATING, body, now, 0, aff,
                               m->ncomponents, true);
        free(body);
        add_incident(d, inc);
        tc_log(TC_LOG_WARN, MODULE, "monitor %s opened incident %s", m->id, inc->id);
        commit_incident(d, inc, NULL, 0, true);
    } else if (open && (after == TC_MONITOR_UP)) {
        for (size_t k = 0; k < m->ncomponents; k++)
            aff[k].new_status = TC_STATUS_OPERATIONAL;
        tc_incident_add_update(open, uid, TC_INC_RESOLVED,
                               "This incident has been resolved: the check passes again.", now,
                               0, aff, m->ncomponents, true);
        tc_log(TC_LOG_INFO, MODULE, "monitor %s resolved incident %s", m->id, open->id);
        commit_incident(d, open, NULL, 0, true);
    } else if (open && after != before && after != TC_MONITOR_UNKNOWN) {
        /* Worse, or better but not yet resolved (a vendor back from an outage to degraded):
         * record it and let the components and the impact follow, since the open incident
         * decides the components' status. */
        for (size_t k = 0; k < open->ncomponents; k++)
            open->component_status[k] = want;
        tc_buf_t text;
        tc_buf_init(&text, 0);
        tc_buf_printf(&text, "The problem has %s: ", after > before ? "worsened" : "eased");
        markdown_text(&text, reason ? reason : "");
        tc_buf_puts(&text, ".");
        tc_incident_add_update(open, uid, open->status, text.data, now, 0, aff, m->ncomponents,
                               true);
        tc_buf_free(&text);
        commit_incident(d, open, NULL, 0, true);
    }
    free_affected(aff, m->ncomponents);
}

/* ---- alerts ---- */

static tc_event_kind_t event_kind(tc_monitor_state_t after, bool reminder)
{
    if (reminder)
        return TC_EVENT_REMINDER;
    return after == TC_MONITOR_DOWN       ? TC_EVENT_DOWN
           : after == TC_MONITOR_DEGRADED ? TC_EVENT_DEGRADED
                                          : TC_EVENT_RECOVERED;
}

void tc_daemon__alert(tc_daemon_t *d, mon_slot_t *slot, tc_monitor_state_t before,
                      tc_monitor_state_t after, const tc_result_t *r, bool reminder)
{
    const tc_monitor_cfg_t *m = slot->cfg;
    if (!m->nalerts || under_maintenance(d, m))
        return;
    /* Only real transitions alert: leaving "unknown" for "up" at start is not a recovery. */
    if (!reminder && after == TC_MONITOR_UP && before == TC_MONITOR_UNKNOWN)
        return;
    tc_event_kind_t kind = event_kind(after, reminder);
    int64_t now = tc_clock_wall_ms();
    tc_status_t want = tc_monitor_component_status(after, m->down_status);
    tc_event_component_t *comps = tc_calloc(m->ncomponents ? m->ncomponents : 1, sizeof *comps);
    for (size_t k = 0; k < m->ncomponents; k++) {
        const tc_store_row_t *row = tc_daemon__row(d, m->components[k]);
        comps[k].id = row->id;
        comps[k].name = row->name;
        comps[k].old_status = row->status;
        comps[k].new_status = reminder ? row->status : want;
    }
    const tc_incident_t *open = NULL;
    for (size_t i = 0; i < d->nincidents; i++)
        if (d->incidents[i]->monitor_id && strcmp(d->incidents[i]->monitor_id, m->id) == 0 &&
            tc_incident_is_open(d->incidents[i]))
            open = d->incidents[i];
    char event_id[13];
    tc_daemon__new_id(event_id);
    tc_notify_event_t e = {
        .kind = kind,
        .at = now,
        .page_id = d->config->page.id,
        .page_name = d->config->page.name,
        .page_url = d->config->page.url,
        .monitor_id = m->id,
        .monitor_name = m->name,
        .monitor_kind = tc_probe_type_name(m->type),
        .old_state = tc_monitor_state_name(before),
        .new_state = tc_monitor_state_name(after),
        .reason = r->reason,
        .status_code = r->status_code,
        .response_ms = r->response_ms,
        .components = comps,
        .ncomponents = m->ncomponents,
        .incident_id = open ? open->id : NULL,
        .incident_name = open ? open->name : NULL,
    };
    tc_outbox_t *msgs = tc_calloc(m->nalerts, sizeof *msgs);
    size_t nmsgs = 0;
    for (size_t a = 0; a < m->nalerts; a++) {
        const tc_alert_cfg_t *rule = &m->alerts[a];
        if (reminder) {
            if (!rule->remind_ms || a >= MAX_REMINDED ||
                now - slot->alerted_at[a] < rule->remind_ms)
                continue;
        } else if (!(rule->on & (1u << kind))) {
            continue;
        }
        const tc_channel_cfg_t *ch = tc_config_channel(d->config, rule->channel);
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
