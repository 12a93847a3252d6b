/* Unit tests for src/store/store_writer.c on a SQLite store in a temporary folder: batches
 * queued from this thread arrive in the store through the writer's own handle, copied (the
 * caller's strings may go at once), in order, and a stop writes what is still queued. The
 * retry while the server is away is tested against PostgreSQL in test_69_store_postgres.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "store/store.h"
#include "store/store_writer.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/tocsin-writer-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_batches_arrive_copied_and_in_order(void **state)
{
    (void)state;
    char err[256];
    tc_store_writer_t *w = NULL;
    assert_int_equal(tc_store_writer_start(dir, NULL, 1000, &w, err, sizeof err), 0);
    for (int b = 0; b < 20; b++) {
        tc_store_result_t r[5];
        char *ids[5];
        for (int i = 0; i < 5; i++) {
            ids[i] = tc_strdup(i % 2 ? "odd" : "even");
            r[i] = (tc_store_result_t){ids[i], b * 100 + i, b % 3, 10.0 * i, b ? "" : "first", ""};
        }
        tc_store_writer_add(w, r, 5);
        for (int i = 0; i < 5; i++) {
            memset(ids[i], 'x', strlen(ids[i])); /* the writer kept its own copy */
            free(ids[i]);
        }
    }
    assert_int_equal(tc_store_writer_drain(w, 10000), 0);
    tc_store_writer_stats_t st;
    tc_store_writer_stats(w, &st);
    assert_int_equal(st.written, 100);
    assert_int_equal(st.queued, 0);
    assert_int_equal(st.dropped, 0);
    /* Queued and not drained: the stop writes them. */
    tc_store_result_t last = {"even", 999999, 2, 1.0, "late", ""};
    tc_store_writer_add(w, &last, 1);
    tc_store_writer_stop(w, 10000);

    tc_store_t *s = NULL;
    assert_int_equal(tc_store_open(dir, NULL, &s, err, sizeof err), 0);
    int verdicts[100];
    double latency[100];
    size_t n = 0;
    assert_int_equal(tc_store_last_results(s, "even", "", 100, verdicts, latency, &n), 0);
    assert_int_equal(n, 61); /* 3 of each batch of 5, and the late one */
    assert_int_equal(verdicts[60], 2);
    assert_int_equal(tc_store_last_results(s, "odd", "", 100, verdicts, latency, &n), 0);
    assert_int_equal(n, 40);
    int64_t at = 0;
    bool hourly = true;
    assert_int_equal(tc_store_first_failure(s, "odd", 0, 1000000, &at, &hourly), 0);
    assert_int_equal(at, 101); /* batch 1 (verdict 1), the odd monitor's first result */
    tc_store_close(s);
}

static void test_start_fails_cleanly(void **state)
{
    (void)state;
    char err[256];
    tc_store_writer_t *w = NULL;
    assert_int_equal(tc_store_writer_start("/proc/no/such/place", NULL, 10, &w, err, sizeof err),
                     TC_ESTORE);
    assert_null(w);
    tc_store_writer_stop(NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batches_arrive_copied_and_in_order),
        cmocka_unit_test(test_start_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
