/* Incident storage format, version 1 (see incident_codec.h). Decoding is strict: a stored
 * row that is not what the encoder writes is an error naming the field, never a guess. */
#include "incident/incident_codec.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"

/* ---- encoding ---- */

static void put_time(json_t *o, const char *key, int64_t ms)
{
    if (ms)
        json_object_set_new(o, key, json_integer(ms));
}

static void put_str(json_t *o, const char *key, const char *s)
{
    if (s)
        json_object_set_new(o, key, json_string(s));
}

static json_t *affected_json(const tc_incident_update_t *u)
{
    if (!u->affected)
        return json_null();
    json_t *arr = json_array();
    for (size_t a = 0; a < u->naffected; a++) {
        const tc_affected_t *t = &u->affected[a];
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "code", t->code, "name",
                                             t->name, "old", tc_status_name(t->old_status),
                                             "new", tc_status_name(t->new_status)));
    }
    return arr;
}

char *tc_incident_encode(const tc_incident_t *i)
{
    json_t *o = json_object();
    json_object_set_new(o, "v", json_integer(TC_INCIDENT_CODEC_VERSION));
    json_object_set_new(o, "id", json_string(i->id));
    json_object_set_new(o, "seq", json_integer((json_int_t)i->seq));
    json_object_set_new(o, "name", json_string(i->name));
    json_object_set_new(o, "status", json_string(tc_incident_status_name(i->status)));
    json_object_set_new(o, "impact", json_string(tc_impact_name(i->impact)));
    if (i->impact_override >= 0)
        json_object_set_new(o, "impact_override",
                            json_string(tc_impact_name((tc_impact_t)i->impact_override)));
    json_object_set_new(o, "maintenance", json_boolean(i->is_maintenance));
    json_object_set_new(o, "backfilled", json_boolean(i->backfilled));
    json_object_set_new(o, "auto_in_progress", json_boolean(i->auto_in_progress));
    json_object_set_new(o, "auto_completed", json_boolean(i->auto_completed));
    if (i->remind_prior)
        json_object_set_new(o, "remind_prior", json_true());
    put_time(o, "reminded_at", i->reminded_at);
    put_time(o, "created_at", i->created_at);
    put_time(o, "updated_at", i->updated_at);
    put_time(o, "started_at", i->started_at);
    put_time(o, "monitoring_at", i->monitoring_at);
    put_time(o, "resolved_at", i->resolved_at);
    put_time(o, "scheduled_for", i->scheduled_for);
    put_time(o, "scheduled_until", i->scheduled_until);
    put_str(o, "postmortem_body", i->postmortem_body);
    put_time(o, "postmortem_published_at", i->postmortem_published_at);
    put_str(o, "monitor_id", i->monitor_id);
    json_t *comps = json_array();
    for (size_t k = 0; k < i->ncomponents; k++)
        json_array_append_new(comps, json_pack("{s:s, s:s}", "id", i->component_ids[k],
                                               "status",
                                               tc_status_name(i->component_status[k])));
    json_object_set_new(o, "components", comps);
    json_t *updates = json_array();
    for (size_t k = 0; k < i->nupdates; k++) {
        const tc_incident_update_t *u = &i->updates[k];
        json_t *x = json_object();
        json_object_set_new(x, "id", json_string(u->id));
        json_object_set_new(x, "status", json_string(tc_incident_status_name(u->status)));
        json_object_set_new(x, "body", json_string(u->body));
        put_time(x, "created_at", u->created_at);
        put_time(x, "updated_at", u->updated_at);
        put_time(x, "display_at", u->display_at);
        json_object_set_new(x, "deliver", json_boolean(u->deliver_notifications));
        put_str(x, "author", u->author);
        json_object_set_new(x, "affected", affected_json(u));
        json_array_append_new(updates, x);
    }
    json_object_set_new(o, "updates", updates);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!text) {
        /* Every string above is valid UTF-8 (the API and the probes clean what they take
         * in), so this is a broken invariant, not bad input. */
        fprintf(stderr, "incident %s cannot be encoded\n", i->id);
        abort();
    }
    return text;
}

/* ---- decoding ---- */

typedef struct decoder {
    char *err;
    size_t errlen;
    int failed;
} decoder_t;

static void bad(decoder_t *dc, const char *what, const char *key)
{
    if (!dc->failed)
        snprintf(dc->err, dc->errlen, "stored incident: %s %s", key, what);
    dc->failed = 1;
}

static int64_t get_ms(decoder_t *dc, json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return 0;
    /* Before 1970 is negative, and allowed: imported histories can hold any date, and what
     * the encoder writes must always read back. */
    if (!json_is_integer(v)) {
        bad(dc, "is not a time in milliseconds", key);
        return 0;
    }
    return json_integer_value(v);
}

static bool get_bool(decoder_t *dc, json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (v && !json_is_boolean(v))
        bad(dc, "is not true or false", key);
    return json_is_true(v);
}

/* A copy of string @p key, or NULL when absent and @p optional. */
static char *get_str(decoder_t *dc, json_t *o, const char *key, bool optional)
{
    json_t *v = json_object_get(o, key);
    if (!v && optional)
        return NULL;
    if (!json_is_string(v)) {
        bad(dc, "is not a string", key);
        return NULL;
    }
    return tc_strdup(json_string_value(v));
}

static tc_status_t get_status(decoder_t *dc, json_t *o, const char *key)
{
    tc_status_t st = TC_STATUS_OPERATIONAL;
    const char *s = json_string_value(json_object_get(o, key));
    if (!s || tc_status_parse(s, &st) != 0)
        bad(dc, "is not a component status", key);
    return st;
}

static tc_incident_status_t get_inc_status(decoder_t *dc, json_t *o, const char *key)
{
    tc_incident_status_t st = TC_INC_INVESTIGATING;
    const char *s = json_string_value(json_object_get(o, key));
    if (!s || tc_incident_status_parse(s, &st) != 0)
        bad(dc, "is not an incident status", key);
    return st;
}

static void decode_update(decoder_t *dc, json_t *x, tc_incident_update_t *u)
{
    if (!json_is_object(x)) {
        bad(dc, "holds a non-object", "updates");
        return;
    }
    u->id = get_str(dc, x, "id", false);
    u->status = get_inc_status(dc, x, "status");
    u->body = get_str(dc, x, "body", false);
    u->created_at = get_ms(dc, x, "created_at");
    u->updated_at = get_ms(dc, x, "updated_at");
    u->display_at = get_ms(dc, x, "display_at");
    u->author = get_str(dc, x, "author", true);
    u->deliver_notifications = get_bool(dc, x, "deliver");
    json_t *aff = json_object_get(x, "affected");
    if (!aff || json_is_null(aff))
        return;
    if (!json_is_array(aff)) {
        bad(dc, "is not a list", "affected");
        return;
    }
    /* An empty list stays distinct from null: the public JSON shows [] and null apart. */
    u->affected = tc_calloc(json_array_size(aff) + 1, sizeof *u->affected);
    size_t a;
    json_t *e;
    json_array_foreach(aff, a, e)
    {
        if (!json_is_object(e)) {
            bad(dc, "holds a non-object", "affected");
            return;
        }
        tc_affected_t *t = &u->affected[u->naffected++];
        t->code = get_str(dc, e, "code", false);
        t->name = get_str(dc, e, "name", false);
        t->old_status = get_status(dc, e, "old");
        t->new_status = get_status(dc, e, "new");
    }
}

static tc_incident_t *decode_v1(decoder_t *dc, json_t *o)
{
    tc_incident_t *i = tc_calloc(1, sizeof *i);
    i->id = get_str(dc, o, "id", false);
    json_t *seq = json_object_get(o, "seq");
    if (!json_is_integer(seq) || json_integer_value(seq) < 0)
        bad(dc, "is not a number", "seq");
    i->seq = (uint64_t)json_integer_value(seq);
    i->name = get_str(dc, o, "name", false);
    i->status = get_inc_status(dc, o, "status");
    const char *impact = json_string_value(json_object_get(o, "impact"));
    tc_impact_t imp = TC_IMPACT_NONE;
    if (!impact || tc_impact_parse(impact, &imp) != 0)
        bad(dc, "is not an impact", "impact");
    i->impact = imp;
    i->impact_override = -1;
    json_t *ov = json_object_get(o, "impact_override");
    if (ov) {
        if (!json_is_string(ov) || tc_impact_parse(json_string_value(ov), &imp) != 0)
            bad(dc, "is not an impact", "impact_override");
        else
            i->impact_override = (int)imp;
    }
    i->is_maintenance = get_bool(dc, o, "maintenance");
    i->backfilled = get_bool(dc, o, "backfilled");
    i->auto_in_progress = get_bool(dc, o, "auto_in_progress");
    i->auto_completed = get_bool(dc, o, "auto_completed");
    i->remind_prior = get_bool(dc, o, "remind_prior");
    i->reminded_at = get_ms(dc, o, "reminded_at");
    i->created_at = get_ms(dc, o, "created_at");
    i->updated_at = get_ms(dc, o, "updated_at");
    i->started_at = get_ms(dc, o, "started_at");
    i->monitoring_at = get_ms(dc, o, "monitoring_at");
    i->resolved_at = get_ms(dc, o, "resolved_at");
    i->scheduled_for = get_ms(dc, o, "scheduled_for");
    i->scheduled_until = get_ms(dc, o, "scheduled_until");
    i->postmortem_body = get_str(dc, o, "postmortem_body", true);
    i->postmortem_published_at = get_ms(dc, o, "postmortem_published_at");
    i->monitor_id = get_str(dc, o, "monitor_id", true);

    json_t *comps = json_object_get(o, "components");
    if (!json_is_array(comps)) {
        bad(dc, "is not a list", "components");
    } else {
        size_t n = json_array_size(comps);
        i->component_ids = tc_calloc(n + 1, sizeof *i->component_ids);
        i->component_status = tc_calloc(n + 1, sizeof *i->component_status);
        for (size_t k = 0; k < n && !dc->failed; k++) {
            json_t *c = json_array_get(comps, k);
            i->component_ids[k] = get_str(dc, c, "id", false);
            i->component_status[k] = get_status(dc, c, "status");
            i->ncomponents++;
        }
    }
    json_t *updates = json_object_get(o, "updates");
    if (!json_is_array(updates)) {
        bad(dc, "is not a list", "updates");
    } else {
        size_t n = json_array_size(updates);
        i->updates = tc_calloc(n + 1, sizeof *i->updates);
        for (size_t k = 0; k < n && !dc->failed; k++) {
            decode_update(dc, json_array_get(updates, k), &i->updates[k]);
            i->nupdates++;
        }
    }
    return i;
}

int tc_incident_decode(const char *text, size_t len, tc_incident_t **out, int *version,
                       char *err, size_t errlen)
{
    *out = NULL;
    json_error_t jerr;
    json_t *o = json_loadb(text, len, 0, &jerr);
    if (!json_is_object(o)) {
        snprintf(err, errlen, "stored incident is not a JSON object%s%s", o ? "" : ": ",
                 o ? "" : jerr.text);
        json_decref(o);
        return TC_EINVAL;
    }
    json_t *v = json_object_get(o, "v");
    int ver = 0;
    tc_incident_t *i = NULL;
    if (!v) {
        i = tc_incident_from_json(o); /* version 0: the v1 write API's JSON */
        if (!i)
            snprintf(err, errlen, "stored incident (version 0) is not an incident");
    } else if (json_is_integer(v) && json_integer_value(v) == 1) {
        ver = 1;
        decoder_t dc = {.err = err, .errlen = errlen};
        i = decode_v1(&dc, o);
        if (dc.failed) {
            tc_incident_free(i);
            i = NULL;
        }
    } else {
        snprintf(err, errlen, "stored incident has unknown format version %s",
                 json_is_integer(v) ? "(newer than this tocsin)" : "(not a number)");
    }
    json_decref(o);
    if (!i)
        return TC_EINVAL;
    if (version)
        *version = ver;
    *out = i;
    return 0;
}
