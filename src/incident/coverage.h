/* What the probes missed: for every incident a person opened, did a monitor feeding one of
 * its components fail first (lead time), only after it began (lag), or not at all (missed)?
 * And which of its components no monitor feeds (blind). The seed's post-mortems ("our probes
 * missed it") as a measurement. Pure: results come through a callback, times as arguments. */
#ifndef TC_COVERAGE_H
#define TC_COVERAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "incident/incident.h"

#define TC_COVERAGE_LEAD_MS (60LL * 60 * 1000) /* a failure this long before counts as first */

typedef enum {
    TC_COVER_FIRST,  /* a monitor failed before the incident began: detected first */
    TC_COVER_AFTER,  /* the first failure came after it began: detected after */
    TC_COVER_MISSED, /* monitors feed its components, and none failed during it */
    TC_COVER_BLIND,  /* missed too: no monitor feeds any of its components */
} tc_cover_verdict_t;

/* The monitors feeding one component. */
typedef struct tc_cover_feed {
    const char *component;
    const char *const *monitors;
    size_t nmonitors;
} tc_cover_feed_t;

/* The first failure of @p monitor in [@p from, @p to] into *@p at (*@p hourly when only the
 * hourly aggregate knows it). @return true when there is one. */
typedef bool (*tc_cover_lookup_t)(void *ctx, const char *monitor, int64_t from, int64_t to,
                                  int64_t *at, bool *hourly);

typedef struct tc_cover_row {
    const tc_incident_t *incident; /* borrowed */
    tc_cover_verdict_t verdict;
    int64_t start, end;            /* end: resolved, or now while open */
    int64_t delta_ms;              /* lead (FIRST) or lag (AFTER); 0 otherwise */
    const char *monitor;           /* the monitor that failed first, or NULL */
    bool hourly;                   /* its time is only known to the hour */
} tc_cover_row_t;

/** One row per incident of @p incidents opened by a person (not by a monitor, not a
 *  maintenance) that started at or after @p since, newest first as given. @p out needs room
 *  for @p n rows. @return the number of rows. */
size_t tc_coverage(const tc_incident_t *const *incidents, size_t n, int64_t since, int64_t now,
                   const tc_cover_feed_t *feeds, size_t nfeeds, tc_cover_lookup_t lookup,
                   void *ctx, tc_cover_row_t *out);

/** A duration for people: "40 s", "12 min", "1 h 5 min", "3 d 2 h". */
void tc_cover_duration(int64_t ms, char *out, size_t outlen);

/** "detected first", "detected after", "missed" (TC_COVER_MISSED and TC_COVER_BLIND alike:
 *  what tells them apart is why). */
const char *tc_cover_verdict_name(tc_cover_verdict_t v);

#endif
