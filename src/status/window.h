/* The recent runs of one monitor and what they say together, beyond the last one: the share
 * that failed (with degraded and down ratios and their hysteresis), response-time percentiles,
 * and Nagios's weighted percent state change that flap detection reads. Consecutive
 * thresholds (tracker.h) cannot see a target failing 30% of requests at random, nor a slow
 * tail; these figures can.
 *
 * Pure arithmetic over a ring whose storage the caller provides: no I/O, no clock, no
 * allocation, no tocsin header but status.h. Verdicts are stored as tc_verdict_t values
 * (probe.h: 0 up, 1 degraded, 2 down) without including probe.h, so probe/ may read these
 * figures' types without a circle of includes. */
#ifndef TC_WINDOW_H
#define TC_WINDOW_H

#include <stdbool.h>
#include <stddef.h>

#include "status/status.h"

#define TC_WINDOW_MAX 1000 /* the longest `window:` a monitor may ask for */
#define TC_FLAP_RUNS 21    /* runs flap detection looks at (Nagios's MAX_STATE_HISTORY_ENTRIES) */
#define TC_RUN_DOWN 2      /* the stored verdict of a failed run (TC_VERDICT_DOWN) */

/* One run as the window keeps it. */
typedef struct tc_run_sample {
    unsigned char verdict; /* tc_verdict_t: 0 up, 1 degraded, 2 down */
    float ms;              /* response time, or -1 when the run reached nothing */
} tc_run_sample_t;

/* The last runs of one monitor, newest last. Embedded in the engine's monitor slot; the
 * ring's storage is the caller's. */
typedef struct tc_window {
    tc_run_sample_t *ring; /* borrowed storage for cap samples */
    size_t cap;
    size_t count;          /* runs added so far; the ring holds the last min(count, cap) */
} tc_window_t;

/** Start an empty window on @p storage of @p cap samples (cap >= 1). */
void tc_window_init(tc_window_t *w, tc_run_sample_t *storage, size_t cap);
/** Record a run: @p verdict (tc_verdict_t) and its response time @p ms (< 0: none). */
void tc_window_add(tc_window_t *w, int verdict, double ms);
/** @return the runs held, min(count, cap). */
size_t tc_window_len(const tc_window_t *w);
/** @return the @p k-th most recent run (0 is the newest); @p k < tc_window_len(). */
const tc_run_sample_t *tc_window_recent(const tc_window_t *w, size_t k);
/** Copy the newest runs of @p from into @p to (as many as @p to holds), oldest first, so a
 *  window survives a change of its size. @p to is reset first. */
void tc_window_copy(tc_window_t *to, const tc_window_t *from);

/** @return how many of the last @p runs runs failed (verdict down). Runs not held count as
 *  passed. */
size_t tc_window_failures(const tc_window_t *w, size_t runs);

/** The failure share of the last @p runs runs: failures / @p runs. The denominator is the
 *  window, not the runs seen so far, so a young window never trips early: with `window: 20`
 *  and a ratio of 0.2 it takes 4 failures, on the 4th run as on the 400th. */
double tc_window_share(const tc_window_t *w, size_t runs);

/** The level a failure share asks for, with hysteresis. @p level is the current one (UP,
 *  DEGRADED or DOWN; UNKNOWN counts as UP). A ratio of 0 is off. The level is DOWN from
 *  @p down_ratio on, DEGRADED from @p degraded_ratio on, and once reached it holds until the
 *  share falls below half its ratio: DOWN falls back to DEGRADED (or UP when the share is
 *  also below half of @p degraded_ratio), DEGRADED to UP. @return UP, DEGRADED or DOWN. */
tc_monitor_state_t tc_window_level(tc_monitor_state_t level, double share,
                                   double degraded_ratio, double down_ratio);

/** Response-time percentiles (p50, p95, p99, by nearest rank: the smallest time whose rank
 *  reaches that share of the samples) over the last @p runs runs that have a time, plus
 *  @p extra_ms when >= 0 (the run being judged, not yet added). @return the number of
 *  samples used; @p out is left untouched when it is 0. */
size_t tc_window_percentiles(const tc_window_t *w, size_t runs, double extra_ms,
                             double out[3]);

/** @return how many of the transitions between the last @p runs runs changed verdict. */
size_t tc_window_changes(const tc_window_t *w, size_t runs);

/** Nagios's weighted percent state change over the last TC_FLAP_RUNS runs: each of the 20
 *  transitions between consecutive runs whose verdicts differ counts with a weight from
 *  0.75 (oldest) to 1.25 (newest), and the sum is a percentage of 20. Runs not held yet
 *  count as no change, so a young window never reads higher than its runs show. */
double tc_window_flap_percent(const tc_window_t *w);

/** Flap state after a new @p percent: flapping starts at @p start percent or more and stops
 *  at @p stop or less (Nagios's comparisons); in between, @p was stands. */
bool tc_window_flapping(bool was, double percent, double start, double stop);

#endif
