/* The HTML status page "/": open incidents and maintenance, the components with their
 * uptime bars, and the last week of history. Server-rendered and complete without
 * JavaScript; /page.js only adds each day's detail to the bars (day_bars.c). The frame and
 * stylesheet come from html.c. Every string that comes from the config or a user goes
 * through tc_buf_html() or the safe Markdown renderer. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "web/day_bars.h"
#include "web/html.h"
#include "web/render.h"

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

static void row_html(tc_buf_t *b, tc_day_bars_t *bars, const tc_view_row_t *r)
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
    /* A vendor-fed component tells readers what to do instead while it is degraded or
     * worse (not during maintenance, which is announced on its own). */
    if (r->fallback && r->status >= TC_STATUS_DEGRADED) {
        tc_buf_puts(b, "</div><div class=\"row fallback\" role=\"note\"><span>");
        tc_buf_html(b, r->fallback);
        if (r->vendor_url) {
            tc_buf_puts(b, " <a href=\"");
            tc_buf_html(b, r->vendor_url);
            tc_buf_puts(b, "\" rel=\"noopener\">Vendor status page</a>");
        }
        tc_buf_puts(b, "</span>");
    }
    if (r->days) {
        tc_buf_puts(b, "</div><div class=\"row bars-row\">");
        tc_day_bars_row(bars, b, r);
        /* The row's months on /uptime: the figures behind the bars, for every reader. */
        tc_buf_printf(b, "</div><div class=\"uptime\"><span>%zu days ago</span>"
                         "<a href=\"/uptime#u-",
                      r->ndays);
        tc_buf_html(b, r->id);
        if (r->uptime >= 0)
            tc_buf_printf(b, "\">%.2f%% uptime</a><span>Today</span>", r->uptime);
        else
            tc_buf_puts(b, "\">no data yet</a><span>Today</span>");
    }
    tc_buf_puts(b, "</div>");
}

static void components_html(tc_buf_t *b, const tc_view_t *v, tc_day_bars_t *bars)
{
    tc_buf_puts(b, "<ul class=\"components\" aria-label=\"Components\">");
    for (size_t i = 0; i < v->nrows; i++) {
        const tc_view_row_t *r = &v->rows[i];
        if (r->group_id || !visible(r))
            continue;
        if (!r->is_group) {
            tc_buf_puts(b, "<li>");
            row_html(b, bars, r);
            tc_buf_puts(b, "</li>");
            continue;
        }
        tc_buf_puts(b, "<li class=\"group\">");
        row_html(b, bars, r);
        tc_buf_puts(b, "<ul class=\"children\">");
        for (size_t j = 0; j < v->nrows; j++) {
            const tc_view_row_t *c = &v->rows[j];
            if (!c->group_id || strcmp(c->group_id, r->id) != 0 || !visible(c))
                continue;
            tc_buf_puts(b, "<li>");
            row_html(b, bars, c);
            tc_buf_puts(b, "</li>");
        }
        tc_buf_puts(b, "</ul></li>");
    }
    tc_buf_puts(b, "</ul>");
}

/* The latest update of an open incident or maintenance: label, time and body. */
static void latest_update_html(tc_buf_t *b, const tc_view_t *v, const tc_incident_t *i)
{
    if (!i->nupdates)
        return;
    size_t k = i->nupdates - 1;
    const tc_incident_update_t *u = &i->updates[k];
    int prev = k > 0 ? (int)i->updates[k - 1].status : -1;
    char when[48];
    tc_html_format_when(v->zone, tc_html_update_time(u), when, sizeof when);
    tc_buf_printf(b, "<p class=\"update-head\"><strong>%s</strong> <small>%s</small></p>",
                  tc_incident_update_label(u->status, prev), when);
    tc_html_markdown(b, u->body, 0);
}

/* "Nov 14 at 01:00am - 03:00am PST", or both dates when the window spans days. */
static void window_html(tc_buf_t *b, const tc_view_t *v, int64_t from, int64_t until)
{
    char a[48], z[48], da[16], dz[16];
    tc_html_format_when(v->zone, from, a, sizeof a);
    tc_buf_puts(b, "<p class=\"meta\">Scheduled for ");
    if (!until) {
        tc_buf_printf(b, "%s</p>", a);
        return;
    }
    tc_html_format_when(v->zone, until, z, sizeof z);
    tc_clock_format_local(v->zone, from, "%Y-%m-%d", da, sizeof da);
    tc_clock_format_local(v->zone, until, "%Y-%m-%d", dz, sizeof dz);
    /* "Nov 14 at " is 10 bytes; on the same day only the time of the end is repeated. */
    const char *end = strcmp(da, dz) == 0 && strlen(z) > 10 ? z + 10 : z;
    char *zone = strrchr(a, ' ');
    if (zone && strcmp(zone, strrchr(z, ' ')) == 0)
        *zone = '\0'; /* one zone name at the end when both ends share it */
    tc_buf_printf(b, "%s - %s</p>", a, end);
}

/* Open incidents, then active and upcoming maintenance, above the components. */
static void current_html(tc_buf_t *b, const tc_view_t *v)
{
    size_t nopen = 0, nmaint = 0;
    for (size_t k = 0; k < v->nincidents; k++) {
        const tc_incident_t *i = v->incidents[k];
        if (tc_incident_is_open(i))
            *(i->is_maintenance ? &nmaint : &nopen) += 1;
    }
    if (nopen) {
        tc_buf_puts(b, "<section aria-labelledby=\"h-open\"><h2 id=\"h-open\">"
                       "Active incidents</h2>");
        for (size_t k = 0; k < v->nincidents; k++) {
            const tc_incident_t *i = v->incidents[k];
            if (i->is_maintenance || !tc_incident_is_open(i))
                continue;
            tc_buf_printf(b, "<article class=\"incident impact impact-%s\">"
                             "<h3 class=\"incident-title\"><a href=\"/incidents/",
                          tc_impact_name(i->impact));
            tc_buf_html(b, i->id);
            tc_buf_puts(b, "\">");
            tc_buf_html(b, i->name);
            tc_buf_puts(b, "</a></h3>");
            latest_update_html(b, v, i);
            tc_html_affected(b, v, i);
            tc_buf_puts(b, "</article>");
        }
        tc_buf_puts(b, "</section>");
    }
    if (nmaint) {
        tc_buf_puts(b, "<section aria-labelledby=\"h-maint\"><h2 id=\"h-maint\">"
                       "Scheduled maintenance</h2>");
        /* The view is newest first; the maintenance due soonest reads best at the top. */
        for (size_t k = v->nincidents; k-- > 0;) {
            const tc_incident_t *i = v->incidents[k];
            if (!i->is_maintenance || !tc_incident_is_open(i))
                continue;
            tc_buf_puts(b, "<article class=\"incident impact impact-maintenance\">"
                           "<h3 class=\"incident-title\"><a href=\"/incidents/");
            tc_buf_html(b, i->id);
            tc_buf_puts(b, "\">");
            tc_buf_html(b, i->name);
            tc_buf_puts(b, "</a></h3>");
            if (i->scheduled_for)
                window_html(b, v, i->scheduled_for, i->scheduled_until);
            latest_update_html(b, v, i);
            tc_html_affected(b, v, i);
            tc_buf_puts(b, "</article>");
        }
        tc_buf_puts(b, "</section>");
    }
}

/* The last seven days of history, one heading per local day, newest first. */
static void recent_html(tc_buf_t *b, const tc_view_t *v)
{
    enum { DAYS = 7 };
    tc_buf_puts(b, "<section aria-labelledby=\"h-past\"><h2 id=\"h-past\">Past incidents</h2>");
    for (int d = 0; d < DAYS; d++) {
        int64_t start = tc_clock_local_midnight(v->zone, v->now, d);
        int64_t end = tc_clock_local_midnight(v->zone, v->now, d - 1);
        char day[32];
        tc_clock_format_local(v->zone, start, "%b %d, %Y", day, sizeof day);
        tc_buf_printf(b, "<h3 class=\"day\">%s</h3>", day);
        size_t shown = 0;
        for (size_t k = 0; k < v->nincidents; k++) {
            const tc_incident_t *i = v->incidents[k];
            int64_t t = tc_html_incident_time(i);
            if (t < start || t >= end || t > v->now)
                continue;
            tc_html_incident_entry(b, v, i, 4);
            shown++;
        }
        if (!shown)
            tc_buf_printf(b, "<p class=\"quiet\">No incidents reported%s.</p>",
                          d == 0 ? " today" : "");
    }
    tc_buf_puts(b, "<p><a href=\"/history\">&larr; Incident history</a></p></section>");
}

/* One checkbox of the component choice; a group's box stands for all its components. */
static void choice_html(tc_buf_t *b, const tc_view_row_t *r)
{
    tc_buf_puts(b, "<label><input type=\"checkbox\" name=\"components\" value=\"");
    tc_buf_html(b, r->id);
    tc_buf_puts(b, "\"> ");
    tc_buf_html(b, r->name);
    if (r->is_group)
        tc_buf_puts(b, " <small>(all its components)</small>");
    tc_buf_puts(b, "</label>");
}

/* A plain form (no JavaScript): the engine answers it with a page saying what happens next.
 * The component choice folds away behind <details>, so the form stays one line for the
 * many who want everything; ticking nothing means the whole page. */
static void subscribe_html(tc_buf_t *b, const tc_view_t *v)
{
    if (!v->subscribe_email)
        return;
    tc_buf_puts(b, "<section id=\"subscribe\" aria-labelledby=\"h-subscribe\" "
                   "class=\"subscribe\"><h2 id=\"h-subscribe\">Subscribe to updates</h2>"
                   "<form method=\"post\" action=\"/api/v2/subscribers\">"
                   "<p class=\"field\"><label for=\"subscribe-email\">E-mail address</label>"
                   "<input id=\"subscribe-email\" type=\"email\" name=\"email\" required "
                   "maxlength=\"254\" autocomplete=\"email\"> "
                   "<button type=\"submit\">Subscribe</button></p>");
    if (v->nrows) {
        tc_buf_puts(b, "<details><summary>Only some components (all by default)</summary>"
                       "<fieldset><legend>Components to follow</legend><ul class=\"choices\">");
        for (size_t i = 0; i < v->nrows; i++) {
            const tc_view_row_t *r = &v->rows[i];
            if (r->group_id)
                continue;
            tc_buf_puts(b, "<li>");
            choice_html(b, r);
            if (r->is_group) {
                tc_buf_puts(b, "<ul>");
                for (size_t j = 0; j < v->nrows; j++) {
                    const tc_view_row_t *c = &v->rows[j];
                    if (!c->group_id || strcmp(c->group_id, r->id) != 0)
                        continue;
                    tc_buf_puts(b, "<li>");
                    choice_html(b, c);
                    tc_buf_puts(b, "</li>");
                }
                tc_buf_puts(b, "</ul>");
            }
            tc_buf_puts(b, "</li>");
        }
        tc_buf_puts(b, "</ul></fieldset></details>");
    }
    tc_buf_puts(b, "</form><p class=\"quiet\">We send a confirmation link first; every message "
                   "has an unsubscribe link.</p></section>");
}

char *tc_render_page_html(const tc_view_t *v, size_t *len)
{
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    tc_html_open(&b, v, NULL, true);
    tc_buf_printf(&b, "<p class=\"banner %s\" role=\"status\" data-indicator=\"%s\">%s</p>",
                  tc_indicator_name(v->rollup.indicator), tc_indicator_name(v->rollup.indicator),
                  v->rollup.description);
    current_html(&b, v);
    tc_day_bars_t *bars = tc_day_bars_new(v);
    components_html(&b, v, bars);
    recent_html(&b, v);
    subscribe_html(&b, v);
    tc_day_bars_finish(bars, &b);
    tc_html_close(&b, v);
    return tc_buf_steal(&b, len);
}
