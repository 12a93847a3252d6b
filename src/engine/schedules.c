/* Recurring maintenance windows on the engine thread. The windows come from tocsin.yaml
 * (recurring_maintenance:, kept in step with the store at every start and reload) and from
 * the console and the API (stored only). The next window, once it is less than a week away,
 * becomes an ordinary scheduled maintenance through the incident command, with automatic start and completion,
 * so the page, the API, the feeds, subscribers and the alert hold treat it like any other;
 * the store remembers the latest window made, so none is made twice, across restarts too. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "engine/engine_int.h"

#define MODULE "schedules"
#define ANNOUNCE_MS (7LL * 24 * 3600 * 1000) /* windows are made this long before they start */

static void clear(tc_schedule_t *s)
{
    free(s->id);
    free(s->name);
    free(s->message);
    for (size_t k = 0; k < s->ncomponents; k++)
        free(s->components[k]);
    free(s->components);
    memset(s, 0, sizeof *s);
}

void tc_engine__schedules_free(tc_engine_t *d)
{
    for (size_t i = 0; i < d->nschedules; i++)
        clear(&d->schedules[i]);
    free(d->schedules);
    d->schedules = NULL;
    d->nschedules = 0;
}

/* ---- the stored document ---- */

static char *encode(const char *name, const char *message, const tc_recurrence_t *rule,
                    const char *const *components, size_t n, bool notify)
{
    json_t *list = json_array();
    for (size_t k = 0; k < n; k++)
        json_array_append_new(list, json_string(components[k]));
    json_t *doc = json_pack("{s:s, s:s?, s:i, s:i, s:I, s:o, s:b}", "name", name, "message",
                            message, "days", (int)rule->days, "minute", rule->minute,
                            "duration_ms", (json_int_t)rule->duration_ms, "components", list,
                            "notify", notify);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return text;
}

static int decode(const char *id, const char *text, tc_schedule_t *s)
{
    json_t *doc = json_loads(text, 0, NULL);
    const char *name = json_string_value(json_object_get(doc, "name"));
    const char *message = json_string_value(json_object_get(doc, "message"));
    json_t *list = json_object_get(doc, "components");
    if (!name || !json_is_array(list)) {
        json_decref(doc);
        return TC_EINVAL;
    }
    s->id = tc_strdup(id);
    s->name = tc_strdup(name);
    s->message = message ? tc_strdup(message) : NULL;
    s->rule.days = (unsigned)json_integer_value(json_object_get(doc, "days")) & 0x7f;
    s->rule.minute = (int)json_integer_value(json_object_get(doc, "minute"));
    s->rule.duration_ms = json_integer_value(json_object_get(doc, "duration_ms"));
    s->notify = json_is_true(json_object_get(doc, "notify"));
    s->components = tc_calloc(json_array_size(list) + 1, sizeof *s->components);
    size_t k;
    json_t *v;
    json_array_foreach(list, k, v)
    {
        if (json_is_string(v))
            s->components[s->ncomponents++] = tc_strdup(json_string_value(v));
    }
    json_decref(doc);
    return 0;
}

typedef struct loading {
    tc_engine_t *d;
    size_t cap;
} loading_t;

static void add_loaded(void *ctx, const char *id, const char *doc, bool from_config,
                       int64_t last_start)
{
    loading_t *l = ctx;
    tc_engine_t *d = l->d;
    if (d->nschedules == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        d->schedules = tc_realloc(d->schedules, l->cap * sizeof *d->schedules);
    }
    tc_schedule_t *s = &d->schedules[d->nschedules];
    memset(s, 0, sizeof *s);
    if (decode(id, doc, s) != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "recurring maintenance %s: unreadable, skipped", id);
        return;
    }
    s->from_config = from_config;
    s->last_start = last_start;
    d->nschedules++;
}

static void config_gone(void *ctx, const char *id, const char *doc, bool from_config,
                        int64_t last_start)
{
    (void)doc;
    (void)last_start;
    tc_engine_t *d = ctx;
    if (!from_config)
        return;
    for (size_t i = 0; i < d->config->nschedules; i++)
        if (strcmp(d->config->schedules[i].id, id) == 0)
            return;
    char err[256];
    /* Deleting inside the iteration is safe in SQLite for a row already read. */
    if (tc_store_schedule_delete(d->store, id, err, sizeof err) == 0)
        tc_log(TC_LOG_INFO, MODULE, "recurring maintenance %s left the config", id);
}

int tc_engine__schedules_load(tc_engine_t *d)
{
    char err[256];
    int rc = 0;
    for (size_t i = 0; i < d->config->nschedules && !rc; i++) {
        const tc_schedule_cfg_t *c = &d->config->schedules[i];
        char *doc = encode(c->name, c->message, &c->rule, (const char *const *)c->components,
                           c->ncomponents, c->notify);
        rc = doc ? tc_store_schedule_put(d->store, c->id, doc, true, err, sizeof err) : TC_EIO;
        free(doc);
    }
    if (!rc)
        rc = tc_store_each_schedule(d->store, config_gone, d, err, sizeof err);
    tc_engine__schedules_free(d);
    loading_t l = {d, 0};
    if (!rc)
        rc = tc_store_each_schedule(d->store, add_loaded, &l, err, sizeof err);
    if (rc)
        tc_log(TC_LOG_ERROR, MODULE, "cannot load recurring maintenance: %s", err);
    return rc ? TC_ESTORE : 0;
}

/* ---- making windows into maintenances ---- */

/* Make the next window of @p s into a maintenance when it starts within the coming week (and
 * one under way that was missed, say while the daemon was down). Only the next one: a daily
 * window would otherwise put seven maintenances on the page and in subscribers' inboxes. */
static void make_windows(tc_engine_t *d, tc_schedule_t *s, int64_t now)
{
    for (int round = 0; round < 2; round++) { /* one under way, then the next */
        if (s->last_start > now)
            return; /* the next window is made already */
        int64_t from = now - s->rule.duration_ms + 1; /* a window under way still counts */
        if (s->last_start >= from)
            from = s->last_start + 1;
        int64_t start = tc_recurrence_next(&s->rule, d->zone, from);
        if (start == INT64_MAX || start - now > ANNOUNCE_MS)
            return;
        tc_incident_cmd_t cmd;
        tc_incident_cmd_init(&cmd);
        cmd.name = s->name;
        cmd.has_status = true;
        cmd.status = TC_INC_SCHEDULED;
        cmd.body = s->message;
        cmd.covered = (const char *const *)s->components;
        cmd.ncovered = s->ncomponents;
        cmd.scheduled_for = start;
        cmd.scheduled_until = start + s->rule.duration_ms;
        cmd.auto_in_progress = 1;
        cmd.auto_completed = 1;
        cmd.deliver_notifications = s->notify;
        cmd.remind_prior = s->notify; /* announced a week ahead, reminded an hour before */
        char err[512];
        const tc_incident_t *made = NULL;
        if (tc_engine_incident_create(d, &cmd, &made, err, sizeof err) != 0) {
            /* A component left the config, say: log once per window and skip it. */
            tc_log(TC_LOG_ERROR, MODULE, "recurring maintenance %s: %s", s->id, err);
        } else {
            tc_log(TC_LOG_INFO, MODULE, "recurring maintenance %s: window made as %s", s->id,
                   made->id);
        }
        s->last_start = start;
        if (tc_store_schedule_mark(d->store, s->id, start, err, sizeof err) != 0)
            tc_log(TC_LOG_ERROR, MODULE, "recurring maintenance %s: %s", s->id, err);
    }
}

void tc_engine__schedules_tick(tc_engine_t *d)
{
    int64_t now = tc_clock_wall_ms();
    for (size_t i = 0; i < d->nschedules; i++)
        make_windows(d, &d->schedules[i], now);
}

/* ---- commands ---- */

const tc_schedule_t *tc_engine_schedules(tc_engine_t *d, size_t *n)
{
    *n = d->nschedules;
    return d->schedules;
}

int tc_engine_schedule_add(tc_engine_t *d, const tc_schedule_cmd_t *c, const tc_schedule_t **out,
                           char *err, size_t errlen)
{
    if (!c->name || !c->name[0]) {
        snprintf(err, errlen, "give the maintenance a title");
        return TC_EINVAL;
    }
    if (!(c->rule.days & 0x7f) || c->rule.minute < 0 || c->rule.minute > 1439) {
        snprintf(err, errlen, "choose at least one day and a start time");
        return TC_EINVAL;
    }
    if (c->rule.duration_ms < 60000 || c->rule.duration_ms > TC_RECUR_MAX_DURATION_MS) {
        snprintf(err, errlen, "a window lasts from 1 minute to 7 days");
        return TC_EINVAL;
    }
    for (size_t k = 0; k < c->ncomponents; k++) {
        const tc_store_row_t *row = tc_engine__row(d, c->components[k]);
        if (!row) {
            char shown[80];
            snprintf(err, errlen, "unknown component \"%s\"",
                     tc_utf8_excerpt(shown, sizeof shown, c->components[k]));
            return TC_EINVAL;
        }
    }
    char id[13];
    tc_engine__new_id(id);
    char *doc = encode(c->name, c->message, &c->rule, c->components, c->ncomponents, c->notify);
    if (!doc) {
        snprintf(err, errlen, "the maintenance's text is not valid UTF-8");
        return TC_EINVAL;
    }
    int rc = tc_store_schedule_put(d->store, id, doc, false, err, errlen);
    free(doc);
    if (rc)
        return rc;
    d->schedules = tc_realloc(d->schedules, (d->nschedules + 1) * sizeof *d->schedules);
    tc_schedule_t *s = &d->schedules[d->nschedules++];
    memset(s, 0, sizeof *s);
    s->id = tc_strdup(id);
    s->name = tc_strdup(c->name);
    s->message = c->message ? tc_strdup(c->message) : NULL;
    s->rule = c->rule;
    s->notify = c->notify;
    s->components = tc_calloc(c->ncomponents + 1, sizeof *s->components);
    for (size_t k = 0; k < c->ncomponents; k++)
        s->components[s->ncomponents++] = tc_strdup(c->components[k]);
    tc_log(TC_LOG_INFO, MODULE, "recurring maintenance %s added", id);
    make_windows(d, s, tc_clock_wall_ms());
    *out = s;
    return 0;
}

int tc_engine_schedule_delete(tc_engine_t *d, const char *id, char *err, size_t errlen)
{
    for (size_t i = 0; i < d->nschedules; i++) {
        tc_schedule_t *s = &d->schedules[i];
        if (strcmp(s->id, id) != 0)
            continue;
        if (s->from_config) {
            snprintf(err, errlen, "recurring maintenance %s is declared in %s; remove it there",
                     id, d->config->path);
            return TC_EINVAL;
        }
        int rc = tc_store_schedule_delete(d->store, id, err, errlen);
        if (rc)
            return rc;
        clear(s);
        memmove(s, s + 1, (d->nschedules - i - 1) * sizeof *s);
        d->nschedules--;
        return 0;
    }
    char shown[80];
    snprintf(err, errlen, "no recurring maintenance with id %s",
             tc_utf8_excerpt(shown, sizeof shown, id));
    return TC_ENOENT;
}
