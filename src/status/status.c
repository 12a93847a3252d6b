/* Status names and the status rules; see status.h for the precedence and STATUS.md for why.
 * Everything here is a function of its arguments. */
#include "status/status.h"

#include <string.h>

#include "core/err.h"
#include "status/rollup.h"

static const char *const status_names[] = {
    "operational", "under_maintenance", "degraded_performance", "partial_outage",
    "major_outage",
};
static const char *const status_labels[] = {
    "Operational", "Under Maintenance", "Degraded Performance", "Partial Outage",
    "Major Outage",
};
/* The same in running text: "REST API is now in partial outage" reads wrong with a capital
 * in mid-sentence, and "degraded_performance" is no word at all. */
static const char *const status_words[] = {
    "operational", "under maintenance", "degraded performance", "partial outage",
    "major outage",
};
static const char *const indicator_names[] = {"none", "minor", "major", "critical",
                                              "maintenance"};
static const char *const monitor_state_names[] = {"pending", "up", "degraded", "down",
                                                  "flapping", "regional"};

const char *tc_status_name(tc_status_t s)
{
    return status_names[s];
}

const char *tc_status_label(tc_status_t s)
{
    return status_labels[s];
}

const char *tc_status_words(tc_status_t s)
{
    return status_words[s];
}

int tc_status_parse(const char *name, tc_status_t *out)
{
    for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++) {
        if (strcmp(name, status_names[i]) == 0) {
            *out = (tc_status_t)i;
            return 0;
        }
    }
    return TC_EINVAL;
}

const char *tc_indicator_name(tc_indicator_t i)
{
    return indicator_names[i];
}

const char *tc_monitor_state_name(tc_monitor_state_t s)
{
    return monitor_state_names[s];
}

tc_status_t tc_status_worst(tc_status_t a, tc_status_t b)
{
    return a > b ? a : b;
}

tc_status_t tc_monitor_component_status(tc_monitor_state_t s, tc_status_t down_status,
                                        tc_status_t regional_status)
{
    switch (s) {
    case TC_MONITOR_DOWN:
        return down_status;
    case TC_MONITOR_REGIONAL:
        return regional_status;
    case TC_MONITOR_DEGRADED:
    case TC_MONITOR_FLAPPING:
        return TC_STATUS_DEGRADED;
    default:
        return TC_STATUS_OPERATIONAL;
    }
}

tc_status_t tc_status_derive_component(const tc_status_row_t *row, const tc_status_open_t *open,
                                       size_t nopen)
{
    if (row->has_manual)
        return row->manual;
    /* Incidents and running maintenances share one "worst of": under_maintenance ranks just
     * above operational, so it shows unless an incident sets something worse. A component
     * named twice by one incident counts twice, which changes nothing. */
    int set = 0;
    tc_status_t status = TC_STATUS_OPERATIONAL;
    for (size_t i = 0; i < nopen; i++) {
        const tc_status_open_t *o = &open[i];
        if (o->kind == TC_STATUS_OPEN_SCHEDULED)
            continue;
        for (size_t k = 0; k < o->ncomponents; k++) {
            if (strcmp(o->component_ids[k], row->id) != 0)
                continue;
            if (o->kind == TC_STATUS_OPEN_MAINTENANCE)
                status = tc_status_worst(status, TC_STATUS_UNDER_MAINTENANCE);
            else
                status = tc_status_worst(status, o->component_status[k]);
            set = 1;
        }
    }
    if (set)
        return status;
    /* Monitors still pending have no result (or none crossed a threshold) since the start; if
     * none has a state, the stored status stands rather than a made-up "operational". */
    int known = 0;
    for (size_t f = 0; f < row->nfeeds; f++) {
        if (row->feeds[f].state == TC_MONITOR_UNKNOWN)
            continue;
        known = 1;
        status = tc_status_worst(
            status, tc_monitor_component_status(row->feeds[f].state, row->feeds[f].down_status,
                                                row->feeds[f].regional_status));
    }
    if (row->nfeeds && !known)
        return row->current;
    return status;
}

tc_status_t tc_status_derive_group(const tc_status_t *children, size_t n)
{
    tc_status_t status = TC_STATUS_OPERATIONAL;
    for (size_t i = 0; i < n; i++)
        status = tc_status_worst(status, children[i]);
    return status;
}

tc_rollup_t tc_status_derive_page(const tc_status_t *leaves, size_t nleaves,
                                  const tc_status_open_t *open, size_t nopen)
{
    tc_rollup_t rollup = tc_rollup(leaves, nleaves);
    /* Open incidents raise the page status to their impact (statuspage.md §1.3: the
     * documented rule only says incidents count; taking the worse is the safe reading). */
    for (size_t i = 0; i < nopen; i++) {
        const tc_status_open_t *o = &open[i];
        if (o->kind == TC_STATUS_OPEN_MAINTENANCE) {
            rollup = tc_rollup_raise(rollup, TC_INDICATOR_MAINTENANCE);
        } else if (o->kind == TC_STATUS_OPEN_INCIDENT) {
            if (o->impact == TC_INDICATOR_MINOR || o->impact == TC_INDICATOR_MAJOR ||
                o->impact == TC_INDICATOR_CRITICAL)
                rollup = tc_rollup_raise(rollup, o->impact);
        }
    }
    return rollup;
}
