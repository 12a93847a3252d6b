/* Checks both store backends must pass alike, included by tests/unit/store/store_sqlite.c and
 * store_pg.c (each opens its own store). Static: every test program has its own copy. */
#ifndef TC_TEST_STORE_CHECKS_H
#define TC_TEST_STORE_CHECKS_H

#include <stdint.h>
#include <stdlib.h>

#include "store/store.h"

/* The number of changes in the status log of @p id, and the status of its first. */
static size_t log_length(tc_store_t *s, const char *id, tc_status_t *first)
{
    char err[256];
    tc_status_change_t *log = NULL;
    size_t n = 0;
    assert_int_equal(tc_store_status_log(s, id, INT64_MIN, &log, &n, err, sizeof err), 0);
    if (n && first)
        *first = log[0].status;
    free(log);
    return n;
}

/* An import's status changes for @p id (which already has a log of its own) are replaced,
 * never added twice, and never touch the daemon's own changes. */
static void check_import_log(tc_store_t *s, const char *id)
{
    char err[256];
    size_t own = log_length(s, id, NULL);
    tc_store_log_entry_t first[] = {{id, 100, TC_STATUS_OPERATIONAL},
                                    {id, 200, TC_STATUS_PARTIAL_OUTAGE},
                                    {id, 300, TC_STATUS_OPERATIONAL}};
    assert_int_equal(tc_store_replace_import_log(s, "inc1", first, 3, err, sizeof err), 0);
    assert_int_equal(log_length(s, id, NULL), own + 3);
    tc_store_log_entry_t moved[] = {{id, 150, TC_STATUS_DEGRADED}};
    assert_int_equal(tc_store_replace_import_log(s, "inc1", moved, 1, err, sizeof err), 0);
    tc_status_t status = TC_STATUS_OPERATIONAL;
    assert_int_equal(log_length(s, id, &status), own + 1);
    assert_int_equal(status, TC_STATUS_DEGRADED);
    assert_int_equal(tc_store_replace_import_log(s, "inc2", first, 1, err, sizeof err), 0);
    assert_int_equal(tc_store_replace_import_log(s, "inc1", NULL, 0, err, sizeof err), 0);
    assert_int_equal(log_length(s, id, &status), own + 1); /* inc2's stays */
    assert_int_equal(status, TC_STATUS_OPERATIONAL);
}

#endif
