/* The status page's daily uptime bars and the data behind each day's detail.
 *
 * A row's bars are drawn as runs of equal days (one <rect> per run, not per day), with the
 * gaps between days cut by one <pattern> shared by the page, so a quiet row costs a few
 * hundred bytes whatever its number of days. A day's detail (date, uptime, minutes per
 * status, the incidents of that day) is data, not markup: the days with something to say
 * are listed in the row's data-days attribute, and one JSON document at the end of the page
 * holds what every row shares (the first day's date, the words of the detail, the incidents
 * the days name). /page.js (static/page.js) reads them and draws one popover on focus, tap
 * and hover. Without JavaScript the bars stay as drawn and the row links to /uptime.
 *
 * data-days is a space-separated list of entries, "DAYS:FIGURES[:INCIDENTS]":
 *   DAYS      a day index (0 is the oldest) or a range "A-B" of days with equal figures;
 *   FIGURES   "-" for no data, or "U,MAJOR,PARTIAL,DEGRADED,MAINTENANCE": the uptime in
 *             percent and the seconds in each status, an empty field meaning 0;
 *   INCIDENTS indexes into the JSON document's "incidents", joined by ".".
 * A day that is not listed had data, 100% uptime and no incident (a quiet day).
 *
 * Usage: tc_day_bars_new(), tc_day_bars_row() for each row in page order, then
 * tc_day_bars_finish(), which appends the JSON document and the script and frees it all. */
#ifndef TC_DAY_BARS_H
#define TC_DAY_BARS_H

#include "core/buf.h"
#include "web/view.h"

typedef struct tc_day_bars tc_day_bars_t;

/** Start the bars of one render of @p v (borrowed until tc_day_bars_finish()). */
tc_day_bars_t *tc_day_bars_new(const tc_view_t *v);

/** Append row @p r's <svg> of bars with its data-days (@p r one of the view's rows); nothing
 *  when @p r has no days.
 *  The first row that draws bars also appends the shared pattern. */
void tc_day_bars_row(tc_day_bars_t *db, tc_buf_t *b, const tc_view_row_t *r);

/** Append the shared JSON document and the <script> that loads /page.js when some row drew
 *  bars, and free @p db. */
void tc_day_bars_finish(tc_day_bars_t *db, tc_buf_t *b);

#endif
