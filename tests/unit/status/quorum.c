/* Unit tests for src/status/quorum.c: the quorum's size, and the monitor's state from its
 * locations' states, as a table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "status/quorum.h"

static void test_need(void **state)
{
    (void)state;
    static const struct {
        int quorum;
        size_t live, need;
    } cases[] = {
        {TC_QUORUM_MAJORITY, 0, 0}, {TC_QUORUM_MAJORITY, 1, 1}, {TC_QUORUM_MAJORITY, 2, 2},
        {TC_QUORUM_MAJORITY, 3, 2}, {TC_QUORUM_MAJORITY, 4, 3}, {TC_QUORUM_MAJORITY, 5, 3},
        {1, 3, 1}, {2, 3, 2}, {3, 3, 3},
        {3, 2, 2}, /* more than are alive: all of them */
        {5, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(tc_quorum_need(cases[i].quorum, cases[i].live), cases[i].need);
}

/* A location per letter: u up, g degraded, d down, f flapping, p pending. */
static size_t states_of(const char *s, tc_monitor_state_t *out)
{
    size_t n = 0;
    for (; *s; s++)
        out[n++] = *s == 'u'   ? TC_MONITOR_UP
                   : *s == 'g' ? TC_MONITOR_DEGRADED
                   : *s == 'd' ? TC_MONITOR_DOWN
                   : *s == 'f' ? TC_MONITOR_FLAPPING
                               : TC_MONITOR_UNKNOWN;
    return n;
}

static void test_decide(void **state)
{
    (void)state;
    static const struct {
        const char *locations;
        int quorum;
        tc_monitor_state_t want;
        const char *failing; /* per location: 1 failing, 0 not */
    } cases[] = {
        /* One location: its own state, whatever the quorum. */
        {"u", TC_QUORUM_MAJORITY, TC_MONITOR_UP, "0"},
        {"d", TC_QUORUM_MAJORITY, TC_MONITOR_DOWN, "1"},
        {"g", 3, TC_MONITOR_DEGRADED, "1"},
        {"f", TC_QUORUM_MAJORITY, TC_MONITOR_FLAPPING, "1"},
        {"p", TC_QUORUM_MAJORITY, TC_MONITOR_UNKNOWN, "0"},
        {"", TC_QUORUM_MAJORITY, TC_MONITOR_UNKNOWN, ""},
        /* Three locations, majority: one failing place is not an outage. */
        {"duu", TC_QUORUM_MAJORITY, TC_MONITOR_UP, "100"},
        {"ddu", TC_QUORUM_MAJORITY, TC_MONITOR_DOWN, "110"},
        {"ddd", TC_QUORUM_MAJORITY, TC_MONITOR_DOWN, "111"},
        {"dgu", TC_QUORUM_MAJORITY, TC_MONITOR_DEGRADED, "110"}, /* down counts as degraded */
        {"dfu", TC_QUORUM_MAJORITY, TC_MONITOR_FLAPPING, "110"},
        {"ggu", TC_QUORUM_MAJORITY, TC_MONITOR_DEGRADED, "110"},
        /* Pending locations are live but vote nothing. */
        {"dpp", TC_QUORUM_MAJORITY, TC_MONITOR_UNKNOWN, "100"},
        {"upp", TC_QUORUM_MAJORITY, TC_MONITOR_UP, "000"},
        {"ddp", TC_QUORUM_MAJORITY, TC_MONITOR_DOWN, "110"},
        /* A number. */
        {"duu", 1, TC_MONITOR_DOWN, "100"},
        {"ddu", 3, TC_MONITOR_UP, "110"},
        {"dd", 3, TC_MONITOR_DOWN, "11"}, /* more than are alive: all of them */
        /* Four locations: the majority is three. */
        {"dduu", TC_QUORUM_MAJORITY, TC_MONITOR_UP, "1100"},
        {"dddu", TC_QUORUM_MAJORITY, TC_MONITOR_DOWN, "1110"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tc_monitor_state_t st[8];
        bool failing[8];
        memset(failing, 0, sizeof failing);
        size_t n = states_of(cases[i].locations, st);
        tc_monitor_state_t got = tc_quorum_decide(st, n, cases[i].quorum, failing);
        if (got != cases[i].want)
            fail_msg("case %zu (%s, quorum %d): %s, want %s", i, cases[i].locations,
                     cases[i].quorum, tc_monitor_state_name(got),
                     tc_monitor_state_name(cases[i].want));
        for (size_t k = 0; k < n; k++)
            assert_int_equal(failing[k], cases[i].failing[k] == '1');
        /* No failing array is fine too. */
        assert_int_equal(tc_quorum_decide(st, n, cases[i].quorum, NULL), cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_need),
        cmocka_unit_test(test_decide),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
