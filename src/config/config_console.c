/* The config sections the console works from: recurring_maintenance: (weekly windows, made
 * into scheduled maintenances ahead of time by the engine) and incident_templates: (what the
 * "new incident" form can start from). Components they name must exist; ids are unique. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"
#include "core/alloc.h"
#include "incident/incident.h"

static const char *const schedule_keys[] = {"id",         "name",    "days",   "at", "duration",
                                            "components", "message", "notify", NULL};
static const char *const template_keys[] = {"id", "name", "status", "message", "components",
                                            NULL};

static bool component_exists(const tc_config_t *c, const char *id)
{
    for (size_t i = 0; i < c->ncomponents; i++)
        if (c->components[i].id && strcmp(c->components[i].id, id) == 0)
            return true;
    return false;
}

/* An id unique within @p ids[0..n). @return it (caller frees) or NULL after an error. */
static char *unique_id(tc_yaml_t *y, tc_ynode_t item, const char *what, char **ids, size_t n,
                       size_t stride)
{
    char *id = NULL;
    tc_yaml_get_string(y, item, what, "id", 1, &id);
    if (!id)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *other = *(char **)((char *)ids + i * stride);
        if (other && strcmp(other, id) == 0) {
            tc_yaml_error(y, tc_yaml_lookup(y, item, "id"), "%s: id \"%s\" is used twice",
                          what, id);
            free(id);
            return NULL;
        }
    }
    return id;
}

static void parse_schedule(tc_yaml_t *y, tc_ynode_t item, tc_config_t *c, tc_schedule_cfg_t *s)
{
    const char *what = "recurring_maintenance";
    s->id = unique_id(y, item, what, &c->schedules[0].id, c->nschedules, sizeof *s);
    tc_yaml_get_string(y, item, what, "name", 1, &s->name);
    tc_yaml_get_string(y, item, what, "message", 0, &s->message);
    s->notify = true;
    tc_yaml_get_bool(y, item, what, "notify", &s->notify);
    tc_ynode_t days = tc_yaml_lookup(y, item, "days");
    if (!days || tc_yaml_type(y, days) != TC_YAML_SEQUENCE || tc_yaml_size(y, days) == 0) {
        tc_yaml_error(y, days ? days : item, "%s: days must be a list of week days, e.g. "
                                             "[tue, thu]", what);
    } else {
        for (size_t k = 0; k < tc_yaml_size(y, days); k++) {
            tc_ynode_t d = tc_yaml_item(y, days, k);
            unsigned bit;
            if (tc_recurrence_day(tc_yaml_raw(y, d), &bit) != 0)
                tc_yaml_error(y, d, "%s: \"%s\" is not a week day (mon, tue, ... sun)", what,
                              tc_yaml_raw(y, d));
            else
                s->rule.days |= bit;
        }
    }
    char *at = NULL;
    tc_yaml_get_string(y, item, what, "at", 1, &at);
    if (at && tc_recurrence_time(at, &s->rule.minute) != 0)
        tc_yaml_error(y, tc_yaml_lookup(y, item, "at"),
                      "%s: at is a local time like \"02:00\" (24-hour, the page's zone)", what);
    free(at);
    long dur = 0;
    tc_yaml_get_duration(y, item, what, "duration", 60000L, (long)TC_RECUR_MAX_DURATION_MS, &dur);
    if (!tc_yaml_lookup(y, item, "duration"))
        tc_yaml_error(y, item, "%s: say how long each window lasts, e.g. duration: 1h", what);
    s->rule.duration_ms = dur;
    tc_ynode_t comps = tc_yaml_lookup(y, item, "components");
    if (comps && tc_yaml_type(y, comps) != TC_YAML_SEQUENCE) {
        tc_yaml_error(y, comps, "%s: components must be a list of component ids", what);
        return;
    }
    size_t n = tc_yaml_size(y, comps);
    s->components = tc_calloc(n ? n : 1, sizeof *s->components);
    for (size_t k = 0; k < n; k++) {
        tc_ynode_t node = tc_yaml_item(y, comps, k);
        const char *id = tc_yaml_raw(y, node);
        if (!component_exists(c, id))
            tc_yaml_error(y, node, "%s: unknown component \"%s\"", what, id);
        else
            s->components[s->ncomponents++] = tc_strdup(id);
    }
}

static void parse_template(tc_yaml_t *y, tc_ynode_t item, tc_config_t *c, tc_template_cfg_t *t)
{
    const char *what = "incident_templates";
    t->id = unique_id(y, item, what, &c->templates[0].id, c->ntemplates, sizeof *t);
    tc_yaml_get_string(y, item, what, "name", 1, &t->name);
    tc_yaml_get_string(y, item, what, "message", 0, &t->message);
    t->status = -1;
    char *status = NULL;
    tc_yaml_get_string(y, item, what, "status", 0, &status);
    tc_incident_status_t st;
    if (status && (tc_incident_status_parse(status, &st) != 0 ||
                   tc_incident_status_is_maintenance(st) || st == TC_INC_POSTMORTEM))
        tc_yaml_error(y, tc_yaml_lookup(y, item, "status"),
                      "%s: status is investigating, identified, monitoring or resolved", what);
    else if (status)
        t->status = (int)st;
    free(status);
    tc_ynode_t comps = tc_yaml_lookup(y, item, "components");
    if (comps && tc_yaml_type(y, comps) != TC_YAML_MAPPING) {
        tc_yaml_error(y, comps, "%s: components maps component ids to statuses, e.g. "
                                "{rest: major_outage}", what);
        return;
    }
    size_t n = tc_yaml_size(y, comps);
    t->components = tc_calloc(n ? n : 1, sizeof *t->components);
    t->component_status = tc_calloc(n ? n : 1, sizeof *t->component_status);
    for (size_t k = 0; k < n; k++) {
        tc_ynode_t key = tc_yaml_key(y, comps, k), value = tc_yaml_value(y, comps, k);
        const char *id = tc_yaml_raw(y, key);
        tc_status_t cs;
        if (!component_exists(c, id)) {
            tc_yaml_error(y, key, "%s: unknown component \"%s\"", what, id);
        } else if (tc_status_parse(tc_yaml_raw(y, value), &cs) != 0) {
            tc_yaml_error(y, value, "%s: \"%s\" is not a component status (operational, "
                                    "degraded_performance, partial_outage, major_outage)",
                          what, tc_yaml_raw(y, value));
        } else {
            t->components[t->ncomponents] = tc_strdup(id);
            t->component_status[t->ncomponents++] = cs;
        }
    }
}

void tc_config__parse_console(tc_yaml_t *y, tc_ynode_t root, tc_config_t *c)
{
    tc_ynode_t list = tc_yaml_lookup(y, root, "recurring_maintenance");
    if (list && tc_yaml_type(y, list) != TC_YAML_SEQUENCE) {
        tc_yaml_error(y, list, "\"recurring_maintenance\" must be a list");
    } else if (list) {
        size_t n = tc_yaml_size(y, list);
        c->schedules = tc_calloc(n ? n : 1, sizeof *c->schedules);
        for (size_t i = 0; i < n; i++) {
            tc_ynode_t item = tc_yaml_item(y, list, i);
            if (tc_yaml_check_mapping(y, item, "recurring_maintenance", schedule_keys) != 0)
                continue;
            parse_schedule(y, item, c, &c->schedules[c->nschedules]);
            c->nschedules++;
        }
    }
    list = tc_yaml_lookup(y, root, "incident_templates");
    if (list && tc_yaml_type(y, list) != TC_YAML_SEQUENCE) {
        tc_yaml_error(y, list, "\"incident_templates\" must be a list");
    } else if (list) {
        size_t n = tc_yaml_size(y, list);
        c->templates = tc_calloc(n ? n : 1, sizeof *c->templates);
        for (size_t i = 0; i < n; i++) {
            tc_ynode_t item = tc_yaml_item(y, list, i);
            if (tc_yaml_check_mapping(y, item, "incident_templates", template_keys) != 0)
                continue;
            parse_template(y, item, c, &c->templates[c->ntemplates]);
            c->ntemplates++;
        }
    }
}

void tc_config__console_free(tc_config_t *c)
{
    for (size_t i = 0; i < c->nschedules; i++) {
        tc_schedule_cfg_t *s = &c->schedules[i];
        free(s->id);
        free(s->name);
        free(s->message);
        for (size_t k = 0; k < s->ncomponents; k++)
            free(s->components[k]);
        free(s->components);
    }
    free(c->schedules);
    for (size_t i = 0; i < c->ntemplates; i++) {
        tc_template_cfg_t *t = &c->templates[i];
        free(t->id);
        free(t->name);
        free(t->message);
        for (size_t k = 0; k < t->ncomponents; k++)
            free(t->components[k]);
        free(t->components);
        free(t->component_status);
    }
    free(c->templates);
}
