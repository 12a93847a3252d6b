/* The tracker's rules; see tracker.h. */
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
        t->threshold = TC_MONITOR_DOWN;
        t->good_streak = 0;
        return t->threshold;
    }
    if (t->threshold == TC_MONITOR_UNKNOWN && v == TC_VERDICT_UP) {
        t->threshold = TC_MONITOR_UP;
        return t->threshold;
    }
    if ((t->threshold == TC_MONITOR_UP || t->threshold == TC_MONITOR_UNKNOWN) &&
        t->bad_streak >= failure_threshold) {
        t->threshold = TC_MONITOR_DEGRADED;
        t->good_streak = 0;
        return t->threshold;
    }
    /* Recovery: count verdicts better than where we are; a worse one resets the count. */
    if (t->threshold == TC_MONITOR_DOWN || t->threshold == TC_MONITOR_DEGRADED) {
        if (seen < t->threshold) {
            t->good_streak++;
            if (t->good_streak >= success_threshold) {
                t->threshold = seen;
                t->good_streak = 0;
            }
        } else {
            t->good_streak = 0;
        }
    }
    return t->threshold;
}

tc_monitor_state_t tc_monitor_track(tc_monitor_tracker_t *t, tc_window_t *w, tc_verdict_t v,
                                    double ms, const tc_monitor_cfg_t *m)
{
    tc_window_add(w, (int)v, ms);
    tc_monitor_observe(t, v, m->failure_threshold, m->success_threshold);
    t->share = tc_window_share(w, (size_t)m->window);
    if (m->degraded_ratio > 0 || m->down_ratio > 0)
        t->level = tc_window_level(t->level, t->share, m->degraded_ratio, m->down_ratio);
    else
        t->level = TC_MONITOR_UNKNOWN;
    t->flap_percent = tc_window_flap_percent(w);
    t->flapping = m->flap_detection &&
                  tc_window_flapping(t->flapping, t->flap_percent, m->flap_start, m->flap_stop);

    if (t->level == TC_MONITOR_DOWN)
        t->state = TC_MONITOR_DOWN;
    else if (t->flapping)
        t->state = TC_MONITOR_FLAPPING;
    else if (t->level == TC_MONITOR_DEGRADED && t->threshold != TC_MONITOR_DOWN)
        t->state = TC_MONITOR_DEGRADED;
    else
        t->state = t->threshold;
    return t->state;
}
