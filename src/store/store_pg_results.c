/* PostgreSQL store, probe results: as store_sqlite_results.c (batched raw results, the last
 * verdicts that restore threshold state, the rollup and retention pass in slices), each step
 * one set-based statement so that a batch or a slice costs a few round trips whatever its
 * size. Each result is written with the location its node probes from ('' for none), so nodes
 * in several places write the same monitor's results side by side. */
#include "store/store_pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

int tc_pg_add_results(tc_store_t *s, const tc_store_result_t *r, size_t n, char *err,
                      size_t errlen)
{
    if (n == 0)
        return 0;
    tc_buf_t col[6];
    for (int k = 0; k < 6; k++) {
        tc_buf_init(&col[k], 0);
        tc_buf_puts(&col[k], "{");
    }
    for (size_t i = 0; i < n; i++) {
        char at[24], verdict[8], latency[24];
        snprintf(at, sizeof at, "%lld", (long long)r[i].at);
        snprintf(verdict, sizeof verdict, "%d", r[i].verdict);
        snprintf(latency, sizeof latency, "%lld", (long long)(r[i].latency_ms * 1000.0));
        tc_pg__array_add(&col[0], r[i].monitor_id);
        tc_pg__array_add(&col[1], at);
        tc_pg__array_add(&col[2], verdict);
        tc_pg__array_add(&col[3], latency);
        tc_pg__array_add(&col[4], r[i].reason && r[i].reason[0] ? r[i].reason : NULL);
        tc_pg__array_add(&col[5], r[i].location ? r[i].location : "");
    }
    tc_pg_args_t a = {0};
    for (int k = 0; k < 6; k++) {
        tc_buf_puts(&col[k], "}");
        tc_pg__text(&a, col[k].data);
    }
    /* First the monitors' numeric keys, made once per monitor: only names not stored yet are
     * inserted, so the identity sequence is not spent on every batch. A separate statement,
     * so that the next one's snapshot sees a key another node made meanwhile. */
    tc_pg_args_t names = {0};
    tc_pg__text(&names, col[0].data);
    int rc = tc_pg__run(s,
                        "INSERT INTO monitor (name) SELECT DISTINCT n FROM unnest($1::text[]) AS n"
                        " WHERE NOT EXISTS (SELECT 1 FROM monitor WHERE name = n)"
                        " ON CONFLICT (name) DO NOTHING",
                        &names, NULL, err, errlen);
    /* One statement, so the batch is written whole or not at all. A second result of the same
     * monitor at the same millisecond replaces the first, as SQLite's INSERT OR REPLACE. */
    if (!rc)
        rc = tc_pg__run(s,
                        "INSERT INTO result (monitor, at, location, verdict, latency_us, reason)"
                        " SELECT DISTINCT ON (m.id, v.at, v.location) m.id, v.at, v.location,"
                        " v.verdict, v.latency_us, v.reason FROM unnest($1::text[],"
                        " $2::bigint[], $3::smallint[], $4::bigint[], $5::text[], $6::text[])"
                        " WITH ORDINALITY AS v(name, at, verdict, latency_us, reason, location,"
                        " ord) JOIN monitor m ON m.name = v.name"
                        " ORDER BY m.id, v.at, v.location, v.ord DESC"
                        " ON CONFLICT (monitor, at, location) DO UPDATE SET"
                        " verdict = excluded.verdict, latency_us = excluded.latency_us,"
                        " reason = excluded.reason",
                        &a, NULL, err, errlen);
    for (int k = 0; k < 6; k++)
        tc_buf_free(&col[k]);
    return rc;
}

/* Aggregate the raw results of monitors (@p lo, @p hi] in [@p from, @p to) into @p table by
 * periods of @p period ms; the p95 is the smallest latency whose rank reaches 95% of the
 * period's checks (NULL latencies first, as SQLite orders them). */
static int aggregate(tc_store_t *s, const char *table, int64_t period, int64_t from, int64_t to,
                     int64_t lo, int64_t hi, char *err, size_t errlen)
{
    char sql[1400];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s (monitor, start, checks, failures, degraded, lat_min, lat_avg,"
             " lat_max, lat_p95)"
             " SELECT monitor, p, COUNT(*), COUNT(*) FILTER (WHERE verdict = 2),"
             " COUNT(*) FILTER (WHERE verdict = 1), MIN(ms), AVG(ms), MAX(ms),"
             " MIN(CASE WHEN rn * 100 >= cnt * 95 THEN ms END)"
             " FROM (SELECT monitor, (at / $1) * $1 AS p, verdict,"
             "  latency_us / 1000.0::float8 AS ms,"
             "  ROW_NUMBER() OVER (PARTITION BY monitor, at / $1"
             "   ORDER BY latency_us NULLS FIRST) AS rn,"
             "  COUNT(*) OVER (PARTITION BY monitor, at / $1) AS cnt"
             "  FROM result WHERE monitor > $4 AND monitor <= $5 AND at >= $2 AND at < $3)"
             " AS x GROUP BY monitor, p"
             " ON CONFLICT (monitor, start) DO UPDATE SET checks = excluded.checks,"
             " failures = excluded.failures, degraded = excluded.degraded,"
             " lat_min = excluded.lat_min, lat_avg = excluded.lat_avg,"
             " lat_max = excluded.lat_max, lat_p95 = excluded.lat_p95",
             table);
    tc_pg_args_t a = {0};
    tc_pg__int(&a, period);
    tc_pg__int(&a, from);
    tc_pg__int(&a, to);
    tc_pg__int(&a, lo);
    tc_pg__int(&a, hi);
    return tc_pg__run(s, sql, &a, NULL, err, errlen);
}

/* Delete the rows of @p table older than @p before, of monitors (@p lo, @p hi]. */
static int prune_monitors(tc_store_t *s, const char *table, const char *column, int64_t lo,
                          int64_t hi, int64_t before, char *err, size_t errlen)
{
    char sql[256];
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE monitor > $1 AND monitor <= $2 AND %s < $3",
             table, column);
    tc_pg_args_t a = {0};
    tc_pg__int(&a, lo);
    tc_pg__int(&a, hi);
    tc_pg__int(&a, before);
    return tc_pg__run(s, sql, &a, NULL, err, errlen);
}

int tc_pg_rollup(tc_store_t *s, int64_t now, int64_t raw_keep_ms, int64_t agg_keep_ms,
                 int64_t *cursor, char *err, size_t errlen)
{
    static const int64_t hour = 3600000, day = 86400000;
    const int slice = 25; /* monitors per call, as SQLite's */
    int rc = tc_pg_begin(s, err, errlen);
    if (rc)
        return rc;
    int more = 0;
    int64_t hour_done = 0, day_done = 0, last = *cursor;
    PGresult *r = tc_pg__query(s,
                               "SELECT (SELECT value FROM meta WHERE key = 'rollup_hour'),"
                               " (SELECT value FROM meta WHERE key = 'rollup_day')",
                               NULL, err, errlen);
    if (!r) {
        rc = TC_ESTORE;
        goto out;
    }
    hour_done = tc_pg__i64(r, 0, 0);
    day_done = tc_pg__i64(r, 0, 1);
    PQclear(r);
    int64_t hour_now = now / hour * hour;
    int64_t hour_from = hour_done ? hour_done : hour_now - raw_keep_ms / hour * hour;
    int64_t day_now = now / day * day;
    int64_t day_from = day_done ? day_done : day_now - raw_keep_ms / day * day;
    /* The slice: the next monitors after the cursor, by key; one more says whether more
     * remain. */
    tc_pg_args_t a = {0};
    tc_pg__int(&a, *cursor);
    tc_pg__int(&a, slice + 1);
    r = tc_pg__query(s, "SELECT id FROM monitor WHERE id > $1 ORDER BY id LIMIT $2", &a, err,
                     errlen);
    if (!r) {
        rc = TC_ESTORE;
        goto out;
    }
    int seen = PQntuples(r);
    more = seen > slice;
    if (seen > 0)
        last = tc_pg__i64(r, (more ? slice : seen) - 1, 0);
    PQclear(r);
    if (seen > 0) {
        if (hour_from < hour_now)
            rc = aggregate(s, "result_hourly", hour, hour_from, hour_now, *cursor, last, err,
                           errlen);
        if (!rc && day_from < day_now)
            rc = aggregate(s, "result_daily", day, day_from, day_now, *cursor, last, err,
                           errlen);
        if (!rc)
            rc = prune_monitors(s, "result", "at", *cursor, last, now - raw_keep_ms, err,
                                errlen);
        if (!rc)
            rc = prune_monitors(s, "result_hourly", "start", *cursor, last, now - agg_keep_ms,
                                err, errlen);
        if (!rc)
            rc = prune_monitors(s, "result_daily", "start", *cursor, last, now - agg_keep_ms,
                                err, errlen);
    }
    if (!rc && !more) {
        /* The pass is complete: record it and trim the status log, keeping each component's
         * last change before the cutoff (the status at the start of the kept window). */
        tc_pg_args_t b = {0};
        tc_pg__int(&b, hour_now);
        tc_pg__int(&b, day_now);
        rc = tc_pg__run(s,
                        "INSERT INTO meta VALUES ('rollup_hour', $1), ('rollup_day', $2)"
                        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        &b, NULL, err, errlen);
        tc_pg_args_t c = {0};
        tc_pg__int(&c, now - agg_keep_ms);
        if (!rc)
            rc = tc_pg__run(s,
                            "DELETE FROM component_status_log AS l WHERE at < $1 AND EXISTS"
                            " (SELECT 1 FROM component_status_log m WHERE"
                            " m.component_id = l.component_id AND m.at > l.at AND m.at <= $1)",
                            &c, NULL, err, errlen);
    }
out:
    if (!rc)
        rc = tc_pg_commit(s, err, errlen);
    else
        tc_pg_rollback(s);
    if (rc)
        return rc;
    *cursor = more ? last : 0;
    return more ? TC_EAGAIN : 0;
}

int tc_pg_last_results(tc_store_t *s, const char *monitor_id, const char *location,
                       size_t max, int *verdicts, double *latency_ms, size_t *n)
{
    *n = 0;
    tc_pg_args_t a = {0};
    tc_pg__text(&a, monitor_id);
    tc_pg__int(&a, (int64_t)max);
    tc_pg__text(&a, location ? location : "");
    char err[256];
    PGresult *r = tc_pg__query(s,
                               "SELECT verdict, latency_us FROM result WHERE monitor = (SELECT"
                               " id FROM monitor WHERE name = $1) AND location = $3"
                               " ORDER BY at DESC LIMIT $2",
                               &a, err, sizeof err);
    if (!r)
        return TC_ESTORE;
    /* Newest first from the query; oldest first, as they happened, to the caller. */
    size_t rows = (size_t)PQntuples(r);
    for (size_t i = 0; i < rows && i < max; i++) {
        size_t j = rows - 1 - i;
        verdicts[i] = (int)tc_pg__i64(r, (int)j, 0);
        latency_ms[i] = PQgetisnull(r, (int)j, 1) ? -1 : tc_pg__i64(r, (int)j, 1) / 1000.0;
        (*n)++;
    }
    PQclear(r);
    return 0;
}

int tc_pg_first_failure(tc_store_t *s, const char *monitor_id, int64_t from, int64_t to,
                        int64_t *at, bool *hourly)
{
    static const char *const queries[2] = {
        "SELECT MIN(at) FROM result WHERE monitor = (SELECT id FROM monitor WHERE name = $1)"
        " AND at BETWEEN $2 AND $3 AND verdict > 0",
        /* An hour whose start is before @p from may still hold a failure after it. */
        "SELECT MIN(start) FROM result_hourly WHERE monitor = (SELECT id FROM monitor WHERE"
        " name = $1) AND start BETWEEN $2::bigint - 3600000 AND $3 AND failures + degraded > 0",
    };
    tc_pg_args_t a = {0};
    tc_pg__text(&a, monitor_id);
    tc_pg__int(&a, from);
    tc_pg__int(&a, to);
    for (int q = 0; q < 2; q++) {
        char err[256];
        PGresult *r = tc_pg__query(s, queries[q], &a, err, sizeof err);
        if (!r)
            return TC_ESTORE;
        int found = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0);
        if (found) {
            *at = tc_pg__i64(r, 0, 0);
            *hourly = q == 1;
        }
        PQclear(r);
        if (found)
            return 0;
    }
    return TC_ENOENT;
}
