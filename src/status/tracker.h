/* The tracker of one monitor: turns the stream of per-run verdicts into the monitor's state
 * (pending, up, degraded, down, flapping; see tc_monitor_state_t in status.h) by three rules
 * read together:
 * - consecutive thresholds, so one lost packet does not page anyone and one lucky answer
 *   does not close an outage;
 * - the failure window (window.h), so a target failing a share of its runs at random, never
 *   enough in a row, is still seen;
 * - flap detection (Nagios's weighted percent state change), so a target that keeps
 *   changing is one "flapping" state instead of an alert per change.
 * Pure arithmetic on structs the caller owns: no I/O, no clock, no allocation. What a state
 * means for a component is tc_monitor_component_status() in status.h. */
#ifndef TC_TRACKER_H
#define TC_TRACKER_H

#include <stdbool.h>

#include "probe/probe.h"
#include "status/status.h"
#include "status/window.h"

/* Embedded in the engine's per-monitor slot; zeroed means "pending, no streak". */
typedef struct tc_monitor_tracker {
    tc_monitor_state_t state;     /* what the monitor is: the three rules together */
    tc_monitor_state_t threshold; /* by consecutive thresholds alone */
    tc_monitor_state_t level;     /* by the failure share alone: UP, DEGRADED or DOWN, with
                                     hysteresis; UNKNOWN while the monitor sets no ratio */
    bool flapping;                /* flap detection says so */
    double share;                 /* failed runs / window, after the last run */
    double flap_percent;          /* weighted percent state change, after the last run */
    int down_streak;     /* consecutive down verdicts */
    int bad_streak;      /* consecutive degraded-or-down verdicts */
    int good_streak;     /* consecutive verdicts better than the threshold state */
} tc_monitor_tracker_t;

/** The consecutive-threshold rule alone: feed one verdict. @return the (possibly new)
 *  threshold state, also kept in @p t->threshold (t->state is not touched).
 *  A monitor goes down after @p failure_threshold down verdicts in a row, degraded after
 *  @p failure_threshold degraded-or-worse verdicts in a row, and recovers after
 *  @p success_threshold better verdicts in a row. The first up verdict makes a pending
 *  monitor up at once. */
tc_monitor_state_t tc_monitor_observe(tc_monitor_tracker_t *t, tc_verdict_t v,
                                      int failure_threshold, int success_threshold);

/** Record one counted run of monitor @p m (verdict @p v, response time @p ms, < 0 when it
 *  reached nothing) in @p w and apply the three rules with @p m's keys (thresholds,
 *  `window`, `degraded_ratio`, `down_ratio`, `flap_detection`, `flap_start`, `flap_stop`).
 *  @p w must hold at least max(m->window, TC_FLAP_RUNS) runs.
 *  @return the monitor's state, also kept in @p t->state:
 *  1. DOWN when the failure share has reached `down_ratio` (a measured failure rate is an
 *     outage, flapping or not);
 *  2. else FLAPPING while flap detection says so;
 *  3. else the threshold state, made DEGRADED when the failure share asks for degraded and
 *     the thresholds say less (pending, up). A share never makes a pending monitor up. */
tc_monitor_state_t tc_monitor_track(tc_monitor_tracker_t *t, tc_window_t *w, tc_verdict_t v,
                                    double ms, const tc_monitor_cfg_t *m);

#endif
