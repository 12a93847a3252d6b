/* Reports on the write API (tocsin extensions):
 *   GET coverage?since_days=90   what the probes missed (incident/coverage.h): one entry per
 *                                incident a person opened, and the components no monitor feeds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "core/clock.h"

static json_t *seconds_or_null(bool set, int64_t ms)
{
    return set ? json_integer(ms / 1000) : json_null();
}

void tc_api__coverage(tc_api_call_t *c)
{
    const char *arg = tc_http_arg(c->req, "since_days");
    long days = 90;
    if (arg) {
        char *end;
        days = strtol(arg, &end, 10);
        if (end == arg || *end || days < 1 || days > 36500) {
            tc_api_reply_error(c->req, 400, "since_days is a whole number of days (1-36500)");
            return;
        }
    }
    const tc_zone_t *zone = tc_engine_zone(c->e);
    tc_coverage_report_t r;
    tc_engine_coverage(c->e, tc_clock_wall_ms() - days * 86400000LL, &r);
    json_t *list = json_array(), *blind = json_array();
    size_t count[4] = {0};
    for (size_t i = 0; i < r.nrows; i++) {
        const tc_cover_row_t *row = &r.rows[i];
        char start[40], end[40];
        tc_clock_format_iso(zone, row->start, start, sizeof start);
        tc_clock_format_iso(zone, row->end, end, sizeof end);
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:s?, s:s, s:o, s:o, s:s?, s:b, s:b}", "id",
                            row->incident->id, "name", row->incident->name, "started_at", start,
                            "resolved_at", row->incident->resolved_at ? end : NULL, "verdict",
                            tc_cover_verdict_name(row->verdict), "lead_seconds",
                            seconds_or_null(row->verdict == TC_COVER_FIRST, row->delta_ms),
                            "lag_seconds",
                            seconds_or_null(row->verdict == TC_COVER_AFTER, row->delta_ms),
                            "first_failing_monitor", row->monitor, "unmonitored",
                            row->verdict == TC_COVER_BLIND, "approximate", row->hourly));
        count[row->verdict]++;
    }
    for (size_t i = 0; i < r.nblind; i++)
        json_array_append_new(blind, json_string(r.blind[i]));
    tc_engine_coverage_free(&r);
    tc_api_reply_json(c->req, 200,
                      json_pack("{s:i, s:o, s:o, s:{s:I, s:I, s:I}}", "since_days", (int)days,
                                "incidents", list, "unmonitored_components", blind, "summary",
                                "detected_first", (json_int_t)count[TC_COVER_FIRST],
                                "detected_after", (json_int_t)count[TC_COVER_AFTER], "missed",
                                (json_int_t)(count[TC_COVER_MISSED] + count[TC_COVER_BLIND])));
}
