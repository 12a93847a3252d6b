/* A failing decision's confirmation (a monitor's `confirm: true`): before the leader alerts
 * that a monitor is down, degraded or failing regionally, every live location runs it once
 * more at once, and the fresh runs decide whether the failure holds. Pure: no I/O, no clock,
 * no allocation; the caller owns every array.
 *
 * The rules (a table in tests/unit/status/confirm.c):
 * - only a change into down, degraded or regional is confirmed; recovery, flapping and a
 *   failure that only changes its places are decided at once;
 * - each location votes with its fresh run (up, degraded or down); a location that sent none
 *   in time keeps the vote it had (its thresholds' state): silence is no evidence either way,
 *   so a confirmation never hides what the ordinary rules show because a node was slow;
 * - down or degraded holds when the votes still reach the monitor's quorum (quorum.h) and,
 *   with two or more live locations, at least two of them fail: "confirmed from another
 *   location", so with `quorum: 1` one place's failure alerts only once a second place sees
 *   it too; with one location its own fresh run decides;
 * - regional holds when a location still fails (a regional failure is one of few places). */
#ifndef TC_CONFIRM_H
#define TC_CONFIRM_H

#include <stdbool.h>
#include <stddef.h>

#include "status/status.h"

/** Whether a change from @p before to @p after waits for a confirmation. */
bool tc_confirm_needed(tc_monitor_state_t before, tc_monitor_state_t after);

/** Whether the failure @p proposed holds on the @p n live locations' @p votes (fresh runs,
 *  or the old state where none came), for @p quorum (quorum.h). */
bool tc_confirm_holds(tc_monitor_state_t proposed, const tc_monitor_state_t *votes, size_t n,
                      int quorum);

#endif
