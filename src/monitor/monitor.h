/* The threshold state machine of one monitor: turns the stream of per-run verdicts into a
 * state (up, degraded, down) with failure and success thresholds, so one lost packet does not
 * page anyone and one lucky answer does not close an outage. Pure: no I/O, no clock. */
#ifndef TC_MONITOR_H
#define TC_MONITOR_H

#include "probe/probe.h"
#include "status/rollup.h"

typedef enum {
    TC_MONITOR_UNKNOWN,  /* no verdict has crossed a threshold yet */
    TC_MONITOR_UP,       /* healthy */
    TC_MONITOR_DEGRADED, /* degraded conditions failing */
    TC_MONITOR_DOWN,     /* conditions failing */
} tc_monitor_state_t;

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

/** The component status a monitor in state @p s asks for. */
tc_status_t tc_monitor_component_status(tc_monitor_state_t s, tc_status_t down_status);

/** @return "unknown", "up", "degraded" or "down". */
const char *tc_monitor_state_name(tc_monitor_state_t s);

#endif
