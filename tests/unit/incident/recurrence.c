/* Unit tests for src/incident/recurrence.c: parsing what people write, and the next window
 * across weeks, zones and DST changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "incident/recurrence.h"

#define TUE (1u << 2)
#define THU (1u << 4)
#define SUN (1u << 0)

static void parses_days_and_times(void **state)
{
    (void)state;
    unsigned bit = 0;
    assert_int_equal(tc_recurrence_day("tue", &bit), 0);
    assert_int_equal(bit, TUE);
    assert_int_equal(tc_recurrence_day("Thursday", &bit), 0);
    assert_int_equal(bit, THU);
    assert_int_equal(tc_recurrence_day("SUN", &bit), 0);
    assert_int_equal(bit, SUN);
    static const char *const bad_days[] = {"", "tu", "tues", "mondays", "lundi", "thur"};
    for (size_t i = 0; i < sizeof bad_days / sizeof bad_days[0]; i++)
        assert_int_equal(tc_recurrence_day(bad_days[i], &bit), TC_EINVAL);
    int m = -1;
    assert_int_equal(tc_recurrence_time("02:00", &m), 0);
    assert_int_equal(m, 120);
    assert_int_equal(tc_recurrence_time("23:59", &m), 0);
    assert_int_equal(m, 1439);
    static const char *const bad_times[] = {"2:00", "24:00", "12:60", "12:5", "ab:cd",
                                            "12:00x", "-1:00", "12:-1", " 2:00"};
    for (size_t i = 0; i < sizeof bad_times / sizeof bad_times[0]; i++)
        assert_int_equal(tc_recurrence_time(bad_times[i], &m), TC_EINVAL);
}

static void describes_rules(void **state)
{
    (void)state;
    char out[80];
    tc_recurrence_t r = {TUE | THU, 120, 90 * 60000LL};
    tc_recurrence_describe(&r, out, sizeof out);
    assert_string_equal(out, "Tue, Thu at 02:00 for 1 h 30 min");
    r = (tc_recurrence_t){0x7f, 23 * 60 + 30, 30 * 60000LL};
    tc_recurrence_describe(&r, out, sizeof out);
    assert_string_equal(out, "Every day at 23:30 for 30 min");
    r = (tc_recurrence_t){SUN | (1u << 1), 0, 2 * 3600000LL};
    tc_recurrence_describe(&r, out, sizeof out);
    assert_string_equal(out, "Mon, Sun at 00:00 for 2 h");
}

static void next_window(void **state)
{
    (void)state;
    char err[128];
    tc_zone_t *la = NULL;
    assert_int_equal(tc_zone_load("America/Los_Angeles", &la, err, sizeof err), 0);
    tc_recurrence_t r = {TUE | THU, 120, 3600000LL};
    /* Thursday 2024-11-14 05:08 PST: Thursday's 02:00 has passed; next is Tue 11-19 02:00. */
    int64_t from = tc_clock_from_local(la, 2024, 11, 14, 5, 8);
    assert_int_equal(tc_recurrence_next(&r, la, from), tc_clock_from_local(la, 2024, 11, 19, 2, 0));
    /* Exactly at a start: that window. One ms later: the next one. */
    int64_t tue = tc_clock_from_local(la, 2024, 11, 19, 2, 0);
    assert_int_equal(tc_recurrence_next(&r, la, tue), tue);
    assert_int_equal(tc_recurrence_next(&r, la, tue + 1), tc_clock_from_local(la, 2024, 11, 21, 2, 0));
    /* A weekly rule one minute after its start waits a whole week. */
    tc_recurrence_t weekly = {SUN, 120, 3600000LL};
    int64_t sun = tc_clock_from_local(la, 2024, 11, 17, 2, 0);
    assert_int_equal(tc_recurrence_next(&weekly, la, sun + 60000),
                     tc_clock_from_local(la, 2024, 11, 24, 2, 0));
    /* DST: Sunday 2024-03-10 02:00 does not exist in LA; the window starts at 03:00 PDT
     * (10:00 UTC), and a week later at 02:00 PDT (09:00 UTC). */
    int64_t before = tc_clock_from_local(la, 2024, 3, 9, 12, 0);
    assert_int_equal(tc_recurrence_next(&weekly, la, before), INT64_C(1710064800000));
    assert_int_equal(tc_recurrence_next(&weekly, la, INT64_C(1710064800000) + 1),
                     INT64_C(1710666000000));
    /* No day: never. */
    tc_recurrence_t none = {0, 0, 60000};
    assert_true(tc_recurrence_next(&none, la, before) == INT64_MAX);
    tc_zone_free(la);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_days_and_times),
        cmocka_unit_test(describes_rules),
        cmocka_unit_test(next_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
