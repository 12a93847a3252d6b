/* The uptime report: /uptime (HTML) and /api/v2/uptime.json (a tocsin extension of the
 * Statuspage v2 API), per showcased component and per month of the page's zone over the
 * last 12 months: uptime %, downtime minutes weighted as Statuspage weighs them (a major
 * outage minute counts in full, a partial outage minute as 0.3, degraded performance and
 * maintenance as up; status/uptime.h does the arithmetic) and the incidents behind them.
 * The figures come from the component status log, the same one the page's 90-day bars come
 * from, so a month and the bars of its days always agree. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "web/html.h"
#include "web/render.h"
#include "web/row_names.h"

static double downtime_minutes(const tc_uptime_day_t *m)
{
    return tc_uptime_downtime(m) / 60.0;
}

/* Is incident @p i, which names the component (or its group; row_index_t found it), one of
 * those behind month @p m: was it open during the month? */
static bool behind(const tc_view_t *v, const tc_incident_t *i, const tc_uptime_day_t *m)
{
    int64_t begin, end;
    tc_html_incident_span(v, i, &begin, &end);
    return tc_html_span_meets(begin, end, m->start, m->end);
}

/* Per showcased row, the incidents that can be behind its months, oldest first (as the
 * months): those that name it (or its group) and were open at some time since the first month
 * began. Built once per document by going through the incidents once, since asking every
 * stored incident for every row and month cost rows x months x incidents string compares
 * (issue 16). */
typedef struct row_index {
    const tc_incident_t **inc; /* owned; per row, a run of it */
    size_t *first, *count;     /* owned; per row of the view */
} row_index_t;

static uint64_t id_hash(const char *p)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h;
}

static void index_build(const tc_view_t *v, row_index_t *x)
{
    size_t nr = v->nrows ? v->nrows : 1;
    int64_t from = INT64_MAX;
    for (size_t r = 0; r < v->nrows; r++) {
        const tc_view_row_t *row = &v->rows[r];
        if (row->months && row->nmonths && row->months[0].start < from)
            from = row->months[0].start;
    }
    /* Two passes over the incidents since the first month, oldest first: count per row,
     * then place. */
    tc_row_names_t *names = tc_row_names_new(v);
    size_t *rows = tc_calloc(nr, sizeof *rows);
    size_t *since = tc_calloc(v->nincidents + 1, sizeof *since);
    size_t nsince = 0, total = 0;
    x->first = tc_calloc(nr, sizeof *x->first);
    x->count = tc_calloc(nr, sizeof *x->count);
    for (size_t k = v->nincidents; k-- > 0;) {
        const tc_incident_t *i = v->incidents[k];
        if (i->is_maintenance)
            continue;
        int64_t begin, end;
        tc_html_incident_span(v, i, &begin, &end);
        if (!tc_html_span_meets(begin, end, from, INT64_MAX))
            continue;
        since[nsince++] = k;
        size_t n = tc_row_names_of(names, i, rows);
        for (size_t r = 0; r < n; r++)
            if (v->rows[rows[r]].months) {
                x->count[rows[r]]++;
                total++;
            }
    }
    x->inc = tc_calloc(total + 1, sizeof *x->inc);
    for (size_t r = 1; r < v->nrows; r++)
        x->first[r] = x->first[r - 1] + x->count[r - 1];
    memset(x->count, 0, nr * sizeof *x->count);
    for (size_t f = 0; f < nsince; f++) {
        const tc_incident_t *i = v->incidents[since[f]];
        size_t n = tc_row_names_of(names, i, rows);
        for (size_t r = 0; r < n; r++)
            if (v->rows[rows[r]].months)
                x->inc[x->first[rows[r]] + x->count[rows[r]]++] = i;
    }
    free(since);
    free(rows);
    tc_row_names_free(names);
}

static void index_free(row_index_t *x)
{
    free(x->inc);
    free(x->first);
    free(x->count);
}

/* "3 min", "2 h 05 min", "<1 min", "none". */
static void minutes_html(tc_buf_t *b, const tc_view_t *v, double minutes)
{
    char text[64];
    tc_i18n_duration(v->lang, minutes, text, sizeof text);
    tc_buf_html(b, text);
}

static void month_row_html(tc_buf_t *b, const tc_view_t *v,
                           const tc_uptime_day_t *m, const tc_incident_t *const *inc, size_t ninc)
{
    char name[64], percent[32];
    /* The short month fits a phone. */
    tc_i18n_date(v->lang, v->zone, m->start, TC_T_FMT_MONTH_SHORT, name, sizeof name);
    tc_buf_puts(b, "<tr><th scope=\"row\">");
    tc_buf_html(b, name);
    tc_buf_puts(b, "</th>");
    if (m->uptime < 0) {
        tc_buf_puts(b, "<td>");
        tc_html_text(b, v, TC_T_NO_DATA);
        tc_buf_puts(b, "</td><td>&mdash;</td>");
    } else {
        tc_i18n_decimal(v->lang, m->uptime, 2, percent);
        tc_buf_printf(b, "<td>%s%%</td><td>", percent);
        minutes_html(b, v, downtime_minutes(m));
        double major = m->seconds[TC_STATUS_MAJOR_OUTAGE] / 60.0;
        double partial = m->seconds[TC_STATUS_PARTIAL_OUTAGE] / 60.0;
        if (major > 0 || partial > 0) {
            char a[64], p[64];
            tc_i18n_duration(v->lang, major, a, sizeof a);
            tc_i18n_duration(v->lang, partial, p, sizeof p);
            tc_buf_puts(b, "<small>");
            tc_i18n_html(b, v->lang, TC_T_MAJOR_PARTIAL, a, p, NULL);
            tc_buf_puts(b, "</small>");
        }
        tc_buf_puts(b, "</td>");
    }
    tc_buf_puts(b, "<td>");
    size_t shown = 0;
    for (size_t k = 0; k < ninc; k++) {
        const tc_incident_t *i = inc[k];
        if (!behind(v, i, m))
            continue;
        tc_buf_puts(b, shown++ ? "<br><a href=\"/incidents/" : "<a href=\"/incidents/");
        tc_buf_html(b, i->id);
        tc_buf_puts(b, "\">");
        tc_buf_html(b, i->name);
        tc_buf_puts(b, "</a>");
    }
    tc_buf_puts(b, shown ? "</td></tr>" : "&mdash;</td></tr>");
}

/* One component: a heading with its figure over the months, then one row per month. */
static void component_html(tc_buf_t *b, const tc_view_t *v, const row_index_t *x,
                           const tc_view_row_t *r, int level)
{
    double total = tc_uptime_total(r->months, r->nmonths);
    tc_buf_printf(b, "<section class=\"report-item\"><h%d id=\"u-", level);
    tc_buf_html(b, r->id);
    tc_buf_puts(b, "\">");
    tc_buf_html(b, r->name);
    tc_buf_printf(b, "</h%d><p class=\"meta\">", level);
    char percent[32], n[24];
    tc_i18n_decimal(v->lang, total, 3, percent);
    snprintf(n, sizeof n, "%zu", r->nmonths);
    if (total >= 0)
        tc_i18n_html(b, v->lang, TC_T_UPTIME_OVER, percent, n, NULL);
    else
        tc_html_text(b, v, TC_T_NO_DATA_CAP);
    /* The wrapper scrolls sideways on narrow screens, so it takes the keyboard focus (and a
     * name) for those who cannot swipe. */
    tc_buf_puts(b, "</p><div class=\"table-wrap\" role=\"region\" tabindex=\"0\" "
                   "aria-labelledby=\"u-");
    tc_buf_html(b, r->id);
    tc_buf_puts(b, "\"><table class=\"report\" aria-labelledby=\"u-");
    tc_buf_html(b, r->id);
    static const tc_text_t columns[] = {TC_T_MONTH, TC_T_UPTIME, TC_T_DOWNTIME, TC_T_INCIDENTS};
    tc_buf_puts(b, "\"><thead><tr>");
    for (size_t k = 0; k < sizeof columns / sizeof columns[0]; k++) {
        tc_buf_puts(b, "<th scope=\"col\">");
        tc_html_text(b, v, columns[k]);
        tc_buf_puts(b, "</th>");
    }
    tc_buf_puts(b, "</tr></thead><tbody>");
    size_t at = (size_t)(r - v->rows);
    for (size_t k = 0; k < r->nmonths; k++)
        month_row_html(b, v, &r->months[k], &x->inc[x->first[at]], x->count[at]);
    tc_buf_puts(b, "</tbody></table></div></section>");
}

static char *uptime_html(const tc_view_t *v, const row_index_t *x, size_t *len)
{
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    tc_html_open(&b, v, tc_i18n(v->lang, TC_T_UPTIME), false);
    tc_buf_puts(&b, "<h1>");
    tc_html_text(&b, v, TC_T_UPTIME);
    /* The intro's template holds the JSON link, so only the zone's name is escaped. */
    tc_buf_puts(&b, "</h1><p class=\"description\">");
    tc_buf_t zone;
    tc_buf_init(&zone, 0);
    tc_buf_html(&zone, v->time_zone);
    tc_i18n_put(&b, v->lang, TC_T_UPTIME_INTRO, zone.data, NULL);
    tc_buf_free(&zone);
    tc_buf_puts(&b, "</p>");
    size_t shown = 0;
    for (size_t i = 0; i < v->nrows; i++) {
        const tc_view_row_t *r = &v->rows[i];
        if (r->group_id)
            continue;
        if (!r->is_group) {
            if (r->months) {
                component_html(&b, v, x, r, 2);
                shown++;
            }
            continue;
        }
        /* A group is a heading over its showcased children, when it has any. */
        bool heading = false;
        for (size_t j = 0; j < v->nrows; j++) {
            const tc_view_row_t *c = &v->rows[j];
            if (!c->group_id || strcmp(c->group_id, r->id) != 0 || !c->months)
                continue;
            if (!heading) {
                tc_buf_puts(&b, "<h2 class=\"report-group\">");
                tc_buf_html(&b, r->name);
                tc_buf_puts(&b, "</h2>");
                heading = true;
            }
            component_html(&b, v, x, c, 3);
            shown++;
        }
    }
    if (!shown) {
        tc_buf_puts(&b, "<p class=\"quiet\">");
        tc_html_text(&b, v, TC_T_NO_UPTIME_SHOWN);
        tc_buf_puts(&b, "</p>");
    }
    tc_html_close(&b, v);
    return tc_buf_steal(&b, len);
}

/* @p x (>= 0) rounded to 1/@p scale, so the JSON carries the figures as a person would
 * write them. */
static double rounded(double x, double scale)
{
    return (double)(long long)(x * scale + 0.5) / scale;
}

static json_t *month_json(const tc_view_t *v, const tc_uptime_day_t *m,
                          const tc_incident_t *const *inc, size_t ninc)
{
    static const struct {
        tc_status_t status;
        const char *key;
    } spans[] = {{TC_STATUS_MAJOR_OUTAGE, "major_outage_minutes"},
                 {TC_STATUS_PARTIAL_OUTAGE, "partial_outage_minutes"},
                 {TC_STATUS_DEGRADED, "degraded_performance_minutes"},
                 {TC_STATUS_UNDER_MAINTENANCE, "under_maintenance_minutes"}};
    char month[8], iso[40];
    json_t *o = json_object();
    tc_clock_format_local(v->zone, m->start, "%Y-%m", month, sizeof month);
    json_object_set_new(o, "month", json_string(month));
    tc_clock_format_iso(v->zone, m->start, iso, sizeof iso);
    json_object_set_new(o, "starts_at", json_string(iso));
    tc_clock_format_iso(v->zone, m->end, iso, sizeof iso);
    json_object_set_new(o, "ends_at", json_string(iso));
    json_object_set_new(o, "uptime_percentage",
                        m->uptime < 0 ? json_null() : json_real(rounded(m->uptime, 1e4)));
    json_object_set_new(o, "downtime_minutes", json_real(rounded(downtime_minutes(m), 100)));
    for (size_t k = 0; k < sizeof spans / sizeof spans[0]; k++)
        json_object_set_new(o, spans[k].key,
                            json_real(rounded(m->seconds[spans[k].status] / 60.0, 100)));
    json_object_set_new(o, "observed_minutes", json_real(rounded(m->observed / 60.0, 100)));
    json_t *incidents = json_array();
    for (size_t k = 0; k < ninc; k++) {
        const tc_incident_t *i = inc[k];
        if (!behind(v, i, m))
            continue;
        json_t *e = json_object();
        char *link = tc_render_incident_link(v, i);
        json_object_set_new(e, "id", json_string(i->id));
        json_object_set_new(e, "name", json_string(i->name));
        json_object_set_new(e, "impact", json_string(tc_impact_name(i->impact)));
        json_object_set_new(e, "shortlink", json_string(link));
        free(link);
        json_array_append_new(incidents, e);
    }
    json_object_set_new(o, "incidents", incidents);
    return o;
}

static char *uptime_json(const tc_view_t *v, const row_index_t *x, size_t *len)
{
    json_t *root = json_object();
    json_object_set_new(root, "page", tc_render_page_json(v));
    json_t *weights = json_object();
    json_object_set_new(weights, "major_outage", json_real(1.0));
    json_object_set_new(weights, "partial_outage", json_real(TC_UPTIME_PARTIAL_WEIGHT));
    json_object_set_new(weights, "degraded_performance", json_real(0.0));
    json_object_set_new(weights, "under_maintenance", json_real(0.0));
    json_object_set_new(root, "weights", weights);
    json_t *components = json_array();
    for (size_t i = 0; i < v->nrows; i++) {
        const tc_view_row_t *r = &v->rows[i];
        if (!r->months)
            continue;
        json_t *c = json_object();
        json_object_set_new(c, "id", json_string(r->id));
        json_object_set_new(c, "name", json_string(r->name));
        json_object_set_new(c, "group_id", r->group_id ? json_string(r->group_id) : json_null());
        double total = tc_uptime_total(r->months, r->nmonths);
        json_object_set_new(c, "uptime_percentage",
                            total < 0 ? json_null() : json_real(rounded(total, 1e4)));
        json_t *months = json_array();
        for (size_t k = 0; k < r->nmonths; k++)
            json_array_append_new(months, month_json(v, &r->months[k], &x->inc[x->first[i]],
                                                     x->count[i]));
        json_object_set_new(c, "months", months);
        json_array_append_new(components, c);
    }
    json_object_set_new(root, "components", components);
    return tc_render_json_dump(root, len);
}

char *tc_render_uptime_html(const tc_view_t *v, size_t *len)
{
    row_index_t x;
    index_build(v, &x);
    char *html = uptime_html(v, &x, len);
    index_free(&x);
    return html;
}

char *tc_render_uptime_json(const tc_view_t *v, size_t *len)
{
    row_index_t x;
    index_build(v, &x);
    char *json = uptime_json(v, &x, len);
    index_free(&x);
    return json;
}

/* What the report shows or could show of @p i: its id, name and impact as listed, and what
 * decides which rows' months it is behind (its span, "open" while open, and its codes). */
static uint64_t shown_print(const tc_view_t *v, const tc_incident_t *i)
{
    int64_t begin, end;
    tc_html_incident_span(v, i, &begin, &end);
    /* An open incident's span ends now; whether it meets a month does not change while it
     * stays open, so "open" is what counts. */
    if (!i->resolved_at && !tc_incident_status_is_closed(i->status))
        end = -1;
    uint64_t h = tc_render__key(id_hash(i->id), id_hash(i->name));
    h = tc_render__key(h, tc_render__key((uint64_t)begin, (uint64_t)end) + i->impact);
    for (size_t k = 0; k < i->ncomponents; k++)
        h = tc_render__key(h, id_hash(i->component_ids[k]));
    for (size_t u = 0; u < i->nupdates; u++)
        for (size_t a = 0; a < i->updates[u].naffected; a++)
            if (i->updates[u].affected[a].code)
                h = tc_render__key(h, id_hash(i->updates[u].affected[a].code));
    return h;
}

/* The key of the report: the instant of its figures and what it shows of every incident that
 * can be behind a month (remembered per incident version, so a write hashes only what it
 * changed); 0 without a frame or an instant. */
static uint64_t report_key(const tc_view_t *v, tc_render_state_t *st)
{
    uint64_t frame = tc_render__frame(st);
    if (!frame || !v->uptime_at)
        return 0;
    int64_t from = INT64_MAX;
    for (size_t r = 0; r < v->nrows; r++)
        if (v->rows[r].months && v->rows[r].nmonths && v->rows[r].months[0].start < from)
            from = v->rows[r].months[0].start;
    uint64_t key = tc_render__key(frame, (uint64_t)v->uptime_at);
    for (size_t k = 0; k < v->nincidents && from != INT64_MAX; k++) {
        const tc_incident_t *i = v->incidents[k];
        int64_t begin, end;
        if (i->is_maintenance)
            continue;
        tc_html_incident_span(v, i, &begin, &end);
        if (tc_html_span_meets(begin, end, from, INT64_MAX))
            key = tc_render__key(key, tc_render__print(st, v, i, shown_print));
    }
    return key;
}

void tc_render_uptime_docs(const tc_view_t *v, tc_snapshot_t *s, tc_render_state_t *st)
{
    uint64_t key = report_key(v, st);
    bool html_kept = tc_snapshot_reuse(s, "/uptime", key);
    bool json_kept = tc_snapshot_reuse(s, "/api/v2/uptime.json", key);
    if (html_kept && json_kept)
        return;
    row_index_t x;
    index_build(v, &x);
    /* The report's time: its figures' instant, or the latest change to the incidents it
     * lists when later; the view's own when the figures have no instant. */
    tc_view_t mine = *v;
    if (v->uptime_at) {
        mine.updated_at = v->uptime_at;
        for (size_t r = 0; r < v->nrows; r++)
            for (size_t k = x.first[r]; k < x.first[r] + x.count[r]; k++) {
                int64_t c = tc_render__incident_changed_at(x.inc[k]);
                if (c > mine.updated_at)
                    mine.updated_at = c;
            }
    }
    size_t len = 0;
    if (!html_kept) {
        char *body = uptime_html(&mine, &x, &len);
        tc_snapshot_add_keyed(s, "/uptime", TC_ROUTE_UPTIME, "text/html; charset=utf-8", body,
                              len, key);
    }
    if (!json_kept) {
        char *body = uptime_json(&mine, &x, &len);
        tc_snapshot_add_keyed(s, "/api/v2/uptime.json", TC_ROUTE_UPTIME,
                              "application/json; charset=utf-8", body, len, key);
    }
    index_free(&x);
}
