/* Probe self-health's decision; see vantage.h for the rules. Every function here is a
 * function of its arguments (and, for the step, the state it is given). */
#include "status/vantage.h"

#include <string.h>

#define RATIO_EPSILON 1e-9

tc_self_verdict_t tc_vantage_self_verdict(const tc_self_part_t *parts, size_t n)
{
    size_t targets = 0, targets_failed = 0;
    bool trusted = false, resolver_failed = false;
    for (size_t i = 0; i < n; i++) {
        if (!parts[i].trusted)
            continue;
        trusted = true;
        if (parts[i].resolver) {
            resolver_failed |= !parts[i].passed;
        } else {
            targets++;
            targets_failed += !parts[i].passed;
        }
    }
    if (!trusted)
        return TC_SELF_NO_EVIDENCE;
    if (resolver_failed || (targets > 0 && targets_failed == targets))
        return TC_SELF_FAILED;
    return TC_SELF_PASSED;
}

bool tc_vantage_resolver_answered(const char *rcode)
{
    return strcmp(rcode, "NOERROR") == 0 || strcmp(rcode, "NXDOMAIN") == 0;
}

bool tc_vantage_most_failing(size_t failing, size_t voting, size_t min_failing, double ratio)
{
    /* failing / voting >= ratio as a product, with a margin: 0.7 * 100 is not exactly 70
     * in binary, and 70 of 100 must count. */
    return voting > 0 && failing >= min_failing &&
           (double)failing + RATIO_EPSILON >= ratio * (double)voting;
}

tc_vantage_out_t tc_vantage_step(tc_vantage_t *v, const tc_vantage_in_t *in)
{
    tc_vantage_out_t out = {false, false};
    tc_vantage_state_t next = TC_VANTAGE_HEALTHY;
    if (!in->most_failing) {
        v->episode = false;
    } else {
        if (!v->episode) {
            v->episode = true;
            v->episode_at = in->now;
        }
        /* Only a round that started once the failures were there can speak for them: one
         * that started before may have passed on a network that has just gone. */
        if (in->checked && in->check_started >= v->episode_at) {
            next = in->check == TC_SELF_FAILED ? TC_VANTAGE_IMPAIRED : TC_VANTAGE_HEALTHY;
        } else {
            next = TC_VANTAGE_CHECKING;
            out.start_check = !in->check_running;
        }
    }
    if (next != v->state) {
        v->state = next;
        v->since = in->now;
        out.changed = true;
    }
    return out;
}

const char *tc_vantage_state_name(tc_vantage_state_t s)
{
    switch (s) {
    case TC_VANTAGE_CHECKING:
        return "checking";
    case TC_VANTAGE_IMPAIRED:
        return "impaired";
    case TC_VANTAGE_HEALTHY:
    default:
        return "healthy";
    }
}
