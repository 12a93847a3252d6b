/* The page-level rollup, in Statuspage's words and value sets (shared/reference/statuspage.md
 * §1.3): leaf component statuses → indicator and description. Pure functions: no I/O, no
 * clock, no allocation, so every row of the derivation table is unit-tested. The status
 * vocabulary (tc_status_t, tc_indicator_t, tc_rollup_t and their names) lives in status.h;
 * the page status with open incidents and maintenance is tc_status_derive_page(). */
#ifndef TC_ROLLUP_H
#define TC_ROLLUP_H

#include <stddef.h>

#include "status/status.h"

/** Derive the page status from the statuses of the leaf components (group rows excluded),
 *  as in statuspage.md §1.3. @p n may be 0. */
tc_rollup_t tc_rollup(const tc_status_t *leaves, size_t n);

/** @p r, or the standard rollup of @p at_least when that is more severe (critical > major >
 *  minor > maintenance > none). Used for open incidents and maintenance. */
tc_rollup_t tc_rollup_raise(tc_rollup_t r, tc_indicator_t at_least);

#endif
