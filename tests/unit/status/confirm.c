/* Unit tests for src/status/confirm.c: which changes wait for a confirmation, and whether a
 * failure holds on the fresh votes, as a table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "status/confirm.h"
#include "status/quorum.h"

static void test_needed(void **state)
{
    (void)state;
    static const struct {
        tc_monitor_state_t before, after;
        bool needed;
    } cases[] = {
        {TC_MONITOR_UP, TC_MONITOR_DOWN, true},
        {TC_MONITOR_UNKNOWN, TC_MONITOR_DOWN, true},
        {TC_MONITOR_UP, TC_MONITOR_DEGRADED, true},
        {TC_MONITOR_UP, TC_MONITOR_REGIONAL, true},
        {TC_MONITOR_REGIONAL, TC_MONITOR_DOWN, true},  /* an outage where it was regional */
        {TC_MONITOR_DOWN, TC_MONITOR_DOWN, false},     /* still down: reminders, no question */
        {TC_MONITOR_DOWN, TC_MONITOR_UP, false},       /* recovery needs no confirmation */
        {TC_MONITOR_UNKNOWN, TC_MONITOR_UP, false},
        {TC_MONITOR_UP, TC_MONITOR_FLAPPING, false},   /* one more run says nothing of flapping */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(tc_confirm_needed(cases[i].before, cases[i].after), cases[i].needed);
}

/* A location per letter: u up, g degraded, d down, f flapping, p pending. */
static size_t votes_of(const char *s, tc_monitor_state_t *out)
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

static void test_holds(void **state)
{
    (void)state;
    static const struct {
        tc_monitor_state_t proposed;
        const char *votes;
        int quorum;
        bool holds;
    } cases[] = {
        /* One location (one node): its own fresh run decides. */
        {TC_MONITOR_DOWN, "d", TC_QUORUM_MAJORITY, true},
        {TC_MONITOR_DOWN, "g", TC_QUORUM_MAJORITY, true},
        {TC_MONITOR_DOWN, "u", TC_QUORUM_MAJORITY, false},
        /* Three locations, majority: two still failing hold, one alone does not. */
        {TC_MONITOR_DOWN, "ddu", TC_QUORUM_MAJORITY, true},
        {TC_MONITOR_DOWN, "dgu", TC_QUORUM_MAJORITY, true},
        {TC_MONITOR_DOWN, "duu", TC_QUORUM_MAJORITY, false},
        {TC_MONITOR_DOWN, "uuu", TC_QUORUM_MAJORITY, false},
        {TC_MONITOR_DEGRADED, "ggu", TC_QUORUM_MAJORITY, true},
        /* quorum 1: another location must see it too. */
        {TC_MONITOR_DOWN, "duu", 1, false},
        {TC_MONITOR_DOWN, "dug", 1, true},
        {TC_MONITOR_DOWN, "dd", 1, true},
        /* quorum 3 of 3: every place. */
        {TC_MONITOR_DOWN, "ddu", 3, false},
        {TC_MONITOR_DOWN, "ddd", 3, true},
        /* A silent location keeps its old vote (the caller puts it in): pending is none. */
        {TC_MONITOR_DOWN, "ddp", TC_QUORUM_MAJORITY, true},
        {TC_MONITOR_DOWN, "dpp", TC_QUORUM_MAJORITY, false},
        /* Regional: some place still failing. */
        {TC_MONITOR_REGIONAL, "duu", TC_QUORUM_MAJORITY, true},
        {TC_MONITOR_REGIONAL, "uuu", TC_QUORUM_MAJORITY, false},
        {TC_MONITOR_REGIONAL, "fuu", TC_QUORUM_MAJORITY, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tc_monitor_state_t votes[8];
        size_t n = votes_of(cases[i].votes, votes);
        if (tc_confirm_holds(cases[i].proposed, votes, n, cases[i].quorum) != cases[i].holds)
            fail_msg("case %zu: %s", i, cases[i].votes);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_needed),
        cmocka_unit_test(test_holds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
