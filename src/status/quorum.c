/* The quorum across locations (quorum.h): counting votes, nothing else. */
#include "status/quorum.h"

size_t tc_quorum_need(int quorum, size_t live)
{
    if (live == 0)
        return 0;
    if (quorum <= TC_QUORUM_MAJORITY)
        return live / 2 + 1;
    return (size_t)quorum < live ? (size_t)quorum : live;
}

tc_monitor_state_t tc_quorum_decide(const tc_monitor_state_t *states, size_t n, int quorum,
                                    bool *failing)
{
    size_t down = 0, degraded = 0, flapping = 0, up = 0;
    for (size_t i = 0; i < n; i++) {
        switch (states[i]) {
        case TC_MONITOR_DOWN:
            down++;
            break;
        case TC_MONITOR_DEGRADED:
            degraded++;
            break;
        case TC_MONITOR_FLAPPING:
            flapping++;
            break;
        case TC_MONITOR_UP:
            up++;
            break;
        case TC_MONITOR_UNKNOWN:
        case TC_MONITOR_REGIONAL: /* the leader's decision, never one location's state */
            break;
        }
        if (failing)
            failing[i] = states[i] == TC_MONITOR_DOWN || states[i] == TC_MONITOR_DEGRADED ||
                         states[i] == TC_MONITOR_FLAPPING;
    }
    size_t need = tc_quorum_need(quorum, n);
    if (need == 0)
        return TC_MONITOR_UNKNOWN;
    /* Worse states count toward the milder ones: two down and one degraded of three is down
     * by majority; one down and one degraded is degraded. */
    if (down >= need)
        return TC_MONITOR_DOWN;
    if (down + degraded >= need)
        return TC_MONITOR_DEGRADED;
    if (down + degraded + flapping >= need)
        return TC_MONITOR_FLAPPING;
    return up ? TC_MONITOR_UP : TC_MONITOR_UNKNOWN;
}
