/* Unit tests for src/store/store_sqlite.c on a real database in a temporary folder:
 * migrations, component sync (created_at kept, retire and revive), status changes and their
 * log, batched results, hourly/daily rollups with p95, retention, outbox pruning, and
 * writes by other connections. */
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
#include "store_checks.h"

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

static long file_size(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
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
    assert_int_equal(tc_store_open(dir, NULL, &s, err, sizeof err), 0);
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
    check_import_log(s, "db");
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
    assert_int_equal(tc_store_open(dir, NULL, &s, err, sizeof err), 0);
    int64_t t0 = 20000 * DAY; /* a UTC midnight */
    /* 100 results in the first hour: latencies 1..100 ms, 5 down, 10 degraded. */
    tc_store_result_t r[100];
    for (int i = 0; i < 100; i++) {
        r[i].monitor_id = "api-health";
        r[i].at = t0 + i * 30000;
        r[i].verdict = i < 5 ? 2 : i < 15 ? 1 : 0;
        r[i].latency_ms = i + 1;
        r[i].reason = i < 5 ? "connection refused" : "";
        r[i].location = "";
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
    assert_int_equal(tc_store_open(dir, NULL, &s, err, sizeof err), 0);
    int64_t t0 = 30000 * DAY;
    /* 60 monitors. */
    for (int m = 0; m < 60; m++) {
        char id[32];
        snprintf(id, sizeof id, "slice-%02d", m);
        tc_store_result_t r = {id, t0 + m, 0, 10.0 + m, "", ""};
        assert_int_equal(tc_store_add_results(s, &r, 1, err, sizeof err), 0);
    }
    /* However many calls the pass takes (each stops after about 5 ms of work, so how many
     * depends on the machine), it resumes from the cursor and ends with every monitor done. */
    int64_t cursor = 0, last = -1;
    int rc;
    while ((rc = tc_store_rollup(s, t0 + 2 * HOUR, 7 * DAY, 400 * DAY, &cursor, err,
                                 sizeof err)) == TC_EAGAIN) {
        assert_true(cursor > last); /* each call moves on */
        last = cursor;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(cursor, 0);
    assert_int_equal(scalar("SELECT COUNT(*) FROM result_hourly WHERE start = 30000 * 86400000"),
                     60);
    tc_store_close(s);
}

/* Issue 12 item 15: finished outbox rows are pruned, delivered and dead ones each after
 * their own period counted from when they finished; pending rows never, however old. The
 * limit bounds one call, and TC_EAGAIN says more is left. */
static void test_outbox_prune(void **state)
{
    (void)state;
    char err[256];
    tc_store_t *s = NULL;
    assert_int_equal(tc_store_open(dir, NULL, &s, err, sizeof err), 0);
    const int64_t now = 20000 * DAY;
    static const struct {
        const char *id;
        const char *state;
        int64_t finished; /* next_at */
        int kept;
    } rows[] = {
        {"delivered-old", "delivered", 20000 * DAY - 31 * DAY, 0},
        {"delivered-new", "delivered", 20000 * DAY - 29 * DAY, 1},
        {"dead-old", "dead", 20000 * DAY - 91 * DAY, 0},
        {"dead-month", "dead", 20000 * DAY - 31 * DAY, 1},
        {"pending-old", "pending", 20000 * DAY - 400 * DAY, 1},
    };
    const size_t n = sizeof rows / sizeof rows[0];
    for (size_t i = 0; i < n; i++) {
        tc_outbox_t m = {(char *)rows[i].id, (char *)"hook", (char *)"webhook", NULL,
                         (char *)"{}", rows[i].finished - HOUR, rows[i].finished,
                         rows[i].finished + DAY, 0, NULL};
        assert_int_equal(tc_store_outbox_add(s, &m, 1, err, sizeof err), 0);
        assert_int_equal(tc_store_outbox_mark(s, rows[i].id, rows[i].state, 1, rows[i].finished,
                                              NULL, err, sizeof err),
                         0);
    }
    size_t deleted = 99;
    assert_int_equal(tc_store_outbox_prune(s, now - 30 * DAY, now - 90 * DAY, 100, &deleted,
                                           err, sizeof err),
                     0);
    assert_int_equal(deleted, 2);
    for (size_t i = 0; i < n; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM outbox WHERE id = '%s'", rows[i].id);
        if (scalar(sql) != rows[i].kept) {
            print_message("%s: kept %lld, want %d\n", rows[i].id, scalar(sql), rows[i].kept);
            fail();
        }
    }
    long counts[3], retried;
    assert_int_equal(tc_store_outbox_counts(s, counts, &retried), 0);
    assert_int_equal(counts[0], 1);
    assert_int_equal(counts[1], 1);
    assert_int_equal(counts[2], 1);

    /* A backlog goes in bounded calls. */
    for (int i = 0; i < 5; i++) {
        char id[32];
        snprintf(id, sizeof id, "backlog-%d", i);
        tc_outbox_t m = {id, (char *)"hook", (char *)"webhook", NULL, (char *)"{}",
                         now - 60 * DAY, now - 60 * DAY, now, 0, NULL};
        assert_int_equal(tc_store_outbox_add(s, &m, 1, err, sizeof err), 0);
        assert_int_equal(tc_store_outbox_mark(s, id, "delivered", 1, now - 60 * DAY, NULL, err,
                                              sizeof err),
                         0);
    }
    int rc, calls = 0;
    size_t total = 0;
    do {
        rc = tc_store_outbox_prune(s, now - 30 * DAY, now - 90 * DAY, 2, &deleted, err,
                                   sizeof err);
        assert_true(rc == 0 || rc == TC_EAGAIN);
        assert_true(deleted <= 2);
        total += deleted;
        calls++;
    } while (rc == TC_EAGAIN && calls < 10);
    assert_int_equal(rc, 0);
    assert_int_equal(total, 5);
    assert_int_equal(calls, 3);
    assert_int_equal(scalar("SELECT COUNT(*) FROM outbox"), 3);
    tc_store_close(s);
}

/* A reload reads the incidents again only when another connection (`tocsin import`) wrote
 * to the store: this connection's own writes do not count (issue 16). */
static void test_changed_elsewhere(void **state)
{
    (void)state;
    char err[256];
    tc_store_t *s = NULL, *other = NULL;
    bool changed = false;
    assert_int_equal(tc_store_open(dir, NULL, &s, err, sizeof err), 0);
    assert_int_equal(tc_store_changed_elsewhere(s, &changed, err, sizeof err), 0);
    assert_true(changed); /* the first call cannot know */
    assert_int_equal(tc_store_changed_elsewhere(s, &changed, err, sizeof err), 0);
    assert_false(changed);
    assert_int_equal(tc_store_put_incident(s, "mine", 1, "{}", 1000, err, sizeof err), 0);
    assert_int_equal(tc_store_changed_elsewhere(s, &changed, err, sizeof err), 0);
    assert_false(changed);
    assert_int_equal(tc_store_open(dir, NULL, &other, err, sizeof err), 0);
    assert_int_equal(tc_store_put_incident(other, "theirs", 2, "{}", 2000, err, sizeof err), 0);
    assert_int_equal(tc_store_changed_elsewhere(s, &changed, err, sizeof err), 0);
    assert_true(changed);
    assert_int_equal(tc_store_changed_elsewhere(s, &changed, err, sizeof err), 0);
    assert_false(changed);
    tc_store_close(other);
    tc_store_close(s);
}

/* The daemon's commits leave the write-ahead log to grow; a checkpoint on another
 * connection moves it all into the file (issue 16: the commit's own checkpoint held the
 * engine's loop). */
static void test_checkpoint_off_the_commit(void **state)
{
    (void)state;
    char err[256];
    tc_store_t *s = NULL;
    assert_int_equal(tc_store_open(dir, NULL, &s, err, sizeof err), 0);
    assert_int_equal(tc_store_defer_checkpoints(s, err, sizeof err), 0);
    for (int i = 0; i < 3000; i++) {
        char id[32];
        snprintf(id, sizeof id, "wal-%04d", i);
        assert_int_equal(tc_store_put_incident(s, id, (uint64_t)(1000 + i), "{\"x\":1}", i, err,
                                               sizeof err),
                         0);
    }
    assert_true(file_size("tocsin.db-wal") > 1000 * 4096); /* past SQLite's own point */
    long before = file_size("tocsin.db");
    assert_int_equal(tc_store_checkpoint(s, err, sizeof err), 0);
    /* The rows are in the database file itself now. */
    assert_true(file_size("tocsin.db") > before + 64 * 1024);
    tc_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sync_and_status),
        cmocka_unit_test(test_results_rollup_retention),
        cmocka_unit_test(test_rollup_in_slices),
        cmocka_unit_test(test_outbox_prune),
        cmocka_unit_test(test_changed_elsewhere),
        cmocka_unit_test(test_checkpoint_off_the_commit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
