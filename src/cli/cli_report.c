/* `tocsin report coverage [--since 90d]`: what the probes missed. For every incident a person
 * opened since then: did a monitor feeding its components fail first (and how long before),
 * only after it began, or not at all; and the components no monitor feeds. Reads the store
 * (works while the daemon runs); times in the page's zone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "config/config.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "incident/coverage.h"
#include "incident/incident_codec.h"
#include "store/store.h"

typedef struct loaded {
    tc_incident_t **list;
    size_t n, cap;
} loaded_t;

static void keep(void *ctx, const char *doc)
{
    loaded_t *l = ctx;
    tc_incident_t *in = NULL;
    char err[256];
    if (tc_incident_decode(doc, strlen(doc), &in, NULL, err, sizeof err) != 0)
        return;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->list = tc_realloc(l->list, l->cap * sizeof *l->list);
    }
    l->list[l->n++] = in;
}

static int newest_first(const void *a, const void *b)
{
    const tc_incident_t *x = *(tc_incident_t *const *)a, *y = *(tc_incident_t *const *)b;
    int64_t tx = x->started_at ? x->started_at : x->created_at;
    int64_t ty = y->started_at ? y->started_at : y->created_at;
    return tx < ty ? 1 : tx > ty ? -1 : 0;
}

static bool first_failure(void *ctx, const char *monitor, int64_t from, int64_t to, int64_t *at,
                          bool *hourly)
{
    return tc_store_first_failure(ctx, monitor, from, to, at, hourly) == 0;
}

static const char *component_name(const tc_config_t *c, const char *id)
{
    for (size_t i = 0; i < c->ncomponents; i++)
        if (strcmp(c->components[i].id, id) == 0)
            return c->components[i].name;
    return id;
}

int tc_cli_report(int argc, char **argv)
{
    const char *since = NULL;
    const tc_cli_opt_t extra[] = {{"since", 0, true, &since}, {NULL, 0, false, NULL}};
    tc_cli_args_t a = {.config = "tocsin.yaml"};
    int rc;
    if (!tc_cli_opts_parse("report", argc, argv, TC_CLI_CONFIG | TC_CLI_DATA, extra, &a, &rc))
        return rc;
    long days = 90;
    if (since) {
        char *end;
        days = strtol(since, &end, 10);
        if (end == since || strcmp(end, "d") != 0 || days < 1 || days > 36500)
            return tc_cli_usage_error("report", "--since takes days, like 90d");
    }
    if (a.next + 1 != argc || strcmp(argv[a.next], "coverage") != 0)
        return tc_cli_usage_error("report", "use: tocsin report coverage [--since 90d]");
    tc_config_t *c = NULL;
    tc_zone_t *zone = NULL;
    tc_store_t *s = NULL;
    rc = tc_cli__open_page("report", a.config, a.data, &c, &zone, &s);
    if (rc)
        return rc;
    loaded_t l = {0};
    size_t nfeeds = 0;
    tc_cover_feed_t *feeds = NULL;
    tc_cover_row_t *rows = NULL;
    char err[512];
    rc = 1;
    if (tc_store_each_incident(s, keep, &l, err, sizeof err) != 0) {
        fprintf(stderr, "tocsin report: %s\n", err);
        goto out;
    }
    qsort(l.list, l.n, sizeof *l.list, newest_first);
    feeds = tc_config_cover_feeds(c, &nfeeds);
    rows = tc_calloc(l.n + 1, sizeof *rows);
    int64_t now = tc_clock_wall_ms();
    size_t n = tc_coverage((const tc_incident_t *const *)l.list, l.n, now - days * 86400000LL,
                           now, feeds, nfeeds, first_failure, s, rows);
    size_t count[4] = {0};
    printf("%-16s  %-14s  %-40s  %s\n", "started", "verdict", "incident", "how");
    for (size_t i = 0; i < n; i++) {
        char when[40], how[160] = "", dur[40];
        tc_clock_format_local(zone, rows[i].start, "%Y-%m-%d %H:%M", when, sizeof when);
        tc_cover_duration(rows[i].delta_ms, dur, sizeof dur);
        if (rows[i].verdict == TC_COVER_FIRST || rows[i].verdict == TC_COVER_AFTER)
            snprintf(how, sizeof how, "%s%s %s by %s", rows[i].hourly ? "about " : "", dur,
                     rows[i].verdict == TC_COVER_FIRST ? "before" : "after", rows[i].monitor);
        else if (rows[i].verdict == TC_COVER_MISSED)
            snprintf(how, sizeof how, "no monitor of its components failed");
        else
            snprintf(how, sizeof how, "no monitor feeds its components");
        char title[41];
        printf("%-16s  %-14s  %-40s  %s\n", when, tc_cover_verdict_name(rows[i].verdict),
               tc_utf8_excerpt(title, sizeof title, rows[i].incident->name), how);
        count[rows[i].verdict]++;
    }
    printf("\n%zu incidents opened by people in the last %ld days: %zu detected first, %zu "
           "detected after, %zu missed (%zu of them on components no monitor feeds).\n",
           n, days, count[TC_COVER_FIRST], count[TC_COVER_AFTER],
           count[TC_COVER_MISSED] + count[TC_COVER_BLIND], count[TC_COVER_BLIND]);
    size_t blind = 0;
    for (size_t i = 0; i < nfeeds; i++)
        if (!feeds[i].nmonitors)
            printf("%s%s", blind++ ? ", " : "Components no monitor feeds: ",
                   component_name(c, feeds[i].component));
    printf(blind ? "\n" : "Every component is fed by a monitor.\n");
    rc = 0;
out:
    free(rows);
    tc_config_cover_feeds_free(feeds, nfeeds);
    for (size_t i = 0; i < l.n; i++)
        tc_incident_free(l.list[i]);
    free(l.list);
    tc_store_close(s);
    tc_zone_free(zone);
    tc_config_free(c);
    return rc;
}
