/* The HTML status page. Server-rendered, no JavaScript; one inline stylesheet that follows
 * the reader's light/dark preference and fits a phone. Every string that comes from the
 * config goes through tc_buf_html(). */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "web/render.h"

#define PAGE_LIMIT (8 << 20) /* a page past 8 MiB means a bug, not a big status page */

static const char *const css =
    ":root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--fg:#1d2330;--muted:#5b6474;"
    "--line:#e3e6eb;--ok:#1f9d55;--minor:#d69e2e;--major:#dd6b20;--critical:#c53030;"
    "--maint:#3182ce;--nodata:#d5d9e0}"
    "@media (prefers-color-scheme:dark){:root{--bg:#111418;--card:#1a1f26;--fg:#e6e9ee;"
    "--muted:#9aa3b2;--line:#2a313b;--ok:#48bb78;--minor:#ecc94b;--major:#ed8936;"
    "--critical:#fc8181;--maint:#63b3ed;--nodata:#39414d}}"
    "*{box-sizing:border-box}"
    "body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"
    "'Segoe UI',Roboto,sans-serif}"
    "main{max-width:52rem;margin:0 auto;padding:1.5rem 1rem 3rem}"
    "h1{font-size:1.6rem;margin:0 0 .25rem}"
    ".description{color:var(--muted);margin:0 0 1.25rem}"
    ".banner{border-radius:.5rem;padding:1rem 1.25rem;font-weight:600;font-size:1.15rem;"
    "color:#fff;margin:0 0 1.5rem}"
    ".banner.none{background:var(--ok)}.banner.minor{background:var(--minor);color:#1d2330}"
    ".banner.major{background:var(--major)}.banner.critical{background:var(--critical)}"
    ".banner.maintenance{background:var(--maint)}"
    ".components{list-style:none;margin:0;padding:0;background:var(--card);"
    "border:1px solid var(--line);border-radius:.5rem}"
    ".components>li{border-top:1px solid var(--line)}.components>li:first-child{border-top:0}"
    ".row{display:flex;justify-content:space-between;gap:1rem;padding:.8rem 1.1rem;"
    "align-items:baseline;flex-wrap:wrap}"
    ".name{font-weight:600}.row small{display:block;color:var(--muted);font-weight:400}"
    ".group>.row{background:rgba(127,127,127,.06)}"
    ".children{list-style:none;margin:0;padding:0 0 0 1.1rem}"
    ".children li{border-top:1px solid var(--line)}"
    ".status{font-size:.95rem;white-space:nowrap}"
    ".status.operational{color:var(--ok)}.status.degraded_performance{color:var(--minor)}"
    ".status.partial_outage{color:var(--major)}.status.major_outage{color:var(--critical)}"
    ".status.under_maintenance{color:var(--maint)}"
    ".bars-row{padding-top:0;padding-bottom:0}"
    ".bars{display:block;width:100%;height:2.1rem;margin:.1rem 0 0}"
    ".bars rect{fill:var(--nodata)}.bars .operational{fill:var(--ok)}"
    ".bars .degraded_performance{fill:var(--minor)}.bars .partial_outage{fill:var(--major)}"
    ".bars .major_outage{fill:var(--critical)}.bars .under_maintenance{fill:var(--maint)}"
    ".uptime{display:flex;justify-content:space-between;color:var(--muted);font-size:.8rem;"
    "padding:0 1.1rem .7rem}"
    ".spark{width:7.5rem;height:1.5rem;vertical-align:middle;margin-right:.5rem}"
    ".spark polyline{fill:none;stroke:var(--muted);stroke-width:1.5}"
    "footer{margin-top:2rem;color:var(--muted);font-size:.875rem}"
    "footer a{color:inherit}";

/* Rows hidden while operational are still shown once they are not. */
static int visible(const tc_view_row_t *r)
{
    return !r->only_show_if_degraded || r->status != TC_STATUS_OPERATIONAL;
}

/* A small response-time chart: the monitor's last runs as a polyline, with a text title. */
static void sparkline_html(tc_buf_t *b, const tc_view_row_t *r)
{
    if (r->nlatencies < 2)
        return;
    double max = 1, sum = 0;
    for (size_t i = 0; i < r->nlatencies; i++) {
        if (r->latencies[i] > max)
            max = r->latencies[i];
        sum += r->latencies[i];
    }
    tc_buf_printf(b,
                  "<svg class=\"spark\" viewBox=\"0 0 120 24\" role=\"img\" "
                  "aria-label=\"Response time: last %.0f ms, average %.0f ms\">"
                  "<title>Response time: last %.0f ms, average %.0f ms, highest %.0f ms"
                  "</title><polyline points=\"",
                  r->latencies[r->nlatencies - 1], sum / (double)r->nlatencies,
                  r->latencies[r->nlatencies - 1], sum / (double)r->nlatencies, max);
    for (size_t i = 0; i < r->nlatencies; i++)
        tc_buf_printf(b, "%s%.1f,%.1f", i ? " " : "",
                      120.0 * (double)i / (double)(r->nlatencies - 1),
                      22.0 - 20.0 * r->latencies[i] / max);
    tc_buf_puts(b, "\"/></svg>");
}

/* 90 daily bars; each has a <title> tooltip with the date, uptime and outage minutes, so it
 * reads without JavaScript, and the row ends with the uptime over the whole range. */
static void bars_html(tc_buf_t *b, const tc_view_row_t *r)
{
    if (!r->days)
        return;
    tc_buf_printf(b, "<svg class=\"bars\" viewBox=\"0 0 %zu 34\" preserveAspectRatio=\"none\" "
                     "role=\"img\" aria-label=\"Uptime of ",
                  r->ndays * 5);
    tc_buf_html(b, r->name);
    tc_buf_puts(b, " over the last days\">");
    for (size_t i = 0; i < r->ndays; i++) {
        const tc_uptime_day_t *day = &r->days[i];
        char date[32];
        tc_clock_format_local(day->start, "%b %d, %Y", date, sizeof date);
        tc_buf_printf(b, "<rect x=\"%zu\" width=\"3.6\" height=\"34\"", i * 5);
        if (day->uptime < 0) {
            tc_buf_printf(b, "><title>%s: no data</title></rect>", date);
            continue;
        }
        double major = day->seconds[TC_STATUS_MAJOR_OUTAGE] / 60.0;
        double partial = day->seconds[TC_STATUS_PARTIAL_OUTAGE] / 60.0;
        double degraded = day->seconds[TC_STATUS_DEGRADED] / 60.0;
        tc_buf_printf(b, " class=\"%s\"><title>%s: %.2f%% uptime", tc_status_name(day->worst),
                      date, day->uptime);
        if (major >= 1)
            tc_buf_printf(b, ", %.0f min major outage", major);
        if (partial >= 1)
            tc_buf_printf(b, ", %.0f min partial outage", partial);
        if (degraded >= 1)
            tc_buf_printf(b, ", %.0f min degraded", degraded);
        if (major < 1 && partial < 1 && degraded < 1)
            tc_buf_puts(b, ", no incidents");
        tc_buf_puts(b, "</title></rect>");
    }
    tc_buf_puts(b, "</svg>");
}

static void row_html(tc_buf_t *b, const tc_view_row_t *r)
{
    tc_buf_puts(b, "<div class=\"row\"><span class=\"name\">");
    tc_buf_html(b, r->name);
    if (r->description) {
        tc_buf_puts(b, "<small>");
        tc_buf_html(b, r->description);
        tc_buf_puts(b, "</small>");
    }
    tc_buf_puts(b, "</span><span>");
    sparkline_html(b, r);
    tc_buf_printf(b, "<span class=\"status %s\">%s</span></span>", tc_status_name(r->status),
                  tc_status_label(r->status));
    if (r->days) {
        tc_buf_puts(b, "</div><div class=\"row bars-row\">");
        bars_html(b, r);
        tc_buf_puts(b, "</div><div class=\"uptime\">");
        if (r->uptime >= 0)
            tc_buf_printf(b, "<span>%zu days ago</span><span>%.2f%% uptime</span><span>Today"
                             "</span>",
                          r->ndays, r->uptime);
        else
            tc_buf_printf(b, "<span>%zu days ago</span><span>no data yet</span><span>Today"
                             "</span>",
                          r->ndays);
    }
    tc_buf_puts(b, "</div>");
}

static void components_html(tc_buf_t *b, const tc_view_t *v)
{
    tc_buf_puts(b, "<ul class=\"components\" aria-label=\"Components\">");
    for (size_t i = 0; i < v->nrows; i++) {
        const tc_view_row_t *r = &v->rows[i];
        if (r->group_id || !visible(r))
            continue;
        if (!r->is_group) {
            tc_buf_puts(b, "<li>");
            row_html(b, r);
            tc_buf_puts(b, "</li>");
            continue;
        }
        tc_buf_puts(b, "<li class=\"group\">");
        row_html(b, r);
        tc_buf_puts(b, "<ul class=\"children\">");
        for (size_t j = 0; j < v->nrows; j++) {
            const tc_view_row_t *c = &v->rows[j];
            if (!c->group_id || strcmp(c->group_id, r->id) != 0 || !visible(c))
                continue;
            tc_buf_puts(b, "<li>");
            row_html(b, c);
            tc_buf_puts(b, "</li>");
        }
        tc_buf_puts(b, "</ul></li>");
    }
    tc_buf_puts(b, "</ul>");
}

char *tc_render_page_html(const tc_view_t *v, size_t *len)
{
    tc_buf_t b;
    tc_buf_init(&b, PAGE_LIMIT);
    char updated[64];
    tc_clock_format_local(v->updated_at, "%b %d, %Y %H:%M %Z", updated, sizeof updated);

    tc_buf_puts(&b, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                    "<meta name=\"color-scheme\" content=\"light dark\"><title>");
    tc_buf_html(&b, v->page_name);
    /* "Acme Status" stays as it is; "Acme" becomes "Acme Status". */
    if (!strstr(v->page_name, "Status") && !strstr(v->page_name, "status"))
        tc_buf_puts(&b, " Status");
    tc_buf_puts(&b, "</title>");
    if (v->page_description) {
        tc_buf_puts(&b, "<meta name=\"description\" content=\"");
        tc_buf_html(&b, v->page_description);
        tc_buf_puts(&b, "\">");
    }
    tc_buf_printf(&b, "<style>%s</style></head><body><main><header><h1>", css);
    tc_buf_html(&b, v->page_name);
    tc_buf_puts(&b, "</h1>");
    if (v->page_description) {
        tc_buf_puts(&b, "<p class=\"description\">");
        tc_buf_html(&b, v->page_description);
        tc_buf_puts(&b, "</p>");
    }
    tc_buf_printf(&b,
                  "</header><p class=\"banner %s\" role=\"status\" data-indicator=\"%s\">%s</p>",
                  tc_indicator_name(v->rollup.indicator), tc_indicator_name(v->rollup.indicator),
                  v->rollup.description);
    components_html(&b, v);
    tc_buf_puts(&b, "<footer><p>Times are shown in ");
    tc_buf_html(&b, v->time_zone);
    tc_buf_puts(&b, ". Last updated ");
    tc_buf_html(&b, updated);
    tc_buf_puts(&b, ".</p><p><a href=\"/api/v2/summary.json\">Status API</a> &middot; "
                    "Powered by tocsin</p></footer></main></body></html>\n");
    return tc_buf_steal(&b, len);
}
