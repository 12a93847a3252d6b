/* A monitor's state across locations: each location judges its own runs with the monitor's
 * thresholds (tracker.h); the leader combines the locations' states into the monitor's by
 * a quorum. Pure: no I/O, no clock, no allocation; the caller owns every array.
 *
 * The rules (a table in tests/unit/status/quorum.c):
 * - the quorum is `majority` (more than half of the live locations, the default) or a number
 *   N (at most the live locations: a quorum of 3 with two locations alive needs both);
 * - down when at least the quorum of locations are down; else degraded when at least the
 *   quorum are degraded or down; else flapping when at least the quorum are flapping,
 *   degraded or down;
 * - else up when a location is up; else pending (nothing is known: the caller keeps what it
 *   had);
 * - with one location, the monitor's state is that location's, whatever the quorum.
 * A location failing where the quorum does not is marked in *failing so the caller can tell a
 * regional failure (some places) from an outage (most places). */
#ifndef TC_QUORUM_H
#define TC_QUORUM_H

#include <stdbool.h>
#include <stddef.h>

#include "status/status.h"

#define TC_QUORUM_MAJORITY 0 /* `quorum: majority`; any other value is a number of locations */

/** How many of @p live locations must agree for @p quorum (TC_QUORUM_MAJORITY or N > 0).
 *  0 when no location is live. */
size_t tc_quorum_need(int quorum, size_t live);

/** Combine the states of @p n live locations (pending ones count as live but vote nothing).
 *  @param failing receives, per location, whether it is down, degraded or flapping; may be
 *  NULL. @return the monitor's state (TC_MONITOR_UNKNOWN when no location has one). */
tc_monitor_state_t tc_quorum_decide(const tc_monitor_state_t *states, size_t n, int quorum,
                                    bool *failing);

#endif
