/* Unit tests for the PostgreSQL store (src/store/store_pg*.c) on a real server: the database
 * named by $TOCSIN_TEST_PG_DSN, whose public schema each test empties first. Without that
 * variable every test is skipped: tests/integration/test_67_store_postgres.py starts a server
 * and runs this binary against it (it is not in ctest's list for that reason).
 *
 * The cases mirror store_sqlite.c's (sync, status log, rollups with p95, slices, retention,
 * outbox pruning) and add what PostgreSQL does differently: nested transactions after a
 * failed statement, answers that must not abort a transaction (a taken user name), text that
 * is not UTF-8, concurrent migrations' lock, both dialects at the same schema version, and
 * the copy from SQLite. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "store/store.h"
#include "store_checks.h"

#define HOUR 3600000LL
#define DAY 86400000LL

static const char *dsn;

/* Run @p sql on a connection of our own; @return the first column of the first row as an
 * integer, or -1. */
static long long scalar(const char *sql)
{
    PGconn *c = PQconnectdb(dsn);
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    PGresult *r = PQexec(c, sql);
    long long v = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    else if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        print_message("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return v;
}

/* A fresh, migrated store on an empty schema. */
static tc_store_t *fresh(void)
{
    if (!dsn)
        skip();
    scalar("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    char err[256];
    tc_store_t *s = NULL;
    int rc = tc_store_open(NULL, dsn, &s, err, sizeof err);
    if (rc)
        print_message("open: %s\n", err);
    assert_int_equal(rc, 0);
    assert_string_equal(tc_store_kind(s), "postgresql");
    return s;
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

static void test_same_schema_version_as_sqlite(void **state)
{
    (void)state;
    tc_store_t *pg = fresh();
    char dir[] = "/tmp/tocsin-store-pg-XXXXXX", err[256];
    assert_non_null(mkdtemp(dir));
    tc_store_t *lite = NULL;
    assert_int_equal(tc_store_open(dir, NULL, &lite, err, sizeof err), 0);
    /* Every SQLite migration has its PostgreSQL twin. */
    assert_int_equal(tc_store_schema_version(pg), tc_store_schema_version(lite));
    tc_store_close(lite);
    tc_store_close(pg);
    /* Opening again applies nothing and keeps the version. */
    assert_int_equal(tc_store_open(NULL, dsn, &pg, err, sizeof err), 0);
    assert_int_equal(scalar("SELECT COUNT(*) FROM schema_migration"), tc_store_schema_version(pg));
    tc_store_close(pg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_sync_and_status(void **state)
{
    (void)state;
    char err[256];
    tc_store_t *s = fresh();
    const char *ids[] = {"api", "db", "quote\"and\\slash"};
    tc_store_row_t *rows = rows_of(ids, 3);
    assert_int_equal(tc_store_sync_rows(s, rows, 3, 1000, err, sizeof err), 0);
    assert_int_equal(rows[0].created_at, 1000);
    assert_int_equal(
        tc_store_set_status(s, "db", TC_STATUS_MAJOR_OUTAGE, 5000, err, sizeof err), 0);
    tc_store_rows_free(rows, 3);
    assert_int_equal(scalar("SELECT COUNT(*) FROM component WHERE id = 'quote\"and\\slash'"), 1);

    /* Again later, with db dropped: api keeps created_at; db is retired, not deleted. */
    rows = rows_of(ids, 1);
    assert_int_equal(tc_store_sync_rows(s, rows, 1, 9000, err, sizeof err), 0);
    assert_int_equal(rows[0].created_at, 1000);
    assert_int_equal(rows[0].updated_at, 1000);
    tc_store_rows_free(rows, 1);
    assert_int_equal(scalar("SELECT COUNT(*) FROM component WHERE retired_at IS NOT NULL"), 2);

    /* Revived with its status and created_at; a renamed row gets updated_at. */
    rows = rows_of(ids, 2);
    free(rows[0].name);
    rows[0].name = tc_strdup("API ✓");
    tc_status_t manual = TC_STATUS_DEGRADED;
    assert_int_equal(tc_store_set_manual_status(s, "db", &manual, err, sizeof err), 0);
    assert_int_equal(tc_store_sync_rows(s, rows, 2, 12000, err, sizeof err), 0);
    assert_int_equal(rows[0].updated_at, 12000);
    assert_int_equal(rows[1].created_at, 1000);
    assert_int_equal(rows[1].status, TC_STATUS_MAJOR_OUTAGE);
    assert_true(rows[1].has_manual);
    assert_int_equal(rows[1].manual_status, TC_STATUS_DEGRADED);
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
    if (rc)
        print_message("rollup: %s\n", err);
    return rc;
}

static void test_results_rollup_retention(void **state)
{
    (void)state;
    char err[256];
    tc_store_t *s = fresh();
    const char *ids[] = {"db"};
    tc_store_row_t *rows = rows_of(ids, 1);
    assert_int_equal(tc_store_sync_rows(s, rows, 1, 1000, err, sizeof err), 0);
    tc_store_rows_free(rows, 1);
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
    assert_int_equal(scalar("SELECT COUNT(*) FROM result WHERE reason IS NULL"), 95);
    /* The same batch again replaces, as SQLite's INSERT OR REPLACE does. */
    assert_int_equal(tc_store_add_results(s, r, 100, err, sizeof err), 0);
    assert_int_equal(scalar("SELECT COUNT(*) FROM result"), 100);
    assert_int_equal(scalar("SELECT COUNT(*) FROM monitor"), 1);

    int verdicts[10];
    double latency[10];
    size_t n = 0;
    assert_int_equal(tc_store_last_results(s, "api-health", "", 10, verdicts, latency, &n), 0);
    assert_int_equal(n, 10);
    assert_int_equal((int)latency[9], 100); /* oldest first: the newest is last */
    int64_t at = 0;
    bool hourly = true;
    assert_int_equal(tc_store_first_failure(s, "api-health", t0, t0 + HOUR, &at, &hourly), 0);
    assert_int_equal(at, t0);
    assert_false(hourly);

    /* Two hours later: the first hour is complete and aggregated; raw kept (1 day window). */
    assert_int_equal(rollup(s, t0 + 2 * HOUR, DAY, 400 * DAY), 0);
    assert_int_equal(scalar("SELECT checks FROM result_hourly"), 100);
    assert_int_equal(scalar("SELECT failures FROM result_hourly"), 5);
    assert_int_equal(scalar("SELECT degraded FROM result_hourly"), 10);
    assert_int_equal(scalar("SELECT CAST(lat_p95 AS INTEGER) FROM result_hourly"), 95);
    assert_int_equal(scalar("SELECT CAST(lat_max AS INTEGER) FROM result_hourly"), 100);
    assert_int_equal(scalar("SELECT COUNT(*) FROM result"), 100);

    /* Two days later: the day is aggregated and the raw results are past their window; the
     * first failure is then found in the hourly aggregates. */
    assert_int_equal(rollup(s, t0 + 2 * DAY, DAY, 400 * DAY), 0);
    assert_int_equal(scalar("SELECT checks FROM result_daily"), 100);
    assert_int_equal(scalar("SELECT COUNT(*) FROM result"), 0);
    assert_int_equal(scalar("SELECT COUNT(*) FROM result_hourly"), 1);
    assert_int_equal(tc_store_first_failure(s, "api-health", t0, t0 + HOUR, &at, &hourly), 0);
    assert_int_equal(at, t0);
    assert_true(hourly);

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
    tc_store_t *s = fresh();
    int64_t t0 = 30000 * DAY;
    /* 60 monitors, in one batch: more than one slice. */
    tc_store_result_t r[60];
    char ids[60][32];
    for (int m = 0; m < 60; m++) {
        snprintf(ids[m], sizeof ids[m], "slice-%02d", m);
        r[m] = (tc_store_result_t){ids[m], t0 + m, 0, 10.0 + m, "", ""};
    }
    assert_int_equal(tc_store_add_results(s, r, 60, err, sizeof err), 0);
    int64_t cursor = 0;
    int slices = 1;
    int rc;
    while ((rc = tc_store_rollup(s, t0 + 2 * HOUR, 7 * DAY, 400 * DAY, &cursor, err,
                                 sizeof err)) == TC_EAGAIN)
        slices++;
    assert_int_equal(rc, 0);
    assert_int_equal(slices, 3);
    assert_int_equal(cursor, 0);
    assert_int_equal(
        scalar("SELECT COUNT(*) FROM result_hourly WHERE start = 30000 * 86400000::bigint"), 60);
    tc_store_close(s);
}

static void test_outbox(void **state)
{
    (void)state;
    char err[256];
    tc_store_t *s = fresh();
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
    tc_outbox_t msgs[5];
    for (size_t i = 0; i < n; i++)
        msgs[i] = (tc_outbox_t){(char *)rows[i].id, (char *)"hook", (char *)"webhook", NULL,
                                (char *)"{\"text\":\"é\"}", rows[i].finished - HOUR,
                                rows[i].finished, rows[i].finished + DAY, 0, NULL};
    assert_int_equal(tc_store_outbox_add(s, msgs, n, err, sizeof err), 0);
    /* Queued again (another node, a retried event): still one row each. */
    assert_int_equal(tc_store_outbox_add(s, msgs, n, err, sizeof err), 0);
    assert_int_equal(scalar("SELECT COUNT(*) FROM outbox"), 5);
    tc_outbox_t *due = NULL;
    size_t ndue = 0;
    const char *skip[] = {"delivered-old"};
    assert_int_equal(tc_store_outbox_due(s, now, "a", skip, 1, 3, &due, &ndue, err, sizeof err), 0);
    assert_int_equal(ndue, 3);
    assert_string_equal(due[0].id, "pending-old"); /* oldest next_at first */
    assert_string_equal(due[0].payload, "{\"text\":\"é\"}");
    for (size_t i = 0; i < ndue; i++)
        assert_string_not_equal(due[i].id, "delivered-old");
    tc_store_outbox_free(due, ndue);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(tc_store_outbox_mark(s, rows[i].id, rows[i].state, 2, rows[i].finished,
                                              "boom", err, sizeof err),
                         0);
    long counts[3], retried;
    assert_int_equal(tc_store_outbox_counts(s, counts, &retried), 0);
    assert_int_equal(counts[0], 1);
    assert_int_equal(counts[1], 2);
    assert_int_equal(counts[2], 2);
    assert_int_equal(retried, 5);
    tc_outbox_t *dead = NULL;
    size_t ndead = 0;
    assert_int_equal(tc_store_outbox_dead(s, &dead, &ndead, err, sizeof err), 0);
    assert_int_equal(ndead, 2);
    assert_string_equal(dead[0].last_error, "boom");
    tc_store_outbox_free(dead, ndead);
    assert_int_equal(tc_store_outbox_pending(s, &dead, &ndead, err, sizeof err), 0);
    assert_int_equal(ndead, 1);
    assert_string_equal(dead[0].id, "pending-old");
    assert_string_equal(dead[0].last_error, "boom");
    tc_store_outbox_free(dead, ndead);
    size_t deleted = 99;
    assert_int_equal(tc_store_outbox_prune(s, now - 30 * DAY, now - 90 * DAY, 100, &deleted,
                                           err, sizeof err),
                     0);
    assert_int_equal(deleted, 2);
    for (size_t i = 0; i < n; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM outbox WHERE id = '%s'", rows[i].id);
        assert_int_equal(scalar(sql), rows[i].kept);
    }
    assert_int_equal(tc_store_outbox_prune(s, now, now, 1, &deleted, err, sizeof err),
                     TC_EAGAIN);
    assert_int_equal(tc_store_outbox_retry(s, "*", now, now + DAY, err, sizeof err), 0);
    assert_int_equal(tc_store_outbox_retry(s, "*", now, now + DAY, err, sizeof err), TC_ENOENT);
    tc_store_close(s);
}

/* PostgreSQL aborts a transaction at its first failed statement: a failure inside nested
 * begins makes the outermost commit fail and write nothing; an expected answer (a taken
 * name) must not abort it. */
static void test_transactions(void **state)
{
    (void)state;
    char err[256];
    tc_store_t *s = fresh();
    tc_user_t u = {(char *)"u1", (char *)"ana", (char *)"admin", (char *)"$argon2id$x", 1, 1};
    assert_int_equal(tc_store_begin(s, err, sizeof err), 0);
    assert_int_equal(tc_store_user_add(s, &u, err, sizeof err), 0);
    u.id = (char *)"u2";
    assert_int_equal(tc_store_user_add(s, &u, err, sizeof err), TC_EEXIST);
    assert_int_equal(tc_store_put_incident(s, "inc1", 1, "{}", 5, err, sizeof err), 0);
    assert_int_equal(tc_store_commit(s, err, sizeof err), 0);
    assert_int_equal(scalar("SELECT COUNT(*) FROM console_user"), 1);
    assert_int_equal(scalar("SELECT COUNT(*) FROM incident"), 1);

    /* A failed statement two levels down: nothing of the transaction is kept. */
    assert_int_equal(tc_store_begin(s, err, sizeof err), 0);
    assert_int_equal(tc_store_put_incident(s, "inc2", 2, "{}", 5, err, sizeof err), 0);
    assert_int_equal(tc_store_begin(s, err, sizeof err), 0);
    assert_int_equal(tc_store_put_incident(s, "inc3", 1, "{}", 5, err, sizeof err), TC_ESTORE);
    tc_store_rollback(s);
    assert_int_not_equal(tc_store_commit(s, err, sizeof err), 0);
    tc_store_rollback(s); /* the caller's error path: harmless after a failed commit */
    assert_int_equal(scalar("SELECT COUNT(*) FROM incident"), 1);
    /* The connection is usable again. */
    assert_int_equal(tc_store_put_incident(s, "inc2", 2, "{\"x\":1}", 6, err, sizeof err), 0);
    assert_int_equal(tc_store_put_incident(s, "inc2", 2, "{\"x\":2}", 7, err, sizeof err), 0);
    assert_int_equal(scalar("SELECT updated_at FROM incident WHERE id = 'inc2'"), 7);

    /* Users, sessions, passwords. */
    unsigned char token[32];
    memset(token, 0xab, sizeof token);
    token[5] = 0; /* bytes, not text */
    assert_int_equal(tc_store_session_add(s, token, sizeof token, "u1", "csrf", 10, err,
                                          sizeof err),
                     0);
    tc_session_t sess;
    assert_int_equal(tc_store_session_get(s, token, sizeof token, &sess), 0);
    assert_string_equal(sess.user_id, "u1");
    tc_store_session_clear(&sess);
    assert_int_equal(tc_store_user_set_password(s, "ana", "$argon2id$y", 20, err, sizeof err), 0);
    assert_int_equal(tc_store_session_get(s, token, sizeof token, &sess), TC_ENOENT);
    assert_int_equal(tc_store_user_set_password(s, "bob", "h", 20, err, sizeof err), TC_ENOENT);
    tc_user_t got;
    assert_int_equal(tc_store_user_by_name(s, "ana", &got), 0);
    assert_string_equal(got.password_hash, "$argon2id$y");
    tc_store_user_clear(&got);
    assert_int_equal(tc_store_user_remove(s, "ana", err, sizeof err), 0);
    assert_int_equal(tc_store_user_remove(s, "ana", err, sizeof err), TC_ENOENT);
    tc_store_close(s);
}

static void test_keys_settings_subscribers(void **state)
{
    (void)state;
    char err[256];
    tc_store_t *s = fresh();
    unsigned char hash[32] = {0, 1, 2, 3};
    char name[64] = "";
    assert_int_equal(tc_store_add_key(s, "k1", "deploy", hash, sizeof hash, 100, err, sizeof err),
                     0);
    assert_int_equal(tc_store_key_name(s, hash, sizeof hash, name, sizeof name), 1);
    assert_string_equal(name, "deploy");
    assert_int_equal(tc_store_monitor_pause(s, "web", 150, "user:ana", err, sizeof err), 0);
    assert_int_equal(tc_store_monitor_pause(s, "web", 160, "user:bo", err, sizeof err), 0);
    int64_t paused_at = 0;
    char by[32];
    assert_int_equal(tc_store_monitor_paused(s, "web", &paused_at, by, sizeof by), 0);
    assert_int_equal(paused_at, 160);
    assert_string_equal(by, "user:bo");
    assert_int_equal(tc_store_monitor_pause(s, "web", 0, NULL, err, sizeof err), 0);
    assert_int_equal(tc_store_monitor_paused(s, "web", &paused_at, by, sizeof by), TC_ENOENT);
    assert_int_equal(tc_store_revoke_key(s, "k1", 200, err, sizeof err), 0);
    assert_int_equal(tc_store_key_name(s, hash, sizeof hash, name, sizeof name), 0);
    assert_int_equal(tc_store_revoke_key(s, "k1", 200, err, sizeof err), TC_ENOENT);

    char *value = NULL;
    assert_int_equal(tc_store_setting(s, "secret", "first", &value, err, sizeof err), 0);
    assert_string_equal(value, "first");
    free(value);
    assert_int_equal(tc_store_setting(s, "secret", "second", &value, err, sizeof err), 0);
    assert_string_equal(value, "first");
    free(value);

    tc_subscriber_t sub = {(char *)"s1", (char *)"email", (char *)"a@example.com", NULL, false,
                           300, 0};
    assert_int_equal(tc_store_subscriber_add(s, &sub, "hash1", err, sizeof err), 0);
    tc_outbox_t m = {(char *)"e1", (char *)"subscriber:s1", (char *)"email", NULL, (char *)"x",
                     1, 1, 2, 0, NULL};
    assert_int_equal(tc_store_outbox_add(s, &m, 1, err, sizeof err), 0);
    tc_subscriber_t got;
    assert_int_equal(tc_store_subscriber_confirm(s, "hash1", &got), 0);
    assert_true(got.confirmed);
    assert_string_equal(got.address, "a@example.com");
    tc_store_subscriber_clear(&got);
    assert_int_equal(tc_store_subscriber_confirm(s, "hash1", &got), TC_ENOENT);
    tc_subscriber_t *subs = NULL;
    size_t n = 0;
    assert_int_equal(tc_store_subscribers(s, true, &subs, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    tc_store_subscribers_free(subs, n);
    assert_int_equal(tc_store_subscriber_unsubscribe(s, "s1", 400, err, sizeof err), 0);
    assert_int_equal(scalar("SELECT COUNT(*) FROM outbox"), 0);
    assert_int_equal(tc_store_subscriber_unsubscribe(s, "s1", 400, err, sizeof err), TC_ENOENT);
    assert_int_equal(tc_store_subscriber_find(s, "email", "a@example.com", &got), TC_ENOENT);
    assert_int_equal(tc_store_subscriber_get(s, "s1", &got), 0);
    assert_int_equal(got.unsubscribed_at, 400);
    tc_store_subscriber_clear(&got);

    /* Text that is not UTF-8 (SQLite kept whatever it was given) is stored with the bad
     * bytes replaced, not refused. */
    tc_audit_t line = {500, (char *)"user:ana", (char *)"x", (char *)"t", (char *)"bad \xff end"};
    assert_int_equal(tc_store_audit_add(s, &line, err, sizeof err), 0);
    tc_audit_t *lines = NULL;
    assert_int_equal(tc_store_audit_list(s, 0, 10, &lines, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(lines[0].detail, "bad ? end");
    tc_store_audit_free(lines, n);
    assert_int_equal(tc_store_backup(s, "/tmp/never", err, sizeof err), TC_EINVAL);
    tc_store_close(s);
}

/* The copy: every table's rows, sequences past the copied ids, and refused when the target
 * has rows (nothing written then). */
static void test_copy_from_sqlite(void **state)
{
    (void)state;
    char err[256];
    tc_store_t *pg = fresh();
    char dir[] = "/tmp/tocsin-store-pg-XXXXXX";
    assert_non_null(mkdtemp(dir));
    tc_store_t *lite = NULL;
    assert_int_equal(tc_store_open(dir, NULL, &lite, err, sizeof err), 0);
    const char *ids[] = {"api"};
    tc_store_row_t *rows = rows_of(ids, 1);
    assert_int_equal(tc_store_sync_rows(lite, rows, 1, 1000, err, sizeof err), 0);
    tc_store_rows_free(rows, 1);
    tc_store_result_t r[3] = {{"m1", 10, 0, 1.5, "", ""}, {"m2", 20, 2, -1, "refused", ""},
                              {"m1", 30, 1, 2.25, "slow", ""}};
    assert_int_equal(tc_store_add_results(lite, r, 3, err, sizeof err), 0);
    unsigned char hash[32] = {9, 0, 8};
    char name[64] = "";
    assert_int_equal(tc_store_add_key(lite, "k1", "deploy", hash, sizeof hash, 5, err, sizeof err),
                     0);
    tc_audit_t line = {500, (char *)"user:ana", (char *)"x", (char *)"t", (char *)"d"};
    assert_int_equal(tc_store_audit_add(lite, &line, err, sizeof err), 0);
    assert_int_equal(tc_store_schedule_put(lite, "weekly", "{}", true, err, sizeof err), 0);

    assert_int_equal(tc_store_copy(lite, pg, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(scalar("SELECT COUNT(*) FROM result"), 3);
    assert_int_equal(scalar("SELECT latency_us FROM result WHERE at = 30"), 2250);
    assert_int_equal(tc_store_key_name(pg, hash, sizeof hash, name, sizeof name), 1);
    assert_int_equal(scalar("SELECT COUNT(*) FROM maintenance_schedule WHERE from_config"), 1);
    /* New rows get fresh ids after the copied ones. */
    assert_int_equal(tc_store_audit_add(pg, &line, err, sizeof err), 0);
    assert_int_equal(scalar("SELECT MAX(id) FROM audit_log"), 2);
    tc_store_result_t more = {"m3", 40, 0, 1, "", ""};
    assert_int_equal(tc_store_add_results(pg, &more, 1, err, sizeof err), 0);
    assert_int_equal(scalar("SELECT id FROM monitor WHERE name = 'm3'"), 3);

    /* Into a database that holds a store: refused, and nothing is added. */
    assert_int_equal(tc_store_copy(lite, pg, NULL, NULL, err, sizeof err), TC_EEXIST);
    assert_non_null(strstr(err, "already holds"));
    assert_int_equal(scalar("SELECT COUNT(*) FROM result"), 4);
    assert_int_equal(tc_store_copy(pg, lite, NULL, NULL, err, sizeof err), TC_EINVAL);
    tc_store_close(lite);
    tc_store_close(pg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    dsn = getenv("TOCSIN_TEST_PG_DSN");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_schema_version_as_sqlite),
        cmocka_unit_test(test_sync_and_status),
        cmocka_unit_test(test_results_rollup_retention),
        cmocka_unit_test(test_rollup_in_slices),
        cmocka_unit_test(test_outbox),
        cmocka_unit_test(test_transactions),
        cmocka_unit_test(test_keys_settings_subscribers),
        cmocka_unit_test(test_copy_from_sqlite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
