/* PagerDuty Events API v2: "trigger" when a monitor goes down or degraded, "resolve" when it
 * recovers, with a stable dedup_key per monitor so PagerDuty folds repeats into one alert.
 * The routing key is a secret: it is added to the body at send time, not stored. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "notify/notify_int.h"

#define EVENTS_URL "https://events.pagerduty.com/v2/enqueue"

static const char *const keys[] = {"routing_key", "url", NULL};

static void pd_parse(tc_yaml_t *y, tc_ynode_t node, tc_channel_cfg_t *ch)
{
    tc_yaml_get_string(y, node, "channel", "routing_key", 1, &ch->routing_key);
    tc_yaml_get_string(y, node, "channel", "url", 0, &ch->url);
    if (!ch->url)
        ch->url = tc_strdup(EVENTS_URL);
}

static char *pd_format(const tc_channel_cfg_t *ch, const tc_notify_event_t *e)
{
    (void)ch;
    char dedup[300], when[40];
    snprintf(dedup, sizeof dedup, "tocsin/%s/%s", e->page_id, e->monitor_id);
    json_t *o = json_object();
    json_object_set_new(o, "dedup_key", json_string(dedup));
    if (tc_notify__tone(e) == TC_TONE_GOOD) {
        json_object_set_new(o, "event_action", json_string("resolve"));
    } else {
        char *headline = tc_notify__headline(e);
        if (strlen(headline) > 1024) /* PagerDuty's limit for summary */
            headline[1024] = '\0';
        tc_clock_format_iso(e->zone, e->at, when, sizeof when);
        json_t *details = json_pack("{s:s, s:s, s:s}", "monitor", e->monitor_name, "kind",
                                    e->monitor_kind, "reason", e->reason ? e->reason : "");
        json_t *payload = json_pack("{s:s, s:s, s:s, s:s, s:o}", "summary", headline, "source",
                                    e->page_name, "severity",
                                    tc_notify__tone(e) == TC_TONE_WARN ? "warning" : "critical",
                                    "timestamp", when, "custom_details", details);
        if (e->ncomponents)
            json_object_set_new(payload, "component", json_string(e->components[0].name));
        json_object_set_new(o, "event_action", json_string("trigger"));
        json_object_set_new(o, "payload", payload);
        json_object_set_new(o, "links", json_pack("[{s:s, s:s}]", "href", e->page_url, "text",
                                                  "Status page"));
        free(headline);
    }
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

static void pd_prepare(CURL *easy, const tc_channel_cfg_t *ch, const char *url, const char *id,
                       const char *payload, struct curl_slist **headers, void **state)
{
    (void)url;
    json_t *o = json_loads(payload, 0, NULL);
    if (!o)
        o = json_object();
    json_object_set_new(o, "routing_key", json_string(ch->routing_key));
    char *body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    *state = body; /* the body with the key lives only for this transfer */
    tc_notify__json_post(easy, ch->url, id, body, headers);
}

const tc_notify_type_t tc_notify_pagerduty = {
    .name = "pagerduty",
    .keys = keys,
    .parse = pd_parse,
    .format = pd_format,
    .prepare = pd_prepare,
};
