/* Unit tests for src/status/vantage.c: probe self-health's decision as tables: which share
 * of failing monitors is "most", what a self-check round's parts add up to, which resolver
 * answers count, and the state machine over sequences of steps (a cut network, a real mass
 * outage, a round that started too early, recovery by the self-check and by the monitors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "status/vantage.h"

static void test_most_failing(void **state)
{
    (void)state;
    static const struct {
        size_t failing, voting, min;
        double ratio;
        bool want;
    } rows[] = {
        {5, 10, 5, 0.5, true},   /* exactly half and exactly the minimum */
        {4, 8, 5, 0.5, false},   /* half, but fewer than five */
        {4, 4, 5, 0.5, false},   /* all of a small node: never blames itself */
        {5, 11, 5, 0.5, false},  /* under half */
        {6, 11, 5, 0.5, true},
        {6, 6, 5, 0.5, true},
        {0, 0, 5, 0.5, false},   /* no monitor has a say yet */
        {1, 1, 1, 1.0, true},    /* a node told to trust one monitor */
        {9, 10, 5, 0.9, true},
        {8, 10, 5, 0.9, false},
        {70, 100, 5, 0.7, true}, /* 0.7 * 100 is not exactly 70 in binary */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        bool got = tc_vantage_most_failing(rows[i].failing, rows[i].voting, rows[i].min,
                                           rows[i].ratio);
        if (got != rows[i].want)
            fail_msg("row %zu: %zu of %zu (min %zu, ratio %g): got %d", i, rows[i].failing,
                     rows[i].voting, rows[i].min, rows[i].ratio, got);
    }
}

#define R(passed, trusted) {true, passed, trusted}
#define T(passed, trusted) {false, passed, trusted}

static void test_self_verdict(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        size_t n;
        tc_self_part_t parts[4];
        tc_self_verdict_t want;
    } rows[] = {
        {"nothing configured", 0, {{0}}, TC_SELF_NO_EVIDENCE},
        {"gateway answers", 1, {T(true, true)}, TC_SELF_PASSED},
        {"gateway silent", 1, {T(false, true)}, TC_SELF_FAILED},
        {"a default gateway that never answered is no evidence", 1, {T(false, false)},
         TC_SELF_NO_EVIDENCE},
        {"resolver fails, targets answer", 2, {R(false, true), T(true, true)},
         TC_SELF_FAILED},
        {"resolver answers, every target fails", 3,
         {R(true, true), T(false, true), T(false, true)}, TC_SELF_FAILED},
        {"one target of two answers: the node is on the network", 3,
         {R(true, true), T(false, true), T(true, true)}, TC_SELF_PASSED},
        {"an untrusted resolver's failure is left out", 2, {R(false, false), T(true, true)},
         TC_SELF_PASSED},
        {"an untrusted target's failure is left out", 3,
         {R(true, true), T(false, false), T(true, true)}, TC_SELF_PASSED},
        {"only the resolver, answering", 1, {R(true, true)}, TC_SELF_PASSED},
        {"only the trusted resolver fails; the untrusted gateway too", 2,
         {R(false, true), T(false, false)}, TC_SELF_FAILED},
        {"every target fails but none is trusted; resolver fine", 3,
         {R(true, true), T(false, false), T(false, false)}, TC_SELF_PASSED},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        tc_self_verdict_t got = tc_vantage_self_verdict(rows[i].parts, rows[i].n);
        if (got != rows[i].want)
            fail_msg("%s: got %d, want %d", rows[i].name, got, rows[i].want);
    }
}

static void test_resolver_answers(void **state)
{
    (void)state;
    assert_true(tc_vantage_resolver_answered("NOERROR"));
    assert_true(tc_vantage_resolver_answered("NXDOMAIN"));
    assert_false(tc_vantage_resolver_answered("SERVFAIL"));
    assert_false(tc_vantage_resolver_answered("REFUSED"));
    assert_false(tc_vantage_resolver_answered("RCODE14"));
    assert_false(tc_vantage_resolver_answered(""));
}

/* A step as the table writes it. */
typedef struct step {
    int64_t now;
    bool most;           /* most monitors failing */
    bool running;        /* a round in flight */
    int64_t started;     /* the last finished round's start; < 0: none yet */
    tc_self_verdict_t check;
    tc_vantage_state_t want;
    bool start;          /* a round is asked for */
} step_t;

#define H TC_VANTAGE_HEALTHY
#define C TC_VANTAGE_CHECKING
#define I TC_VANTAGE_IMPAIRED
#define PASS TC_SELF_PASSED
#define FAIL TC_SELF_FAILED
#define NONE TC_SELF_NO_EVIDENCE
#define MAX_STEPS 8

static const struct {
    const char *name;
    size_t n;
    step_t steps[MAX_STEPS];
} sequences[] = {
    {"quiet: a few failures never start a round", 2,
     {{1000, false, false, -1, PASS, H, false}, {2000, false, false, 500, PASS, H, false}}},
    {"a cut network: checking, then impaired, then healthy when the check passes", 5,
     {{1000, true, false, 500, PASS, C, true},   /* the old pass predates the failures */
      {1001, true, true, 500, PASS, C, false},   /* the round is running: no second one */
      {1010, true, false, 1000, FAIL, I, false}, /* the fresh round failed */
      {5000, true, false, 4000, FAIL, I, false},
      {9000, true, false, 8000, PASS, H, false}}}, /* the network is back; targets still fail */
    {"a real mass outage: the self-check passes and runs count at once", 3,
     {{1000, true, false, -1, PASS, C, true},
      {1003, true, false, 1000, PASS, H, false},
      {7000, true, false, 6000, PASS, H, false}}},
    {"no evidence is no blame", 2,
     {{1000, true, false, -1, PASS, C, true}, {1002, true, false, 1000, NONE, H, false}}},
    {"a round that started before the failures must be followed by a fresh one", 3,
     {{1000, true, true, 200, PASS, C, false},  /* a periodic round is running */
      {1500, true, false, 900, FAIL, C, true},  /* it started at 900: too early to count */
      {1600, true, false, 1500, FAIL, I, false}}},
    {"the monitors recover before the self-check does: healthy, episode over", 4,
     {{1000, true, false, -1, PASS, C, true},
      {1001, true, false, 1000, FAIL, I, false},
      {3000, false, false, 1000, FAIL, H, false},
      /* Failing again later is a new episode: the old failed round is too old. */
      {9000, true, false, 1000, FAIL, C, true}}},
    {"a passed round, then a later failed one in the same episode", 3,
     {{1000, true, false, -1, PASS, C, true},
      {1001, true, false, 1000, PASS, H, false},
      {4000, true, false, 3000, FAIL, I, false}}},
};

static void test_sequences(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof sequences / sizeof sequences[0]; i++) {
        tc_vantage_t v;
        memset(&v, 0, sizeof v);
        tc_vantage_state_t before = H;
        for (size_t k = 0; k < sequences[i].n; k++) {
            const step_t *s = &sequences[i].steps[k];
            tc_vantage_in_t in = {
                .now = s->now,
                .most_failing = s->most,
                .check_running = s->running,
                .checked = s->started >= 0,
                .check_started = s->started,
                .check = s->check,
            };
            tc_vantage_out_t out = tc_vantage_step(&v, &in);
            if (v.state != s->want || out.start_check != s->start ||
                out.changed != (s->want != before))
                fail_msg("%s, step %zu: state %s (want %s), start %d (want %d), changed %d",
                         sequences[i].name, k, tc_vantage_state_name(v.state),
                         tc_vantage_state_name(s->want), out.start_check, s->start,
                         out.changed);
            if (out.changed)
                assert_int_equal(v.since, s->now);
            before = v.state;
        }
    }
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(tc_vantage_state_name(H), "healthy");
    assert_string_equal(tc_vantage_state_name(C), "checking");
    assert_string_equal(tc_vantage_state_name(I), "impaired");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_most_failing),    cmocka_unit_test(test_self_verdict),
        cmocka_unit_test(test_resolver_answers), cmocka_unit_test(test_sequences),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
