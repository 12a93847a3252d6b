/* A failing decision's confirmation (confirm.h): counting fresh votes, nothing else. */
#include "status/confirm.h"
#include "status/quorum.h"

static bool failing(tc_monitor_state_t s)
{
    return s == TC_MONITOR_DOWN || s == TC_MONITOR_DEGRADED || s == TC_MONITOR_FLAPPING;
}

bool tc_confirm_needed(tc_monitor_state_t before, tc_monitor_state_t after)
{
    if (after == before)
        return false;
    return after == TC_MONITOR_DOWN || after == TC_MONITOR_DEGRADED ||
           after == TC_MONITOR_REGIONAL;
}

bool tc_confirm_holds(tc_monitor_state_t proposed, const tc_monitor_state_t *votes, size_t n,
                      int quorum)
{
    size_t nfailing = 0;
    for (size_t i = 0; i < n; i++)
        nfailing += failing(votes[i]);
    if (proposed == TC_MONITOR_REGIONAL)
        return nfailing > 0;
    /* "From another location": one place's failure is never confirmed by itself alone. */
    if (nfailing < (n > 1 ? 2 : 1))
        return false;
    return failing(tc_quorum_decide(votes, n, quorum, NULL));
}
