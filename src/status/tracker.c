/* Threshold state machine; see tracker.h for the rules. */
#include "status/tracker.h"

static tc_monitor_state_t from_verdict(tc_verdict_t v)
{
    return v == TC_VERDICT_DOWN ? TC_MONITOR_DOWN
           : v == TC_VERDICT_DEGRADED ? TC_MONITOR_DEGRADED
                                      : TC_MONITOR_UP;
}

tc_monitor_state_t tc_monitor_observe(tc_monitor_tracker_t *t, tc_verdict_t v,
                                      int failure_threshold, int success_threshold)
{
    t->down_streak = v == TC_VERDICT_DOWN ? t->down_streak + 1 : 0;
    t->bad_streak = v != TC_VERDICT_UP ? t->bad_streak + 1 : 0;
    tc_monitor_state_t seen = from_verdict(v);

    if (t->down_streak >= failure_threshold) {
        t->state = TC_MONITOR_DOWN;
        t->good_streak = 0;
        return t->state;
    }
    if (t->state == TC_MONITOR_UNKNOWN && v == TC_VERDICT_UP) {
        t->state = TC_MONITOR_UP;
        return t->state;
    }
    if ((t->state == TC_MONITOR_UP || t->state == TC_MONITOR_UNKNOWN) &&
        t->bad_streak >= failure_threshold) {
        t->state = TC_MONITOR_DEGRADED;
        t->good_streak = 0;
        return t->state;
    }
    /* Recovery: count verdicts better than where we are; a worse one resets the count. */
    if (t->state == TC_MONITOR_DOWN || t->state == TC_MONITOR_DEGRADED) {
        if (seen < t->state) {
            t->good_streak++;
            if (t->good_streak >= success_threshold) {
                t->state = seen;
                t->good_streak = 0;
            }
        } else {
            t->good_streak = 0;
        }
    }
    return t->state;
}
