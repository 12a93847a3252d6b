/* The policy of incident_policy.h. Kept apart from the engine so every rule is one row of a
 * table test, and so the console, multi-node leaders and detection work change decisions in
 * one place. */
#include "incident/incident_policy.h"

static bool bad(tc_monitor_state_t s)
{
    return s == TC_MONITOR_DOWN || s == TC_MONITOR_DEGRADED || s == TC_MONITOR_FLAPPING ||
           s == TC_MONITOR_REGIONAL;
}

/* How bad a state is, for "worsened" and "eased": flapping lies between degraded (what the
 * component shows) and down, a regional failure (a partial outage) between flapping and
 * down. */
static int severity(tc_monitor_state_t s)
{
    switch (s) {
    case TC_MONITOR_DEGRADED:
        return 1;
    case TC_MONITOR_FLAPPING:
        return 2;
    case TC_MONITOR_REGIONAL:
        return 3;
    case TC_MONITOR_DOWN:
        return 4;
    default:
        return 0;
    }
}

tc_policy_out_t tc_incident_policy(const tc_policy_in_t *in, bool *alert)
{
    tc_policy_out_t out = {.incident = TC_POLICY_KEEP, .kind = TC_EVENT_RECOVERED};
    for (size_t k = 0; k < in->nrules; k++)
        alert[k] = false;
    if (in->before == in->after) {
        /* Still down or degraded: remind the rules whose period has passed. Flapping reminds
         * nobody: its alerts are held until it is stable. */
        if (!bad(in->after) || in->after == TC_MONITOR_FLAPPING || in->under_maintenance)
            return out;
        out.kind = TC_EVENT_REMINDER;
        for (size_t k = 0; k < in->nrules; k++) {
            const tc_policy_rule_t *r = &in->rules[k];
            alert[k] = r->remind_ms > 0 && in->now - r->alerted_at >= r->remind_ms;
            out.nalerted += alert[k];
        }
        return out;
    }
    /* While flapping, one alert says so and one says it is stable again; the changes in
     * between are not news (they are the flapping). */
    out.kind = in->after == TC_MONITOR_FLAPPING    ? TC_EVENT_FLAPPING
               : in->before == TC_MONITOR_FLAPPING ? TC_EVENT_STABLE
               : in->after == TC_MONITOR_DOWN      ? TC_EVENT_DOWN
               : in->after == TC_MONITOR_DEGRADED  ? TC_EVENT_DEGRADED
               : in->after == TC_MONITOR_REGIONAL  ? TC_EVENT_REGIONAL
                                                   : TC_EVENT_RECOVERED;
    unsigned bit = out.kind == TC_EVENT_STABLE ? TC_ON_FLAPPING : 1u << out.kind;
    /* A maintenance silences alerts; the first result after a start is news only when it
     * is bad. */
    bool first_up = in->after == TC_MONITOR_UP && in->before == TC_MONITOR_UNKNOWN;
    if (!in->under_maintenance && !first_up && in->after != TC_MONITOR_UNKNOWN) {
        for (size_t k = 0; k < in->nrules; k++) {
            alert[k] = (in->rules[k].on & bit) != 0;
            out.nalerted += alert[k];
        }
    }
    if (!in->auto_incident)
        return out;
    /* A maintenance keeps a failure from opening an incident, but an incident already open
     * still follows the monitor, so it cannot be left open forever. */
    if (!in->has_open && bad(in->after) && !in->under_maintenance)
        out.incident = TC_POLICY_OPEN;
    else if (in->has_open && in->after == TC_MONITOR_UP)
        out.incident = TC_POLICY_RESOLVE;
    else if (in->has_open && in->after != TC_MONITOR_UNKNOWN)
        out.incident = severity(in->after) > severity(in->before) ? TC_POLICY_WORSENED
                                                                  : TC_POLICY_EASED;
    return out;
}
