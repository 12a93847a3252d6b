/* SQLite store, probe results: batched raw results, the last verdicts that restore threshold
 * state at start, and the housekeeping pass that rolls results up into hourly and daily
 * aggregates and prunes what is past its retention, one slice of monitors at a time. */
#include "store/store_sqlite_int.h"

#include <stdio.h>

#include "core/clock.h"
#include "core/err.h"

/* Aggregate monitor @p monitor's raw results in [from, to) into @p table by periods of
 * @p period ms. The query walks only that monitor's primary-key range. The p95 is the
 * smallest latency whose rank reaches 95% of the period's checks. */
static int aggregate(sqlite3 *db, const char *table, int64_t period, int64_t from, int64_t to,
                     int64_t monitor, char *err, size_t errlen)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT OR REPLACE INTO %s"
             " SELECT ?4, p, COUNT(*), SUM(verdict = 2), SUM(verdict = 1),"
             " MIN(ms), AVG(ms), MAX(ms), MIN(CASE WHEN rn * 100 >= cnt * 95 THEN ms END)"
             " FROM (SELECT (at / ?1) * ?1 AS p, verdict, latency_us / 1000.0 AS ms,"
             "  ROW_NUMBER() OVER (PARTITION BY at / ?1 ORDER BY latency_us) AS rn,"
             "  COUNT(*) OVER (PARTITION BY at / ?1) AS cnt"
             "  FROM result WHERE monitor = ?4 AND at >= ?2 AND at < ?3)"
             " GROUP BY p",
             table);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return tc_sqlite__fail(db, table, err, errlen);
    sqlite3_bind_int64(st, 1, period);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    sqlite3_bind_int64(st, 4, monitor);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : tc_sqlite__fail(db, table, err, errlen);
    sqlite3_finalize(st);
    return rc;
}

/* Delete @p monitor's rows of @p table older than @p before, on the primary key. */
static int prune_monitor(sqlite3 *db, const char *table, const char *column, int64_t monitor,
                         int64_t before, char *err, size_t errlen)
{
    char sql[256];
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE monitor = ?1 AND %s < ?2", table, column);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return tc_sqlite__fail(db, table, err, errlen);
    sqlite3_bind_int64(st, 1, monitor);
    sqlite3_bind_int64(st, 2, before);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : tc_sqlite__fail(db, table, err, errlen);
    sqlite3_finalize(st);
    return rc;
}

static int64_t meta_get(sqlite3 *db, const char *key)
{
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return v;
}

static int meta_set(sqlite3 *db, const char *key, int64_t value, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta VALUES (?1, ?2)", -1, &st, NULL) !=
        SQLITE_OK)
        return tc_sqlite__fail(db, "meta", err, errlen);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, value);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : tc_sqlite__fail(db, "meta", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

static int prune(sqlite3 *db, const char *sql, int64_t before, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return tc_sqlite__fail(db, "prune", err, errlen);
    sqlite3_bind_int64(st, 1, before);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : tc_sqlite__fail(db, "prune", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

/* The cursor of a pass whose monitors are all done, with its last step left. */
#define FINISHING INT64_MAX

int tc_store_rollup(tc_store_t *s, int64_t now, int64_t raw_keep_ms, int64_t agg_keep_ms,
                    int64_t *cursor, char *err, size_t errlen)
{
    static const int64_t hour = 3600000, day = 86400000;
    /* A call goes on to the next monitor while it has run for less than this, so it holds the
     * engine's loop about that long (issue 16: 25 monitors a call held it 25-50 ms with a
     * week of results). What one monitor takes is not cut: a monitor whose day is being
     * aggregated can take a few milliseconds alone. */
    const int64_t budget_us = 5000;
    int64_t t0 = tc_clock_mono_us();
    /* What a pass writes can be made again (an interrupted pass is redone), so its commits
     * need not wait for the disk: NORMAL in WAL mode keeps the file consistent and makes a
     * commit an append. */
    sqlite3_exec(s->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
    int rc = tc_store_begin(s, err, errlen);
    if (rc) {
        sqlite3_exec(s->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
        return rc;
    }
    /* Only completed periods are aggregated: the meta rows remember how far the last full
     * pass got. A pass that is interrupted is simply redone (INSERT OR REPLACE). */
    int64_t hour_done = meta_get(s->db, "rollup_hour");
    int64_t hour_now = now / hour * hour;
    int64_t hour_from = hour_done ? hour_done : hour_now - raw_keep_ms / hour * hour;
    int64_t day_done = meta_get(s->db, "rollup_day");
    int64_t day_now = now / day * day;
    int64_t day_from = day_done ? day_done : day_now - raw_keep_ms / day * day;
    sqlite3_stmt *ids = NULL;
    int more = 0;
    if (*cursor == FINISHING)
        goto finish;
    if (sqlite3_prepare_v2(s->db, "SELECT id FROM monitor WHERE id > ?1 ORDER BY id", -1, &ids,
                           NULL) != SQLITE_OK) {
        rc = tc_sqlite__fail(s->db, "prepare", err, errlen);
        goto out;
    }
    sqlite3_bind_int64(ids, 1, *cursor);
    int seen = 0;
    while (!rc && sqlite3_step(ids) == SQLITE_ROW) {
        if (seen++ && tc_clock_mono_us() - t0 >= budget_us) {
            more = 1;
            break;
        }
        int64_t m = sqlite3_column_int64(ids, 0);
        if (hour_from < hour_now)
            rc = aggregate(s->db, "result_hourly", hour, hour_from, hour_now, m, err, errlen);
        if (!rc && day_from < day_now)
            rc = aggregate(s->db, "result_daily", day, day_from, day_now, m, err, errlen);
        if (!rc)
            rc = prune_monitor(s->db, "result", "at", m, now - raw_keep_ms, err, errlen);
        if (!rc)
            rc = prune_monitor(s->db, "result_hourly", "start", m, now - agg_keep_ms, err,
                               errlen);
        if (!rc)
            rc = prune_monitor(s->db, "result_daily", "start", m, now - agg_keep_ms, err,
                               errlen);
        *cursor = m;
    }
    if (!rc && !more && tc_clock_mono_us() - t0 >= budget_us / 2) {
        /* Every monitor is done; the status log gets a call of its own. */
        *cursor = FINISHING;
        more = 1;
    }
finish:
    if (!rc && !more) {
        /* The pass is complete: record it and trim the status log. */
        rc = meta_set(s->db, "rollup_hour", hour_now, err, errlen);
        if (!rc)
            rc = meta_set(s->db, "rollup_day", day_now, err, errlen);
        /* Keep each component's last change before the cutoff: it is the status at the
         * start of the kept window. */
        if (!rc)
            rc = prune(s->db,
                       "DELETE FROM component_status_log AS l WHERE at < ?1 AND EXISTS (SELECT"
                       " 1 FROM component_status_log m WHERE m.component_id = l.component_id"
                       " AND m.at > l.at AND m.at <= ?1)",
                       now - agg_keep_ms, err, errlen);
        *cursor = 0;
    }
out:
    sqlite3_finalize(ids);
    if (!rc)
        rc = tc_store_commit(s, err, errlen);
    else
        tc_store_rollback(s);
    sqlite3_exec(s->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
    if (!rc && more)
        return TC_EAGAIN;
    return rc;
}

int tc_store_add_results(tc_store_t *s, const tc_store_result_t *r, size_t n, char *err,
                         size_t errlen)
{
    sqlite3_stmt *key = NULL, *ins = NULL;
    int rc = tc_store_begin(s, err, errlen);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO monitor (name) VALUES (?1)", -1, &key,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT OR REPLACE INTO result (monitor, at, verdict, latency_us,"
                           " reason, location) VALUES ((SELECT id FROM monitor WHERE name = ?1),"
                           " ?2, ?3, ?4, ?5, ?6)",
                           -1, &ins, NULL) != SQLITE_OK) {
        rc = tc_sqlite__fail(s->db, "prepare", err, errlen);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(key);
        sqlite3_bind_text(key, 1, r[i].monitor_id, -1, SQLITE_STATIC);
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, r[i].monitor_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 2, r[i].at);
        sqlite3_bind_int(ins, 3, r[i].verdict);
        sqlite3_bind_int64(ins, 4, (sqlite3_int64)(r[i].latency_ms * 1000.0));
        tc_sqlite__bind_text(ins, 5, r[i].reason && r[i].reason[0] ? r[i].reason : NULL);
        sqlite3_bind_text(ins, 6, r[i].location ? r[i].location : "", -1, SQLITE_STATIC);
        if (sqlite3_step(key) != SQLITE_DONE || sqlite3_step(ins) != SQLITE_DONE) {
            rc = tc_sqlite__fail(s->db, "insert result", err, errlen);
            goto out;
        }
    }
    rc = tc_store_commit(s, err, errlen);
out:
    sqlite3_finalize(key);
    sqlite3_finalize(ins);
    if (rc) {
        tc_store_rollback(s);
    }
    return rc;
}

int tc_store_last_results(tc_store_t *s, const char *monitor_id, const char *location,
                          size_t max, int *verdicts, double *latency_ms, size_t *n)
{
    (void)location; /* one node wrote them all (store.h) */
    sqlite3_stmt *st = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT verdict, latency_us FROM result WHERE monitor = (SELECT id"
                           " FROM monitor WHERE name = ?1) ORDER BY at DESC LIMIT ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return TC_ESTORE;
    sqlite3_bind_text(st, 1, monitor_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    while (sqlite3_step(st) == SQLITE_ROW && *n < max) {
        verdicts[*n] = sqlite3_column_int(st, 0);
        latency_ms[*n] = sqlite3_column_type(st, 1) == SQLITE_NULL
                             ? -1
                             : sqlite3_column_int64(st, 1) / 1000.0;
        (*n)++;
    }
    sqlite3_finalize(st);
    /* Oldest first, as they happened. */
    for (size_t i = 0; i < *n / 2; i++) {
        size_t j = *n - 1 - i;
        int v = verdicts[i];
        verdicts[i] = verdicts[j];
        verdicts[j] = v;
        double l = latency_ms[i];
        latency_ms[i] = latency_ms[j];
        latency_ms[j] = l;
    }
    return 0;
}

int tc_store_first_failure(tc_store_t *s, const char *monitor_id, int64_t from, int64_t to,
                           int64_t *at, bool *hourly)
{
    static const char *const queries[2] = {
        "SELECT MIN(at) FROM result WHERE monitor = (SELECT id FROM monitor WHERE name = ?1)"
        " AND at BETWEEN ?2 AND ?3 AND verdict > 0",
        /* An hour whose start is before @p from may still hold a failure after it. */
        "SELECT MIN(start) FROM result_hourly WHERE monitor = (SELECT id FROM monitor WHERE"
        " name = ?1) AND start BETWEEN ?2 - 3600000 AND ?3 AND failures + degraded > 0",
    };
    for (int q = 0; q < 2; q++) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(s->db, queries[q], -1, &st, NULL) != SQLITE_OK)
            return TC_ESTORE;
        sqlite3_bind_text(st, 1, monitor_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, from);
        sqlite3_bind_int64(st, 3, to);
        int found = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
        if (found) {
            *at = sqlite3_column_int64(st, 0);
            *hourly = q == 1;
        }
        sqlite3_finalize(st);
        if (found)
            return 0;
    }
    return TC_ENOENT;
}
