/* JSON replies and the field decoders every handler shares, so that each kind of mistake is
 * worded the same way on every route. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "incident/incident.h"

#define MODULE "api"

void tc_api_reply_json(tc_http_request_t *req, unsigned status, json_t *doc)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text) {
        tc_log(TC_LOG_ERROR, MODULE, "a %u reply could not be encoded as JSON; answered 500",
               status);
        tc_http_reply(req, 500, "{\"error\":\"internal error: the reply could not be encoded\"}");
        return;
    }
    tc_http_reply(req, status, text);
    free(text);
}

void tc_api_reply_error(tc_http_request_t *req, unsigned status, const char *fmt, ...)
{
    char full[1024];
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(full, sizeof full, fmt, ap);
    va_end(ap);
    json_t *doc = json_object();
    json_object_set_new(doc, "error", json_string(tc_utf8_excerpt(msg, sizeof msg, full)));
    tc_api_reply_json(req, status, doc);
}

void tc_api__audit(tc_api_call_t *c, const char *action, const char *target, const char *detail)
{
    tc_engine_audit(c->e, c->actor, action, target, detail);
}

void tc_api__reply_failure(tc_http_request_t *req, int rc, const char *err)
{
    unsigned status = rc == TC_ENOENT ? 404 : rc == TC_EINVAL ? 422 : 500;
    tc_api_reply_error(req, status, "%s", err);
}

/* Fields Statuspage clients send that tocsin accepts and ignores (tweets, reminders). */
static const char *const ignored_fields[] = {
    "metadata", "auto_tweet_at_beginning", "auto_tweet_on_completion", "auto_tweet_on_creation",
    "auto_tweet_one_hour_before", "wants_twitter_update",
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

int tc_api__only_fields(json_t *o, const char *const known[], char *err, size_t errlen)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        int ok = is_ignored(key);
        for (const char *const *k = known; *k && !ok; k++)
            ok = strcmp(*k, key) == 0;
        if (!ok) {
            tc_buf_t list;
            tc_buf_init(&list, 0);
            for (const char *const *k = known; *k; k++)
                tc_buf_printf(&list, "%s%s", k == known ? "" : ", ", *k);
            snprintf(err, errlen, "unknown field \"%s\" (known here: %s)", key, list.data);
            tc_buf_free(&list);
            return TC_EINVAL;
        }
    }
    return 0;
}

int tc_api__time_field(json_t *o, const char *key, int64_t *out, char *err, size_t errlen)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    const char *s = json_string_value(v);
    if (!s || tc_incident_parse_time(s, out) != 0) {
        snprintf(err, errlen, "%s must be an ISO-8601 time such as 2024-11-14T21:08:00Z", key);
        return TC_EINVAL;
    }
    return 0;
}

int tc_api__bool_field(json_t *o, const char *key, int *out, char *err, size_t errlen)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v)) {
        snprintf(err, errlen, "%s must be true or false", key);
        return TC_EINVAL;
    }
    *out = json_is_true(v);
    return 0;
}
