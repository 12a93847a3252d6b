/* What the probes missed; see coverage.h. */
#include "incident/coverage.h"

#include <stdio.h>
#include <string.h>

const char *tc_cover_verdict_name(tc_cover_verdict_t v)
{
    switch (v) {
    case TC_COVER_FIRST:
        return "detected first";
    case TC_COVER_AFTER:
        return "detected after";
    default: /* missed, with or without a monitor to miss it */
        return "missed";
    }
}

void tc_cover_duration(int64_t ms, char *out, size_t outlen)
{
    int64_t s = ms / 1000;
    if (s < 60)
        snprintf(out, outlen, "%lld s", (long long)s);
    else if (s < 3600)
        snprintf(out, outlen, "%lld min", (long long)(s / 60));
    else if (s < 86400)
        snprintf(out, outlen, "%lld h %lld min", (long long)(s / 3600),
                 (long long)(s % 3600 / 60));
    else
        snprintf(out, outlen, "%lld d %lld h", (long long)(s / 86400),
                 (long long)(s % 86400 / 3600));
}

static const tc_cover_feed_t *feed_of(const tc_cover_feed_t *feeds, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(feeds[i].component, id) == 0)
            return &feeds[i];
    return NULL;
}

/* The components an incident is about: those it sets now, and those its updates touched
 * (an incident resolved with its components back to operational still names them). */
static void judge(const tc_incident_t *in, int64_t now, const tc_cover_feed_t *feeds,
                  size_t nfeeds, tc_cover_lookup_t lookup, void *ctx, tc_cover_row_t *row)
{
    row->incident = in;
    row->start = in->started_at ? in->started_at : in->created_at;
    row->end = in->resolved_at ? in->resolved_at : now;
    row->verdict = TC_COVER_BLIND;
    int64_t best = INT64_MAX;
    for (size_t u = 0; u <= in->nupdates; u++) {
        /* u == nupdates: the incident's own component list. */
        size_t count = u < in->nupdates ? in->updates[u].naffected : in->ncomponents;
        for (size_t k = 0; k < count; k++) {
            const char *id = u < in->nupdates ? in->updates[u].affected[k].code
                                              : in->component_ids[k];
            const tc_cover_feed_t *f = feed_of(feeds, nfeeds, id);
            if (!f || !f->nmonitors)
                continue;
            if (row->verdict == TC_COVER_BLIND)
                row->verdict = TC_COVER_MISSED;
            for (size_t m = 0; m < f->nmonitors; m++) {
                int64_t at;
                bool hourly = false;
                if (lookup(ctx, f->monitors[m], row->start - TC_COVERAGE_LEAD_MS, row->end, &at,
                           &hourly) &&
                    at < best) {
                    best = at;
                    row->monitor = f->monitors[m];
                    row->hourly = hourly;
                }
            }
        }
    }
    if (best == INT64_MAX)
        return;
    row->verdict = best < row->start ? TC_COVER_FIRST : TC_COVER_AFTER;
    row->delta_ms = best < row->start ? row->start - best : best - row->start;
}

size_t tc_coverage(const tc_incident_t *const *incidents, size_t n, int64_t since, int64_t now,
                   const tc_cover_feed_t *feeds, size_t nfeeds, tc_cover_lookup_t lookup,
                   void *ctx, tc_cover_row_t *out)
{
    size_t rows = 0;
    for (size_t i = 0; i < n; i++) {
        const tc_incident_t *in = incidents[i];
        int64_t start = in->started_at ? in->started_at : in->created_at;
        if (in->is_maintenance || in->monitor_id || start < since)
            continue;
        memset(&out[rows], 0, sizeof out[rows]);
        judge(in, now, feeds, nfeeds, lookup, ctx, &out[rows]);
        rows++;
    }
    return rows;
}
