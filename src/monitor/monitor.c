/* Threshold state machine; see monitor.h for the rules. */
#include "monitor/monitor.h"

const char *tc_monitor_state_name(tc_monitor_state_t s)
{
    static const char *const names[] = {"unknown", "up", "degraded", "down"};
    return names[s];
}

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

tc_status_t tc_monitor_component_status(tc_monitor_state_t s, tc_status_t down_status)
{
    switch (s) {
    case TC_MONITOR_DOWN:
        return down_status;
    case TC_MONITOR_DEGRADED:
        return TC_STATUS_DEGRADED;
    default:
        return TC_STATUS_OPERATIONAL;
    }
}
