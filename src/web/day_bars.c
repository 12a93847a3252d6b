/* The daily uptime bars of "/" and the data of each day's detail (the format is in
 * day_bars.h). The page used to carry one <rect> with a <title> per day: 1,800 elements and
 * ~220 KB for 20 components, readable by mouse only. Now a quiet row is three or four
 * elements and a day's detail reaches keyboards and fingers through /page.js. */
#include "web/day_bars.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "web/html.h"
#include "web/i18n.h"
#include "web/row_names.h"

#define DAY_WIDTH 5 /* viewBox units per day: a bar of 3.6 and a gap of 1.4 */

struct tc_day_bars {
    const tc_view_t *v;
    int *slot;                     /* by index in v->incidents: its index in the JSON
                                      document's "incidents", or -1 while no day names it */
    const tc_incident_t **named;   /* the incidents some day names, in slot order */
    size_t nnamed;
    size_t *found;                 /* scratch: a row's incidents, as indexes in v->incidents */
    /* Scratch: per day of the row, the positions in found of the incidents that meet it
     * (in found's order), so each day goes through its own few, not all of the row's. */
    size_t *day_at;                /* ndays + 1 offsets into day_list */
    size_t *day_list;
    size_t day_cap;
    /* Per row of the view, the incidents that name it and were open at some time of the
     * rows' days (every row has the same days), as indexes in v->incidents: found once for
     * all rows, each incident asked once which rows it names (row_names.h). */
    size_t *by_row;                /* the runs of all rows, one after the other */
    size_t *run_at, *run_len;      /* per row: its run in by_row */
    int64_t start, stop;           /* the days they were found for; stop 0: not yet */
    char first[16];                /* the local date of day 0, "2024-08-17"; "" before the
                                      first row with bars */
    size_t ndays;                  /* days per row (the same for every row) */
};

tc_day_bars_t *tc_day_bars_new(const tc_view_t *v)
{
    tc_day_bars_t *db = tc_calloc(1, sizeof *db);
    size_t n = v->nincidents ? v->nincidents : 1;
    db->v = v;
    db->slot = tc_malloc(n * sizeof *db->slot);
    for (size_t k = 0; k < v->nincidents; k++)
        db->slot[k] = -1;
    db->named = tc_calloc(n, sizeof *db->named);
    db->found = tc_calloc(n, sizeof *db->found);

    return db;
}

static void find_runs(tc_day_bars_t *db, int64_t start, int64_t stop)
{
    const tc_view_t *v = db->v;
    size_t nr = v->nrows ? v->nrows : 1;
    free(db->by_row);
    free(db->run_at);
    free(db->run_len);
    db->run_at = tc_calloc(nr, sizeof *db->run_at);
    db->run_len = tc_calloc(nr, sizeof *db->run_len);
    db->start = start;
    db->stop = stop;
    /* (row, incident) pairs in the order of the incidents, then placed by row. */
    tc_row_names_t *names = tc_row_names_new(v);
    size_t *rows = tc_calloc(nr, sizeof *rows), npairs = 0, cap = 0;
    size_t (*pairs)[2] = NULL;
    for (size_t k = 0; k < v->nincidents; k++) {
        const tc_incident_t *i = v->incidents[k];
        int64_t begin, end;
        if (i->status == TC_INC_SCHEDULED)
            continue;
        tc_html_incident_span(v, i, &begin, &end);
        if (!tc_html_span_meets(begin, end, start, stop))
            continue;
        size_t n = tc_row_names_of(names, i, rows);
        for (size_t r = 0; r < n; r++) {
            if (npairs == cap) {
                cap = cap ? cap * 2 : 256;
                pairs = tc_realloc(pairs, cap * sizeof *pairs);
            }
            pairs[npairs][0] = rows[r];
            pairs[npairs++][1] = k;
            db->run_len[rows[r]]++;
        }
    }
    db->by_row = tc_calloc(npairs + 1, sizeof *db->by_row);
    for (size_t r = 1; r < v->nrows; r++)
        db->run_at[r] = db->run_at[r - 1] + db->run_len[r - 1];
    memset(db->run_len, 0, nr * sizeof *db->run_len);
    for (size_t p = 0; p < npairs; p++)
        db->by_row[db->run_at[pairs[p][0]] + db->run_len[pairs[p][0]]++] = pairs[p][1];
    free(pairs);
    free(rows);
    tc_row_names_free(names);
}

/* The days of @p r (oldest first) that the span [@p begin, @p end] meets, as
 * tc_html_span_meets() says: [*first, *first + *n). Both halves of meeting change once over
 * days in order ("begins before the day ends" from false to true, "ends after the day starts
 * or begins in it" from true to false), so each end is found by halving. */
static void days_met(const tc_view_row_t *r, int64_t begin, int64_t end, size_t *first,
                     size_t *n)
{
    size_t lo = 0, hi = r->ndays;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (begin < r->days[mid].end)
            hi = mid;
        else
            lo = mid + 1;
    }
    size_t from = lo;
    lo = 0;
    hi = r->ndays;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (end > r->days[mid].start || begin >= r->days[mid].start)
            lo = mid + 1;
        else
            hi = mid;
    }
    *first = from;
    *n = lo > from ? lo - from : 0;
}

/* The incidents and maintenance that name row @p r and were open at some time of its days,
 * and which of them meet each day. Maintenance that has not begun names no day yet. */
static void row_incidents(tc_day_bars_t *db, const tc_view_row_t *r)
{
    int64_t start = r->days[0].start, stop = r->days[r->ndays - 1].end;
    if (start != db->start || stop != db->stop)
        find_runs(db, start, stop);
    size_t at = (size_t)(r - db->v->rows), nfound = db->run_len[at];
    memcpy(db->found, &db->by_row[db->run_at[at]], nfound * sizeof *db->found);
    size_t (*met)[2] = tc_malloc((nfound ? nfound : 1) * sizeof *met);
    free(db->day_at);
    db->day_at = tc_calloc(r->ndays + 1, sizeof *db->day_at);
    size_t total = 0;
    for (size_t f = 0; f < nfound; f++) {
        int64_t begin, end;
        tc_html_incident_span(db->v, db->v->incidents[db->found[f]], &begin, &end);
        days_met(r, begin, end, &met[f][0], &met[f][1]);
        for (size_t d = met[f][0]; d < met[f][0] + met[f][1]; d++)
            db->day_at[d + 1]++;
        total += met[f][1];
    }
    for (size_t d = 0; d < r->ndays; d++)
        db->day_at[d + 1] += db->day_at[d];
    if (total > db->day_cap) {
        db->day_cap = total;
        db->day_list = tc_realloc(db->day_list, total * sizeof *db->day_list);
    }
    size_t *fill = tc_calloc(r->ndays ? r->ndays : 1, sizeof *fill);
    for (size_t f = 0; f < nfound; f++)
        for (size_t d = met[f][0]; d < met[f][0] + met[f][1]; d++)
            db->day_list[db->day_at[d] + fill[d]++] = f;
    free(fill);
    free(met);
}

/* The figures of a day with data: "99.31,600,,," (uptime, then seconds per status). */
static void figures(tc_buf_t *b, const tc_uptime_day_t *d)
{
    static const tc_status_t order[] = {TC_STATUS_MAJOR_OUTAGE, TC_STATUS_PARTIAL_OUTAGE,
                                        TC_STATUS_DEGRADED, TC_STATUS_UNDER_MAINTENANCE};
    char u[16];
    snprintf(u, sizeof u, "%.2f", d->uptime);
    tc_buf_puts(b, strcmp(u, "100.00") == 0 ? "100" : u);
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        double s = d->seconds[order[k]];
        /* A second is the floor: a red bar must never read "no outage". */
        if (s > 0)
            tc_buf_printf(b, ",%.0f", s < 1 ? 1 : s);
        else
            tc_buf_puts(b, ",");
    }
}

/* Does one of the row's incidents meet day @p d (row_incidents())? With @p mark, give each
 * one that does its slot in the JSON document and append ":A.B" (its slots) to @p b. */
static bool name_incidents(tc_day_bars_t *db, size_t d, tc_buf_t *mark)
{
    const tc_view_t *v = db->v;
    bool named = false;
    for (size_t x = db->day_at[d]; x < db->day_at[d + 1]; x++) {
        size_t k = db->found[db->day_list[x]];
        if (!mark)
            return true;
        if (db->slot[k] < 0) {
            db->slot[k] = (int)db->nnamed;
            db->named[db->nnamed++] = v->incidents[k];
        }
        tc_buf_printf(mark, "%s%d", named ? "." : ":", db->slot[k]);
        named = true;
    }
    return named;
}

/* The entries of data-days for row @p r, whose incidents row_incidents() found. */
static void data_days(tc_day_bars_t *db, tc_buf_t *b, const tc_view_row_t *r)
{
    const char *sep = "";
    tc_buf_t entry;
    tc_buf_init(&entry, 0);
    for (size_t d = 0; d < r->ndays; d++) {
        const tc_uptime_day_t *day = &r->days[d];
        tc_buf_free(&entry);
        tc_buf_init(&entry, 0);
        if (day->uptime < 0) {
            /* A run of days without data (before the component existed) and without
             * incidents is one entry. */
            size_t last = d;
            while (last + 1 < r->ndays && r->days[last + 1].uptime < 0 &&
                   !name_incidents(db, last + 1, NULL))
                last++;
            if (last > d && !name_incidents(db, d, NULL)) {
                tc_buf_printf(b, "%s%zu-%zu:-", sep, d, last);
                sep = " ";
                d = last;
                continue;
            }
            tc_buf_printf(&entry, "%zu:-", d);
        } else {
            tc_buf_printf(&entry, "%zu:", d);
            figures(&entry, day);
        }
        bool named = name_incidents(db, d, &entry);
        if (day->uptime >= 0 && day->worst == TC_STATUS_OPERATIONAL && !named)
            continue; /* a quiet day: nothing to say */
        tc_buf_puts(b, sep);
        tc_buf_append(b, entry.data, entry.len);
        sep = " ";
    }
    tc_buf_free(&entry);
}

/* What a day's bar shows: its worst status, or no data. */
static const char *day_class(const tc_uptime_day_t *d)
{
    return d->uptime < 0 ? "nodata" : tc_status_name(d->worst);
}

/* The bars: the no-data colour under everything, one operational rect from the first day
 * with data to the last, each run of other days on top, and the gaps over it all. */
static void runs(tc_buf_t *b, const tc_view_row_t *r)
{
    size_t width = r->ndays * DAY_WIDTH, from = 0, to = r->ndays;
    tc_buf_printf(b, "<rect width=\"%zu\" height=\"34\"/>", width);
    while (from < to && r->days[from].uptime < 0)
        from++;
    while (to > from && r->days[to - 1].uptime < 0)
        to--;
    if (from < to)
        tc_buf_printf(b, "<rect class=\"operational\" x=\"%zu\" width=\"%zu\" height=\"34\"/>",
                      from * DAY_WIDTH, (to - from) * DAY_WIDTH);
    for (size_t d = from; d < to;) {
        const char *cls = day_class(&r->days[d]);
        size_t end = d + 1;
        while (end < to && strcmp(day_class(&r->days[end]), cls) == 0)
            end++;
        if (strcmp(cls, "operational") != 0)
            tc_buf_printf(b, "<rect class=\"%s\" x=\"%zu\" width=\"%zu\" height=\"34\"/>", cls,
                          d * DAY_WIDTH, (end - d) * DAY_WIDTH);
        d = end;
    }
    tc_buf_printf(b, "<rect class=\"gaps\" width=\"%zu\" height=\"34\"/>", width);
}

void tc_day_bars_row(tc_day_bars_t *db, tc_buf_t *b, const tc_view_row_t *r)
{
    if (!r->days || !r->ndays)
        return;
    if (!db->first[0]) {
        tc_clock_format_local(db->v->zone, r->days[0].start, "%Y-%m-%d", db->first,
                              sizeof db->first);
        db->ndays = r->ndays;
        /* userSpaceOnUse: the pattern repeats in the units of each row's viewBox, so it cuts
         * every row's gaps at its days whatever the row's width. */
        tc_buf_printf(b, "<svg class=\"defs\" width=\"0\" height=\"0\" aria-hidden=\"true\">"
                         "<pattern id=\"tc-gaps\" width=\"%d\" height=\"34\" "
                         "patternUnits=\"userSpaceOnUse\"><rect class=\"gap\" x=\"3.6\" "
                         "width=\"1.4\" height=\"34\"/></pattern></svg>",
                      DAY_WIDTH);
    }
    row_incidents(db, r);
    char n[24];
    snprintf(n, sizeof n, "%zu", r->ndays);
    tc_buf_printf(b, "<svg class=\"bars\" viewBox=\"0 0 %zu 34\" preserveAspectRatio=\"none\" "
                     "role=\"img\" aria-label=\"",
                  r->ndays * DAY_WIDTH);
    tc_i18n_html(b, db->v->lang, TC_T_BARS_LABEL, r->name, n, NULL);
    tc_buf_puts(b, "\" data-days=\"");
    data_days(db, b, r);
    tc_buf_puts(b, "\">");
    runs(b, r);
    tc_buf_puts(b, "</svg>");
}

/* The JSON inside <script type="application/json">: "<" never appears raw, so no text in it
 * can close the element or open a comment. Only JSON strings can hold "<", and \u003c means
 * the same there. */
static void script_json(tc_buf_t *b, json_t *root)
{
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    for (const char *p = text; *p; p++) {
        const char *lt = strchr(p, '<');
        if (!lt) {
            tc_buf_puts(b, p);
            break;
        }
        tc_buf_append(b, p, (size_t)(lt - p));
        tc_buf_puts(b, "\\u003c");
        p = lt;
    }
    free(text);
}

void tc_day_bars_finish(tc_day_bars_t *db, tc_buf_t *b)
{
    if (db->first[0]) {
        /* The words of the detail, as templates with "{}" (web/i18n.h), keyed as page.js
         * reads them; the seconds of data-days are in STATUSES order there. */
        static const struct {
            const char *key;
            tc_text_t text;
        } words_of[] = {
            {"nodata", TC_T_DAY_NO_DATA},        {"quiet", TC_T_DAY_QUIET},
            {"uptime", TC_T_DAY_UPTIME},         {"major_outage", TC_T_DAY_MAJOR},
            {"partial_outage", TC_T_DAY_PARTIAL}, {"degraded_performance", TC_T_DAY_DEGRADED},
            {"under_maintenance", TC_T_DAY_MAINT}, {"lt1", TC_T_DUR_LT1},
            {"min", TC_T_DUR_MIN},               {"hmin", TC_T_DUR_HMIN},
        };
        json_t *words = json_object();
        for (size_t k = 0; k < sizeof words_of / sizeof words_of[0]; k++)
            json_object_set_new(words, words_of[k].key,
                                json_string(tc_i18n(db->v->lang, words_of[k].text)));
        char decimal[32];
        tc_i18n_decimal(db->v->lang, 0.5, 1, decimal);
        json_object_set_new(words, "decimal", json_stringn(decimal + 1, 1));
        json_t *incidents = json_array();
        for (size_t k = 0; k < db->nnamed; k++)
            json_array_append_new(incidents,
                                  json_pack("[s, s, s]", db->named[k]->id, db->named[k]->name,
                                            db->named[k]->is_maintenance
                                                ? "maintenance"
                                                : tc_impact_name(db->named[k]->impact)));
        tc_buf_puts(b, "<script type=\"application/json\" id=\"tc-days\">");
        script_json(b, json_pack("{s:s, s:i, s:o, s:o}", "first", db->first, "days",
                                 (json_int_t)db->ndays, "text", words, "incidents", incidents));
        tc_buf_puts(b, "</script><script src=\"/page.js\" defer></script>");
    }
    free(db->found);
    free(db->day_at);
    free(db->day_list);
    free(db->by_row);
    free(db->run_at);
    free(db->run_len);
    free(db->named);
    free(db->slot);
    free(db);
}
