/* The engine's short list of incidents, at the very bottom of the engine's files: the
 * incidents not closed and every maintenance, the latest change to any incident, and which
 * incidents changed since the last render. The status rules, the view and most
 * documents need only these; kept as each incident changes, so a write does not go through
 * every stored incident to find them again (issue 16). Calls no other engine file. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "engine/engine_int.h"
#include "status/status.h"

static bool belongs(const tc_incident_t *inc)
{
    return inc->is_maintenance || tc_incident_is_open(inc);
}

static void add(tc_engine_t *d, tc_incident_t *inc)
{
    if (d->nshortlist == d->shortlist_cap) {
        d->shortlist_cap = d->shortlist_cap ? d->shortlist_cap * 2 : 16;
        d->shortlist = tc_realloc(d->shortlist, d->shortlist_cap * sizeof *d->shortlist);
    }
    d->shortlist[d->nshortlist++] = inc;
}

void tc_engine__shortlist_rebuild(tc_engine_t *d)
{
    d->nshortlist = 0;
    d->incidents_updated_at = 0;
    for (size_t i = 0; i < d->nincidents; i++) {
        tc_incident_t *inc = d->incidents[i];
        if (belongs(inc))
            add(d, inc);
        if (inc->updated_at > d->incidents_updated_at)
            d->incidents_updated_at = inc->updated_at;
    }
    d->nchanged = SIZE_MAX; /* not known: the view checks its whole order */
}

void tc_engine__shortlist_note(tc_engine_t *d, tc_incident_t *inc)
{
    size_t k = 0;
    while (k < d->nshortlist && d->shortlist[k] != inc)
        k++;
    if (k == d->nshortlist && belongs(inc)) {
        add(d, inc);
    } else if (k < d->nshortlist && !belongs(inc)) {
        /* In creation order, as the rebuild makes it: later ones move down one. */
        memmove(&d->shortlist[k], &d->shortlist[k + 1],
                (d->nshortlist - k - 1) * sizeof *d->shortlist);
        d->nshortlist--;
    }
    if (inc->updated_at > d->incidents_updated_at)
        d->incidents_updated_at = inc->updated_at;
    if (d->nchanged < CHANGED_MAX) {
        for (k = 0; k < d->nchanged && d->changed[k] != inc; k++)
            ;
        if (k == d->nchanged)
            d->changed[d->nchanged++] = inc;
    } else {
        d->nchanged = SIZE_MAX; /* too many to check one by one */
    }
}

void tc_engine__shortlist_free(tc_engine_t *d)
{
    free(d->shortlist);
    d->shortlist = NULL;
    d->nshortlist = d->shortlist_cap = 0;
    d->nchanged = SIZE_MAX;
}

tc_status_open_t *tc_engine__open_for_status(const tc_engine_t *d, size_t *n)
{
    static const tc_indicator_t by_impact[] = {
        [TC_IMPACT_NONE] = TC_INDICATOR_NONE,         [TC_IMPACT_MINOR] = TC_INDICATOR_MINOR,
        [TC_IMPACT_MAJOR] = TC_INDICATOR_MAJOR,       [TC_IMPACT_CRITICAL] = TC_INDICATOR_CRITICAL,
        [TC_IMPACT_MAINTENANCE] = TC_INDICATOR_MAINTENANCE,
    };
    tc_status_open_t *open = tc_calloc(d->nshortlist ? d->nshortlist : 1, sizeof *open);
    size_t k = 0;
    for (size_t i = 0; i < d->nshortlist; i++) {
        const tc_incident_t *inc = d->shortlist[i];
        if (!tc_incident_is_open(inc))
            continue;
        tc_status_open_t *o = &open[k++];
        if (!inc->is_maintenance)
            o->kind = TC_STATUS_OPEN_INCIDENT;
        else if (inc->status == TC_INC_IN_PROGRESS || inc->status == TC_INC_VERIFYING)
            o->kind = TC_STATUS_OPEN_MAINTENANCE;
        else
            o->kind = TC_STATUS_OPEN_SCHEDULED;
        o->impact = by_impact[inc->impact];
        o->component_ids = (const char *const *)inc->component_ids;
        o->component_status = inc->component_status;
        o->ncomponents = inc->ncomponents;
    }
    *n = k;
    return open;
}
