/* Chat channels: Slack (incoming webhook, Block Kit), Discord (webhook, embeds) and Microsoft
 * Teams (workflow webhook, an Adaptive Card). Each is one incoming-webhook URL, which is a
 * secret: it is read from the config when sending and never stored or logged. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "notify/notify_int.h"

static const char *const keys[] = {"url", NULL};

static void chat_parse(tc_yaml_t *y, tc_ynode_t node, tc_channel_cfg_t *ch)
{
    tc_yaml_get_string(y, node, "channel", "url", 1, &ch->url);
    if (ch->url && strncmp(ch->url, "https://", 8) != 0 && strncmp(ch->url, "http://", 7) != 0)
        tc_yaml_error(y, tc_yaml_lookup(y, node, "url"),
                      "channel: url must be the service's incoming-webhook URL (https://...)");
}

static void chat_prepare(CURL *easy, const tc_channel_cfg_t *ch, const char *url, const char *id,
                         const char *payload, struct curl_slist **headers, void **state)
{
    (void)state;
    tc_notify__json_post(easy, ch ? ch->url : url, id, payload, headers);
}

static const char *emoji(const tc_notify_event_t *e)
{
    tc_notify_tone_t t = tc_notify__tone(e);
    return t == TC_TONE_GOOD ? ":large_green_circle:"
           : t == TC_TONE_WARN ? ":large_yellow_circle:"
                               : ":red_circle:";
}

/* Colours as integers (Discord) and hex (Teams), by event. */
static int colour(const tc_notify_event_t *e)
{
    tc_notify_tone_t t = tc_notify__tone(e);
    return t == TC_TONE_GOOD ? 0x1f9d55 : t == TC_TONE_WARN ? 0xd69e2e : 0xc53030;
}

static char *dump(json_t *o)
{
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

static char *components_text(const tc_notify_event_t *e)
{
    size_t len = 1;
    for (size_t i = 0; i < e->ncomponents; i++)
        len += strlen(e->components[i].name) + 2;
    char *s = tc_calloc(len, 1);
    for (size_t i = 0; i < e->ncomponents; i++) {
        if (i)
            strcat(s, ", ");
        strcat(s, e->components[i].name);
    }
    return s;
}

static char *slack_format(const tc_channel_cfg_t *ch, const tc_notify_event_t *e)
{
    (void)ch;
    char *headline = tc_notify__headline(e);
    char *comps = components_text(e);
    char title[600], fields[900];
    snprintf(title, sizeof title, "%s %s", emoji(e), headline);
    snprintf(fields, sizeof fields, "*Monitor:* %s (%s)\n*State:* %s → %s%s%s", e->monitor_name,
             e->monitor_kind, e->old_state, e->new_state, comps[0] ? "\n*Components:* " : "",
             comps);
    json_t *blocks = json_array();
    json_array_append_new(blocks, json_pack("{s:s, s:{s:s, s:s}}", "type", "section", "text",
                                            "type", "mrkdwn", "text", title));
    json_array_append_new(blocks, json_pack("{s:s, s:{s:s, s:s}}", "type", "section", "text",
                                            "type", "mrkdwn", "text", fields));
    char link[600];
    snprintf(link, sizeof link, "<%s|%s status page>", e->page_url, e->page_name);
    json_array_append_new(blocks, json_pack("{s:s, s:[{s:s, s:s}]}", "type", "context",
                                            "elements", "type", "mrkdwn", "text", link));
    /* `text` is the notification fallback for clients that do not show blocks. */
    json_t *o = json_pack("{s:s, s:o}", "text", headline, "blocks", blocks);
    free(headline);
    free(comps);
    return dump(o);
}

static char *discord_format(const tc_channel_cfg_t *ch, const tc_notify_event_t *e)
{
    (void)ch;
    char *headline = tc_notify__headline(e);
    char *comps = components_text(e);
    json_t *fields = json_array();
    json_array_append_new(fields, json_pack("{s:s, s:s, s:b}", "name", "State", "value",
                                            e->new_state, "inline", 1));
    if (comps[0])
        json_array_append_new(fields, json_pack("{s:s, s:s, s:b}", "name", "Components",
                                                "value", comps, "inline", 1));
    json_t *embed = json_pack("{s:s, s:s, s:i, s:o}", "title", headline, "url", e->page_url,
                              "color", colour(e), "fields", fields);
    json_t *o = json_pack("{s:s, s:[o]}", "content", headline, "embeds", embed);
    free(headline);
    free(comps);
    return dump(o);
}

/* Teams workflow webhooks take a message with an Adaptive Card attachment. */
static char *teams_format(const tc_channel_cfg_t *ch, const tc_notify_event_t *e)
{
    (void)ch;
    char *headline = tc_notify__headline(e);
    char *comps = components_text(e);
    json_t *body = json_array();
    json_array_append_new(body, json_pack("{s:s, s:s, s:s, s:s, s:b}", "type", "TextBlock",
                                          "text", headline, "weight", "Bolder", "color",
                                          tc_notify__tone(e) == TC_TONE_GOOD ? "Good" : "Attention",
                                          "wrap", 1));
    json_t *facts = json_array();
    json_array_append_new(facts, json_pack("{s:s, s:s}", "title", "Monitor", "value",
                                           e->monitor_name));
    json_array_append_new(facts, json_pack("{s:s, s:s}", "title", "State", "value",
                                           e->new_state));
    if (comps[0])
        json_array_append_new(facts, json_pack("{s:s, s:s}", "title", "Components", "value",
                                               comps));
    json_array_append_new(body, json_pack("{s:s, s:o}", "type", "FactSet", "facts", facts));
    json_t *card = json_pack("{s:s, s:s, s:s, s:o, s:[{s:s, s:s, s:s}]}", "$schema",
                             "http://adaptivecards.io/schemas/adaptive-card.json", "type",
                             "AdaptiveCard", "version", "1.4", "body", body, "actions", "type",
                             "Action.OpenUrl", "title", "Status page", "url", e->page_url);
    json_t *o = json_pack("{s:s, s:[{s:s, s:o}]}", "type", "message", "attachments",
                          "contentType", "application/vnd.microsoft.card.adaptive", "content",
                          card);
    free(headline);
    free(comps);
    return dump(o);
}

const tc_notify_type_t tc_notify_slack = {
    .name = "slack", .keys = keys, .parse = chat_parse, .format = slack_format,
    .prepare = chat_prepare,
};
const tc_notify_type_t tc_notify_discord = {
    .name = "discord", .keys = keys, .parse = chat_parse, .format = discord_format,
    .prepare = chat_prepare,
};
const tc_notify_type_t tc_notify_teams = {
    .name = "teams", .keys = keys, .parse = chat_parse, .format = teams_format,
    .prepare = chat_prepare,
};
