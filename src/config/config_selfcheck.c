/* The self_check: section: what the node checks of its own network before it blames its
 * targets for failing all at once (probe self-health, status/vantage.h). Only read and
 * checked here; the engine (engine/vantage.c) runs the checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_int.h"
#include "config/config_yaml.h"
#include "core/alloc.h"
#include "core/hostport.h"

#define MAX_TARGETS 16
#define GATEWAY_PORT 53 /* where the gateway is knocked at unless told: routers often run a
                           DNS forwarder there, and a refusal answers just as well */

static const char *const keys[] = {"enabled", "targets", "resolver", "interval", "timeout",
                                   "min_failing", "failing_ratio", NULL};

void tc_config__self_check_defaults(tc_config_t *c)
{
    c->self_check.enabled = true;
    c->self_check.targets = tc_calloc(1, sizeof *c->self_check.targets);
    c->self_check.targets[0] = (tc_self_target_t){NULL, GATEWAY_PORT};
    c->self_check.ntargets = 1;
    c->self_check.interval_ms = 30000;
    c->self_check.timeout_ms = 2000;
    c->self_check.min_failing = 5;
    c->self_check.failing_ratio = 0.5;
}

/* One target: "HOST:PORT", "gateway" or "gateway:PORT". @return 0 or -1. */
static int parse_target(const char *text, tc_self_target_t *out)
{
    if (strcmp(text, "gateway") == 0) {
        *out = (tc_self_target_t){NULL, GATEWAY_PORT};
        return 0;
    }
    char *host = NULL;
    int port = 0;
    if (tc_hostport_parse(text, &host, &port) != 0)
        return -1;
    if (!host[0]) {
        free(host);
        return -1;
    }
    if (strcmp(host, "gateway") == 0) {
        free(host);
        host = NULL;
    }
    *out = (tc_self_target_t){host, port};
    return 0;
}

static void parse_targets(tc_yaml_t *y, tc_ynode_t list, tc_config_t *c)
{
    if (tc_yaml_type(y, list) != TC_YAML_SEQUENCE || tc_yaml_size(y, list) > MAX_TARGETS) {
        tc_yaml_error(y, list, "self_check: targets must be a list of at most %d HOST:PORT "
                               "or gateway[:PORT] entries, e.g. [gateway, 10.0.0.2:22]",
                      MAX_TARGETS);
        return;
    }
    size_t n = tc_yaml_size(y, list);
    tc_self_target_t *targets = tc_calloc(n ? n : 1, sizeof *targets);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        tc_ynode_t item = tc_yaml_item(y, list, i);
        char *text = tc_yaml_type(y, item) == TC_YAML_SCALAR ? tc_yaml_expand(y, item) : NULL;
        if (!text || parse_target(text, &targets[k]) != 0)
            tc_yaml_error(y, item, "self_check: a target must be HOST:PORT or gateway[:PORT], "
                                   "e.g. 10.0.0.2:22");
        else
            k++;
        free(text);
    }
    tc_config__self_check_free(c);
    c->self_check.targets = targets;
    c->self_check.ntargets = k;
}

static void parse_ratio(tc_yaml_t *y, tc_ynode_t node, tc_config_t *c)
{
    tc_ynode_t v = tc_yaml_lookup(y, node, "failing_ratio");
    if (!v)
        return;
    const char *text = tc_yaml_type(y, v) == TC_YAML_SCALAR ? tc_yaml_raw(y, v) : "";
    char *end = NULL;
    double d = strtod(text, &end);
    if (!text[0] || *end || tc_yaml_quoted(y, v) || !(d > 0 && d <= 1)) {
        tc_yaml_error(y, v, "self_check: failing_ratio must be a number above 0 and at most "
                            "1, e.g. 0.5");
        return;
    }
    c->self_check.failing_ratio = d;
}

void tc_config__parse_self_check(tc_yaml_t *y, tc_ynode_t root, tc_config_t *c)
{
    tc_ynode_t node = tc_yaml_lookup(y, root, "self_check");
    if (!node || tc_yaml_check_mapping(y, node, "self_check", keys) != 0)
        return;
    tc_yaml_get_bool(y, node, "self_check", "enabled", &c->self_check.enabled);
    tc_ynode_t list = tc_yaml_lookup(y, node, "targets");
    if (list)
        parse_targets(y, list, c);
    char *resolver = NULL;
    tc_yaml_get_string(y, node, "self_check", "resolver", 0, &resolver);
    if (resolver && strcmp(resolver, "none") == 0) {
        c->self_check.resolver_off = true;
    } else if (resolver && strcmp(resolver, "system") != 0) {
        /* The dns kind reads the address; asking it now finds a bad one at load. */
        tc_monitor_cfg_t probe;
        if (tc_probe_resolver_monitor(&probe, "self-check", resolver, 1000) != 0) {
            tc_yaml_error(y, tc_yaml_lookup(y, node, "resolver"),
                          "self_check: resolver must be system, none, or an IP address with "
                          "an optional port, e.g. 127.0.0.1:53");
        } else {
            tc_monitor_cfg_clear(&probe);
            c->self_check.resolver = resolver;
            resolver = NULL;
        }
    }
    free(resolver);
    tc_yaml_get_duration(y, node, "self_check", "interval", 1000L, 86400000L,
                         &c->self_check.interval_ms);
    tc_yaml_get_duration(y, node, "self_check", "timeout", 100L, 60000L,
                         &c->self_check.timeout_ms);
    tc_yaml_get_int(y, node, "self_check", "min_failing", 1, 100000, &c->self_check.min_failing);
    parse_ratio(y, node, c);
    if (c->self_check.timeout_ms >= c->self_check.interval_ms)
        tc_yaml_error(y, tc_yaml_lookup(y, node, "timeout") ? tc_yaml_lookup(y, node, "timeout")
                                                             : node,
                      "self_check: timeout must be less than interval");
}

void tc_config__self_check_free(tc_config_t *c)
{
    for (size_t i = 0; i < c->self_check.ntargets; i++)
        free(c->self_check.targets[i].host);
    free(c->self_check.targets);
    c->self_check.targets = NULL;
    c->self_check.ntargets = 0;
}
