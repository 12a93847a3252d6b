/* Config loading and validation. Each section is read through a table of allowed keys, so an
 * unknown or duplicate key is always an error, and every value is checked where it is read so
 * the error can point at its line and column. Nothing is applied here: the caller decides
 * whether to swap the new generation in. */
#include "config/config.h"

#include <arpa/inet.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config_int.h"
#include "config/config_yaml.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/hostport.h"

#define MAX_ROWS 10000 /* groups plus components; far beyond any real page */

static const char *const root_keys[] = {"page",       "server",   "storage",       "groups",
                                        "components", "monitors", "channels",      "notifications",
                                        "subscribers", "admin", "recurring_maintenance",
                                        "incident_templates", "export", "self_check", "node",
                                        NULL};
static const char *const node_keys[] = {"name", "location", "role", NULL};
static const char *const export_keys[] = {"dir", "command", "timeout", NULL};
static const char *const admin_keys[] = {"listen", "secure_cookie", NULL};
static const char *const notify_keys[] = {"retry_for", "keep_delivered", "keep_dead", NULL};
static const char *const subscriber_keys[] = {"email_channel", "allow_private_webhooks",
                                              "rate_limit", NULL};
static const char *const server_keys[] = {"listen",         "connection_limit",
                                          "per_ip_limit",   "connection_timeout",
                                          "header_timeout", "body_timeout",
                                          "trusted_proxies", "trusted_proxy_header", "tls",
                                          NULL};
static const char *const storage_keys[] = {"path", "raw_retention", "aggregate_retention",
                                           "postgres", NULL};
static const char *const postgres_keys[] = {"dsn", NULL};
static const char *const group_keys[] = {"id", "name", "description", "position", NULL};
static const char *const component_keys[] = {"id", "name", "description", "group",
                                             "position", "showcase", "only_show_if_degraded",
                                             "fallback", "vendor_url", NULL};

int tc_config__valid_id(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return 0;
    return 1;
}

int tc_config_parse_listen(const char *s, char **host, int *port)
{
    int rc = tc_hostport_parse(s, host, port);
    /* ":PORT" listens on every interface. */
    if (rc == 0 && !(*host)[0]) {
        free(*host);
        *host = tc_strdup("0.0.0.0");
    }
    return rc;
}

/* "10.0.0.1", "10.0.0.0/8", "fd00::/8": an address and an optional prefix length. */
static int valid_proxy_net(const char *s)
{
    char addr[64];
    uint8_t bin[16];
    const char *slash = strchr(s, '/');
    size_t len = slash ? (size_t)(slash - s) : strlen(s);
    if (len == 0 || len >= sizeof addr)
        return 0;
    memcpy(addr, s, len);
    addr[len] = '\0';
    int max = inet_pton(AF_INET, addr, bin) == 1    ? 32
              : inet_pton(AF_INET6, addr, bin) == 1 ? 128
                                                    : -1;
    if (max < 0)
        return 0;
    if (!slash)
        return 1;
    char *end = NULL;
    long bits = strtol(slash + 1, &end, 10);
    return slash[1] && !*end && bits >= 0 && bits <= max;
}

/* server.trusted_proxies: the peers whose trusted_proxy_header names the real client. */
static void parse_trusted_proxies(tc_yaml_t *y, tc_ynode_t server, tc_config_t *c)
{
    tc_ynode_t list = tc_yaml_lookup(y, server, "trusted_proxies");
    if (!list)
        return;
    if (tc_yaml_type(y, list) != TC_YAML_SEQUENCE) {
        tc_yaml_error(y, list, "server: trusted_proxies must be a list of addresses or "
                               "ADDRESS/BITS networks");
        return;
    }
    size_t n = tc_yaml_size(y, list);
    if (n > 64) {
        tc_yaml_error(y, list, "server: trusted_proxies holds at most 64 entries");
        return;
    }
    char **out = tc_calloc(n + 1, sizeof *out);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        tc_ynode_t item = tc_yaml_item(y, list, i);
        char *text = tc_yaml_type(y, item) == TC_YAML_SCALAR ? tc_yaml_expand(y, item) : NULL;
        if (!text || !valid_proxy_net(text)) {
            tc_yaml_error(y, item, "server: trusted_proxies: expected an address or "
                                   "ADDRESS/BITS, e.g. 10.0.0.1 or 10.0.0.0/8");
            free(text);
            continue;
        }
        out[k++] = text;
    }
    if (!k) {
        free(out);
        return;
    }
    c->server.trusted_proxies = out;
}

static void parse_server(tc_yaml_t *y, tc_ynode_t root, tc_config_t *c)
{
    tc_ynode_t server = tc_yaml_lookup(y, root, "server");
    if (!server || tc_yaml_check_mapping(y, server, "server", server_keys) != 0)
        return;
    char *listen = NULL;
    tc_yaml_get_string(y, server, "server", "listen", 0, &listen);
    if (listen) {
        char *host = NULL;
        int port = 0;
        if (tc_config_parse_listen(listen, &host, &port) != 0) {
            tc_yaml_error(y, tc_yaml_lookup(y, server, "listen"),
                          "server: listen must be HOST:PORT, e.g. 127.0.0.1:8080");
        } else {
            free(c->server.host);
            c->server.host = host;
            c->server.port = port;
        }
        free(listen);
    }
    tc_yaml_get_int(y, server, "server", "connection_limit", 16, 1000000, &c->server.connection_limit);
    tc_yaml_get_int(y, server, "server", "per_ip_limit", 0, 1000000, &c->server.per_ip_limit);
    tc_yaml_get_int(y, server, "server", "connection_timeout", 1, 3600, &c->server.connection_timeout);
    tc_yaml_get_int(y, server, "server", "header_timeout", 0, 3600, &c->server.header_timeout);
    tc_yaml_get_int(y, server, "server", "body_timeout", 0, 3600, &c->server.body_timeout);
    tc_yaml_get_string(y, server, "server", "trusted_proxy_header", 0,
                       &c->server.trusted_proxy_header);
    parse_trusted_proxies(y, server, c);
    if (c->server.trusted_proxy_header && !c->server.trusted_proxies)
        tc_yaml_error(y, tc_yaml_lookup(y, server, "trusted_proxy_header"),
                      "server: trusted_proxy_header needs trusted_proxies (the addresses "
                      "whose header is believed)");
    tc_config__parse_tls(y, server, c);
    tc_config__make_absolute(c, &c->server.tls.cert);
    tc_config__make_absolute(c, &c->server.tls.key);
}

static void parse_storage(tc_yaml_t *y, tc_ynode_t root, tc_config_t *c)
{
    tc_ynode_t storage = tc_yaml_lookup(y, root, "storage");
    if (!storage || tc_yaml_check_mapping(y, storage, "storage", storage_keys) != 0)
        return;
    tc_yaml_get_string(y, storage, "storage", "path", 0, &c->storage_path);
    tc_yaml_get_duration(y, storage, "storage", "raw_retention", 3600000L, 3650L * 86400000L,
                         &c->raw_retention_ms);
    tc_yaml_get_duration(y, storage, "storage", "aggregate_retention", 86400000L,
                         36500L * 86400000L, &c->aggregate_retention_ms);
    /* PostgreSQL instead of the embedded SQLite: the dsn is checked when the store connects
     * (libpq parses it), so check-config does not need the database. */
    tc_ynode_t pg = tc_yaml_lookup(y, storage, "postgres");
    if (pg && tc_yaml_check_mapping(y, pg, "storage.postgres", postgres_keys) == 0)
        tc_yaml_get_string(y, pg, "storage.postgres", "dsn", 1, &c->storage_dsn);
}

/* node: {name, location, role} — one node among several on a PostgreSQL store. Names and
 * locations are ids (letters, digits, '-', '_', '.'), since they go into the probes'
 * User-Agent, metric labels and the page's "failing from LOCATION". */
static void parse_node(tc_yaml_t *y, tc_ynode_t root, tc_config_t *c)
{
    tc_ynode_t node = tc_yaml_lookup(y, root, "node");
    if (!node || tc_yaml_check_mapping(y, node, "node", node_keys) != 0)
        return;
    static const char *const keys[] = {"name", "location"};
    char **fields[] = {&c->node.name, &c->node.location};
    for (int i = 0; i < 2; i++) {
        char *v = NULL;
        tc_yaml_get_string(y, node, "node", keys[i], 0, &v);
        if (v && !tc_config__valid_id(v)) {
            tc_yaml_error(y, tc_yaml_lookup(y, node, keys[i]),
                          "node: %s must be 1 to 64 letters, digits, '-', '_' or '.'", keys[i]);
            free(v);
        } else if (v) {
            free(*fields[i]);
            *fields[i] = v;
        }
    }
    char *role = NULL;
    tc_yaml_get_string(y, node, "node", "role", 0, &role);
    if (role && strcmp(role, "probe") != 0 && strcmp(role, "full") != 0)
        tc_yaml_error(y, tc_yaml_lookup(y, node, "role"), "node: role must be full or probe");
    else if (role && strcmp(role, "probe") == 0 && !c->storage_dsn)
        tc_yaml_error(y, tc_yaml_lookup(y, node, "role"),
                      "node: a probe writes its results to a shared store: role probe needs "
                      "storage.postgres");
    else if (role)
        c->node.probe_only = strcmp(role, "probe") == 0;
    free(role);
}

int tc_config_set_node(tc_config_t *c, const char *name, const char *location, char *err,
                       size_t errlen)
{
    const char *bad = name && !tc_config__valid_id(name)             ? "--node"
                      : location && !tc_config__valid_id(location) ? "--location"
                                                                   : NULL;
    if (bad) {
        snprintf(err, errlen, "%s must be 1 to 64 letters, digits, '-', '_' or '.'", bad);
        return TC_EINVAL;
    }
    if (name) {
        free(c->node.name);
        c->node.name = tc_strdup(name);
    }
    if (location) {
        free(c->node.location);
        c->node.location = tc_strdup(location);
    }
    if (!c->node.name) {
        char host[256] = "";
        gethostname(host, sizeof host - 1);
        /* A host name may hold what an id may not (a rare case); it only names the node. */
        c->node.name = tc_strdup(tc_config__valid_id(host) ? host : "tocsin");
    }
    return 0;
}

/* Ids of groups and components share one namespace: both are rows of components.json. */
static int find_row(tc_config_t *c, const char *id, const char **kind)
{
    for (size_t i = 0; i < c->ngroups; i++)
        if (c->groups[i].id && strcmp(c->groups[i].id, id) == 0) {
            *kind = "group";
            return 1;
        }
    for (size_t i = 0; i < c->ncomponents; i++)
        if (c->components[i].id && strcmp(c->components[i].id, id) == 0) {
            *kind = "component";
            return 1;
        }
    return 0;
}

char *tc_config__row_id(tc_yaml_t *y, tc_ynode_t item, const char *what, tc_config_t *c)
{
    char *id = NULL;
    tc_yaml_get_string(y, item, what, "id", 1, &id);
    if (!id)
        return NULL;
    const char *kind;
    if (!tc_config__valid_id(id)) {
        tc_yaml_error(y, tc_yaml_lookup(y, item, "id"),
                      "%s: id \"%s\" may hold only letters, digits, '-', '_' and '.' (1-64)",
                      what, id);
    } else if (c && find_row(c, id, &kind)) {
        tc_yaml_error(y, tc_yaml_lookup(y, item, "id"),
                      "%s: duplicate id \"%s\" (already used by a %s)", what, id, kind);
    }
    return id;
}

static tc_ynode_t get_list(tc_yaml_t *y, tc_ynode_t root, const char *key)
{
    tc_ynode_t list = tc_yaml_lookup(y, root, key);
    if (!list)
        return 0;
    if (tc_yaml_type(y, list) != TC_YAML_SEQUENCE) {
        tc_yaml_error(y, list, "\"%s\" must be a list", key);
        return 0;
    }
    if (tc_yaml_size(y, list) > MAX_ROWS) {
        tc_yaml_error(y, list, "\"%s\" has more than %d entries", key, MAX_ROWS);
        return 0;
    }
    return list;
}

static void parse_groups(tc_yaml_t *y, tc_ynode_t root, tc_config_t *c)
{
    tc_ynode_t list = get_list(y, root, "groups");
    size_t n = tc_yaml_size(y, list);
    c->groups = tc_calloc(n, sizeof *c->groups);
    for (size_t i = 0; i < n; i++) {
        tc_ynode_t item = tc_yaml_item(y, list, i);
        if (tc_yaml_check_mapping(y, item, "group", group_keys) != 0)
            continue;
        tc_group_cfg_t *g = &c->groups[c->ngroups];
        g->id = tc_config__row_id(y, item, "group", c);
        c->ngroups++;
        tc_yaml_get_string(y, item, "group", "name", 1, &g->name);
        tc_yaml_get_string(y, item, "group", "description", 0, &g->description);
        g->position = (int)c->ngroups;
        tc_yaml_get_int(y, item, "group", "position", 1, 1000000, &g->position);
    }
}

static void parse_components(tc_yaml_t *y, tc_ynode_t root, tc_config_t *c)
{
    tc_ynode_t list = get_list(y, root, "components");
    size_t n = tc_yaml_size(y, list);
    c->components = tc_calloc(n, sizeof *c->components);
    for (size_t i = 0; i < n; i++) {
        tc_ynode_t item = tc_yaml_item(y, list, i);
        if (tc_yaml_check_mapping(y, item, "component", component_keys) != 0)
            continue;
        tc_component_cfg_t *cc = &c->components[c->ncomponents];
        cc->id = tc_config__row_id(y, item, "component", c);
        c->ncomponents++;
        tc_yaml_get_string(y, item, "component", "name", 1, &cc->name);
        tc_yaml_get_string(y, item, "component", "description", 0, &cc->description);
        tc_yaml_get_string(y, item, "component", "group", 0, &cc->group);
        cc->showcase = true;
        tc_yaml_get_bool(y, item, "component", "showcase", &cc->showcase);
        tc_yaml_get_bool(y, item, "component", "only_show_if_degraded", &cc->only_show_if_degraded);
        tc_yaml_get_string(y, item, "component", "fallback", 0, &cc->fallback);
        tc_yaml_get_string(y, item, "component", "vendor_url", 0, &cc->vendor_url);
        if (cc->vendor_url && strncmp(cc->vendor_url, "http://", 7) != 0 &&
            strncmp(cc->vendor_url, "https://", 8) != 0)
            tc_yaml_error(y, tc_yaml_lookup(y, item, "vendor_url"),
                          "component: vendor_url must start with http:// or https://");
        /* The default position is the order within the parent, as written in the file. */
        int pos = 1;
        for (size_t j = 0; j + 1 < c->ncomponents; j++) {
            const char *other = c->components[j].group;
            if ((!other && !cc->group) || (other && cc->group && strcmp(other, cc->group) == 0))
                pos++;
        }
        if (!cc->group)
            pos += (int)c->ngroups;
        cc->position = pos;
        tc_yaml_get_int(y, item, "component", "position", 1, 1000000, &cc->position);
        if (cc->group) {
            int found = 0;
            for (size_t j = 0; j < c->ngroups; j++)
                if (c->groups[j].id && strcmp(c->groups[j].id, cc->group) == 0)
                    found = 1;
            if (!found)
                tc_yaml_error(y, tc_yaml_lookup(y, item, "group"),
                              "component: unknown group \"%s\" (declare it under groups:)",
                              cc->group);
        }
    }
}

static void set_defaults(tc_config_t *c)
{
    c->page.time_zone = tc_strdup("Etc/UTC");
    c->page.url = tc_strdup("");
    c->export_.timeout_ms = 60000;
    c->server.host = tc_strdup("127.0.0.1");
    c->server.port = 8080;
    c->server.connection_limit = 10000;
    c->server.per_ip_limit = 64;
    c->server.connection_timeout = 15;
    c->server.header_timeout = 10;
    c->server.body_timeout = 30;
    c->server.tls.hsts_ms = 365L * 86400000L;
    c->storage_path = tc_strdup("data");
    c->node.location = tc_strdup("");
    c->raw_retention_ms = 7L * 86400000L;
    c->notify_retry_ms = 86400000L;
    c->notify_keep_delivered_ms = 30L * 86400000L;
    c->notify_keep_dead_ms = 90L * 86400000L;
    c->subscribers.rate_limit = 5;
    c->aggregate_retention_ms = 400L * 86400000L;
    tc_config__self_check_defaults(c);
}

/* A relative path (storage, export) is taken from the config file's folder, so the daemon
 * finds its files whatever its working directory (systemd starts it in /). */
void tc_config__make_absolute(const tc_config_t *c, char **path)
{
    if (!*path || (*path)[0] == '/')
        return;
    char *copy = tc_strdup(c->path);
    const char *dir = dirname(copy);
    size_t len = strlen(dir) + strlen(*path) + 2;
    char *full = tc_malloc(len);
    snprintf(full, len, "%s/%s", dir, *path);
    free(copy);
    free(*path);
    *path = full;
}

/* subscribers: {email_channel, allow_private_webhooks, rate_limit} (channels parsed first). */
static void parse_subscribers(tc_yaml_t *y, tc_ynode_t root, tc_config_t *c)
{
    tc_ynode_t node = tc_yaml_lookup(y, root, "subscribers");
    if (!node || tc_yaml_check_mapping(y, node, "subscribers", subscriber_keys) != 0)
        return;
    tc_yaml_get_string(y, node, "subscribers", "email_channel", 0,
                       &c->subscribers.email_channel);
    tc_yaml_get_bool(y, node, "subscribers", "allow_private_webhooks",
                     &c->subscribers.allow_private_webhooks);
    tc_yaml_get_int(y, node, "subscribers", "rate_limit", 1, 10000, &c->subscribers.rate_limit);
    const char *id = c->subscribers.email_channel;
    const tc_channel_cfg_t *ch = id ? tc_config_channel(c, id) : NULL;
    if (id && (!ch || !ch->type || strcmp(tc_notify_type_name(ch->type), "email") != 0))
        tc_yaml_error(y, tc_yaml_lookup(y, node, "email_channel"),
                      "subscribers: email_channel \"%s\" is not a channel of kind email", id);
}

/* admin: {listen, secure_cookie}. */
static void parse_admin(tc_yaml_t *y, tc_ynode_t admin, tc_config_t *c)
{
    tc_yaml_get_bool(y, admin, "admin", "secure_cookie", &c->admin.secure_cookie);
    char *listen = NULL;
    tc_yaml_get_string(y, admin, "admin", "listen", 0, &listen);
    if (listen && tc_config_parse_listen(listen, &c->admin.host, &c->admin.port) != 0)
        tc_yaml_error(y, tc_yaml_lookup(y, admin, "listen"),
                      "admin: listen must be HOST:PORT, e.g. 127.0.0.1:8081");
    else if (listen && c->admin.port == c->server.port)
        tc_yaml_error(y, tc_yaml_lookup(y, admin, "listen"),
                      "admin: listen needs a port of its own (server.listen has %d)",
                      c->server.port);
    free(listen);
}

static int build(tc_yaml_t *y, const char *name, tc_config_t **out, char **errors)
{
    tc_config_t *c = tc_calloc(1, sizeof *c);
    c->path = tc_strdup(name);
    set_defaults(c);
    tc_ynode_t root = tc_yaml_root(y);
    if (root && tc_yaml_check_mapping(y, root, "the file", root_keys) == 0) {
        tc_config__parse_page(y, root, c);
        parse_server(y, root, c);
        parse_storage(y, root, c);
        parse_node(y, root, c);
        parse_groups(y, root, c);
        parse_components(y, root, c);
        tc_config__parse_channels(y, root, c);
        tc_config__parse_monitors(y, root, c);
        tc_ynode_t notify = tc_yaml_lookup(y, root, "notifications");
        if (notify &&
            tc_yaml_check_mapping(y, notify, "notifications", notify_keys) == 0) {
            tc_yaml_get_duration(y, notify, "notifications", "retry_for", 60000L,
                                 30L * 86400000L, &c->notify_retry_ms);
            tc_yaml_get_duration(y, notify, "notifications", "keep_delivered", 60000L,
                                 3650L * 86400000L, &c->notify_keep_delivered_ms);
            tc_yaml_get_duration(y, notify, "notifications", "keep_dead", 60000L,
                                 3650L * 86400000L, &c->notify_keep_dead_ms);
        }
        parse_subscribers(y, root, c);
        tc_config__parse_self_check(y, root, c);
        tc_config__parse_console(y, root, c);
        tc_ynode_t exp = tc_yaml_lookup(y, root, "export");
        if (exp && tc_yaml_check_mapping(y, exp, "export", export_keys) == 0) {
            tc_yaml_get_string(y, exp, "export", "dir", 1, &c->export_.dir);
            tc_yaml_get_string(y, exp, "export", "command", 0, &c->export_.command);
            tc_yaml_get_duration(y, exp, "export", "timeout", 1000L, 3600000L,
                                 &c->export_.timeout_ms);
            tc_config__make_absolute(c, &c->export_.dir);
        }
        tc_ynode_t admin = tc_yaml_lookup(y, root, "admin");
        if (admin && tc_yaml_check_mapping(y, admin, "admin", admin_keys) == 0)
            parse_admin(y, admin, c);
    }
    if (tc_yaml_error_count(y) > 0) {
        *errors = tc_strdup(tc_yaml_errors(y));
        tc_config_free(c);
        tc_yaml_free(y);
        return TC_ECONFIG;
    }
    tc_yaml_free(y);
    if (!c->page.id)
        c->page.id = tc_strdup("tocsin");
    tc_config__make_absolute(c, &c->storage_path);
    *out = c;
    return 0;
}

int tc_config_load(const char *path, tc_config_t **out, char **errors)
{
    *out = NULL;
    *errors = NULL;
    return build(tc_yaml_load(path), path, out, errors);
}

int tc_config_parse(const char *name, const char *text, size_t len, tc_config_t **out,
                    char **errors)
{
    *out = NULL;
    *errors = NULL;
    return build(tc_yaml_load_string(name, text, len), name, out, errors);
}

void tc_config_free(tc_config_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->ngroups; i++) {
        free(c->groups[i].id);
        free(c->groups[i].name);
        free(c->groups[i].description);
    }
    free(c->groups);
    for (size_t i = 0; i < c->ncomponents; i++) {
        free(c->components[i].id);
        free(c->components[i].name);
        free(c->components[i].description);
        free(c->components[i].group);
        free(c->components[i].fallback);
        free(c->components[i].vendor_url);
    }
    free(c->components);
    for (size_t i = 0; i < c->nmonitors; i++) {
        tc_monitor_cfg_clear(&c->monitors[i]);
        tc_config__monitor_rules_clear(&c->monitor_rules[i]);
    }
    free(c->monitors);
    free(c->monitor_rules);
    for (size_t i = 0; i < c->nchannels; i++)
        tc_channel_cfg_clear(&c->channels[i]);
    free(c->channels);
    free(c->subscribers.email_channel);
    tc_config__self_check_free(c);
    free(c->self_check.resolver);
    tc_config__console_free(c);
    tc_config__page_free(c);
    free(c->server.host);
    free(c->admin.host);
    free(c->export_.dir);
    free(c->export_.command);
    for (char **p = c->server.trusted_proxies; p && *p; p++)
        free(*p);
    free(c->server.trusted_proxies);
    free(c->server.trusted_proxy_header);
    tc_config__tls_free(c);
    free(c->storage_path);
    /* The dsn may hold a password: no copy of it is left in freed memory. */
    if (c->storage_dsn)
        memset(c->storage_dsn, 0, strlen(c->storage_dsn));
    free(c->storage_dsn);
    free(c->node.name);
    free(c->node.location);
    free(c->path);
    free(c);
}

tc_cover_feed_t *tc_config_cover_feeds(const tc_config_t *c, size_t *n)
{
    tc_cover_feed_t *feeds = tc_calloc(c->ncomponents + 1, sizeof *feeds);
    for (size_t i = 0; i < c->ncomponents; i++) {
        const char **ids = tc_calloc(c->nmonitors + 1, sizeof *ids);
        size_t k = 0;
        for (size_t m = 0; m < c->nmonitors; m++)
            for (size_t j = 0; j < c->monitor_rules[m].ncomponents; j++)
                if (strcmp(c->monitor_rules[m].components[j], c->components[i].id) == 0) {
                    ids[k++] = c->monitors[m].id;
                    break;
                }
        feeds[i] = (tc_cover_feed_t){c->components[i].id, ids, k};
    }
    *n = c->ncomponents;
    return feeds;
}

void tc_config_cover_feeds_free(tc_cover_feed_t *feeds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free((void *)feeds[i].monitors);
    free(feeds);
}
