/* Unit tests for src/store/store_pg_cluster.c and the outbox claims of store_pg_outbox.c, on
 * a real server: the database named by $TOCSIN_TEST_PG_DSN, whose public schema each test
 * empties first; two store handles on it stand for two nodes. Skipped without that variable
 * (tests/integration/test_69_nodes.py starts a server and runs this binary).
 *
 * What several nodes rely on: outbox rows claimed by one node are not taken by another (not
 * even while the claiming transaction is open: SKIP LOCKED), until the claim runs out; the
 * location states read since a cursor miss nothing, not even a state whose transaction
 * commits after a read that could not see it; a decision written under a term that moved
 * does not commit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "store/store.h"
#include "store/store_cluster.h"

static const char *dsn;

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

/* Two handles ("nodes") on a fresh, migrated store. */
static void two_nodes(tc_store_t **a, tc_store_t **b)
{
    if (!dsn)
        skip();
    scalar("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    char err[256];
    assert_int_equal(tc_store_open(NULL, dsn, a, err, sizeof err), 0);
    assert_int_equal(tc_store_open(NULL, dsn, b, err, sizeof err), 0);
}

static void queue(tc_store_t *s, const char *id, int64_t at)
{
    char err[256];
    tc_outbox_t m = {(char *)id, (char *)"hook", (char *)"webhook", NULL, (char *)"{}", at, at,
                     at + 86400000, 0, NULL};
    assert_int_equal(tc_store_outbox_add(s, &m, 1, err, sizeof err), 0);
}

/* The ids due for @p node, sorted, as "x,y". */
static void due_ids(tc_store_t *s, const char *node, int64_t now, char *out, size_t outlen)
{
    char err[256];
    tc_outbox_t *due = NULL;
    size_t n = 0;
    assert_int_equal(tc_store_outbox_due(s, now, node, NULL, 0, 10, &due, &n, err, sizeof err),
                     0);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), outlen - strlen(out), "%s%s", i ? "," : "", due[i].id);
    tc_store_outbox_free(due, n);
}

static void test_outbox_claims(void **state)
{
    (void)state;
    tc_store_t *a, *b;
    two_nodes(&a, &b);
    char err[256], ids[128];
    const int64_t now = 1000000;
    queue(a, "e1", now - 3);
    queue(a, "e2", now - 2);
    queue(a, "e3", now - 1);
    /* a takes two; b gets only what is left. */
    tc_outbox_t *due = NULL;
    size_t n = 0;
    assert_int_equal(tc_store_outbox_due(a, now, "a", NULL, 0, 2, &due, &n, err, sizeof err),
                     0);
    assert_int_equal(n, 2);
    assert_string_equal(due[0].id, "e1");
    assert_string_equal(due[1].id, "e2");
    tc_store_outbox_free(due, n);
    due_ids(b, "b", now, ids, sizeof ids);
    assert_string_equal(ids, "e3");
    /* Each node may take its own claims again (after a restart; in flight, its worker
     * leaves them out with skip), never the other's. */
    due_ids(b, "b", now, ids, sizeof ids);
    assert_string_equal(ids, "e3");
    due_ids(a, "a", now, ids, sizeof ids);
    assert_string_equal(ids, "e1,e2");
    due_ids(b, "c", now, ids, sizeof ids);
    assert_string_equal(ids, "");
    /* A delivery marked clears the claim; a claim that ran out (its node died) is free. */
    assert_int_equal(tc_store_outbox_mark(a, "e1", "delivered", 1, now, NULL, err, sizeof err),
                     0);
    assert_int_equal(scalar("SELECT COUNT(*) FROM outbox WHERE claimed_by IS NOT NULL"), 2);
    due_ids(b, "b", now + TC_OUTBOX_CLAIM_MS, ids, sizeof ids);
    assert_string_equal(ids, "e2,e3");
    tc_store_close(a);
    tc_store_close(b);
}

static void test_outbox_skip_locked(void **state)
{
    (void)state;
    tc_store_t *a, *b;
    two_nodes(&a, &b);
    char err[256], ids[128];
    const int64_t now = 1000000;
    queue(a, "e1", now - 2);
    queue(a, "e2", now - 1);
    /* a's claim is in a transaction still open: b neither waits for it nor takes its rows. */
    assert_int_equal(tc_store_begin(a, err, sizeof err), 0);
    tc_outbox_t *due = NULL;
    size_t n = 0;
    assert_int_equal(tc_store_outbox_due(a, now, "a", NULL, 0, 1, &due, &n, err, sizeof err),
                     0);
    assert_int_equal(n, 1);
    tc_store_outbox_free(due, n);
    due_ids(b, "b", now, ids, sizeof ids);
    assert_string_equal(ids, "e2");
    assert_int_equal(tc_store_commit(a, err, sizeof err), 0);
    due_ids(b, "c", now, ids, sizeof ids);
    assert_string_equal(ids, ""); /* e1 is a's, e2 b's */
    tc_store_close(a);
    tc_store_close(b);
}

static tc_location_state_t state_of(const char *monitor, const char *location,
                                    tc_monitor_state_t st)
{
    return (tc_location_state_t){(char *)monitor, (char *)location, (char *)"n1", st, 42,
                                 (char *)"[STATUS] (503) == 200", (char *)"failing",
                                 (char *)"HTTP 503", 503, 12.5};
}

/* The locations read since *@p cursor, as "monitor@location=state,..." in reading order. */
static void read_since(tc_store_t *s, int64_t *cursor, char *out, size_t outlen)
{
    char err[256];
    tc_location_state_t *rows = NULL;
    size_t n = 0;
    assert_int_equal(tc_store_locations_since(s, cursor, &rows, &n, err, sizeof err), 0);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), outlen - strlen(out), "%s%s@%s=%s", i ? "," : "",
                 rows[i].monitor, rows[i].location, tc_monitor_state_name(rows[i].state));
    tc_store_locations_free(rows, n);
}

static void test_location_states(void **state)
{
    (void)state;
    tc_store_t *a, *b;
    two_nodes(&a, &b);
    char err[256], got[256];
    int64_t cursor = 0;
    read_since(a, &cursor, got, sizeof got);
    assert_string_equal(got, "");
    tc_location_state_t rows[] = {state_of("api", "east", TC_MONITOR_UP),
                                  state_of("api", "east", TC_MONITOR_DOWN), /* the later wins */
                                  state_of("db", "east", TC_MONITOR_UP)};
    assert_int_equal(tc_store_put_locations(a, rows, 3, err, sizeof err), 0);
    read_since(a, &cursor, got, sizeof got);
    assert_string_equal(got, "api@east=down,db@east=up");
    /* Every field comes back. */
    int64_t all = 0;
    tc_location_state_t *back = NULL;
    size_t n = 0;
    assert_int_equal(tc_store_locations_since(b, &all, &back, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(back[0].node, "n1");
    assert_int_equal(back[0].since, 42);
    assert_string_equal(back[0].reason, "[STATUS] (503) == 200");
    assert_string_equal(back[0].problem, "failing");
    assert_string_equal(back[0].summary, "HTTP 503");
    assert_int_equal(back[0].status_code, 503);
    assert_true(back[0].response_ms == 12.5);
    tc_store_locations_free(back, n);
    /* A state written by a transaction that is still open when the leader reads is not seen
     * then, and is not missed after it commits, though later states were read meanwhile. */
    assert_int_equal(tc_store_begin(b, err, sizeof err), 0);
    tc_location_state_t west = state_of("api", "west", TC_MONITOR_DOWN);
    assert_int_equal(tc_store_put_locations(b, &west, 1, err, sizeof err), 0);
    tc_location_state_t south = state_of("api", "south", TC_MONITOR_UP);
    assert_int_equal(tc_store_put_locations(a, &south, 1, err, sizeof err), 0);
    read_since(a, &cursor, got, sizeof got);
    assert_string_equal(got, "api@south=up");
    assert_int_equal(tc_store_commit(b, err, sizeof err), 0);
    read_since(a, &cursor, got, sizeof got);
    assert_true(strstr(got, "api@west=down") != NULL);
    tc_store_close(a);
    tc_store_close(b);
}

static void test_fence_and_decisions(void **state)
{
    (void)state;
    tc_store_t *a, *b;
    two_nodes(&a, &b);
    char err[256];
    scalar("INSERT INTO leader VALUES (1, 7, 'a', 0)");
    tc_monitor_decision_t d = {(char *)"api", TC_MONITOR_DOWN, 99, (char *)"east,west",
                               (char *)"from east,west: HTTP 503"};
    /* The leader of term 7 decides. */
    assert_int_equal(tc_store_begin(a, err, sizeof err), 0);
    assert_int_equal(tc_store_fence(a, 7, err, sizeof err), 0);
    assert_int_equal(tc_store_put_decisions(a, &d, 1, 7, err, sizeof err), 0);
    assert_int_equal(tc_store_commit(a, err, sizeof err), 0);
    tc_monitor_decision_t *rows = NULL;
    size_t n = 0;
    int64_t cursor = 0;
    assert_int_equal(tc_store_decisions_since(b, &cursor, &rows, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].monitor, "api");
    assert_int_equal(rows[0].state, TC_MONITOR_DOWN);
    assert_int_equal(rows[0].since, 99);
    assert_string_equal(rows[0].failing, "east,west");
    assert_string_equal(rows[0].reason, "from east,west: HTTP 503");
    tc_store_decisions_free(rows, n);
    assert_int_equal(scalar("SELECT term FROM monitor_state"), 7);
    /* Another node took over (term 8): a decision of term 7 changes nothing. */
    scalar("UPDATE leader SET term = 8, node = 'b'");
    d.state = TC_MONITOR_UP;
    assert_int_equal(tc_store_begin(a, err, sizeof err), 0);
    assert_int_equal(tc_store_fence(a, 7, err, sizeof err), TC_ECANCELED);
    assert_true(strstr(err, "another node leads") != NULL);
    assert_int_equal(tc_store_put_decisions(a, &d, 1, 7, err, sizeof err), 0);
    assert_int_not_equal(tc_store_commit(a, err, sizeof err), 0);
    assert_int_equal(scalar("SELECT COUNT(*) FROM monitor_state WHERE state = 'down'"), 1);
    /* Outside a fence, a decision of an older term replaces none of a newer one's. */
    tc_monitor_decision_t newer[2] = {{(char *)"api", TC_MONITOR_UP, 100, (char *)"",
                                       (char *)""},
                                      {(char *)"db", TC_MONITOR_DOWN, 100, (char *)"",
                                       (char *)"refused"}};
    assert_int_equal(tc_store_put_decisions(b, newer, 2, 8, err, sizeof err), 0);
    assert_int_equal(tc_store_put_decisions(a, &d, 1, 7, err, sizeof err), 0);
    assert_int_equal(scalar("SELECT COUNT(*) FROM monitor_state WHERE term = 8"), 2);
    assert_int_equal(scalar("SELECT COUNT(*) FROM monitor_state WHERE state = 'up'"), 1);
    /* A follower reads what changed since its last read: the two of term 8. */
    assert_int_equal(tc_store_decisions_since(b, &cursor, &rows, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    tc_store_decisions_free(rows, n);
    assert_int_equal(tc_store_decisions_since(b, &cursor, &rows, &n, err, sizeof err), 0);
    assert_int_equal(n, 0);
    /* SQLite, one node, has none of this. */
    char dir[] = "/tmp/tocsin-cluster-XXXXXX";
    assert_non_null(mkdtemp(dir));
    tc_store_t *lite = NULL;
    assert_int_equal(tc_store_open(dir, NULL, &lite, err, sizeof err), 0);
    assert_int_equal(tc_store_fence(lite, 1, err, sizeof err), TC_EINVAL);
    tc_store_close(lite);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    tc_store_close(a);
    tc_store_close(b);
}

int main(void)
{
    dsn = getenv("TOCSIN_TEST_PG_DSN");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outbox_claims),
        cmocka_unit_test(test_outbox_skip_locked),
        cmocka_unit_test(test_location_states),
        cmocka_unit_test(test_fence_and_decisions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
