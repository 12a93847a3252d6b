/* The threshold tracker of one monitor: turns the stream of per-run verdicts into a state
 * (up, degraded, down; see tc_monitor_state_t in status.h) with failure and success
 * thresholds, so one lost packet does not page anyone and one lucky answer does not close an
 * outage. Pure arithmetic on a struct the caller owns: no I/O, no clock, no allocation.
 * What a state means for a component is tc_monitor_component_status() in status.h. */
#ifndef TC_TRACKER_H
#define TC_TRACKER_H

#include "probe/probe.h"
#include "status/status.h"

/* Embedded in the engine's per-monitor slot; zeroed means "unknown, no streak". */
typedef struct tc_monitor_tracker {
    tc_monitor_state_t state;
    int down_streak;     /* consecutive down verdicts */
    int bad_streak;      /* consecutive degraded-or-down verdicts */
    int good_streak;     /* consecutive verdicts better than the current state */
} tc_monitor_tracker_t;

/** Feed one verdict. @return the (possibly new) state, also kept in @p t.
 *  A monitor goes down after @p failure_threshold down verdicts in a row, degraded after
 *  @p failure_threshold degraded-or-worse verdicts in a row, and recovers after
 *  @p success_threshold better verdicts in a row. The first up verdict makes an unknown
 *  monitor up at once. */
tc_monitor_state_t tc_monitor_observe(tc_monitor_tracker_t *t, tc_verdict_t v,
                                      int failure_threshold, int success_threshold);

#endif
