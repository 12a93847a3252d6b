/* The Statuspage status rollup. The one- and zero-component rules are documented by the
 * vendor; the blend for two or more is the inferred table of statuspage.md §1.3, which
 * reproduces every captured sample. */
#include "status/rollup.h"

static tc_rollup_t make(tc_indicator_t indicator, const char *description)
{
    tc_rollup_t r = {indicator, description};
    return r;
}

tc_rollup_t tc_rollup(const tc_status_t *leaves, size_t n)
{
    tc_status_t worst = TC_STATUS_OPERATIONAL;
    size_t at_worst = 0;
    for (size_t i = 0; i < n; i++) {
        if (leaves[i] > worst) {
            worst = leaves[i];
            at_worst = 0;
        }
        if (leaves[i] == worst)
            at_worst++;
    }
    /* "all leaves" in the table: every leaf shares the worst status. With one component
     * this gives exactly the vendor's documented one-component descriptions. */
    int all = n > 0 && at_worst == n;
    switch (worst) {
    case TC_STATUS_MAJOR_OUTAGE:
        return all ? make(TC_INDICATOR_CRITICAL, "Major System Outage")
                   : make(TC_INDICATOR_MAJOR, "Partial System Outage");
    case TC_STATUS_PARTIAL_OUTAGE:
        return all ? make(TC_INDICATOR_MAJOR, "Partial System Outage")
                   : make(TC_INDICATOR_MINOR, "Minor Service Outage");
    case TC_STATUS_DEGRADED:
        /* One degraded component is documented as "Partially Degraded Service", so the
         * "all degraded" wording applies only when several components are all degraded. */
        return all && n > 1 ? make(TC_INDICATOR_MINOR, "Degraded System Service")
                            : make(TC_INDICATOR_MINOR, "Partially Degraded Service");
    case TC_STATUS_UNDER_MAINTENANCE:
        return make(TC_INDICATOR_MAINTENANCE, "Service Under Maintenance");
    case TC_STATUS_OPERATIONAL:
    default:
        return make(TC_INDICATOR_NONE, "All Systems Operational");
    }
}

/* Severity of an indicator for comparisons: maintenance ranks below every outage. */
static int severity(tc_indicator_t i)
{
    static const int rank[] = {0, 2, 3, 4, 1};
    return rank[i];
}

tc_rollup_t tc_rollup_raise(tc_rollup_t r, tc_indicator_t at_least)
{
    if (severity(at_least) <= severity(r.indicator))
        return r;
    switch (at_least) {
    case TC_INDICATOR_CRITICAL:
        return make(TC_INDICATOR_CRITICAL, "Major System Outage");
    case TC_INDICATOR_MAJOR:
        return make(TC_INDICATOR_MAJOR, "Partial System Outage");
    case TC_INDICATOR_MINOR:
        return make(TC_INDICATOR_MINOR, "Partially Degraded Service");
    case TC_INDICATOR_MAINTENANCE:
        return make(TC_INDICATOR_MAINTENANCE, "Service Under Maintenance");
    default:
        return r;
    }
}
