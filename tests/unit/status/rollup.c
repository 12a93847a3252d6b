/* Unit tests for src/status/rollup.c: every row of the derivation table of
 * shared/reference/statuspage.md §1.3, status names and tc_status_worst(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/err.h"
#include "status/rollup.h"

#define OP TC_STATUS_OPERATIONAL
#define UM TC_STATUS_UNDER_MAINTENANCE
#define DG TC_STATUS_DEGRADED
#define PO TC_STATUS_PARTIAL_OUTAGE
#define MO TC_STATUS_MAJOR_OUTAGE

#define ALL_OK "All Systems Operational"
#define PARTIAL_DEGRADED "Partially Degraded Service"
#define DEGRADED "Degraded System Service"
#define MINOR_OUTAGE "Minor Service Outage"
#define PARTIAL_OUTAGE "Partial System Outage"
#define MAJOR_OUTAGE "Major System Outage"
#define MAINT "Service Under Maintenance"

#define MAX_LEAVES 6

static const struct rollup_case {
    const char *name;
    size_t n;
    tc_status_t leaves[MAX_LEAVES];
    tc_indicator_t indicator;
    const char *description;
} rollup_cases[] = {
    /* 0 components [D] */
    {"no components", 0, {OP}, TC_INDICATOR_NONE, ALL_OK},
    /* exactly 1 component [D] */
    {"1: operational", 1, {OP}, TC_INDICATOR_NONE, ALL_OK},
    {"1: under_maintenance", 1, {UM}, TC_INDICATOR_MAINTENANCE, MAINT},
    {"1: degraded_performance", 1, {DG}, TC_INDICATOR_MINOR, PARTIAL_DEGRADED},
    {"1: partial_outage", 1, {PO}, TC_INDICATOR_MAJOR, PARTIAL_OUTAGE},
    {"1: major_outage", 1, {MO}, TC_INDICATOR_CRITICAL, MAJOR_OUTAGE},
    /* 2 or more [I] */
    {"2: all major", 2, {MO, MO}, TC_INDICATOR_CRITICAL, MAJOR_OUTAGE},
    {"4: all major", 4, {MO, MO, MO, MO}, TC_INDICATOR_CRITICAL, MAJOR_OUTAGE},
    {"some major, rest operational", 3, {OP, MO, OP}, TC_INDICATOR_MAJOR, PARTIAL_OUTAGE},
    {"partial + major (the /api example)", 2, {PO, MO}, TC_INDICATOR_MAJOR, PARTIAL_OUTAGE},
    {"major + degraded", 2, {MO, DG}, TC_INDICATOR_MAJOR, PARTIAL_OUTAGE},
    {"major + maintenance", 2, {UM, MO}, TC_INDICATOR_MAJOR, PARTIAL_OUTAGE},
    {"major, major + operational", 3, {MO, MO, OP}, TC_INDICATOR_MAJOR, PARTIAL_OUTAGE},
    {"2: all partial", 2, {PO, PO}, TC_INDICATOR_MAJOR, PARTIAL_OUTAGE},
    {"3: all partial", 3, {PO, PO, PO}, TC_INDICATOR_MAJOR, PARTIAL_OUTAGE},
    {"some partial, rest operational", 3, {OP, OP, PO}, TC_INDICATOR_MINOR, MINOR_OUTAGE},
    {"partial + degraded", 2, {DG, PO}, TC_INDICATOR_MINOR, MINOR_OUTAGE},
    {"partial + maintenance", 2, {PO, UM}, TC_INDICATOR_MINOR, MINOR_OUTAGE},
    {"2: all degraded", 2, {DG, DG}, TC_INDICATOR_MINOR, DEGRADED},
    {"5: all degraded", 5, {DG, DG, DG, DG, DG}, TC_INDICATOR_MINOR, DEGRADED},
    {"one degraded out of many (HTX)", 6, {OP, OP, OP, DG, OP, OP}, TC_INDICATOR_MINOR,
     PARTIAL_DEGRADED},
    {"degraded + maintenance", 2, {UM, DG}, TC_INDICATOR_MINOR, PARTIAL_DEGRADED},
    {"2: all maintenance", 2, {UM, UM}, TC_INDICATOR_MAINTENANCE, MAINT},
    {"some maintenance, rest operational", 3, {OP, UM, OP}, TC_INDICATOR_MAINTENANCE, MAINT},
    {"2: all operational", 2, {OP, OP}, TC_INDICATOR_NONE, ALL_OK},
    {"6: all operational", 6, {OP, OP, OP, OP, OP, OP}, TC_INDICATOR_NONE, ALL_OK},
    {"every status once", 5, {OP, UM, DG, PO, MO}, TC_INDICATOR_MAJOR, PARTIAL_OUTAGE},
};

static void test_rollup_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rollup_cases / sizeof rollup_cases[0]; i++) {
        const struct rollup_case *c = &rollup_cases[i];
        print_message("case: %s\n", c->name);
        tc_rollup_t r = tc_rollup(c->n ? c->leaves : NULL, c->n);
        assert_string_equal(tc_indicator_name(r.indicator), tc_indicator_name(c->indicator));
        assert_string_equal(r.description, c->description);
    }
}

/* The result does not depend on the order of the leaves. */
static void test_rollup_order(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rollup_cases / sizeof rollup_cases[0]; i++) {
        const struct rollup_case *c = &rollup_cases[i];
        if (c->n < 2)
            continue;
        tc_status_t rev[MAX_LEAVES];
        for (size_t k = 0; k < c->n; k++)
            rev[k] = c->leaves[c->n - 1 - k];
        tc_rollup_t r = tc_rollup(rev, c->n);
        assert_int_equal(r.indicator, c->indicator);
        assert_string_equal(r.description, c->description);
    }
}

static const struct name_case {
    tc_status_t status;
    const char *name;
    const char *label;
} name_cases[] = {
    {OP, "operational", "Operational"},
    {UM, "under_maintenance", "Under Maintenance"},
    {DG, "degraded_performance", "Degraded Performance"},
    {PO, "partial_outage", "Partial Outage"},
    {MO, "major_outage", "Major Outage"},
};

static void test_status_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof name_cases / sizeof name_cases[0]; i++) {
        const struct name_case *c = &name_cases[i];
        assert_string_equal(tc_status_name(c->status), c->name);
        assert_string_equal(tc_status_label(c->status), c->label);
        tc_status_t parsed = (tc_status_t)-1;
        assert_int_equal(tc_status_parse(c->name, &parsed), 0);
        assert_int_equal(parsed, c->status);
        /* Round trip both ways. */
        assert_int_equal(tc_status_parse(tc_status_name(c->status), &parsed), 0);
        assert_string_equal(tc_status_name(parsed), c->name);
    }
}

static void test_status_parse_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "Operational", "OPERATIONAL", "operational ", " operational", "degraded",
        "degraded performance", "Major Outage", "major-outage", "outage", "none", "critical",
        "maintenance", "operationalx", "operationa",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tc_status_t out = TC_STATUS_PARTIAL_OUTAGE;
        assert_int_equal(tc_status_parse(bad[i], &out), TC_EINVAL);
        assert_int_equal(out, TC_STATUS_PARTIAL_OUTAGE); /* untouched on failure */
    }
}

static void test_indicator_names(void **state)
{
    (void)state;
    static const struct {
        tc_indicator_t i;
        const char *name;
    } cases[] = {
        {TC_INDICATOR_NONE, "none"},         {TC_INDICATOR_MINOR, "minor"},
        {TC_INDICATOR_MAJOR, "major"},       {TC_INDICATOR_CRITICAL, "critical"},
        {TC_INDICATOR_MAINTENANCE, "maintenance"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        assert_string_equal(tc_indicator_name(cases[k].i), cases[k].name);
}

static void test_status_worst(void **state)
{
    (void)state;
    static const struct {
        tc_status_t a, b, want;
    } cases[] = {
        {OP, OP, OP}, {OP, UM, UM}, {UM, OP, UM}, {UM, DG, DG}, {DG, UM, DG},
        {DG, PO, PO}, {PO, DG, PO}, {PO, MO, MO}, {MO, PO, MO}, {MO, OP, MO},
        {OP, MO, MO}, {MO, MO, MO}, {DG, DG, DG},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(tc_status_worst(cases[i].a, cases[i].b), cases[i].want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rollup_table),      cmocka_unit_test(test_rollup_order),
        cmocka_unit_test(test_status_names),      cmocka_unit_test(test_status_parse_rejects),
        cmocka_unit_test(test_indicator_names),   cmocka_unit_test(test_status_worst),
    };
    return cmocka_run_group_tests_name("status/rollup", tests, NULL, NULL);
}
