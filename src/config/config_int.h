/* Shared by the config section parsers only (config.c, config_page.c, config_monitor.c,
 * config_console.c). */
#ifndef TC_CONFIG_INT_H
#define TC_CONFIG_INT_H

#include "config/config.h"
#include "config/config_yaml.h"

/** Read and check the `id` of a row (group, component, monitor). When @p c is not NULL the
 *  id must also be unused by groups and components. @return the id (caller frees) or NULL. */
char *tc_config__row_id(tc_yaml_t *y, tc_ynode_t item, const char *what, tc_config_t *c);

/** @return non-zero when @p s is a valid id: 1-64 letters, digits, '-', '_' or '.' (ids
 *  appear in URLs and JSON, so they keep to a safe alphabet). */
int tc_config__valid_id(const char *s);

/** Make *@p path absolute from the config file's folder (the daemon finds its files
 *  whatever its working directory; systemd starts it in /). NULL and absolute paths stay. */
void tc_config__make_absolute(const tc_config_t *c, char **path);

/** Parse the page: section (config_page.c), and free what it holds. */
void tc_config__parse_page(tc_yaml_t *y, tc_ynode_t root, tc_config_t *c);
void tc_config__page_free(tc_config_t *c);

/** Parse the monitors: section into c->monitors and c->monitor_rules (components and
 *  channels must be parsed first). */
void tc_config__parse_monitors(tc_yaml_t *y, tc_ynode_t root, tc_config_t *c);

/** Release what @p r owns (not the struct itself). */
void tc_config__monitor_rules_clear(tc_monitor_rules_t *r);

/** Parse the channels: section into c->channels. */
void tc_config__parse_channels(tc_yaml_t *y, tc_ynode_t root, tc_config_t *c);

/** Parse recurring_maintenance: and incident_templates: (components parsed first), and free
 *  them (config_console.c). */
void tc_config__parse_console(tc_yaml_t *y, tc_ynode_t root, tc_config_t *c);
void tc_config__console_free(tc_config_t *c);

/** Parse server.tls (config_tls.c) into c->server.tls, after server.listen; and free it. */
void tc_config__parse_tls(tc_yaml_t *y, tc_ynode_t server, tc_config_t *c);
void tc_config__tls_free(tc_config_t *c);

/** Set self_check's defaults, parse the self_check: section (config_selfcheck.c), and
 *  free what it holds. */
void tc_config__self_check_defaults(tc_config_t *c);
void tc_config__parse_self_check(tc_yaml_t *y, tc_ynode_t root, tc_config_t *c);
void tc_config__self_check_free(tc_config_t *c);

#endif
