/* The channels: section (alert channels). Common keys here; each kind parses its own through
 * the notify registry, as monitors do through the probe registry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_int.h"
#include "core/alloc.h"
#include "notify/notify_int.h"

#define MAX_KEYS 16

static void parse_channel(tc_yaml_t *y, tc_ynode_t item, tc_config_t *c, tc_channel_cfg_t *ch)
{
    char *kind = NULL;
    tc_yaml_get_string(y, item, "channel", "kind", 1, &kind);
    if (kind) {
        ch->type = tc_notify_find_type(kind);
        if (!ch->type)
            tc_yaml_error(y, tc_yaml_lookup(y, item, "kind"),
                          "channel: unknown kind \"%s\" (known: %s)", kind,
                          tc_notify_type_list());
        free(kind);
    }
    const char *allowed[MAX_KEYS] = {"id", "kind"};
    size_t n = 2;
    for (const char *const *k = ch->type ? ch->type->keys : NULL; k && *k && n < MAX_KEYS - 1; k++)
        allowed[n++] = *k;
    allowed[n] = NULL;
    if (tc_yaml_check_mapping(y, item, "channel", allowed) != 0)
        return;
    ch->id = tc_config__row_id(y, item, "channel", NULL);
    for (size_t i = 0; ch->id && i + 1 < c->nchannels; i++)
        if (c->channels[i].id && strcmp(c->channels[i].id, ch->id) == 0)
            tc_yaml_error(y, tc_yaml_lookup(y, item, "id"), "channel: duplicate id \"%s\"",
                          ch->id);
    if (ch->type)
        ch->type->parse(y, item, ch);
}

void tc_config__parse_channels(tc_yaml_t *y, tc_ynode_t root, tc_config_t *c)
{
    tc_ynode_t list = tc_yaml_lookup(y, root, "channels");
    if (!list)
        return;
    if (tc_yaml_type(y, list) != TC_YAML_SEQUENCE) {
        tc_yaml_error(y, list, "\"channels\" must be a list");
        return;
    }
    size_t n = tc_yaml_size(y, list);
    c->channels = tc_calloc(n, sizeof *c->channels);
    for (size_t i = 0; i < n; i++) {
        tc_ynode_t item = tc_yaml_item(y, list, i);
        if (tc_yaml_type(y, item) != TC_YAML_MAPPING) {
            tc_yaml_error(y, item, "channel must be a mapping of key: value");
            continue;
        }
        c->nchannels++;
        parse_channel(y, item, c, &c->channels[c->nchannels - 1]);
    }
}

const tc_channel_cfg_t *tc_config_channel(const tc_config_t *c, const char *id)
{
    for (size_t i = 0; i < c->nchannels; i++)
        if (c->channels[i].id && strcmp(c->channels[i].id, id) == 0)
            return &c->channels[i];
    return NULL;
}
