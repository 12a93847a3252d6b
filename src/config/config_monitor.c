/* The monitors: section. Common keys are read here; the kind's own keys are parsed by the
 * kind (probe registry), so this file dispatches on `kind:` and knows no kind's details.
 * Conditions are parsed here, once, and errors point at the column inside the expression. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_int.h"
#include "config/config_yaml.h"
#include "core/alloc.h"
#include "core/err.h"
#include "notify/notify.h"
#include "probe/probe_int.h"
#include "status/quorum.h"
#include "status/window.h"

#define MAX_KEYS 48

static const char *const common_keys[] = {
    "id", "name", "kind", "interval", "timeout", "conditions", "degraded_conditions",
    "failure_threshold", "success_threshold", "components", "down_status", "incident",
    "alerts", "window", "degraded_ratio", "down_ratio", "flap_detection", "flap_start",
    "flap_stop", "retries", "retry_interval", "quorum", "regional_status", "regional_after",
    "confirm", NULL,
};

/* Percentiles over the window ([RESPONSE_TIME_P95]) exist wherever the kind measures
 * [RESPONSE_TIME]: the engine computes them from the runs it keeps, not the kind. */
static const char *const window_placeholders[] = {"RESPONSE_TIME_P50", "RESPONSE_TIME_P95",
                                                  "RESPONSE_TIME_P99", NULL};

static bool offers(const tc_probe_type_t *t, const char *name)
{
    for (const char *const *p = t->placeholders; *p; p++)
        if (strcmp(*p, name) == 0)
            return true;
    return false;
}

/* Condition placeholders are checked against what the kind offers. */
static int kind_lookup(void *ctx, const char *name, const char *key, tc_value_t *out)
{
    const tc_probe_type_t *t = ctx;
    (void)key;
    out->type = TC_VALUE_MISSING;
    if (offers(t, name))
        return 0;
    for (const char *const *p = window_placeholders; *p; p++)
        if (strcmp(*p, name) == 0 && offers(t, "RESPONSE_TIME"))
            return 0;
    return TC_ENOENT;
}

/* "monitor "api": condition "[STATUS] == 2OO": " before a condition's error, so the line
 * names the monitor and the expression even when the column points inside a long list.
 * The expression is cut at 80 bytes; config_yaml escapes whatever it holds. */
static void condition_prefix(const tc_monitor_cfg_t *m, const char *key, const char *text,
                             char *out, size_t size)
{
    size_t len = strlen(text);
    const char *more = "";
    if (len > 80) {
        len = 80;
        while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
            len--;
        more = "...";
    }
    const char *what = strcmp(key, "degraded_conditions") == 0 ? "degraded condition"
                                                               : "condition";
    if (m->id)
        snprintf(out, size, "monitor \"%s\": %s \"%.*s%s\"", m->id, what, (int)len, text,
                 more);
    else
        snprintf(out, size, "monitor: %s \"%.*s%s\"", what, (int)len, text, more);
}

/* Each condition is parsed, then checked against the kind: its placeholders must be ones
 * the kind fills, and the values they are compared with must have the placeholder's type
 * (tc_cond_check()), so a typo fails here instead of silently comparing as text. */
static tc_cond_t **parse_conditions(tc_yaml_t *y, tc_ynode_t item, const char *key,
                                    const tc_probe_type_t *t, const tc_monitor_cfg_t *m,
                                    size_t *n)
{
    *n = 0;
    tc_ynode_t list = tc_yaml_lookup(y, item, key);
    if (!list)
        return NULL;
    if (tc_yaml_type(y, list) != TC_YAML_SEQUENCE) {
        tc_yaml_error(y, list, "monitor: \"%s\" must be a list of conditions", key);
        return NULL;
    }
    size_t count = tc_yaml_size(y, list);
    tc_cond_t **conds = tc_calloc(count, sizeof *conds);
    for (size_t i = 0; i < count; i++) {
        tc_ynode_t c = tc_yaml_item(y, list, i);
        if (tc_yaml_type(y, c) != TC_YAML_SCALAR) {
            tc_yaml_error(y, c, "monitor: a condition must be a string");
            continue;
        }
        const char *text = tc_yaml_raw(y, c);
        tc_cond_t *cond = NULL;
        int col = 0;
        char err[256];
        char prefix[200];
        if (tc_cond_parse(text, &cond, &col, err, sizeof err) != 0) {
            condition_prefix(m, key, text, prefix, sizeof prefix);
            tc_yaml_error_at(y, c, col, "%s: %s", prefix, err);
            continue;
        }
        if (t && tc_cond_check(cond, kind_lookup, (void *)t, &col, err, sizeof err) != 0) {
            condition_prefix(m, key, text, prefix, sizeof prefix);
            if (strncmp(err, "unknown placeholder", 19) == 0) {
                char offered[512] = "";
                size_t len = 0;
                for (const char *const *p = t->placeholders; *p && len < sizeof offered; p++)
                    len += (size_t)snprintf(offered + len, sizeof offered - len, "%s[%s]",
                                            len ? ", " : "", *p);
                for (const char *const *p = window_placeholders;
                     *p && offers(t, "RESPONSE_TIME") && len < sizeof offered; p++)
                    len += (size_t)snprintf(offered + len, sizeof offered - len, ", [%s]", *p);
                tc_yaml_error_at(y, c, col, "%s: %s (a %s monitor offers %s)", prefix, err,
                                 t->name, offered);
            } else {
                tc_yaml_error_at(y, c, col, "%s: %s", prefix, err);
            }
            tc_cond_free(cond);
            continue;
        }
        conds[(*n)++] = cond;
    }
    return conds;
}

static int component_exists(const tc_config_t *c, const char *id)
{
    for (size_t i = 0; i < c->ncomponents; i++)
        if (c->components[i].id && strcmp(c->components[i].id, id) == 0)
            return 1;
    return 0;
}

static void parse_components_list(tc_yaml_t *y, tc_ynode_t item, const tc_config_t *c,
                                  tc_monitor_rules_t *m)
{
    tc_ynode_t list = tc_yaml_lookup(y, item, "components");
    if (!list)
        return;
    if (tc_yaml_type(y, list) != TC_YAML_SEQUENCE) {
        tc_yaml_error(y, list, "monitor: components must be a list of component ids, "
                               "e.g. [api]");
        return;
    }
    size_t n = tc_yaml_size(y, list);
    m->components = tc_calloc(n, sizeof *m->components);
    for (size_t i = 0; i < n; i++) {
        tc_ynode_t v = tc_yaml_item(y, list, i);
        const char *id = tc_yaml_raw(y, v);
        if (tc_yaml_type(y, v) != TC_YAML_SCALAR || !component_exists(c, id)) {
            tc_yaml_error(y, v, "monitor: unknown component \"%s\"", id);
            continue;
        }
        m->components[m->ncomponents++] = tc_strdup(id);
    }
}

/* @return non-zero when one of @p m's components carries fallback advice. */
static int has_fallback(const tc_config_t *c, const tc_monitor_rules_t *m)
{
    for (size_t k = 0; k < m->ncomponents; k++)
        for (size_t i = 0; i < c->ncomponents; i++)
            if (c->components[i].fallback && c->components[i].id &&
                strcmp(c->components[i].id, m->components[k]) == 0)
                return 1;
    return 0;
}

/* `incident: auto` (default texts) or `incident: {title: ..., body: ...}` with templates.
 * For a component with fallback advice the default title is the advice itself ("Deepgram is
 * degraded, please switch to Gladia or Talkscriber"), as the seed's page titled it. */
static void parse_incident(tc_yaml_t *y, tc_ynode_t item, const tc_config_t *c,
                           tc_monitor_rules_t *m)
{
    static const char *const keys[] = {"title", "body", NULL};
    tc_ynode_t v = tc_yaml_lookup(y, item, "incident");
    if (!v)
        return;
    if (tc_yaml_type(y, v) == TC_YAML_SCALAR) {
        if (strcmp(tc_yaml_raw(y, v), "auto") != 0 && strcmp(tc_yaml_raw(y, v), "none") != 0) {
            tc_yaml_error(y, v, "monitor: incident must be auto, none, or a mapping with "
                                "title and body");
            return;
        }
        m->auto_incident = strcmp(tc_yaml_raw(y, v), "auto") == 0;
    } else if (tc_yaml_check_mapping(y, v, "incident", keys) == 0) {
        m->auto_incident = true;
        tc_yaml_get_string(y, v, "incident", "title", 0, &m->incident_title);
        tc_yaml_get_string(y, v, "incident", "body", 0, &m->incident_body);
    }
    if (m->auto_incident && !m->incident_title)
        m->incident_title = tc_strdup(has_fallback(c, m) ? "{{fallback}}"
                                                         : "{{component}} is {{problem}}");
    if (m->auto_incident && !m->incident_body)
        m->incident_body = tc_strdup("{{component}} is {{problem}}: {{reason}}. We are "
                                     "investigating.");
}

/* With several locations (docs/DEPLOY.md): `quorum` (majority, or how many locations must
 * agree), `regional_status` (what a component shows while fewer fail), `regional_after`
 * (how long they must fail for that) and `confirm` (a fresh run everywhere before a failure
 * alerts; status/confirm.h). */
static void parse_locations(tc_yaml_t *y, tc_ynode_t item, const tc_monitor_cfg_t *m,
                            tc_monitor_rules_t *rules)
{
    rules->regional_status = TC_STATUS_PARTIAL_OUTAGE;
    rules->quorum = TC_QUORUM_MAJORITY;
    rules->regional_after_ms = 3 * m->interval_ms;
    tc_ynode_t q = tc_yaml_lookup(y, item, "quorum");
    const char *qv = q && tc_yaml_type(y, q) == TC_YAML_SCALAR ? tc_yaml_raw(y, q) : NULL;
    if (q && qv && qv[0] && strspn(qv, "0123456789") == strlen(qv))
        tc_yaml_get_int(y, item, "monitor", "quorum", 1, 64, &rules->quorum);
    else if (q && (!qv || strcmp(qv, "majority") != 0))
        tc_yaml_error(y, q, "monitor: quorum must be majority or a number of locations");
    char *st = NULL;
    tc_yaml_get_string(y, item, "monitor", "regional_status", 0, &st);
    if (st && tc_status_parse(st, &rules->regional_status) != 0)
        tc_yaml_error(y, tc_yaml_lookup(y, item, "regional_status"),
                      "monitor: regional_status must be degraded_performance, partial_outage "
                      "or major_outage");
    else if (st && (rules->regional_status == TC_STATUS_OPERATIONAL ||
                    rules->regional_status == TC_STATUS_UNDER_MAINTENANCE))
        tc_yaml_error(y, tc_yaml_lookup(y, item, "regional_status"),
                      "monitor: regional_status must be degraded_performance, partial_outage "
                      "or major_outage");
    free(st);
    tc_yaml_get_duration(y, item, "monitor", "regional_after", 0, 86400000L,
                         &rules->regional_after_ms);
    tc_yaml_get_bool(y, item, "monitor", "confirm", &rules->confirm);
}

/* `alerts: [oncall]` or `alerts: [{channel: oncall, on: [down, degraded, recovered, flapping,
 * regional], remind: 30m}]`; the default `on` is down, recovered, flapping (which stands for
 * the flapping alert and the stable-again one) and regional (only several locations have
 * it). */
static void parse_alerts(tc_yaml_t *y, tc_ynode_t item, const tc_config_t *c,
                         tc_monitor_rules_t *m)
{
    static const char *const keys[] = {"channel", "on", "remind", NULL};
    tc_ynode_t list = tc_yaml_lookup(y, item, "alerts");
    if (!list)
        return;
    if (tc_yaml_type(y, list) != TC_YAML_SEQUENCE) {
        tc_yaml_error(y, list, "monitor: alerts must be a list of channel ids or rules");
        return;
    }
    size_t n = tc_yaml_size(y, list);
    m->alerts = tc_calloc(n, sizeof *m->alerts);
    for (size_t i = 0; i < n; i++) {
        tc_ynode_t a = tc_yaml_item(y, list, i);
        tc_alert_cfg_t *rule = &m->alerts[m->nalerts];
        rule->on = TC_ON_DOWN | TC_ON_RECOVERED | TC_ON_FLAPPING | TC_ON_REGIONAL;
        tc_ynode_t idnode = a;
        if (tc_yaml_type(y, a) == TC_YAML_SCALAR) {
            rule->channel = tc_yaml_expand(y, a);
        } else if (tc_yaml_check_mapping(y, a, "alert", keys) == 0) {
            tc_yaml_get_string(y, a, "alert", "channel", 1, &rule->channel);
            idnode = tc_yaml_lookup(y, a, "channel");
            long remind = 0;
            tc_yaml_get_duration(y, a, "alert", "remind", 60000L, 7L * 86400000L, &remind);
            rule->remind_ms = remind;
            tc_ynode_t on = tc_yaml_lookup(y, a, "on");
            if (on && tc_yaml_type(y, on) != TC_YAML_SEQUENCE) {
                tc_yaml_error(y, on, "alert: on must be a list of down, degraded, recovered, "
                                     "flapping, regional");
            } else if (on) {
                rule->on = 0;
                for (size_t k = 0; k < tc_yaml_size(y, on); k++) {
                    tc_ynode_t e = tc_yaml_item(y, on, k);
                    const char *what = tc_yaml_raw(y, e);
                    if (strcmp(what, "down") == 0)
                        rule->on |= TC_ON_DOWN;
                    else if (strcmp(what, "degraded") == 0)
                        rule->on |= TC_ON_DEGRADED;
                    else if (strcmp(what, "recovered") == 0)
                        rule->on |= TC_ON_RECOVERED;
                    else if (strcmp(what, "flapping") == 0)
                        rule->on |= TC_ON_FLAPPING;
                    else if (strcmp(what, "regional") == 0)
                        rule->on |= TC_ON_REGIONAL;
                    else
                        tc_yaml_error(y, e, "alert: on takes down, degraded, recovered, "
                                            "flapping and regional, not \"%s\"",
                                      what);
                }
            }
        }
        if (!rule->channel)
            continue;
        if (!tc_config_channel(c, rule->channel)) {
            tc_yaml_error(y, idnode, "monitor: unknown channel \"%s\" (declare it under "
                                     "channels:)",
                          rule->channel);
            free(rule->channel);
            rule->channel = NULL;
            continue;
        }
        m->nalerts++;
    }
}

/* A number up to @p max and above @p above (a ratio such as 0.2, or a percentage such as
 * 20), into *@p out; a missing key leaves it unchanged. */
static void get_number(tc_yaml_t *y, tc_ynode_t item, const char *key, double above,
                       double max, double *out)
{
    tc_ynode_t v = tc_yaml_lookup(y, item, key);
    if (!v)
        return;
    const char *text = tc_yaml_type(y, v) == TC_YAML_SCALAR ? tc_yaml_raw(y, v) : "";
    char *end = NULL;
    double d = strtod(text, &end);
    if (!text[0] || *end || tc_yaml_quoted(y, v) || !(d > above && d <= max)) {
        tc_yaml_error(y, v, "monitor: \"%s\" must be a number above %g and at most %g", key,
                      above, max);
        return;
    }
    *out = d;
}

/* The detection keys beyond consecutive thresholds (PROBES.md "Detection"). */
static void parse_detection(tc_yaml_t *y, tc_ynode_t item, tc_monitor_cfg_t *m)
{
    tc_yaml_get_int(y, item, "monitor", "window", 2, TC_WINDOW_MAX, &m->window);
    /* A ratio of 0 would make every run "at least 0% failed": the keys start above it. */
    get_number(y, item, "degraded_ratio", 0, 1, &m->degraded_ratio);
    get_number(y, item, "down_ratio", 0, 1, &m->down_ratio);
    if (m->degraded_ratio > 0 && m->down_ratio > 0 && m->degraded_ratio > m->down_ratio)
        tc_yaml_error(y, tc_yaml_lookup(y, item, "degraded_ratio"),
                      "monitor: degraded_ratio must not be above down_ratio");
    tc_yaml_get_bool(y, item, "monitor", "flap_detection", &m->flap_detection);
    get_number(y, item, "flap_start", 0, 100, &m->flap_start);
    get_number(y, item, "flap_stop", -1, 100, &m->flap_stop);
    if (m->flap_stop >= m->flap_start) {
        tc_ynode_t at = tc_yaml_lookup(y, item, "flap_stop");
        tc_yaml_error(y, at ? at : tc_yaml_lookup(y, item, "flap_start"),
                      "monitor: flap_stop must be below flap_start");
    }
    tc_yaml_get_int(y, item, "monitor", "retries", 0, 10, &m->retries);
    tc_yaml_get_duration(y, item, "monitor", "retry_interval", 100, 3600000L,
                         &m->retry_interval_ms);
}

static void parse_monitor(tc_yaml_t *y, tc_ynode_t item, tc_config_t *c, tc_monitor_cfg_t *m,
                          tc_monitor_rules_t *rules)
{
    m->interval_ms = 60000;
    m->timeout_ms = 10000;
    m->failure_threshold = 3;
    m->success_threshold = 2;
    m->window = 20;
    m->flap_detection = true;
    m->flap_start = 20;
    m->flap_stop = 5;
    m->retry_interval_ms = 2000;
    rules->monitor = m;
    rules->down_status = TC_STATUS_MAJOR_OUTAGE;

    char *kind = NULL;
    tc_yaml_get_string(y, item, "monitor", "kind", 1, &kind);
    if (kind) {
        m->type = tc_probe_find_type(kind);
        if (!m->type)
            tc_yaml_error(y, tc_yaml_lookup(y, item, "kind"),
                          "monitor: unknown kind \"%s\" (known: %s)", kind,
                          tc_probe_type_list());
        free(kind);
    }
    /* The allowed keys are the common ones plus the kind's own. */
    const char *allowed[MAX_KEYS];
    size_t n = 0;
    for (const char *const *k = common_keys; *k; k++)
        allowed[n++] = *k;
    for (const char *const *k = m->type ? m->type->keys : NULL; k && *k && n < MAX_KEYS - 1; k++)
        allowed[n++] = *k;
    allowed[n] = NULL;
    if (tc_yaml_check_mapping(y, item, "monitor", allowed) != 0)
        return;

    m->id = tc_config__row_id(y, item, "monitor", NULL);
    tc_yaml_get_string(y, item, "monitor", "name", 0, &m->name);
    if (!m->name && m->id)
        m->name = tc_strdup(m->id);
    tc_yaml_get_duration(y, item, "monitor", "interval", 1000, 86400000L, &m->interval_ms);
    tc_yaml_get_duration(y, item, "monitor", "timeout", 100, 600000, &m->timeout_ms);
    if (m->timeout_ms > m->interval_ms && tc_yaml_lookup(y, item, "timeout"))
        tc_yaml_error(y, tc_yaml_lookup(y, item, "timeout"),
                      "monitor: timeout must not be longer than interval");
    else if (m->timeout_ms > m->interval_ms)
        m->timeout_ms = m->interval_ms;
    tc_yaml_get_int(y, item, "monitor", "failure_threshold", 1, 1000, &m->failure_threshold);
    tc_yaml_get_int(y, item, "monitor", "success_threshold", 1, 1000, &m->success_threshold);
    parse_detection(y, item, m);
    char *down = NULL;
    tc_yaml_get_string(y, item, "monitor", "down_status", 0, &down);
    if (down) {
        if (strcmp(down, "major_outage") == 0)
            rules->down_status = TC_STATUS_MAJOR_OUTAGE;
        else if (strcmp(down, "partial_outage") == 0)
            rules->down_status = TC_STATUS_PARTIAL_OUTAGE;
        else
            tc_yaml_error(y, tc_yaml_lookup(y, item, "down_status"),
                          "monitor: down_status must be major_outage or partial_outage");
        free(down);
    }
    parse_locations(y, item, m, rules);
    parse_components_list(y, item, c, rules);
    parse_incident(y, item, c, rules);
    parse_alerts(y, item, c, rules);
    m->conditions = parse_conditions(y, item, "conditions", m->type, m, &m->nconditions);
    m->degraded = parse_conditions(y, item, "degraded_conditions", m->type, m, &m->ndegraded);
    if (m->type)
        m->type->parse(y, item, m);
    /* Only a monitor that parsed cleanly gets one (a bad ${VAR} was reported above). */
    if (!tc_yaml_error_count(y))
        m->fingerprint = tc_yaml_fingerprint(y, item);
}

void tc_config__monitor_rules_clear(tc_monitor_rules_t *r)
{
    for (size_t i = 0; i < r->ncomponents; i++)
        free(r->components[i]);
    free(r->components);
    for (size_t i = 0; i < r->nalerts; i++)
        free(r->alerts[i].channel);
    free(r->alerts);
    free(r->incident_title);
    free(r->incident_body);
    memset(r, 0, sizeof *r);
}

typedef struct id_ref {
    const char *id;
    size_t index;      /* position in c->monitors, to report the later duplicate */
    tc_ynode_t item;
} id_ref_t;

static int by_id(const void *a, const void *b)
{
    const id_ref_t *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Duplicate ids, found by sorting: pairwise comparison took half a second at 10,000
 * monitors. */
static void check_duplicates(tc_yaml_t *y, const tc_config_t *c, const tc_ynode_t *items)
{
    id_ref_t *refs = tc_calloc(c->nmonitors ? c->nmonitors : 1, sizeof *refs);
    size_t n = 0;
    for (size_t i = 0; i < c->nmonitors; i++)
        if (c->monitors[i].id)
            refs[n++] = (id_ref_t){c->monitors[i].id, i, items[i]};
    qsort(refs, n, sizeof *refs, by_id);
    for (size_t i = 1; i < n; i++)
        if (strcmp(refs[i].id, refs[i - 1].id) == 0)
            tc_yaml_error(y, tc_yaml_lookup(y, refs[i].item, "id"),
                          "monitor: duplicate id \"%s\"", refs[i].id);
    free(refs);
}

void tc_config__parse_monitors(tc_yaml_t *y, tc_ynode_t root, tc_config_t *c)
{
    tc_ynode_t list = tc_yaml_lookup(y, root, "monitors");
    if (!list)
        return;
    if (tc_yaml_type(y, list) != TC_YAML_SEQUENCE) {
        tc_yaml_error(y, list, "\"monitors\" must be a list");
        return;
    }
    size_t n = tc_yaml_size(y, list);
    c->monitors = tc_calloc(n, sizeof *c->monitors);
    c->monitor_rules = tc_calloc(n, sizeof *c->monitor_rules);
    tc_ynode_t *items = tc_calloc(n ? n : 1, sizeof *items);
    for (size_t i = 0; i < n; i++) {
        tc_ynode_t item = tc_yaml_item(y, list, i);
        if (tc_yaml_type(y, item) != TC_YAML_MAPPING) {
            tc_yaml_error(y, item, "monitor must be a mapping of key: value");
            continue;
        }
        items[c->nmonitors] = item;
        c->nmonitors++;
        tc_monitor_cfg_t *m = &c->monitors[c->nmonitors - 1];
        parse_monitor(y, item, c, m, &c->monitor_rules[c->nmonitors - 1]);
        /* A push token names one monitor: a shared one would feed whichever came last. */
        const char *token = tc_probe_push_token(m);
        for (size_t j = 0; token && j + 1 < c->nmonitors; j++) {
            const char *other = tc_probe_push_token(&c->monitors[j]);
            if (other && strcmp(other, token) == 0)
                tc_yaml_error(y, tc_yaml_lookup(y, item, "token"),
                              "monitor: push token already used by monitor \"%s\"",
                              c->monitors[j].id ? c->monitors[j].id : "?");
        }
    }
    check_duplicates(y, c, items);
    free(items);
}
