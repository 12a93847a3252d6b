/* The HTML status page "/": open incidents and maintenance, the components with their
 * uptime bars, and the last week of history. Server-rendered and complete without
 * JavaScript; /page.js only adds each day's detail to the bars (day_bars.c). The frame and
 * stylesheet come from html.c. Every string that comes from the config or a user goes
 * through tc_buf_html() or the safe Markdown renderer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "web/day_bars.h"
#include "web/html.h"
#include "web/i18n.h"
#include "web/render.h"

/* Rows hidden while operational are still shown once they are not. */
static int visible(const tc_view_row_t *r)
{
    return !r->only_show_if_degraded || r->status != TC_STATUS_OPERATIONAL;
}

/* A small response-time chart: the monitor's last runs as a polyline, with a text title. */
static void sparkline_html(tc_buf_t *b, const tc_view_t *v, const tc_view_row_t *r)
{
    if (r->nlatencies < 2)
        return;
    double max = 1, sum = 0;
    for (size_t i = 0; i < r->nlatencies; i++) {
        if (r->latencies[i] > max)
            max = r->latencies[i];
        sum += r->latencies[i];
    }
    char last[32], mean[32], high[32];
    tc_i18n_decimal(v->lang, r->latencies[r->nlatencies - 1], 0, last);
    tc_i18n_decimal(v->lang, sum / (double)r->nlatencies, 0, mean);
    tc_i18n_decimal(v->lang, max, 0, high);
    tc_buf_puts(b, "<svg class=\"spark\" viewBox=\"0 0 120 24\" role=\"img\" aria-label=\"");
    tc_i18n_html(b, v->lang, TC_T_RESPONSE_LABEL, last, mean, NULL);
    tc_buf_puts(b, "\"><title>");
    tc_i18n_html(b, v->lang, TC_T_RESPONSE_TITLE, last, mean, high, NULL);
    tc_buf_puts(b, "</title><polyline points=\"");
    for (size_t i = 0; i < r->nlatencies; i++)
        tc_buf_printf(b, "%s%.1f,%.1f", i ? " " : "",
                      120.0 * (double)i / (double)(r->nlatencies - 1),
                      22.0 - 20.0 * r->latencies[i] / max);
    tc_buf_puts(b, "\"/></svg>");
}

static void row_html(tc_buf_t *b, const tc_view_t *v, tc_day_bars_t *bars,
                     const tc_view_row_t *r)
{
    tc_buf_puts(b, "<div class=\"row\"><span class=\"name\">");
    tc_buf_html(b, r->name);
    if (r->description) {
        tc_buf_puts(b, "<small>");
        tc_buf_html(b, r->description);
        tc_buf_puts(b, "</small>");
    }
    tc_buf_puts(b, "</span><span>");
    sparkline_html(b, v, r);
    tc_buf_printf(b, "<span class=\"status %s\">", tc_status_name(r->status));
    tc_buf_html(b, tc_i18n_status(v->lang, r->status));
    tc_buf_puts(b, "</span></span>");
    /* Watched from several places, a component failing from some of them says which. */
    if (r->failing_from) {
        tc_buf_puts(b, "</div><div class=\"row fallback regional\" role=\"note\"><span>");
        tc_i18n_html(b, v->lang, TC_T_FAILING_FROM, r->failing_from, NULL);
        tc_buf_puts(b, "</span>");
    }
    /* A vendor-fed component tells readers what to do instead while it is degraded or
     * worse (not during maintenance, which is announced on its own). */
    if (r->fallback && r->status >= TC_STATUS_DEGRADED) {
        tc_buf_puts(b, "</div><div class=\"row fallback\" role=\"note\"><span>");
        tc_buf_html(b, r->fallback);
        if (r->vendor_url) {
            tc_buf_puts(b, " <a href=\"");
            tc_buf_html(b, r->vendor_url);
            tc_buf_puts(b, "\" rel=\"noopener\">");
            tc_html_text(b, v, TC_T_VENDOR_PAGE);
            tc_buf_puts(b, "</a>");
        }
        tc_buf_puts(b, "</span>");
    }
    if (r->days) {
        tc_buf_puts(b, "</div><div class=\"row bars-row\">");
        tc_day_bars_row(bars, b, r);
        /* The row's months on /uptime: the figures behind the bars, for every reader. */
        char n[24], percent[32];
        snprintf(n, sizeof n, "%zu", r->ndays);
        tc_buf_puts(b, "</div><div class=\"uptime\"><span>");
        tc_i18n_html(b, v->lang, TC_T_DAYS_AGO, n, NULL);
        tc_buf_puts(b, "</span><a href=\"/uptime#u-");
        tc_buf_html(b, r->id);
        tc_buf_puts(b, "\">");
        if (r->uptime >= 0) {
            tc_i18n_decimal(v->lang, r->uptime, 2, percent);
            tc_i18n_html(b, v->lang, TC_T_PERCENT_UPTIME, percent, NULL);
        } else {
            tc_html_text(b, v, TC_T_NO_DATA_YET);
        }
        tc_buf_puts(b, "</a><span>");
        tc_html_text(b, v, TC_T_TODAY);
        tc_buf_puts(b, "</span>");
    }
    tc_buf_puts(b, "</div>");
}

static void components_html(tc_buf_t *b, const tc_view_t *v, tc_day_bars_t *bars)
{
    tc_buf_puts(b, "<ul class=\"components\" aria-label=\"");
    tc_html_text(b, v, TC_T_COMPONENTS);
    tc_buf_puts(b, "\">");
    for (size_t i = 0; i < v->nrows; i++) {
        const tc_view_row_t *r = &v->rows[i];
        if (r->group_id || !visible(r))
            continue;
        if (!r->is_group) {
            tc_buf_puts(b, "<li>");
            row_html(b, v, bars, r);
            tc_buf_puts(b, "</li>");
            continue;
        }
        tc_buf_puts(b, "<li class=\"group\">");
        row_html(b, v, bars, r);
        tc_buf_puts(b, "<ul class=\"children\">");
        for (size_t j = 0; j < v->nrows; j++) {
            const tc_view_row_t *c = &v->rows[j];
            if (!c->group_id || strcmp(c->group_id, r->id) != 0 || !visible(c))
                continue;
            tc_buf_puts(b, "<li>");
            row_html(b, v, bars, c);
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
    tc_html_update(b, v, i, i->nupdates - 1, 3);
}

/* "Nov 14 at 01:00am - 03:00am PST", or both dates when the window spans days. */
static void window_html(tc_buf_t *b, const tc_view_t *v, int64_t from, int64_t until)
{
    char a[64], z[64], da[16], dz[16], zone[16], window[136];
    tc_html_when(v, from, a, sizeof a);
    z[0] = '\0';
    if (until) {
        tc_clock_format_local(v->zone, from, "%Y-%m-%d", da, sizeof da);
        tc_clock_format_local(v->zone, until, "%Y-%m-%d", dz, sizeof dz);
        /* On the same day only the time of the end is repeated. */
        tc_i18n_date(v->lang, v->zone, until,
                     strcmp(da, dz) == 0 ? TC_T_FMT_CLOCK : TC_T_FMT_WHEN, z, sizeof z);
        /* Both ends in one zone: its name once, at the end (every format ends with it). */
        tc_clock_format_local(v->zone, until, " %Z", zone, sizeof zone);
        size_t la = strlen(a), lz = strlen(zone), lend = strlen(z);
        if (la > lz && lend > lz && strcmp(a + la - lz, zone) == 0 &&
            strcmp(z + lend - lz, zone) == 0)
            a[la - lz] = '\0';
    }
    snprintf(window, sizeof window, "%s%s%s", a, until ? " - " : "", z);
    tc_buf_puts(b, "<p class=\"meta\">");
    tc_i18n_html(b, v->lang, TC_T_SCHEDULED_FOR, window, NULL);
    tc_buf_puts(b, "</p>");
}

/* Open incidents, then active and upcoming maintenance, above the components. */
static void current_html(tc_buf_t *b, const tc_view_t *v)
{
    /* The open ones are all on the short list, in the same order, when it is given. */
    const tc_incident_t *const *all = v->shortlist ? v->shortlist : v->incidents;
    size_t n = v->shortlist ? v->nshortlist : v->nincidents;
    size_t nopen = 0, nmaint = 0;
    for (size_t k = 0; k < n; k++) {
        const tc_incident_t *i = all[k];
        if (tc_incident_is_open(i))
            *(i->is_maintenance ? &nmaint : &nopen) += 1;
    }
    if (nopen) {
        tc_buf_puts(b, "<section aria-labelledby=\"h-open\"><h2 id=\"h-open\">");
        tc_html_text(b, v, TC_T_ACTIVE_INCIDENTS);
        tc_buf_puts(b, "</h2>");
        for (size_t k = 0; k < n; k++) {
            const tc_incident_t *i = all[k];
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
        tc_buf_puts(b, "<section aria-labelledby=\"h-maint\"><h2 id=\"h-maint\">");
        tc_html_text(b, v, TC_T_SCHEDULED_MAINT);
        tc_buf_puts(b, "</h2>");
        /* The view is newest first; the maintenance due soonest reads best at the top. */
        for (size_t k = n; k-- > 0;) {
            const tc_incident_t *i = all[k];
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
static void recent_html(tc_buf_t *b, const tc_view_t *v, tc_render_state_t *st)
{
    enum { DAYS = 7 };
    tc_buf_puts(b, "<section aria-labelledby=\"h-past\"><h2 id=\"h-past\">");
    tc_html_text(b, v, TC_T_PAST_INCIDENTS);
    tc_buf_puts(b, "</h2>");
    /* The incidents of these days, found in one pass over the history. */
    int64_t since = tc_clock_local_midnight(v->zone, v->now, DAYS - 1);
    const tc_incident_t **recent = tc_calloc(v->nincidents ? v->nincidents : 1, sizeof *recent);
    size_t nrecent = 0;
    for (size_t k = 0; k < v->nincidents; k++) {
        int64_t t = tc_html_incident_time(v->incidents[k]);
        if (t >= since && t <= v->now)
            recent[nrecent++] = v->incidents[k];
    }
    for (int d = 0; d < DAYS; d++) {
        int64_t start = tc_clock_local_midnight(v->zone, v->now, d);
        int64_t end = tc_clock_local_midnight(v->zone, v->now, d - 1);
        char day[64];
        tc_i18n_date(v->lang, v->zone, start, TC_T_FMT_DAY, day, sizeof day);
        tc_buf_puts(b, "<h3 class=\"day\">");
        tc_buf_html(b, day);
        tc_buf_puts(b, "</h3>");
        size_t shown = 0;
        for (size_t k = 0; k < nrecent; k++) {
            const tc_incident_t *i = recent[k];
            int64_t t = tc_html_incident_time(i);
            if (t < start || t >= end)
                continue;
            tc_render__entry(st, b, v, i, 4);
            shown++;
        }
        if (!shown) {
            tc_buf_puts(b, "<p class=\"quiet\">");
            tc_html_text(b, v, d == 0 ? TC_T_NONE_TODAY : TC_T_NONE_REPORTED);
            tc_buf_puts(b, "</p>");
        }
    }
    free(recent);
    tc_buf_puts(b, "<p><a href=\"/history\">&larr; ");
    tc_html_text(b, v, TC_T_INCIDENT_HISTORY);
    tc_buf_puts(b, "</a></p></section>");
}

/* One checkbox of the component choice; a group's box stands for all its components. */
static void choice_html(tc_buf_t *b, const tc_view_t *v, const tc_view_row_t *r)
{
    tc_buf_puts(b, "<label><input type=\"checkbox\" name=\"components\" value=\"");
    tc_buf_html(b, r->id);
    tc_buf_puts(b, "\"> ");
    tc_buf_html(b, r->name);
    if (r->is_group) {
        tc_buf_puts(b, " <small>");
        tc_html_text(b, v, TC_T_ALL_ITS_COMPONENTS);
        tc_buf_puts(b, "</small>");
    }
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
                   "class=\"subscribe\"><h2 id=\"h-subscribe\">");
    tc_html_text(b, v, TC_T_SUBSCRIBE_BUTTON);
    tc_buf_puts(b, "</h2><form method=\"post\" action=\"/api/v2/subscribers\">"
                   "<p class=\"field\"><label for=\"subscribe-email\">");
    tc_html_text(b, v, TC_T_EMAIL_ADDRESS);
    tc_buf_puts(b, "</label><input id=\"subscribe-email\" type=\"email\" name=\"email\" "
                   "required maxlength=\"254\" autocomplete=\"email\"> "
                   "<button type=\"submit\">");
    tc_html_text(b, v, TC_T_SUBSCRIBE);
    tc_buf_puts(b, "</button></p>");
    if (v->nrows) {
        tc_buf_puts(b, "<details><summary>");
        tc_html_text(b, v, TC_T_ONLY_SOME);
        tc_buf_puts(b, "</summary><fieldset><legend>");
        tc_html_text(b, v, TC_T_TO_FOLLOW);
        tc_buf_puts(b, "</legend><ul class=\"choices\">");
        for (size_t i = 0; i < v->nrows; i++) {
            const tc_view_row_t *r = &v->rows[i];
            if (r->group_id)
                continue;
            tc_buf_puts(b, "<li>");
            choice_html(b, v, r);
            if (r->is_group) {
                tc_buf_puts(b, "<ul>");
                for (size_t j = 0; j < v->nrows; j++) {
                    const tc_view_row_t *c = &v->rows[j];
                    if (!c->group_id || strcmp(c->group_id, r->id) != 0)
                        continue;
                    tc_buf_puts(b, "<li>");
                    choice_html(b, v, c);
                    tc_buf_puts(b, "</li>");
                }
                tc_buf_puts(b, "</ul>");
            }
            tc_buf_puts(b, "</li>");
        }
        tc_buf_puts(b, "</ul></fieldset></details>");
    }
    tc_buf_puts(b, "</form><p class=\"quiet\">");
    tc_html_text(b, v, TC_T_SUBSCRIBE_NOTE);
    tc_buf_puts(b, "</p></section>");
}

char *tc_render_page_html(const tc_view_t *v, size_t *len)
{
    return tc_render__page(v, NULL, len);
}

char *tc_render__page(const tc_view_t *v, tc_render_state_t *st, size_t *len)
{
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    tc_html_open(&b, v, NULL, true);
    tc_buf_printf(&b, "<p class=\"banner %s\" role=\"status\" data-indicator=\"%s\">",
                  tc_indicator_name(v->rollup.indicator), tc_indicator_name(v->rollup.indicator));
    tc_buf_html(&b, tc_i18n_rollup(v->lang, v->rollup.description));
    tc_buf_puts(&b, "</p>");
    current_html(&b, v);
    tc_day_bars_t *bars = tc_day_bars_new(v);
    components_html(&b, v, bars);
    recent_html(&b, v, st);
    subscribe_html(&b, v);
    tc_day_bars_finish(bars, &b);
    tc_html_close(&b, v);
    return tc_buf_steal(&b, len);
}
