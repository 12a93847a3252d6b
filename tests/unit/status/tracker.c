/* Unit tests for src/status/tracker.c: the threshold state machine, driven by verdict
 * sequences (one table row per scenario), the three rules together (thresholds, failure
 * window, flapping) on whole runs of verdicts, and the monitor → component status mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "status/tracker.h"

#define U TC_VERDICT_UP
#define G TC_VERDICT_DEGRADED
#define D TC_VERDICT_DOWN

#define S_UNK TC_MONITOR_UNKNOWN
#define S_UP TC_MONITOR_UP
#define S_DEG TC_MONITOR_DEGRADED
#define S_DOWN TC_MONITOR_DOWN

#define MAX_STEPS 12

static const struct seq_case {
    const char *name;
    int failure_threshold, success_threshold;
    size_t n;
    tc_verdict_t verdicts[MAX_STEPS];
    tc_monitor_state_t states[MAX_STEPS]; /* expected state after each verdict */
} cases[] = {
    {"first up is up at once", 3, 2, 2, {U, U}, {S_UP, S_UP}},
    {"down only after 3 failures", 3, 2, 4, {U, D, D, D}, {S_UP, S_UP, S_UP, S_DOWN}},
    {"a success breaks the failure streak", 3, 2, 6, {U, D, D, U, D, D},
     {S_UP, S_UP, S_UP, S_UP, S_UP, S_UP}},
    {"unknown until the threshold when failing from the start", 2, 2, 2, {D, D},
     {S_UNK, S_DOWN}},
    {"recovery needs 2 successes", 1, 2, 4, {U, D, U, U}, {S_UP, S_DOWN, S_DOWN, S_UP}},
    {"a failure resets the recovery count", 1, 2, 5, {D, U, D, U, U},
     {S_DOWN, S_DOWN, S_DOWN, S_DOWN, S_UP}},
    {"degraded after the threshold", 2, 2, 3, {U, G, G}, {S_UP, S_UP, S_DEG}},
    {"down and degraded mixed count as bad for degraded", 3, 1, 4, {U, G, D, G},
     {S_UP, S_UP, S_UP, S_DEG}},
    {"degraded to down", 2, 2, 5, {U, G, G, D, D}, {S_UP, S_UP, S_DEG, S_DEG, S_DOWN}},
    {"down recovers to degraded when the runs are degraded", 1, 2, 3, {D, G, G},
     {S_DOWN, S_DOWN, S_DEG}},
    {"degraded recovers to up", 1, 2, 4, {U, G, U, U}, {S_UP, S_DEG, S_DEG, S_UP}},
    {"thresholds of 1 follow every verdict", 1, 1, 5, {U, D, U, G, U},
     {S_UP, S_DOWN, S_UP, S_DEG, S_UP}},
};

static void test_sequences(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct seq_case *c = &cases[i];
        tc_monitor_tracker_t t;
        memset(&t, 0, sizeof t);
        for (size_t k = 0; k < c->n; k++) {
            tc_monitor_state_t got =
                tc_monitor_observe(&t, c->verdicts[k], c->failure_threshold, c->success_threshold);
            if (got != c->states[k])
                fail_msg("%s: step %zu: expected %s, got %s", c->name, k,
                         tc_monitor_state_name(c->states[k]), tc_monitor_state_name(got));
            assert_int_equal(t.threshold, got);
        }
    }
}

/* A monitor with the keys tc_monitor_track() reads. */
static tc_monitor_cfg_t monitor(int window, double degraded_ratio, double down_ratio, bool flap)
{
    tc_monitor_cfg_t m;
    memset(&m, 0, sizeof m);
    m.failure_threshold = 3;
    m.success_threshold = 2;
    m.window = window;
    m.degraded_ratio = degraded_ratio;
    m.down_ratio = down_ratio;
    m.flap_detection = flap;
    m.flap_start = 20;
    m.flap_stop = 5;
    return m;
}

#define S_FLAP TC_MONITOR_FLAPPING
#define MAX_RUNS 64

/* Runs as a string, oldest first ('u' up, 'g' degraded, 'd' down), and the state expected
 * after each as a string of the same length: '.' pending, 'U' up, 'G' degraded, 'D' down,
 * 'F' flapping. */
static const struct track_case {
    const char *name;
    int window;
    double degraded_ratio, down_ratio;
    bool flap;
    const char *runs;
    const char *states;
} track_cases[] = {
    {"30% failing, never 3 in a row: thresholds alone never see it", 20, 0, 0, false,
     "udduuduuduuduudduuud", "UUUUUUUUUUUUUUUUUUUU"},
    {"the same runs with degraded_ratio 0.2: degraded at the 4th failure", 20, 0.2, 0, false,
     "udduuduuduuduudduuud", "UUUUUUUUGGGGGGGGGGGG"},
    {"recovery below half the ratio: fewer than 2 failures in 20", 20, 0.2, 0, false,
     "uddudduuuuuuuuuuuuuuuuuuuu", "UUUUUGGGGGGGGGGGGGGGGGGGUU"},
    {"the share never makes a pending monitor up", 20, 0.2, 0, false, "dd", ".."},
    {"down ratio: 10 of 20", 20, 0.2, 0.5, false,
     "dudduddudduddudd", ".UUUUGGGGGGGGGDD"},
    {"consecutive thresholds still work with the window on", 20, 0.2, 0.5, false,
     "uuddd", "UUUUD"},
    {"alternating: flapping from the 5th run, with thresholds that never trip", 20, 0, 0, true,
     "udududududud", "UUUUFFFFFFFF"},
    {"flap detection off: alternating stays up", 20, 0, 0, false,
     "udududududud", "UUUUUUUUUUUU"},
    {"a down share beats flapping", 20, 0, 0.5, true,
     "dudududududududududu", ".UUUFFFFFFFFFFFFFFDD"},
    {"the 30% runs with the defaults (flap detection on, no ratio): flapping", 20, 0, 0, true,
     "udduuduuduuduudduuud", "UUUUUUFFFFFFFFFFFFFF"},
};

static char letter(tc_monitor_state_t s)
{
    static const char letters[] = ".UGDF";
    return letters[s];
}

static void test_track(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof track_cases / sizeof track_cases[0]; i++) {
        const struct track_case *c = &track_cases[i];
        tc_monitor_cfg_t m = monitor(c->window, c->degraded_ratio, c->down_ratio, c->flap);
        tc_run_sample_t storage[MAX_RUNS];
        tc_window_t w;
        tc_window_init(&w, storage, MAX_RUNS);
        tc_monitor_tracker_t t;
        memset(&t, 0, sizeof t);
        char got[MAX_RUNS + 1] = "";
        size_t n = strlen(c->runs);
        for (size_t k = 0; k < n; k++) {
            tc_verdict_t v = c->runs[k] == 'd' ? D : c->runs[k] == 'g' ? G : U;
            tc_monitor_state_t after = tc_monitor_track(&t, &w, v, 10, &m);
            assert_int_equal(t.state, after);
            got[k] = letter(after);
        }
        got[n] = '\0';
        if (strcmp(got, c->states) != 0)
            fail_msg("%s:\n runs   %s\n want   %s\n got    %s", c->name, c->runs, c->states,
                     got);
    }
}

/* Flapping, then a hard outage: the state stays flapping (the component degraded) until the
 * weighted percent falls to flap_stop, as in Nagios; the stable state is then down. */
static void test_flapping_then_down(void **state)
{
    (void)state;
    tc_monitor_cfg_t m = monitor(20, 0, 0, true);
    tc_run_sample_t storage[TC_FLAP_RUNS];
    tc_window_t w;
    tc_window_init(&w, storage, TC_FLAP_RUNS);
    tc_monitor_tracker_t t;
    memset(&t, 0, sizeof t);
    for (int k = 0; k < 10; k++)
        tc_monitor_track(&t, &w, k % 2 ? D : U, 10, &m);
    assert_int_equal(t.state, S_FLAP);
    assert_true(t.flapping);
    int runs = 0;
    while (tc_monitor_track(&t, &w, D, 10, &m) == S_FLAP)
        runs++;
    assert_int_equal(t.state, S_DOWN);
    assert_int_equal(t.threshold, S_DOWN);
    assert_true(runs >= 10 && runs <= 20);
    assert_true(t.flap_percent <= 5);
}

static void test_component_status(void **state)
{
    (void)state;
    assert_int_equal(tc_monitor_component_status(S_DOWN, TC_STATUS_MAJOR_OUTAGE, TC_STATUS_PARTIAL_OUTAGE),
                     TC_STATUS_MAJOR_OUTAGE);
    assert_int_equal(tc_monitor_component_status(S_DOWN, TC_STATUS_PARTIAL_OUTAGE, TC_STATUS_PARTIAL_OUTAGE),
                     TC_STATUS_PARTIAL_OUTAGE);
    assert_int_equal(tc_monitor_component_status(S_DEG, TC_STATUS_MAJOR_OUTAGE, TC_STATUS_PARTIAL_OUTAGE),
                     TC_STATUS_DEGRADED);
    assert_int_equal(tc_monitor_component_status(S_UP, TC_STATUS_MAJOR_OUTAGE, TC_STATUS_PARTIAL_OUTAGE),
                     TC_STATUS_OPERATIONAL);
    assert_int_equal(tc_monitor_component_status(S_UNK, TC_STATUS_MAJOR_OUTAGE, TC_STATUS_PARTIAL_OUTAGE),
                     TC_STATUS_OPERATIONAL);
    assert_int_equal(tc_monitor_component_status(S_FLAP, TC_STATUS_MAJOR_OUTAGE, TC_STATUS_PARTIAL_OUTAGE),
                     TC_STATUS_DEGRADED);
    assert_string_equal(tc_monitor_state_name(S_DEG), "degraded");
    assert_string_equal(tc_monitor_state_name(S_UNK), "pending");
    assert_string_equal(tc_monitor_state_name(S_FLAP), "flapping");
    /* Several locations: some failing, fewer than the quorum. */
    assert_int_equal(tc_monitor_component_status(TC_MONITOR_REGIONAL, TC_STATUS_MAJOR_OUTAGE,
                                                 TC_STATUS_PARTIAL_OUTAGE),
                     TC_STATUS_PARTIAL_OUTAGE);
    assert_int_equal(tc_monitor_component_status(TC_MONITOR_REGIONAL, TC_STATUS_MAJOR_OUTAGE,
                                                 TC_STATUS_DEGRADED),
                     TC_STATUS_DEGRADED);
    assert_string_equal(tc_monitor_state_name(TC_MONITOR_REGIONAL), "regional");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequences),
        cmocka_unit_test(test_track),
        cmocka_unit_test(test_flapping_then_down),
        cmocka_unit_test(test_component_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
