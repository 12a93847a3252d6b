/* The incident history: /history with the three latest months that have incidents, and
 * one page per such month at /history/YYYY-MM. Documents are found by exact path, so
 * paging uses paths rather than a query string. Upcoming maintenance (not started yet)
 * stays off the history until it begins; the home page lists it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "web/html.h"
#include "web/render.h"

#define FRONT_MONTHS 3 /* months on /history */

/* An incident with the local month and day it is filed under, computed once. */
typedef struct entry {
    const tc_incident_t *inc;
    uint64_t version; /* inc's, read with the rest: the month keys go through every entry */
    int64_t at;
    char month[8]; /* "2024-11" */
    char day[12];  /* "2024-11-14" */
} entry_t;

/* A month with incidents: a run of entries. */
typedef struct month {
    size_t first, count;
} month_t;

static int newest_first(const void *pa, const void *pb)
{
    const entry_t *a = pa, *b = pb;
    if (a->at != b->at)
        return a->at < b->at ? 1 : -1;
    return a->inc->seq < b->inc->seq ? 1 : a->inc->seq > b->inc->seq ? -1 : 0;
}

/* What the history files of one incident: kept from render to render in the view's order,
 * made again for the incidents that changed. */
typedef struct filing {
    const tc_incident_t *inc;
    uint64_t version;
    int64_t at;
    bool upcoming_if_later; /* scheduled maintenance: off the history until it begins */
    char day[12];
} filing_t;

struct tc_history_cache {
    uint64_t frame, set; /* the frame and incident set it was made in */
    filing_t *all;       /* one per incident of the view, in its order */
    size_t n;
};

void tc_render__history_cache_free(struct tc_history_cache *c)
{
    if (c)
        free(c->all);
    free(c);
}

static void file_one(filing_t *f, const tc_view_t *v, tc_render_state_t *st,
                     const tc_incident_t *inc)
{
    f->inc = inc;
    f->version = inc->version;
    f->at = tc_render__filed(st, v, inc, f->day);
    f->upcoming_if_later = inc->status == TC_INC_SCHEDULED;
}

/* Every incident's filing in the view's order: the last render's, with those of the
 * incidents that changed since made again, when the view says which changed and holds the
 * same incidents in the same order; all made otherwise (each a read of its incident and of
 * the filed table, which at 10,000 incidents costs more than the rest of the history). */
static const filing_t *filings(const tc_view_t *v, tc_render_state_t *st, filing_t **scratch)
{
    struct tc_history_cache **slot = tc_render__history_cache(st);
    struct tc_history_cache *c = slot ? *slot : NULL;
    uint64_t frame = tc_render__frame(st);
    bool keep = c && v->changed_known && v->incident_set && c->set == v->incident_set &&
                c->frame == frame && c->n == v->nincidents;
    for (size_t k = 0; keep && k < v->nincidents; k++)
        keep = c->all[k].inc == v->incidents[k];
    filing_t *all;
    if (keep) {
        all = c->all;
        for (size_t x = 0; x < v->nchanged; x++)
            for (size_t k = 0; k < v->nincidents; k++)
                if (all[k].inc == v->changed[x]) {
                    file_one(&all[k], v, st, all[k].inc);
                    break;
                }
        return all;
    }
    all = tc_calloc(v->nincidents ? v->nincidents : 1, sizeof *all);
    for (size_t k = 0; k < v->nincidents; k++)
        file_one(&all[k], v, st, v->incidents[k]);
    if (!slot) {
        *scratch = all; /* a page on demand: the caller frees it */
        return all;
    }
    if (!c)
        c = *slot = tc_calloc(1, sizeof *c);
    free(c->all);
    *c = (struct tc_history_cache){frame, v->incident_set, all, v->nincidents};
    return all;
}

/* The incidents that belong on the history, sorted newest first. The view is already in
 * that order, but sorting here keeps the grouping right whatever the engine hands us. */
static entry_t *collect(const tc_view_t *v, tc_render_state_t *st, size_t *n)
{
    filing_t *scratch = NULL;
    const filing_t *all = filings(v, st, &scratch);
    entry_t *e = tc_calloc(v->nincidents ? v->nincidents : 1, sizeof *e);
    size_t k = 0;
    for (size_t i = 0; i < v->nincidents; i++) {
        const filing_t *f = &all[i];
        if (f->at > v->now && f->upcoming_if_later)
            continue;
        e[k].inc = f->inc;
        e[k].version = f->version;
        e[k].at = f->at;
        memcpy(e[k].day, f->day, sizeof e[k].day);
        memcpy(e[k].month, f->day, 7);
        e[k].month[7] = '\0';
        k++;
    }
    free(scratch);
    /* Mostly in order already: checking is cheaper than sorting. */
    for (size_t i = 1; i < k; i++) {
        if (newest_first(&e[i - 1], &e[i]) > 0) {
            qsort(e, k, sizeof *e, newest_first);
            break;
        }
    }
    *n = k;
    return e;
}

static month_t *split_months(const entry_t *e, size_t n, size_t *nmonths)
{
    month_t *m = tc_calloc(n ? n : 1, sizeof *m);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(e[i].month, e[i - 1].month) != 0)
            m[k++].first = i;
        m[k - 1].count++;
    }
    *nmonths = k;
    return m;
}

/* "November 2024", from any entry of the month. */
static void month_name(const tc_view_t *v, const entry_t *e, char *out, size_t outlen)
{
    tc_i18n_date(v->lang, v->zone, e->at, TC_T_FMT_MONTH, out, outlen);
}

static void month_html(tc_buf_t *b, const tc_view_t *v, tc_render_state_t *st, const entry_t *e,
                       const month_t *m)
{
    char name[64];
    month_name(v, &e[m->first], name, sizeof name);
    tc_buf_printf(b, "<section class=\"month\"><h2><a href=\"/history/%s\">",
                  e[m->first].month);
    tc_buf_html(b, name);
    tc_buf_puts(b, "</a></h2>");
    size_t end = m->first + m->count;
    for (size_t i = m->first; i < end;) {
        size_t j = i;
        while (j < end && strcmp(e[j].day, e[i].day) == 0)
            j++;
        char day[64], n[24];
        tc_i18n_date(v->lang, v->zone, e[i].at, TC_T_FMT_DAY, day, sizeof day);
        snprintf(n, sizeof n, "%zu", j - i);
        /* U+00B7 MIDDLE DOT, as on the seed history. */
        tc_buf_puts(b, "<h3 class=\"day\">");
        tc_buf_html(b, day);
        tc_buf_puts(b, " \xC2\xB7 ");
        tc_i18n_html(b, v->lang, tc_i18n_plural(v->lang, j - i, TC_T_N_INCIDENT, TC_T_N_INCIDENTS),
                     n, NULL);
        tc_buf_puts(b, "</h3>");
        for (; i < j; i++)
            tc_render__entry(st, b, v, e[i].inc, 4);
    }
    tc_buf_puts(b, "</section>");
}

/* One history document: months [from, to) of @p m; @p index is the month of a
 * /history/YYYY-MM page (for its neighbour links), or -1 on /history. */
static char *history_html(const tc_view_t *v, tc_render_state_t *st, const entry_t *e,
                          const month_t *m, size_t nmonths, size_t from, size_t to, long index,
                          size_t *len)
{
    tc_buf_t b;
    char name[64];
    tc_buf_init(&b, TC_HTML_LIMIT);
    if (index < 0) {
        tc_html_open(&b, v, tc_i18n(v->lang, TC_T_HISTORY_TITLE), false);
    } else {
        month_name(v, &e[m[index].first], name, sizeof name);
        tc_html_open(&b, v, name, false);
    }
    tc_buf_puts(&b, "<h1>");
    tc_html_text(&b, v, TC_T_PREVIOUS_INCIDENTS);
    tc_buf_puts(&b, "</h1>");
    if (!nmonths) {
        tc_buf_puts(&b, "<p class=\"quiet\">");
        tc_html_text(&b, v, TC_T_NONE_REPORTED);
        tc_buf_puts(&b, "</p>");
    }
    for (size_t k = from; k < to; k++)
        month_html(&b, v, st, e, &m[k]);

    tc_buf_puts(&b, "<nav class=\"pager\" aria-label=\"");
    tc_html_text(&b, v, TC_T_MONTHS);
    tc_buf_puts(&b, "\">");
    if (index < 0) {
        tc_buf_puts(&b, "<a href=\"/\">&larr; ");
        tc_html_text(&b, v, TC_T_CURRENT_STATUS);
        tc_buf_puts(&b, "</a>");
        if (nmonths > to) {
            month_name(v, &e[m[to].first], name, sizeof name);
            tc_buf_printf(&b, "<a href=\"/history/%s\">", e[m[to].first].month);
            tc_i18n_html(&b, v->lang, TC_T_OLDER_INCIDENTS, name, NULL);
            tc_buf_puts(&b, " &rarr;</a>");
        }
    } else {
        /* Months are newest first: the one before is newer, the one after older. */
        if (index > 0) {
            month_name(v, &e[m[index - 1].first], name, sizeof name);
            tc_buf_printf(&b, "<a href=\"/history/%s\" rel=\"prev\">&larr; ",
                          e[m[index - 1].first].month);
            tc_buf_html(&b, name);
            tc_buf_puts(&b, "</a>");
        } else {
            tc_buf_puts(&b, "<a href=\"/history\">&larr; ");
            tc_html_text(&b, v, TC_T_RECENT_HISTORY);
            tc_buf_puts(&b, "</a>");
        }
        if ((size_t)index + 1 < nmonths) {
            month_name(v, &e[m[index + 1].first], name, sizeof name);
            tc_buf_printf(&b, "<a href=\"/history/%s\" rel=\"next\">",
                          e[m[index + 1].first].month);
            tc_buf_html(&b, name);
            tc_buf_puts(&b, " &rarr;</a>");
        }
    }
    tc_buf_puts(&b, "</nav>");
    tc_html_close(&b, v);
    return tc_buf_steal(&b, len);
}

/* A month string as a number for keys: "2024-11" -> its bytes. */
static uint64_t month_bits(const char *month)
{
    uint64_t x = 0;
    memcpy(&x, month, strlen(month) < sizeof x ? strlen(month) : sizeof x);
    return x;
}

/* The key of month @p k's page: its incidents' versions and its neighbours (the pager's
 * links), in the frame of the render; 0 (render it) when an incident has no version. */
static uint64_t month_key(uint64_t frame, const entry_t *e, const month_t *m, size_t nmonths,
                          size_t k)
{
    if (!frame)
        return 0;
    uint64_t key = tc_render__key(frame, month_bits(e[m[k].first].month));
    for (size_t i = m[k].first; i < m[k].first + m[k].count; i++) {
        if (!e[i].version)
            return 0;
        key = tc_render__key(key, e[i].version);
    }
    key = tc_render__key(key, k > 0 ? month_bits(e[m[k - 1].first].month) : 0);
    return tc_render__key(key, k + 1 < nmonths ? month_bits(e[m[k + 1].first].month) : 0);
}

/* The latest change to the incidents of months [from, to), for the page's footer. */
static int64_t months_changed_at(const tc_view_t *v, const entry_t *e, const month_t *m,
                                 size_t from, size_t to)
{
    int64_t t = 0;
    for (size_t k = from; k < to; k++)
        for (size_t i = m[k].first; i < m[k].first + m[k].count; i++) {
            int64_t c = tc_render__incident_changed_at(e[i].inc);
            if (c > t)
                t = c;
        }
    return t ? t : v->updated_at;
}

void tc_render_history_docs(const tc_view_t *v, tc_snapshot_t *s, tc_render_state_t *st)
{
    static const char html[] = "text/html; charset=utf-8";
    size_t n = 0, nmonths = 0, len = 0;
    uint64_t frame = tc_render__frame(st);
    entry_t *e = collect(v, st, &n);
    month_t *m = split_months(e, n, &nmonths);
    tc_view_t mine = *v;

    size_t front = nmonths < FRONT_MONTHS ? nmonths : FRONT_MONTHS;
    /* No month: the page's footer follows the whole page, so it is rendered every time. */
    uint64_t fkey = frame && nmonths ? tc_render__key(frame, nmonths) : 0;
    for (size_t k = 0; k < front && fkey; k++) {
        uint64_t mk = month_key(frame, e, m, nmonths, k);
        fkey = mk ? tc_render__key(fkey, mk) : 0;
    }
    if (!tc_snapshot_reuse(s, "/history", fkey)) {
        mine.updated_at = months_changed_at(v, e, m, 0, front);
        char *body = history_html(&mine, st, e, m, nmonths, 0, front, -1, &len);
        tc_snapshot_add_keyed(s, "/history", TC_ROUTE_HISTORY, html, body, len, fkey);
    }
    /* Month pages are read far less than they change (the current month changes with every
     * write): unless the state is eager, they are made when asked for. */
    bool eager = tc_render__eager(st);
    for (size_t k = 0; k < nmonths; k++) {
        char path[32];
        snprintf(path, sizeof path, "/history/%s", e[m[k].first].month);
        uint64_t key = month_key(frame, e, m, nmonths, k);
        if (!eager) {
            tc_render__offer(st, path);
            tc_snapshot_keep_on_demand(s, path, key);
            continue;
        }
        if (tc_snapshot_reuse(s, path, key))
            continue;
        mine.updated_at = months_changed_at(v, e, m, k, k + 1);
        char *body = history_html(&mine, st, e, m, nmonths, k, k + 1, (long)k, &len);
        tc_snapshot_add_keyed(s, path, TC_ROUTE_HISTORY, html, body, len, key);
    }
    free(m);
    free(e);
}

char *tc_render__month_page(const tc_view_t *v, tc_render_state_t *st, uint64_t frame,
                            const char *month, size_t *len, uint64_t *key)
{
    size_t n = 0, nmonths = 0;
    entry_t *e = collect(v, st, &n);
    month_t *m = split_months(e, n, &nmonths);
    char *body = NULL;
    for (size_t k = 0; k < nmonths && !body; k++) {
        if (strcmp(e[m[k].first].month, month) != 0)
            continue;
        tc_view_t mine = *v;
        mine.updated_at = months_changed_at(v, e, m, k, k + 1);
        *key = month_key(frame, e, m, nmonths, k);
        body = history_html(&mine, st, e, m, nmonths, k, k + 1, (long)k, len);
    }
    free(m);
    free(e);
    return body;
}
