/* The webhook channel: tocsin's own JSON event, POSTed with an optional
 * X-Tocsin-Signature (HMAC-SHA256 of the body with the channel's secret) so the receiver
 * can check it came from us. Also the sender of subscriber webhooks (payload prepared by the
 * caller). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "core/secret.h"
#include "notify/notify_int.h"

static const char *const keys[] = {"url", "secret", NULL};

static void webhook_parse(tc_yaml_t *y, tc_ynode_t node, tc_channel_cfg_t *ch)
{
    tc_yaml_get_string(y, node, "channel", "url", 1, &ch->url);
    tc_yaml_get_string(y, node, "channel", "secret", 0, &ch->secret);
    if (ch->url && strncmp(ch->url, "http://", 7) != 0 && strncmp(ch->url, "https://", 8) != 0)
        tc_yaml_error(y, tc_yaml_lookup(y, node, "url"),
                      "channel: url must start with http:// or https://");
}

static json_t *iso(const tc_zone_t *z, int64_t ms)
{
    char t[40];
    tc_clock_format_iso(z, ms, t, sizeof t);
    return json_string(t);
}

static char *webhook_format(const tc_channel_cfg_t *ch, const tc_notify_event_t *e)
{
    (void)ch;
    json_t *o = json_object();
    json_object_set_new(o, "event_id", json_string(e->id));
    json_object_set_new(o, "type", json_string(tc_event_kind_name(e->kind)));
    json_object_set_new(o, "at", iso(e->zone, e->at));
    char *headline = tc_notify__headline(e);
    json_object_set_new(o, "summary", json_string(headline));
    free(headline);
    json_t *page = json_object();
    json_object_set_new(page, "id", json_string(e->page_id));
    json_object_set_new(page, "name", json_string(e->page_name));
    json_object_set_new(page, "url", json_string(e->page_url));
    json_object_set_new(o, "page", page);
    json_t *mon = json_object();
    json_object_set_new(mon, "id", json_string(e->monitor_id));
    json_object_set_new(mon, "name", json_string(e->monitor_name));
    json_object_set_new(mon, "kind", json_string(e->monitor_kind));
    json_object_set_new(mon, "old_state", json_string(e->old_state));
    json_object_set_new(mon, "new_state", json_string(e->new_state));
    json_object_set_new(o, "monitor", mon);
    json_t *comps = json_array();
    for (size_t i = 0; i < e->ncomponents; i++) {
        json_t *c = json_object();
        json_object_set_new(c, "id", json_string(e->components[i].id));
        json_object_set_new(c, "name", json_string(e->components[i].name));
        json_object_set_new(c, "old_status",
                            json_string(tc_status_name(e->components[i].old_status)));
        json_object_set_new(c, "new_status",
                            json_string(tc_status_name(e->components[i].new_status)));
        json_array_append_new(comps, c);
    }
    json_object_set_new(o, "components", comps);
    json_t *result = json_object();
    json_object_set_new(result, "reason", json_string(e->reason ? e->reason : ""));
    json_object_set_new(result, "status_code",
                        e->status_code ? json_integer(e->status_code) : json_null());
    json_object_set_new(result, "response_time_ms", json_real(e->response_ms));
    json_object_set_new(o, "result", result);
    if (e->incident_id) {
        json_t *inc = json_object();
        char url[512];
        snprintf(url, sizeof url, "%s/incidents/%s", e->page_url, e->incident_id);
        json_object_set_new(inc, "id", json_string(e->incident_id));
        json_object_set_new(inc, "name", json_string(e->incident_name));
        json_object_set_new(inc, "url", json_string(url));
        json_object_set_new(o, "incident", inc);
    } else {
        json_object_set_new(o, "incident", json_null());
    }
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

static void webhook_prepare(CURL *easy, const tc_channel_cfg_t *ch, const char *url,
                            const char *id, const char *payload, struct curl_slist **headers, void **state)
{
    (void)state;
    tc_notify__json_post(easy, ch ? ch->url : url, id, payload, headers);
    if (ch && ch->secret) {
        char hex[TC_SECRET_HMAC_HEX];
        tc_secret_hmac_hex(ch->secret, payload, hex);
        char h[128];
        snprintf(h, sizeof h, "X-Tocsin-Signature: sha256=%s", hex);
        *headers = curl_slist_append(*headers, h);
    }
}

const tc_notify_type_t tc_notify_webhook = {
    .name = "webhook",
    .keys = keys,
    .parse = webhook_parse,
    .format = webhook_format,
    .prepare = webhook_prepare,
};
