/* Unit tests for src/status/window.c: the failure share, the ratio levels and their
 * hysteresis, the percentiles, and Nagios's weighted percent state change, each as a table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "status/window.h"

#define CLOSE(a, b) (fabs((a) - (b)) < 1e-6)

/* A window filled from a string of verdicts, oldest first: 'u' up, 'g' degraded, 'd' down. */
static void fill(tc_window_t *w, tc_run_sample_t *storage, size_t cap, const char *runs)
{
    tc_window_init(w, storage, cap);
    for (const char *p = runs; *p; p++)
        tc_window_add(w, *p == 'd' ? 2 : *p == 'g' ? 1 : 0, 10);
}

static void test_share(void **state)
{
    (void)state;
    static const struct {
        const char *runs;
        size_t cap, window;
        size_t failures;
        double share;
    } cases[] = {
        {"", 20, 20, 0, 0.0},
        {"d", 20, 20, 1, 0.05},                        /* the denominator is the window */
        {"dddd", 20, 20, 4, 0.2},
        {"ddddu", 20, 5, 4, 0.8},
        {"ddduuuuu", 20, 5, 0, 0.0},                   /* failures older than the window */
        {"gggg", 20, 20, 0, 0.0},                      /* degraded runs did not fail */
        {"duuduuduuduuduuduudu", 20, 20, 7, 0.35},     /* 30% and more, never 3 in a row */
        {"dddddddddduuuuuuuuuuuuuuuuuuuu", 21, 20, 0, 0.0}, /* the ring forgot them */
        {"ddddddddddddddddddddddu", 21, 20, 19, 0.95},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tc_run_sample_t storage[64];
        tc_window_t w;
        fill(&w, storage, cases[i].cap, cases[i].runs);
        if (tc_window_failures(&w, cases[i].window) != cases[i].failures ||
            !CLOSE(tc_window_share(&w, cases[i].window), cases[i].share))
            fail_msg("case %zu (%s): failures %zu share %f", i, cases[i].runs,
                     tc_window_failures(&w, cases[i].window),
                     tc_window_share(&w, cases[i].window));
    }
}

#define UP TC_MONITOR_UP
#define DEG TC_MONITOR_DEGRADED
#define DOWN TC_MONITOR_DOWN

static void test_level_hysteresis(void **state)
{
    (void)state;
    static const struct {
        tc_monitor_state_t level;
        double share, degraded_ratio, down_ratio;
        tc_monitor_state_t want;
        const char *why;
    } cases[] = {
        {UP, 0.15, 0.2, 0.5, UP, "below the ratio"},
        {UP, 0.2, 0.2, 0.5, DEG, "at the ratio: 4 of 20"},
        {UP, 4.0 / 20, 0.2, 0, DEG, "0.2 * 20 is not exact in binary"},
        {DEG, 0.15, 0.2, 0.5, DEG, "holds above half the ratio"},
        {DEG, 0.10, 0.2, 0.5, DEG, "holds at half the ratio"},
        {DEG, 0.05, 0.2, 0.5, UP, "recovers below half the ratio"},
        {UP, 0.5, 0.2, 0.5, DOWN, "down at the down ratio"},
        {DEG, 0.6, 0.2, 0.5, DOWN, "degraded to down"},
        {DOWN, 0.3, 0.2, 0.5, DOWN, "down holds at 30% (half of 50% is 25%)"},
        {DOWN, 0.2, 0.2, 0.5, DEG, "down falls back to degraded below 25%"},
        {DOWN, 0.05, 0.2, 0.5, UP, "down falls to up below both halves"},
        {UP, 0.9, 0, 0, UP, "both ratios off"},
        {UP, 0.9, 0.2, 0, DEG, "down ratio off"},
        {UP, 0.3, 0, 0.5, UP, "degraded ratio off"},
        {DOWN, 0.3, 0, 0.5, DOWN, "down holds with no degraded ratio"},
        {DOWN, 0.2, 0, 0.5, UP, "and falls straight to up"},
        {TC_MONITOR_UNKNOWN, 0.05, 0.2, 0.5, UP, "pending counts as up"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tc_monitor_state_t got = tc_window_level(cases[i].level, cases[i].share,
                                                 cases[i].degraded_ratio, cases[i].down_ratio);
        if (got != cases[i].want)
            fail_msg("%s: want %s, got %s", cases[i].why, tc_monitor_state_name(cases[i].want),
                     tc_monitor_state_name(got));
    }
}

static void test_percentiles(void **state)
{
    (void)state;
    static const struct {
        float ms[24];
        size_t n, runs;
        double extra;
        size_t used;
        double p50, p95, p99;
    } cases[] = {
        {{0}, 0, 20, -1, 0, 0, 0, 0},
        {{0}, 0, 20, 42, 1, 42, 42, 42},                  /* the run being judged alone */
        {{10, 20, 30}, 3, 20, -1, 3, 20, 30, 30},
        {{30, 10, 20, 40}, 4, 20, -1, 4, 20, 40, 40},     /* rank ceil(0.5 * 4) = 2 */
        /* 18 fast and 2 slow of 20: the median is fast, the p95 (rank 19) slow. */
        {{50, 50, 50, 50, 2000, 50, 50, 50, 50, 50, 50, 50, 50, 50, 2000, 50, 50, 50, 50, 50},
         20, 20, -1, 20, 50, 2000, 2000},
        /* One slow of 20: the p95 is still fast, the p99 is not. */
        {{50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 2000, 50, 50, 50, 50, 50},
         20, 20, -1, 20, 50, 50, 2000},
        {{-1, 10, -1, 30}, 4, 20, -1, 2, 10, 30, 30},      /* runs that reached nothing */
        {{1000, 1000, 10, 10}, 4, 2, -1, 2, 10, 10, 10},   /* only the last `runs` */
        {{1000, 1000, 10, 10}, 4, 2, 5, 3, 10, 10, 10},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tc_run_sample_t storage[32];
        tc_window_t w;
        tc_window_init(&w, storage, 32);
        for (size_t k = 0; k < cases[i].n; k++)
            tc_window_add(&w, 0, cases[i].ms[k]);
        double q[3] = {-7, -7, -7};
        size_t used = tc_window_percentiles(&w, cases[i].runs, cases[i].extra, q);
        assert_int_equal(used, cases[i].used);
        if (!used) {
            assert_true(q[0] == -7); /* untouched */
            continue;
        }
        if (!CLOSE(q[0], cases[i].p50) || !CLOSE(q[1], cases[i].p95) ||
            !CLOSE(q[2], cases[i].p99))
            fail_msg("case %zu: got %g %g %g", i, q[0], q[1], q[2]);
    }
}

static void test_flap_percent(void **state)
{
    (void)state;
    static const struct {
        const char *runs;
        double percent;
        const char *why;
    } cases[] = {
        {"", 0, "nothing yet"},
        {"uuuuuuuuuuuuuuuuuuuuu", 0, "stable"},
        {"ud", 1.25 * 100 / 20, "one change, the newest: weight 1.25"},
        {"duuuuuuuuuuuuuuuuuuuu", 0.75 * 100 / 20, "one change, the oldest: weight 0.75"},
        {"udududududududududududud", 100, "alternating: every transition changes"},
        {"uuuuuuuuuuuuuuuuuudud", (1.25 + 1.25 - 0.5 / 19 + 1.25 - 1.0 / 19) * 5,
         "the three newest changes"},
        {"ugdgu", (1.25 + 1.25 - 0.5 / 19 + 1.25 - 1.0 / 19 + 1.25 - 1.5 / 19) * 5,
         "degraded and down count as states of their own"},
        {"dududuuuuuuuuuuuuuuuuuuuuuuuuu", 0, "changes older than 21 runs are forgotten"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tc_run_sample_t storage[TC_FLAP_RUNS];
        tc_window_t w;
        fill(&w, storage, TC_FLAP_RUNS, cases[i].runs);
        double got = tc_window_flap_percent(&w);
        if (!CLOSE(got, cases[i].percent))
            fail_msg("%s: want %f, got %f", cases[i].why, cases[i].percent, got);
    }
    /* Alternating from the start: flapping from the 5th run (4 changes, 24%) on. */
    tc_run_sample_t storage[TC_FLAP_RUNS];
    tc_window_t w;
    tc_window_init(&w, storage, TC_FLAP_RUNS);
    bool flapping = false;
    size_t first = 0;
    for (size_t run = 1; run <= 10 && !first; run++) {
        tc_window_add(&w, run % 2 ? 0 : 2, 10);
        flapping = tc_window_flapping(flapping, tc_window_flap_percent(&w), 20, 5);
        if (flapping)
            first = run;
    }
    assert_int_equal(first, 5);
    /* Stable after that: flapping until the percent is 5 or less. */
    for (size_t k = 0; k < TC_FLAP_RUNS; k++)
        tc_window_add(&w, k % 2 ? 0 : 2, 10);
    size_t stable_runs = 0;
    while (flapping) {
        tc_window_add(&w, 0, 10);
        stable_runs++;
        flapping = tc_window_flapping(flapping, tc_window_flap_percent(&w), 20, 5);
    }
    /* The last alternating run was down: after 20 runs up, one change of weight 0.75 is left
     * (3.75%); after 19, two (7.6%). */
    assert_int_equal(stable_runs, 20);
}

static void test_flapping_hysteresis(void **state)
{
    (void)state;
    static const struct {
        bool was;
        double percent;
        bool want;
    } cases[] = {
        {false, 19.9, false}, {false, 20, true},  {false, 50, true},  {true, 19.9, true},
        {true, 5.1, true},    {true, 5, false},   {true, 0, false},   {false, 5.1, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (tc_window_flapping(cases[i].was, cases[i].percent, 20, 5) != cases[i].want)
            fail_msg("case %zu: was %d, %.1f%%", i, cases[i].was, cases[i].percent);
}

static void test_copy_resizes(void **state)
{
    (void)state;
    tc_run_sample_t a[30], b[21], c[40];
    tc_window_t wa, wb, wc;
    fill(&wa, a, 30, "uuuuuuuuuudddddddddduuuuuuuuuu"); /* 30 runs */
    tc_window_init(&wb, b, 21);
    tc_window_copy(&wb, &wa); /* keeps the newest 21 */
    assert_int_equal(tc_window_len(&wb), 21);
    assert_int_equal(tc_window_failures(&wb, 21), 10);
    assert_int_equal(tc_window_recent(&wb, 0)->verdict, 0);
    assert_int_equal(tc_window_recent(&wb, 19)->verdict, 2); /* the oldest of the ten downs */
    assert_int_equal(tc_window_recent(&wb, 20)->verdict, 0); /* one up before the downs */
    tc_window_init(&wc, c, 40);
    tc_window_copy(&wc, &wb);
    assert_int_equal(tc_window_len(&wc), 21);
    assert_int_equal(tc_window_failures(&wc, 40), 10);
    assert_true(CLOSE(tc_window_flap_percent(&wc), tc_window_flap_percent(&wb)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_share),
        cmocka_unit_test(test_level_hysteresis),
        cmocka_unit_test(test_percentiles),
        cmocka_unit_test(test_flap_percent),
        cmocka_unit_test(test_flapping_hysteresis),
        cmocka_unit_test(test_copy_resizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
