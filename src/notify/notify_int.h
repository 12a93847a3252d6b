/* What a notification kind implements: its YAML keys, its payload format, and how to set up
 * the libcurl transfer that delivers a payload. One file per kind family; descriptors listed
 * in notify.c's registry. */
#ifndef TC_NOTIFY_INT_H
#define TC_NOTIFY_INT_H

#include <curl/curl.h>

#include "config/config_yaml.h"
#include "notify/notify.h"

struct tc_notify_type {
    const char *name;
    const char *const *keys;   /* the kind's own keys besides id and kind, NULL-terminated */
    /** Read the kind's keys of @p node into @p ch, recording errors on @p y. */
    void (*parse)(tc_yaml_t *y, tc_ynode_t node, tc_channel_cfg_t *ch);
    /** The payload for @p e (malloc'd). Pure. */
    char *(*format)(const tc_channel_cfg_t *ch, const tc_notify_event_t *e);
    /** Configure @p easy to deliver @p payload to @p ch (or to @p url for subscriber
     *  webhooks, where @p ch is NULL). @p payload outlives the transfer. HTTP headers (or,
     *  for e-mail, the recipients) go into *list and anything else the transfer needs into
     *  *state; the caller frees both (curl_slist_free_all, free) after the transfer. Secrets
     *  (signing keys, routing keys, passwords) are added here, never stored in payloads.
     *  @p id is the message id. */
    void (*prepare)(CURL *easy, const tc_channel_cfg_t *ch, const char *url, const char *id,
                    const char *payload, struct curl_slist **list, void **state);
};

extern const tc_notify_type_t tc_notify_webhook;
extern const tc_notify_type_t tc_notify_slack;
extern const tc_notify_type_t tc_notify_discord;
extern const tc_notify_type_t tc_notify_teams;
extern const tc_notify_type_t tc_notify_pagerduty;
extern const tc_notify_type_t tc_notify_email;

/** A short one-line text for the event, e.g. "API health is down: [STATUS] (500) == 200". */
char *tc_notify__headline(const tc_notify_event_t *e);

/* How an event reads at a glance, for colours, emoji and severities. */
typedef enum {
    TC_TONE_GOOD, /* recovered, or stable again and up */
    TC_TONE_WARN, /* degraded, flapping, or stable again and degraded */
    TC_TONE_BAD,  /* down, or stable again and down */
} tc_notify_tone_t;

/** @return the tone of @p e. */
tc_notify_tone_t tc_notify__tone(const tc_notify_event_t *e);
/** JSON POST setup shared by the web-hook-like kinds: URL, body, JSON content type,
 *  X-Tocsin-Event-Id, no redirects, 30 s timeout. */
void tc_notify__json_post(CURL *easy, const char *url, const char *id, const char *payload,
                          struct curl_slist **headers);

#endif
