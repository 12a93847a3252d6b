/* Uptime arithmetic, as Statuspage does it (statuspage.md §4.5): per day, the seconds a
 * component spent in each status, and uptime % = (total - major - 0.3 * partial) / total.
 * Degraded performance and maintenance count as up. Pure: the caller supplies the status
 * log, the day boundaries (in the page's zone) and "now". */
#ifndef TC_UPTIME_H
#define TC_UPTIME_H

#include <stddef.h>
#include <stdint.h>

#include "status/rollup.h"

/* One status change of a component. */
typedef struct tc_status_change {
    int64_t at;         /* wall ms */
    tc_status_t status; /* the status from @at on */
} tc_status_change_t;

typedef struct tc_uptime_day {
    int64_t start, end;        /* wall ms of the day's boundaries in the page's zone */
    double seconds[5];         /* by tc_status_t, within [start, min(end, now)) and after
                                  the component existed */
    double observed;           /* seconds with data */
    tc_status_t worst;         /* worst status seen that day */
    double uptime;             /* percent, or -1 when there is no data for the day */
} tc_uptime_day_t;

/** Fill @p days (whose start/end the caller set, oldest first) from @p log (oldest first; the
 *  first entry is the status when the component was created). Time before log[0].at or
 *  after @p now has no data. */
void tc_uptime_days(const tc_status_change_t *log, size_t nlog, int64_t now,
                    tc_uptime_day_t *days, size_t ndays);

#define TC_UPTIME_PARTIAL_WEIGHT 0.3 /* a partial outage minute counts as 0.3 of a minute down */

/** The seconds of @p d that count as down: major outage in full, partial outage weighted. */
double tc_uptime_downtime(const tc_uptime_day_t *d);

/** Uptime % over all @p days together, or -1 when none has data. */
double tc_uptime_total(const tc_uptime_day_t *days, size_t ndays);

#endif
