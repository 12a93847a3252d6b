/* Unit tests for src/status/tracker.c: the threshold state machine, driven by verdict
 * sequences (one table row per scenario), and the monitor → component status mapping. */
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
            assert_int_equal(t.state, got);
        }
    }
}

static void test_component_status(void **state)
{
    (void)state;
    assert_int_equal(tc_monitor_component_status(S_DOWN, TC_STATUS_MAJOR_OUTAGE),
                     TC_STATUS_MAJOR_OUTAGE);
    assert_int_equal(tc_monitor_component_status(S_DOWN, TC_STATUS_PARTIAL_OUTAGE),
                     TC_STATUS_PARTIAL_OUTAGE);
    assert_int_equal(tc_monitor_component_status(S_DEG, TC_STATUS_MAJOR_OUTAGE),
                     TC_STATUS_DEGRADED);
    assert_int_equal(tc_monitor_component_status(S_UP, TC_STATUS_MAJOR_OUTAGE),
                     TC_STATUS_OPERATIONAL);
    assert_int_equal(tc_monitor_component_status(S_UNK, TC_STATUS_MAJOR_OUTAGE),
                     TC_STATUS_OPERATIONAL);
    assert_string_equal(tc_monitor_state_name(S_DEG), "degraded");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequences),
        cmocka_unit_test(test_component_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
