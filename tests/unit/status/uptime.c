/* Unit tests for src/status/uptime.c: per-day seconds by status from a status log, the
 * Statuspage uptime formula (major counts fully, partial 0.3, degraded and maintenance 0),
 * and days without data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "status/uptime.h"

#define DAY 86400000LL
#define HOUR 3600000LL

static void frame(tc_uptime_day_t *days, size_t n, int64_t first)
{
    for (size_t i = 0; i < n; i++) {
        days[i].start = first + (int64_t)i * DAY;
        days[i].end = days[i].start + DAY;
    }
}

static void test_full_operational_day(void **state)
{
    (void)state;
    tc_status_change_t log[] = {{0, TC_STATUS_OPERATIONAL}};
    tc_uptime_day_t days[1];
    frame(days, 1, 0);
    tc_uptime_days(log, 1, DAY, days, 1);
    assert_true(days[0].observed == 86400.0);
    assert_true(days[0].uptime == 100.0);
    assert_int_equal(days[0].worst, TC_STATUS_OPERATIONAL);
}

static void test_statuspage_weights(void **state)
{
    (void)state;
    /* 2.4 h major (10% of the day) and 2.4 h partial (counts 0.3 of that) and 2.4 h degraded
     * (counts 0): 100 - 10 - 3 = 87%. */
    tc_status_change_t log[] = {
        {0, TC_STATUS_OPERATIONAL},
        {DAY / 10, TC_STATUS_MAJOR_OUTAGE},
        {2 * DAY / 10, TC_STATUS_PARTIAL_OUTAGE},
        {3 * DAY / 10, TC_STATUS_DEGRADED},
        {4 * DAY / 10, TC_STATUS_UNDER_MAINTENANCE},
        {5 * DAY / 10, TC_STATUS_OPERATIONAL},
    };
    tc_uptime_day_t days[1];
    frame(days, 1, 0);
    tc_uptime_days(log, 6, DAY, days, 1);
    assert_true(days[0].uptime > 86.999 && days[0].uptime < 87.001);
    assert_int_equal(days[0].worst, TC_STATUS_MAJOR_OUTAGE);
    assert_true(days[0].seconds[TC_STATUS_MAJOR_OUTAGE] == 8640.0);
}

static void test_the_vendor_example(void **state)
{
    (void)state;
    /* statuspage.md §4.5: 86,400 s of major outage over 30 days gives 96.67%. */
    tc_status_change_t log[] = {{0, TC_STATUS_MAJOR_OUTAGE}, {DAY, TC_STATUS_OPERATIONAL}};
    tc_uptime_day_t days[30];
    frame(days, 30, 0);
    tc_uptime_days(log, 2, 30 * DAY, days, 30);
    double total = tc_uptime_total(days, 30);
    assert_true(total > 96.66 && total < 96.67);
    assert_true(days[0].uptime == 0.0);
    assert_true(days[1].uptime == 100.0);
}

static void test_no_data_before_creation_and_after_now(void **state)
{
    (void)state;
    /* Created at noon of day 1; now is 18:00 on day 2; day 3 is in the future. */
    tc_status_change_t log[] = {{DAY + 12 * HOUR, TC_STATUS_OPERATIONAL}};
    tc_uptime_day_t days[4];
    frame(days, 4, 0);
    tc_uptime_days(log, 1, 2 * DAY + 18 * HOUR, days, 4);
    assert_true(days[0].uptime < 0);
    assert_true(days[1].observed == 12 * 3600.0);
    assert_true(days[2].observed == 18 * 3600.0);
    assert_true(days[3].uptime < 0);
    assert_true(tc_uptime_total(days, 4) == 100.0);
    tc_uptime_day_t none[1];
    frame(none, 1, 0);
    tc_uptime_days(NULL, 0, DAY, none, 1);
    assert_true(tc_uptime_total(none, 1) < 0);
}

static void test_outage_across_midnight(void **state)
{
    (void)state;
    tc_status_change_t log[] = {
        {0, TC_STATUS_OPERATIONAL},
        {DAY - HOUR, TC_STATUS_MAJOR_OUTAGE},
        {DAY + HOUR, TC_STATUS_OPERATIONAL},
    };
    tc_uptime_day_t days[2];
    frame(days, 2, 0);
    tc_uptime_days(log, 3, 2 * DAY, days, 2);
    assert_true(days[0].seconds[TC_STATUS_MAJOR_OUTAGE] == 3600.0);
    assert_true(days[1].seconds[TC_STATUS_MAJOR_OUTAGE] == 3600.0);
    assert_int_equal(days[1].worst, TC_STATUS_MAJOR_OUTAGE);
}

static void test_short_dst_day(void **state)
{
    (void)state;
    /* A 23-hour day (spring forward) counts 23 hours, not 24. */
    tc_status_change_t log[] = {{0, TC_STATUS_OPERATIONAL}};
    tc_uptime_day_t day = {.start = 0, .end = 23 * HOUR};
    tc_uptime_days(log, 1, DAY, &day, 1);
    assert_true(day.observed == 23 * 3600.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_operational_day),
        cmocka_unit_test(test_statuspage_weights),
        cmocka_unit_test(test_the_vendor_example),
        cmocka_unit_test(test_no_data_before_creation_and_after_now),
        cmocka_unit_test(test_outage_across_midnight),
        cmocka_unit_test(test_short_dst_day),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
