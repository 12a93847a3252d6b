/* What the probes missed, in the console: every incident a person opened in the last 90 days
 * (or ?days=N) with its verdict (detected first and how long before, detected after and how
 * long after, or missed), and the components no monitor feeds. Read-only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_int.h"
#include "core/clock.h"
#include "web/html.h"

static const char *row_name(const tc_view_t *v, const char *id)
{
    for (size_t i = 0; i < v->nrows; i++)
        if (strcmp(v->rows[i].id, id) == 0)
            return v->rows[i].name;
    return id;
}

void tc_admin__coverage(tc_admin_call_t *c)
{
    const char *arg = tc_http_arg(c->req, "days");
    long days = arg ? strtol(arg, NULL, 10) : 90;
    if (days < 1 || days > 36500)
        days = 90;
    const tc_view_t *v = tc_engine_view(c->e);
    tc_coverage_report_t r;
    tc_engine_coverage(c->e, tc_clock_wall_ms() - days * 86400000LL, &r);
    size_t count[4] = {0};
    for (size_t i = 0; i < r.nrows; i++)
        count[r.rows[i].verdict]++;
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    tc_admin__open(&b, c, "Coverage", "coverage");
    tc_buf_printf(&b, "<h1>What the probes missed</h1><p>Incidents people opened in the last "
                      "%ld days, and whether a monitor feeding their components failed first "
                      "(up to an hour before), only after they began, or not at all.</p>"
                      "<p class=\"statusline%s\"><strong>%zu</strong> detected first, "
                      "<strong>%zu</strong> detected after, <strong>%zu</strong> missed.</p>",
                  days, count[TC_COVER_MISSED] + count[TC_COVER_BLIND] ? " major" : "",
                  count[TC_COVER_FIRST], count[TC_COVER_AFTER],
                  count[TC_COVER_MISSED] + count[TC_COVER_BLIND]);
    if (r.nrows) {
        tc_buf_puts(&b, "<table class=\"grid\"><thead><tr><th scope=\"col\">Incident</th>"
                        "<th scope=\"col\">Started</th><th scope=\"col\">Verdict</th>"
                        "<th scope=\"col\">How</th></tr></thead><tbody>");
        for (size_t i = 0; i < r.nrows; i++) {
            const tc_cover_row_t *row = &r.rows[i];
            char when[64], dur[40];
            tc_admin__when(c, row->start, when, sizeof when);
            tc_cover_duration(row->delta_ms, dur, sizeof dur);
            tc_buf_printf(&b, "<tr><td><a href=\"/admin/incidents/%s\">", row->incident->id);
            tc_buf_html(&b, row->incident->name);
            tc_buf_printf(&b, "</a></td><td>%s</td><td><span class=\"tag impact-%s\">%s</span>"
                              "</td><td>",
                          when,
                          row->verdict == TC_COVER_FIRST   ? "none"
                          : row->verdict == TC_COVER_AFTER ? "minor"
                                                           : "critical",
                          tc_cover_verdict_name(row->verdict));
            if (row->verdict == TC_COVER_FIRST || row->verdict == TC_COVER_AFTER) {
                tc_buf_printf(&b, "%s%s %s, by ", row->hourly ? "about " : "", dur,
                              row->verdict == TC_COVER_FIRST ? "before" : "after");
                tc_buf_html(&b, row->monitor);
            } else if (row->verdict == TC_COVER_MISSED) {
                tc_buf_puts(&b, "no monitor of its components failed");
            } else {
                tc_buf_puts(&b, "no monitor feeds its components");
            }
            tc_buf_puts(&b, "</td></tr>");
        }
        tc_buf_puts(&b, "</tbody></table>");
    } else {
        tc_buf_puts(&b, "<p class=\"muted\">No incidents opened by people in that time.</p>");
    }
    tc_buf_puts(&b, "<h2>Blind spots</h2>");
    if (r.nblind) {
        tc_buf_puts(&b, "<p>No monitor feeds these components; only people can say they are "
                        "down:</p><ul class=\"list\">");
        for (size_t i = 0; i < r.nblind; i++) {
            tc_buf_puts(&b, "<li>");
            tc_buf_html(&b, row_name(v, r.blind[i]));
            tc_buf_puts(&b, "</li>");
        }
        tc_buf_puts(&b, "</ul>");
    } else {
        tc_buf_puts(&b, "<p>Every component is fed by at least one monitor.</p>");
    }
    tc_engine_coverage_free(&r);
    tc_admin__finish(c, &b, 200);
}
