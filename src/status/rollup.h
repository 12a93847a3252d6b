/* Component statuses and the page-level rollup, in Statuspage's words and value sets
 * (shared/reference/statuspage.md §1.3). Pure functions: no I/O, no clock, no allocation,
 * so every row of the derivation table is unit-tested. */
#ifndef TC_ROLLUP_H
#define TC_ROLLUP_H

#include <stddef.h>

/* Ordered by severity: a larger value is worse. */
typedef enum {
    TC_STATUS_OPERATIONAL = 0,       /* "operational" */
    TC_STATUS_UNDER_MAINTENANCE = 1, /* "under_maintenance" */
    TC_STATUS_DEGRADED = 2,          /* "degraded_performance" */
    TC_STATUS_PARTIAL_OUTAGE = 3,    /* "partial_outage" */
    TC_STATUS_MAJOR_OUTAGE = 4,      /* "major_outage" */
} tc_status_t;

typedef enum {
    TC_INDICATOR_NONE,        /* "none": all operational */
    TC_INDICATOR_MINOR,       /* "minor" */
    TC_INDICATOR_MAJOR,       /* "major" */
    TC_INDICATOR_CRITICAL,    /* "critical" */
    TC_INDICATOR_MAINTENANCE, /* "maintenance" */
} tc_indicator_t;

typedef struct tc_rollup {
    tc_indicator_t indicator;
    const char *description; /* static string, e.g. "All Systems Operational" */
} tc_rollup_t;

/** @return the API name of @p s, e.g. "degraded_performance". */
const char *tc_status_name(tc_status_t s);
/** Parse an API name. @return 0 or TC_EINVAL. */
int tc_status_parse(const char *name, tc_status_t *out);
/** @return the label shown on the page, e.g. "Degraded Performance". */
const char *tc_status_label(tc_status_t s);
/** @return the API name of @p i, e.g. "critical". */
const char *tc_indicator_name(tc_indicator_t i);

/** The worse of two statuses (a group row shows the worst of its children). */
tc_status_t tc_status_worst(tc_status_t a, tc_status_t b);

/** Derive the page status from the statuses of the leaf components (group rows excluded),
 *  as in statuspage.md §1.3. @p n may be 0. */
tc_rollup_t tc_rollup(const tc_status_t *leaves, size_t n);

/** @p r, or the standard rollup of @p at_least when that is more severe (critical > major >
 *  minor > maintenance > none). Used for open incidents and maintenance. */
tc_rollup_t tc_rollup_raise(tc_rollup_t r, tc_indicator_t at_least);

#endif
