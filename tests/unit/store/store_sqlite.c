/* Unit tests for src/store/store_sqlite.c on a real database in a temporary folder:
 * migrations, component sync (created_at kept, retire and revive), status changes and their
 * log, batched results, hourly/daily rollups with p95, and retention. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "store/store.h"

#define HOUR 3600000LL
#define DAY 86400000LL

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/tocsin-store-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static tc_store_row_t *rows_of(const char *const *ids, size_t n)
{
    tc_store_row_t *rows = tc_calloc(n, sizeof *rows);
    for (size_t i = 0; i < n; i++) {
        rows[i].id = tc_strdup(ids[i]);
        rows[i].name = tc_strdup(ids[i]);
        rows[i].position = (int)i + 1;
        rows[i].showcase = true;
    }
    return rows;
}

/* Count rows of a query straight from the file, to see what the store really wrote. */
static long long scalar(const char *sql)
{
    char path[128];
    snprintf(path, sizeof path, "%s/tocsin.db", dir);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    long long v = -1;
    sqlite3_open(path, &db);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void test_sync_and_status(void **state)
{
    (void)state;
    char err[256];
    tc_store_t *s = NULL;
    assert_int_equal(tc_store_open(dir, &s, err, sizeof err), 0);
    assert_true(tc_store_schema_version(s) >= 3);
    const char *ids[] = {"api", "db"};
    tc_store_row_t *rows = rows_of(ids, 2);
    assert_int_equal(tc_store_sync_rows(s, rows, 2, 1000, err, sizeof err), 0);
    assert_int_equal(rows[0].created_at, 1000);
    assert_int_equal(tc_store_set_status(s, "db", TC_STATUS_MAJOR_OUTAGE, 5000, err, sizeof err), 0);
    tc_store_rows_free(rows, 2);

    /* Again later, with db dropped: api keeps created_at; db is retired, not deleted. */
    rows = rows_of(ids, 1);
    assert_int_equal(tc_store_sync_rows(s, rows, 1, 9000, err, sizeof err), 0);
    assert_int_equal(rows[0].created_at, 1000);
    assert_int_equal(rows[0].updated_at, 1000);
    tc_store_rows_free(rows, 1);
    assert_int_equal(scalar("SELECT COUNT(*) FROM component WHERE retired_at IS NOT NULL"), 1);

    /* Revived with its status and created_at. */
    rows = rows_of(ids, 2);
    assert_int_equal(tc_store_sync_rows(s, rows, 2, 12000, err, sizeof err), 0);
    assert_int_equal(rows[1].created_at, 1000);
    assert_int_equal(rows[1].status, TC_STATUS_MAJOR_OUTAGE);
    tc_store_rows_free(rows, 2);

    tc_status_change_t *log = NULL;
    size_t n = 0;
    assert_int_equal(tc_store_status_log(s, "db", 3000, &log, &n, err, sizeof err), 0);
    assert_int_equal(n, 2); /* the operational start before 3000, then the outage */
    assert_int_equal(log[0].status, TC_STATUS_OPERATIONAL);
    assert_int_equal(log[1].at, 5000);
    assert_int_equal(log[1].status, TC_STATUS_MAJOR_OUTAGE);
    free(log);
    tc_store_close(s);
}

/* A whole rollup pass: slices until the store says it is done. */
static int rollup(tc_store_t *s, int64_t now, int64_t raw, int64_t agg)
{
    char err[256];
    int64_t cursor = 0;
    int rc;
    while ((rc = tc_store_rollup(s, now, raw, agg, &cursor, err, sizeof err)) == TC_EAGAIN)
        ;
    return rc;
}

static void test_results_rollup_retention(void **state)
{
    (void)state;
    char err[256];
    tc_store_t *s = NULL;
    assert_int_equal(tc_store_open(dir, &s, err, sizeof err), 0);
    int64_t t0 = 20000 * DAY; /* a UTC midnight */
    /* 100 results in the first hour: latencies 1..100 ms, 5 down, 10 degraded. */
    tc_store_result_t r[100];
    for (int i = 0; i < 100; i++) {
        r[i].monitor_id = "api-health";
        r[i].at = t0 + i * 30000;
        r[i].verdict = i < 5 ? 2 : i < 15 ? 1 : 0;
        r[i].latency_ms = i + 1;
        r[i].reason = i < 5 ? "connection refused" : "";
    }
    assert_int_equal(tc_store_add_results(s, r, 100, err, sizeof err), 0);
    assert_int_equal(scalar("SELECT COUNT(*) FROM result"), 100);

    /* Two hours later: the first hour is complete and aggregated; raw kept (1 day window). */
    assert_int_equal(rollup(s, t0 + 2 * HOUR, DAY, 400 * DAY), 0);
    assert_int_equal(scalar("SELECT checks FROM result_hourly"), 100);
    assert_int_equal(scalar("SELECT failures FROM result_hourly"), 5);
    assert_int_equal(scalar("SELECT degraded FROM result_hourly"), 10);
    assert_int_equal(scalar("SELECT CAST(lat_p95 AS INTEGER) FROM result_hourly"), 95);
    assert_int_equal(scalar("SELECT CAST(lat_max AS INTEGER) FROM result_hourly"), 100);
    assert_int_equal(scalar("SELECT COUNT(*) FROM result"), 100);

    /* Two days later: the day is aggregated and the raw results are past their window. */
    assert_int_equal(rollup(s, t0 + 2 * DAY, DAY, 400 * DAY), 0);
    assert_int_equal(scalar("SELECT checks FROM result_daily"), 100);
    assert_int_equal(scalar("SELECT COUNT(*) FROM result"), 0);
    assert_int_equal(scalar("SELECT COUNT(*) FROM result_hourly"), 1);

    /* Past the aggregate window everything goes but each component's last status. */
    assert_int_equal(rollup(s, t0 + 500 * DAY, DAY, 400 * DAY), 0);
    assert_int_equal(scalar("SELECT COUNT(*) FROM result_hourly"), 0);
    assert_int_equal(scalar("SELECT COUNT(*) FROM result_daily"), 0);
    assert_int_equal(scalar("SELECT COUNT(*) FROM component_status_log WHERE component_id = 'db'"),
                     1);
    tc_store_close(s);
}

static void test_rollup_in_slices(void **state)
{
    (void)state;
    char err[256];
    tc_store_t *s = NULL;
    assert_int_equal(tc_store_open(dir, &s, err, sizeof err), 0);
    int64_t t0 = 30000 * DAY;
    /* 60 monitors: more than one slice. */
    for (int m = 0; m < 60; m++) {
        char id[32];
        snprintf(id, sizeof id, "slice-%02d", m);
        tc_store_result_t r = {id, t0 + m, 0, 10.0 + m, ""};
        assert_int_equal(tc_store_add_results(s, &r, 1, err, sizeof err), 0);
    }
    int64_t cursor = 0;
    int slices = 1;
    int rc;
    while ((rc = tc_store_rollup(s, t0 + 2 * HOUR, 7 * DAY, 400 * DAY, &cursor, err,
                                 sizeof err)) == TC_EAGAIN)
        slices++;
    assert_int_equal(rc, 0);
    assert_true(slices >= 3);
    assert_int_equal(cursor, 0);
    assert_int_equal(scalar("SELECT COUNT(*) FROM result_hourly WHERE start = 30000 * 86400000"),
                     60);
    tc_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sync_and_status),
        cmocka_unit_test(test_results_rollup_retention),
        cmocka_unit_test(test_rollup_in_slices),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
