/* Recurring maintenance windows: "every Tuesday and Thursday at 02:00 for 1 hour", in the
 * page's time zone. Pure: the rule, its parsing from what people write, and the arithmetic
 * of the next window; the engine (engine/schedules.c) turns windows into scheduled
 * maintenances ahead of time. */
#ifndef TC_RECURRENCE_H
#define TC_RECURRENCE_H

#include <stddef.h>
#include <stdint.h>

typedef struct tc_zone tc_zone_t;

#define TC_RECUR_MAX_DURATION_MS (7LL * 24 * 3600 * 1000) /* a window lasts at most a week */

typedef struct tc_recurrence {
    unsigned days;       /* bit 0 Sunday ... bit 6 Saturday; at least one */
    int minute;          /* local start time, minutes after midnight (0-1439) */
    int64_t duration_ms; /* 1 minute to TC_RECUR_MAX_DURATION_MS */
} tc_recurrence_t;

/** Parse one day name ("mon", "monday", "Tue", ...) into its bit. @return 0 or TC_EINVAL. */
int tc_recurrence_day(const char *name, unsigned *bit);
/** Parse "HH:MM" (24-hour) into minutes after midnight. @return 0 or TC_EINVAL. */
int tc_recurrence_time(const char *text, int *minute);
/** Write the rule as people read it, e.g. "Tue, Thu at 02:00 for 1 h 30 min". */
void tc_recurrence_describe(const tc_recurrence_t *r, char *out, size_t outlen);

/** The start (wall ms) of the first window of @p r that starts at or after @p from, with
 *  local times in @p z. A start time that a change of offset skips that day begins at the
 *  end of the gap. */
int64_t tc_recurrence_next(const tc_recurrence_t *r, const tc_zone_t *z, int64_t from);

#endif
