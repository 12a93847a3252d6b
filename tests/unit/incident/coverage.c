/* Unit tests for src/incident/coverage.c: the verdict of each incident from the first failure
 * of the monitors feeding its components. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "incident/coverage.h"

#define MIN 60000LL

/* Fake results: monitor "m" failed at these times. */
static const int64_t fails[] = {1000 * MIN - 2 * MIN, 2000 * MIN + 5 * MIN, 5000 * MIN - 90 * MIN};

static bool lookup(void *ctx, const char *monitor, int64_t from, int64_t to, int64_t *at,
                   bool *hourly)
{
    (void)ctx;
    (void)hourly;
    if (strcmp(monitor, "m") != 0)
        return false;
    for (size_t i = 0; i < sizeof fails / sizeof fails[0]; i++)
        if (fails[i] >= from && fails[i] <= to) {
            *at = fails[i];
            return true;
        }
    return false;
}

static void verdicts(void **state)
{
    (void)state;
    char *api[] = {"api"}, *vendor[] = {"vendor"};
    tc_status_t major[] = {TC_STATUS_MAJOR_OUTAGE};
    tc_incident_t in[6];
    memset(in, 0, sizeof in);
    struct {
        int64_t start;
        char **comp;
        const char *monitor_id;
        bool maintenance;
    } spec[6] = {
        {1000 * MIN, api, NULL, false},    /* failure 2 min before: first */
        {2000 * MIN, api, NULL, false},    /* failure 5 min after: after */
        {3000 * MIN, api, NULL, false},    /* nothing: missed */
        {4000 * MIN, vendor, NULL, false}, /* no monitor: missed, unmonitored */
        {5000 * MIN, api, NULL, false},    /* failure 90 min before: too early, missed */
        {6000 * MIN, api, "m", false},     /* opened by a monitor: not judged */
    };
    const tc_incident_t *list[6];
    for (int i = 0; i < 6; i++) {
        in[i].started_at = spec[i].start;
        in[i].resolved_at = spec[i].start + 30 * MIN;
        in[i].component_ids = spec[i].comp;
        in[i].component_status = major;
        in[i].ncomponents = 1;
        in[i].monitor_id = (char *)spec[i].monitor_id;
        list[i] = &in[i];
    }
    const char *monitors[] = {"m"};
    tc_cover_feed_t feeds[] = {{"api", monitors, 1}, {"vendor", NULL, 0}};
    tc_cover_row_t rows[6];
    size_t n = tc_coverage(list, 6, 0, 10000 * MIN, feeds, 2, lookup, NULL, rows);
    assert_int_equal(n, 5);
    assert_int_equal(rows[0].verdict, TC_COVER_FIRST);
    assert_int_equal(rows[0].delta_ms, 2 * MIN);
    assert_string_equal(rows[0].monitor, "m");
    assert_int_equal(rows[1].verdict, TC_COVER_AFTER);
    assert_int_equal(rows[1].delta_ms, 5 * MIN);
    assert_int_equal(rows[2].verdict, TC_COVER_MISSED);
    assert_int_equal(rows[3].verdict, TC_COVER_BLIND);
    assert_string_equal(tc_cover_verdict_name(rows[3].verdict), "missed");
    assert_int_equal(rows[4].verdict, TC_COVER_MISSED);
    /* "since" leaves older incidents out. */
    assert_int_equal(tc_coverage(list, 6, 2500 * MIN, 10000 * MIN, feeds, 2, lookup, NULL, rows),
                     3);
}

static void durations(void **state)
{
    (void)state;
    char out[32];
    tc_cover_duration(40000, out, sizeof out);
    assert_string_equal(out, "40 s");
    tc_cover_duration(12 * MIN, out, sizeof out);
    assert_string_equal(out, "12 min");
    tc_cover_duration(65 * MIN, out, sizeof out);
    assert_string_equal(out, "1 h 5 min");
    tc_cover_duration(74 * 60 * MIN, out, sizeof out);
    assert_string_equal(out, "3 d 2 h");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verdicts),
        cmocka_unit_test(durations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
