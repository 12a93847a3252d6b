/* Incident model, lifecycle rules and JSON forms; see incident.h. The JSON with private
 * fields is also the storage format, so what is stored and what the API returns cannot drift
 * apart. */
#define _GNU_SOURCE
#include "incident/incident.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"

static const char *const status_names[] = {
    "investigating", "identified", "monitoring", "resolved", "postmortem",
    "scheduled",     "in_progress", "verifying", "completed",
};
static const char *const status_labels[] = {
    "Investigating", "Identified", "Monitoring", "Resolved",  "Postmortem",
    "Scheduled",     "In progress", "Verifying", "Completed",
};
static const char *const impact_names[] = {"none", "minor", "major", "critical", "maintenance"};

const char *tc_incident_status_name(tc_incident_status_t s)
{
    return status_names[s];
}

int tc_incident_status_parse(const char *name, tc_incident_status_t *out)
{
    for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++) {
        if (strcmp(name, status_names[i]) == 0) {
            *out = (tc_incident_status_t)i;
            return 0;
        }
    }
    return TC_EINVAL;
}

const char *tc_incident_update_label(tc_incident_status_t s, int previous)
{
    /* A run of updates with one status reads "Investigating", "Update", "Update" ... */
    if (previous >= 0 && (tc_incident_status_t)previous == s)
        return "Update";
    return status_labels[s];
}

const char *tc_impact_name(tc_impact_t i)
{
    return impact_names[i];
}

int tc_impact_parse(const char *name, tc_impact_t *out)
{
    for (size_t i = 0; i < sizeof impact_names / sizeof impact_names[0]; i++) {
        if (strcmp(name, impact_names[i]) == 0) {
            *out = (tc_impact_t)i;
            return 0;
        }
    }
    return TC_EINVAL;
}

bool tc_incident_status_is_closed(tc_incident_status_t s)
{
    return s == TC_INC_RESOLVED || s == TC_INC_POSTMORTEM || s == TC_INC_COMPLETED;
}

bool tc_incident_status_is_maintenance(tc_incident_status_t s)
{
    return s >= TC_INC_SCHEDULED;
}

void tc_incident_refresh_times(tc_incident_t *i)
{
    i->monitoring_at = 0;
    i->resolved_at = 0;
    for (size_t k = 0; k < i->nupdates; k++) {
        const tc_incident_update_t *u = &i->updates[k];
        if (u->status == TC_INC_MONITORING && !i->monitoring_at)
            i->monitoring_at = u->display_at;
        /* The first closing update after the last reopening is when it was resolved. */
        if (!tc_incident_status_is_closed(u->status))
            i->resolved_at = 0;
        else if (!i->resolved_at)
            i->resolved_at = u->display_at;
    }
}

bool tc_incident_is_open(const tc_incident_t *i)
{
    return !tc_incident_status_is_closed(i->status);
}

tc_impact_t tc_incident_impact_from(const tc_status_t *statuses, size_t n)
{
    tc_status_t worst = TC_STATUS_OPERATIONAL;
    for (size_t k = 0; k < n; k++)
        if (statuses[k] != TC_STATUS_UNDER_MAINTENANCE)
            worst = tc_status_worst(worst, statuses[k]);
    switch (worst) {
    case TC_STATUS_MAJOR_OUTAGE:
        return TC_IMPACT_CRITICAL;
    case TC_STATUS_PARTIAL_OUTAGE:
        return TC_IMPACT_MAJOR;
    case TC_STATUS_DEGRADED:
        return TC_IMPACT_MINOR;
    default:
        return TC_IMPACT_NONE;
    }
}

void tc_incident_refresh_impact(tc_incident_t *i)
{
    if (i->impact_override >= 0)
        i->impact = (tc_impact_t)i->impact_override;
    else if (i->is_maintenance)
        i->impact = TC_IMPACT_MAINTENANCE;
    else {
        /* The worst an incident did, not just where it ended: a resolved outage that set its
         * components back to operational was still an outage. */
        size_t n = i->ncomponents;
        for (size_t u = 0; u < i->nupdates; u++)
            n += i->updates[u].naffected;
        tc_status_t *all = tc_calloc(n ? n : 1, sizeof *all);
        size_t k = 0;
        for (size_t c = 0; c < i->ncomponents; c++)
            all[k++] = i->component_status[c];
        for (size_t u = 0; u < i->nupdates; u++)
            for (size_t a = 0; a < i->updates[u].naffected; a++)
                all[k++] = i->updates[u].affected[a].new_status;
        i->impact = tc_incident_impact_from(all, k);
        free(all);
    }
}

void tc_incident_make_id(const unsigned char *random_bytes, char out[13])
{
    static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    for (int k = 0; k < 12; k++)
        out[k] = alphabet[random_bytes[k] % 36];
    out[12] = '\0';
}

static tc_affected_t *copy_affected(const tc_affected_t *a, size_t n)
{
    if (!n)
        return NULL;
    tc_affected_t *c = tc_calloc(n, sizeof *c);
    for (size_t k = 0; k < n; k++) {
        c[k].code = a[k].code ? tc_strdup(a[k].code) : NULL;
        c[k].name = tc_strdup(a[k].name ? a[k].name : "");
        c[k].old_status = a[k].old_status;
        c[k].new_status = a[k].new_status;
    }
    return c;
}

void tc_incident_add_update(tc_incident_t *i, const char *update_id,
                            tc_incident_status_t status, const char *body, int64_t now,
                            int64_t display_at, const tc_affected_t *affected, size_t naffected,
                            bool deliver_notifications)
{
    i->updates = tc_realloc(i->updates, (i->nupdates + 1) * sizeof *i->updates);
    tc_incident_update_t *u = &i->updates[i->nupdates++];
    memset(u, 0, sizeof *u);
    u->id = tc_strdup(update_id);
    u->status = status;
    u->body = tc_strdup(body ? body : "");
    u->created_at = now;
    u->updated_at = now;
    u->display_at = display_at ? display_at : now;
    u->affected = copy_affected(affected, naffected);
    u->naffected = naffected;
    u->deliver_notifications = deliver_notifications;
    i->status = status;
    i->updated_at = now;
    if (status == TC_INC_MONITORING && !i->monitoring_at)
        i->monitoring_at = u->display_at;
    if (tc_incident_status_is_closed(status) && !i->resolved_at)
        i->resolved_at = u->display_at;
    if (!tc_incident_status_is_closed(status))
        i->resolved_at = 0; /* reopened */
}

/* ---- JSON ---- */

static json_t *ts(const tc_zone_t *z, int64_t ms)
{
    if (!ms)
        return json_null();
    char iso[40];
    tc_clock_format_iso(z, ms, iso, sizeof iso);
    return json_string(iso);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *update_json(const tc_zone_t *z, const tc_incident_t *i,
                           const tc_incident_update_t *u)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(u->id));
    json_object_set_new(o, "status", json_string(tc_incident_status_name(u->status)));
    json_object_set_new(o, "body", json_string(u->body));
    json_object_set_new(o, "incident_id", json_string(i->id));
    json_object_set_new(o, "created_at", ts(z, u->created_at));
    json_object_set_new(o, "updated_at", ts(z, u->updated_at));
    json_object_set_new(o, "display_at", ts(z, u->display_at));
    if (u->naffected) {
        json_t *list = json_array();
        for (size_t k = 0; k < u->naffected; k++) {
            json_t *a = json_object();
            if (u->affected[k].code)
                json_object_set_new(a, "code", json_string(u->affected[k].code));
            json_object_set_new(a, "name", json_string(u->affected[k].name));
            json_object_set_new(a, "old_status",
                                json_string(tc_status_name(u->affected[k].old_status)));
            json_object_set_new(a, "new_status",
                                json_string(tc_status_name(u->affected[k].new_status)));
            json_array_append_new(list, a);
        }
        json_object_set_new(o, "affected_components", list);
    } else {
        json_object_set_new(o, "affected_components", json_null());
    }
    json_object_set_new(o, "deliver_notifications", json_boolean(u->deliver_notifications));
    json_object_set_new(o, "custom_tweet", json_null());
    json_object_set_new(o, "tweet_id", json_null());
    return o;
}

json_t *tc_incident_to_json(const tc_incident_t *i, const tc_zone_t *z, const char *page_id,
                            const char *shortlink, json_t *components, bool with_private)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(i->id));
    json_object_set_new(o, "name", json_string(i->name));
    json_object_set_new(o, "status", json_string(tc_incident_status_name(i->status)));
    json_object_set_new(o, "created_at", ts(z, i->created_at));
    json_object_set_new(o, "updated_at", ts(z, i->updated_at));
    json_object_set_new(o, "monitoring_at", ts(z, i->monitoring_at));
    json_object_set_new(o, "resolved_at", ts(z, i->resolved_at));
    json_object_set_new(o, "impact", json_string(tc_impact_name(i->impact)));
    json_object_set_new(o, "shortlink", json_string(shortlink ? shortlink : ""));
    json_object_set_new(o, "started_at", ts(z, i->started_at));
    json_object_set_new(o, "page_id", json_string(page_id));
    json_t *updates = json_array();
    for (size_t k = i->nupdates; k-- > 0;) /* newest first */
        json_array_append_new(updates, update_json(z, i, &i->updates[k]));
    json_object_set_new(o, "incident_updates", updates);
    json_object_set_new(o, "components", components ? components : json_array());
    json_object_set_new(o, "reminder_intervals", json_null());
    if (i->is_maintenance) {
        json_object_set_new(o, "scheduled_for", ts(z, i->scheduled_for));
        json_object_set_new(o, "scheduled_until", ts(z, i->scheduled_until));
    }
    if (!with_private)
        return o;
    json_object_set_new(o, "seq", json_integer((json_int_t)i->seq));
    json_object_set_new(o, "impact_override",
                        i->impact_override >= 0
                            ? json_string(tc_impact_name((tc_impact_t)i->impact_override))
                            : json_null());
    json_object_set_new(o, "backfilled", json_boolean(i->backfilled));
    json_object_set_new(o, "postmortem_body", str_or_null(i->postmortem_body));
    json_object_set_new(o, "postmortem_published_at", ts(z, i->postmortem_published_at));
    json_object_set_new(o, "scheduled_auto_in_progress", json_boolean(i->auto_in_progress));
    json_object_set_new(o, "scheduled_auto_completed", json_boolean(i->auto_completed));
    json_object_set_new(o, "scheduled_remind_prior", json_boolean(i->remind_prior));
    json_object_set_new(o, "monitor_id", str_or_null(i->monitor_id));
    json_t *set = json_object();
    for (size_t k = 0; k < i->ncomponents; k++)
        json_object_set_new(set, i->component_ids[k],
                            json_string(tc_status_name(i->component_status[k])));
    json_object_set_new(o, "component_statuses", set);
    return o;
}

/* Read exactly @p n ASCII digits at *p (sscanf's %2d would also take signs, spaces and
 * fewer digits, and a short field let the offset code run past the string). */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int k = 0; k < n; k++) {
        char c = (*p)[k];
        if (c < '0' || c > '9')
            return TC_EINVAL;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int tc_incident_parse_time(const char *s, int64_t *ms)
{
    /* RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM). Every field has
     * its exact number of digits, and nothing may follow. */
    int y, mo, d, h, mi, sec;
    const char *p = s;
    if (!s || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d) || *p++ != 'T' || digits(&p, 2, &h) || *p++ != ':' ||
        digits(&p, 2, &mi) || *p++ != ':' || digits(&p, 2, &sec))
        return TC_EINVAL;
    int millis = 0;
    if (*p == '.') {
        p++;
        int n = 0;
        while (*p >= '0' && *p <= '9') {
            if (n < 3)
                millis = millis * 10 + (*p - '0');
            n++;
            p++;
        }
        if (n == 0)
            return TC_EINVAL;
        for (; n < 3; n++)
            millis *= 10;
    }
    long offset = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1;
        int oh, om;
        if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
            return TC_EINVAL;
        offset = sign * (oh * 3600L + om * 60L);
    } else {
        return TC_EINVAL;
    }
    if (*p || !tc_clock_date_exists(y, mo, d) || h > 23 || mi > 59 || sec > 60)
        return TC_EINVAL;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec; /* a leap second (:60) reads as the next minute's :00 */
    *ms = ((int64_t)timegm(&tm) - offset) * 1000 + millis;
    return 0;
}

static int64_t get_time(json_t *o, const char *key)
{
    int64_t ms = 0;
    const char *s = json_string_value(json_object_get(o, key));
    if (s && tc_incident_parse_time(s, &ms) != 0)
        ms = 0;
    return ms;
}

static char *get_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? tc_strdup(s) : NULL;
}

tc_incident_t *tc_incident_from_json(json_t *doc)
{
    const char *id = json_string_value(json_object_get(doc, "id"));
    const char *name = json_string_value(json_object_get(doc, "name"));
    const char *status = json_string_value(json_object_get(doc, "status"));
    tc_incident_status_t st;
    if (!id || !name || !status || tc_incident_status_parse(status, &st) != 0)
        return NULL;
    tc_incident_t *i = tc_calloc(1, sizeof *i);
    i->id = tc_strdup(id);
    i->name = tc_strdup(name);
    i->status = st;
    i->seq = (uint64_t)json_integer_value(json_object_get(doc, "seq"));
    i->created_at = get_time(doc, "created_at");
    i->updated_at = get_time(doc, "updated_at");
    i->started_at = get_time(doc, "started_at");
    i->monitoring_at = get_time(doc, "monitoring_at");
    i->resolved_at = get_time(doc, "resolved_at");
    i->scheduled_for = get_time(doc, "scheduled_for");
    i->scheduled_until = get_time(doc, "scheduled_until");
    i->is_maintenance = json_object_get(doc, "scheduled_for") != NULL ||
                        tc_incident_status_is_maintenance(st);
    i->backfilled = json_is_true(json_object_get(doc, "backfilled"));
    i->auto_in_progress = json_is_true(json_object_get(doc, "scheduled_auto_in_progress"));
    i->auto_completed = json_is_true(json_object_get(doc, "scheduled_auto_completed"));
    i->remind_prior = json_is_true(json_object_get(doc, "scheduled_remind_prior"));
    i->postmortem_body = get_str(doc, "postmortem_body");
    i->postmortem_published_at = get_time(doc, "postmortem_published_at");
    i->monitor_id = get_str(doc, "monitor_id");
    tc_impact_t imp = TC_IMPACT_NONE;
    const char *ov = json_string_value(json_object_get(doc, "impact_override"));
    i->impact_override = ov && tc_impact_parse(ov, &imp) == 0 ? (int)imp : -1;
    const char *impact = json_string_value(json_object_get(doc, "impact"));
    if (impact && tc_impact_parse(impact, &imp) == 0)
        i->impact = imp;

    json_t *set = json_object_get(doc, "component_statuses");
    size_t n = json_is_object(set) ? json_object_size(set) : 0;
    i->component_ids = tc_calloc(n, sizeof *i->component_ids);
    i->component_status = tc_calloc(n, sizeof *i->component_status);
    const char *key;
    json_t *value;
    json_object_foreach(set, key, value)
    {
        tc_status_t cs = TC_STATUS_OPERATIONAL;
        const char *v = json_string_value(value);
        if (v)
            tc_status_parse(v, &cs);
        i->component_ids[i->ncomponents] = tc_strdup(key);
        i->component_status[i->ncomponents++] = cs;
    }

    json_t *updates = json_object_get(doc, "incident_updates");
    size_t nu = json_is_array(updates) ? json_array_size(updates) : 0;
    i->updates = tc_calloc(nu, sizeof *i->updates);
    for (size_t k = nu; k-- > 0;) { /* stored newest first; kept oldest first */
        json_t *u = json_array_get(updates, k);
        tc_incident_update_t *x = &i->updates[i->nupdates];
        const char *us = json_string_value(json_object_get(u, "status"));
        if (!us || tc_incident_status_parse(us, &x->status) != 0)
            continue;
        x->id = get_str(u, "id");
        if (!x->id)
            continue;
        x->body = get_str(u, "body");
        if (!x->body)
            x->body = tc_strdup("");
        x->created_at = get_time(u, "created_at");
        x->updated_at = get_time(u, "updated_at");
        x->display_at = get_time(u, "display_at");
        if (!x->display_at)
            x->display_at = x->created_at;
        x->deliver_notifications = !json_is_false(json_object_get(u, "deliver_notifications"));
        json_t *aff = json_object_get(u, "affected_components");
        size_t na = json_is_array(aff) ? json_array_size(aff) : 0;
        if (na) {
            x->affected = tc_calloc(na, sizeof *x->affected);
            for (size_t a = 0; a < na; a++) {
                json_t *e = json_array_get(aff, a);
                tc_affected_t *t = &x->affected[x->naffected];
                t->code = get_str(e, "code");
                t->name = get_str(e, "name");
                if (!t->name)
                    t->name = tc_strdup("");
                const char *os = json_string_value(json_object_get(e, "old_status"));
                const char *ns = json_string_value(json_object_get(e, "new_status"));
                if (os)
                    tc_status_parse(os, &t->old_status);
                if (ns)
                    tc_status_parse(ns, &t->new_status);
                x->naffected++;
            }
        }
        i->nupdates++;
    }
    if (!i->started_at)
        i->started_at = i->created_at;
    return i;
}

void tc_incident_free(tc_incident_t *i)
{
    if (!i)
        return;
    for (size_t k = 0; k < i->nupdates; k++) {
        tc_incident_update_t *u = &i->updates[k];
        free(u->id);
        free(u->body);
        free(u->author);
        for (size_t a = 0; a < u->naffected; a++) {
            free(u->affected[a].code);
            free(u->affected[a].name);
        }
        free(u->affected);
    }
    free(i->updates);
    for (size_t k = 0; k < i->ncomponents; k++)
        free(i->component_ids[k]);
    free(i->component_ids);
    free(i->component_status);
    free(i->id);
    free(i->name);
    free(i->postmortem_body);
    free(i->monitor_id);
    free(i);
}
