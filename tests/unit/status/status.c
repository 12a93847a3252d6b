/* Unit tests for src/status/status.c: every precedence rule of the status derivation, one
 * table row per case. Component rows: manual override > open incidents and running
 * maintenance (worst of) > monitors (worst of those with a state) > stored status while all
 * are pending > operational. Groups: worst of children. Page: the rollup raised by open
 * incidents' impact and running maintenance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "status/rollup.h"
#include "status/status.h"

#define OP TC_STATUS_OPERATIONAL
#define MNT TC_STATUS_UNDER_MAINTENANCE
#define DEG TC_STATUS_DEGRADED
#define PART TC_STATUS_PARTIAL_OUTAGE
#define MAJ TC_STATUS_MAJOR_OUTAGE

#define UNK TC_MONITOR_UNKNOWN
#define UP TC_MONITOR_UP
#define MDEG TC_MONITOR_DEGRADED
#define DOWN TC_MONITOR_DOWN

#define INC TC_STATUS_OPEN_INCIDENT
#define MW TC_STATUS_OPEN_MAINTENANCE
#define SCHED TC_STATUS_OPEN_SCHEDULED

#define I_NONE TC_INDICATOR_NONE
#define I_MINOR TC_INDICATOR_MINOR
#define I_MAJOR TC_INDICATOR_MAJOR
#define I_CRIT TC_INDICATOR_CRITICAL
#define I_MAINT TC_INDICATOR_MAINTENANCE

#define MAX_FEEDS 4
#define MAX_OPEN 3
#define MAX_COMP 3
#define MAX_LEAVES 4

/* An open incident or maintenance, with inline arrays so table rows stay literal. */
struct open_spec {
    tc_status_open_kind_t kind;
    tc_indicator_t impact;
    size_t n;
    const char *ids[MAX_COMP];
    tc_status_t sets[MAX_COMP];
};

/* One with no components: for the page, only its kind and impact count. */
#define EV(kind, impact) {kind, impact, 0, {NULL}, {OP}}

static size_t to_open(const struct open_spec *spec, size_t n, tc_status_open_t *out)
{
    for (size_t i = 0; i < n; i++) {
        out[i].kind = spec[i].kind;
        out[i].impact = spec[i].impact;
        out[i].component_ids = spec[i].ids;
        out[i].component_status = spec[i].sets;
        out[i].ncomponents = spec[i].n;
    }
    return n;
}

/* ---- components: the row under test is always "api" ---- */

static const struct comp_case {
    const char *name;
    int has_manual;
    tc_status_t manual;
    tc_status_t current; /* the stored status */
    size_t nfeeds;
    tc_status_feed_t feeds[MAX_FEEDS];
    size_t nopen;
    struct open_spec open[MAX_OPEN];
    tc_status_t want;
} comp_cases[] = {
    /* Nothing speaks. */
    {"no monitor, no incident: operational", 0, OP, OP, 0, {{0}}, 0, {{0}}, OP},
    {"no monitor: a stored outage is not kept", 0, OP, MAJ, 0, {{0}}, 0, {{0}}, OP},

    /* 1. A person's status beats everything. */
    {"manual beats an incident", 1, DEG, OP, 0, {{0}}, 1,
     {{INC, I_CRIT, 1, {"api"}, {MAJ}}}, DEG},
    {"manual operational beats a major incident", 1, OP, MAJ, 0, {{0}}, 1,
     {{INC, I_CRIT, 1, {"api"}, {MAJ}}}, OP},
    {"manual beats a running maintenance", 1, PART, OP, 0, {{0}}, 1,
     {{MW, I_MAINT, 1, {"api"}, {OP}}}, PART},
    {"manual beats monitors down", 1, DEG, OP, 1, {{DOWN, MAJ, PART}}, 0, {{0}}, DEG},
    {"manual beats pending monitors and the stored status", 1, OP, MAJ, 1, {{UNK, MAJ, PART}}, 0,
     {{0}}, OP},
    {"manual under_maintenance with nothing else", 1, MNT, OP, 0, {{0}}, 0, {{0}}, MNT},

    /* 2. Open incidents and running maintenances, worst of them, beat monitors. */
    {"incident status beats monitors up", 0, OP, OP, 1, {{UP, MAJ, PART}}, 1,
     {{INC, I_MAJOR, 1, {"api"}, {PART}}}, PART},
    {"incident setting operational beats monitors down", 0, OP, MAJ, 1, {{DOWN, MAJ, PART}}, 1,
     {{INC, I_NONE, 1, {"api"}, {OP}}}, OP},
    {"incident beats pending monitors", 0, OP, MAJ, 1, {{UNK, MAJ, PART}}, 1,
     {{INC, I_MINOR, 1, {"api"}, {DEG}}}, DEG},
    {"incident beats maintenance", 0, OP, OP, 0, {{0}}, 2,
     {{INC, I_MAJOR, 1, {"api"}, {PART}}, {MW, I_MAINT, 1, {"api"}, {OP}}}, PART},
    {"maintenance beats an incident that sets operational (worst of)", 0, OP, OP, 0, {{0}}, 2,
     {{INC, I_NONE, 1, {"api"}, {OP}}, {MW, I_MAINT, 1, {"api"}, {OP}}}, MNT},
    {"incident degraded beats maintenance", 0, OP, OP, 0, {{0}}, 2,
     {{MW, I_MAINT, 1, {"api"}, {OP}}, {INC, I_MINOR, 1, {"api"}, {DEG}}}, DEG},
    {"two incidents: the worst", 0, OP, OP, 0, {{0}}, 2,
     {{INC, I_MINOR, 1, {"api"}, {DEG}}, {INC, I_CRIT, 1, {"api"}, {MAJ}}}, MAJ},
    {"the incident's status for this component, not the others'", 0, OP, OP, 0, {{0}}, 1,
     {{INC, I_CRIT, 3, {"db", "api", "web"}, {MAJ, DEG, PART}}}, DEG},
    {"running maintenance shows under_maintenance", 0, OP, OP, 0, {{0}}, 1,
     {{MW, I_MAINT, 1, {"api"}, {OP}}}, MNT},
    {"maintenance beats monitors down", 0, OP, MAJ, 1, {{DOWN, MAJ, PART}}, 1,
     {{MW, I_MAINT, 2, {"web", "api"}, {OP, OP}}}, MNT},
    {"maintenance ignores the status array", 0, OP, OP, 0, {{0}}, 1,
     {{MW, I_MAINT, 1, {"api"}, {MAJ}}}, MNT},
    {"scheduled maintenance does not count", 0, OP, OP, 1, {{DOWN, MAJ, PART}}, 1,
     {{SCHED, I_MAINT, 1, {"api"}, {OP}}}, MAJ},
    {"scheduled maintenance, no monitor: operational", 0, OP, DEG, 0, {{0}}, 1,
     {{SCHED, I_MAINT, 1, {"api"}, {OP}}}, OP},
    {"an incident on other components leaves monitors in charge", 0, OP, OP, 1, {{MDEG, MAJ, PART}},
     1, {{INC, I_CRIT, 1, {"db"}, {MAJ}}}, DEG},
    {"an incident without components leaves monitors in charge", 0, OP, OP, 1, {{UP, MAJ, PART}}, 1,
     {{INC, I_CRIT, 0, {NULL}, {OP}}}, OP},

    /* 3. Monitors: the worst of those with a state. */
    {"monitor down: major outage by default", 0, OP, OP, 1, {{DOWN, MAJ, PART}}, 0, {{0}}, MAJ},
    {"monitor down with down_status partial_outage", 0, OP, OP, 1, {{DOWN, PART, PART}}, 0, {{0}},
     PART},
    {"monitor degraded", 0, OP, OP, 1, {{MDEG, MAJ, PART}}, 0, {{0}}, DEG},
    {"monitor up", 0, OP, MAJ, 1, {{UP, MAJ, PART}}, 0, {{0}}, OP},
    {"down and up: down wins", 0, OP, OP, 2, {{UP, MAJ, PART}, {DOWN, MAJ, PART}}, 0, {{0}}, MAJ},
    {"degraded and partial-down: partial", 0, OP, OP, 2, {{MDEG, MAJ, PART}, {DOWN, PART, PART}}, 0, {{0}},
     PART},
    {"partial-down and major-down: major", 0, OP, OP, 2, {{DOWN, PART, PART}, {DOWN, MAJ, PART}}, 0, {{0}},
     MAJ},
    {"pending monitors are skipped", 0, OP, MAJ, 2, {{UNK, MAJ, PART}, {UP, MAJ, PART}}, 0, {{0}}, OP},
    {"pending and degraded: degraded", 0, OP, OP, 3, {{UNK, MAJ, PART}, {MDEG, MAJ, PART}, {UNK, MAJ, PART}}, 0,
     {{0}}, DEG},
    {"flapping: degraded, whatever its down_status", 0, OP, OP, 1,
     {{TC_MONITOR_FLAPPING, MAJ, PART}}, 0, {{0}}, DEG},
    {"flapping and down: down wins", 0, OP, OP, 2, {{TC_MONITOR_FLAPPING, MAJ, PART}, {DOWN, PART, PART}},
     0, {{0}}, PART},

    {"regional (some locations failing): partial outage by default", 0, OP, OP, 1,
     {{TC_MONITOR_REGIONAL, MAJ, PART}}, 0, {{0}}, PART},
    {"regional with regional_status degraded_performance", 0, OP, OP, 1,
     {{TC_MONITOR_REGIONAL, MAJ, DEG}}, 0, {{0}}, DEG},
    {"regional and down elsewhere: down wins", 0, OP, OP, 2,
     {{TC_MONITOR_REGIONAL, MAJ, PART}, {DOWN, MAJ, PART}}, 0, {{0}}, MAJ},

    /* 4. Pending: every monitor pending keeps the stored status. */
    {"pending keeps a stored outage", 0, OP, MAJ, 1, {{UNK, MAJ, PART}}, 0, {{0}}, MAJ},
    {"pending keeps a stored operational", 0, OP, OP, 2, {{UNK, MAJ, PART}, {UNK, PART, PART}}, 0, {{0}},
     OP},
    {"pending keeps a stored under_maintenance (the window closed before a restart)", 0, OP,
     MNT, 1, {{UNK, MAJ, PART}}, 0, {{0}}, MNT},
};

static void test_components(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof comp_cases / sizeof comp_cases[0]; i++) {
        const struct comp_case *c = &comp_cases[i];
        tc_status_open_t open[MAX_OPEN];
        size_t nopen = to_open(c->open, c->nopen, open);
        tc_status_row_t row = {
            .id = "api",
            .current = c->current,
            .has_manual = c->has_manual,
            .manual = c->manual,
            .feeds = c->nfeeds ? c->feeds : NULL,
            .nfeeds = c->nfeeds,
        };
        tc_status_t got = tc_status_derive_component(&row, nopen ? open : NULL, nopen);
        if (got != c->want)
            fail_msg("%s: expected %s, got %s", c->name, tc_status_name(c->want),
                     tc_status_name(got));
    }
}

/* ---- groups ---- */

static const struct group_case {
    const char *name;
    size_t n;
    tc_status_t children[MAX_LEAVES];
    tc_status_t want;
} group_cases[] = {
    {"no children: operational", 0, {OP}, OP},
    {"all operational", 3, {OP, OP, OP}, OP},
    {"one degraded", 2, {OP, DEG}, DEG},
    {"maintenance over operational", 2, {MNT, OP}, MNT},
    {"degraded over maintenance", 2, {DEG, MNT}, DEG},
    {"major over partial, order does not matter", 3, {MAJ, PART, OP}, MAJ},
    {"partial over degraded", 2, {DEG, PART}, PART},
};

static void test_groups(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof group_cases / sizeof group_cases[0]; i++) {
        const struct group_case *c = &group_cases[i];
        tc_status_t got = tc_status_derive_group(c->n ? c->children : NULL, c->n);
        if (got != c->want)
            fail_msg("%s: expected %s, got %s", c->name, tc_status_name(c->want),
                     tc_status_name(got));
    }
}

/* ---- the page ---- */

static const struct page_case {
    const char *name;
    size_t nleaves;
    tc_status_t leaves[MAX_LEAVES];
    size_t nopen;
    struct open_spec open[MAX_OPEN];
    tc_indicator_t want;
    const char *description;
} page_cases[] = {
    {"no component", 0, {OP}, 0, {{0}}, I_NONE, "All Systems Operational"},
    {"all operational", 2, {OP, OP}, 0, {{0}}, I_NONE, "All Systems Operational"},
    {"incident of impact minor raises to minor", 2, {OP, OP}, 1, {EV(INC, I_MINOR)}, I_MINOR,
     "Partially Degraded Service"},
    {"incident of impact major raises to major", 1, {OP}, 1, {EV(INC, I_MAJOR)}, I_MAJOR,
     "Partial System Outage"},
    {"incident of impact critical raises to critical", 1, {OP}, 1, {EV(INC, I_CRIT)}, I_CRIT,
     "Major System Outage"},
    {"incident of impact none raises nothing", 1, {OP}, 1, {EV(INC, I_NONE)}, I_NONE,
     "All Systems Operational"},
    {"incident of impact maintenance raises nothing", 1, {OP}, 1, {EV(INC, I_MAINT)}, I_NONE,
     "All Systems Operational"},
    {"running maintenance raises to maintenance", 1, {OP}, 1, {EV(MW, I_MAINT)}, I_MAINT,
     "Service Under Maintenance"},
    {"scheduled maintenance raises nothing", 1, {OP}, 1, {EV(SCHED, I_MAINT)}, I_NONE,
     "All Systems Operational"},
    {"incident minor beats maintenance", 1, {OP}, 2, {EV(MW, I_MAINT), EV(INC, I_MINOR)},
     I_MINOR, "Partially Degraded Service"},
    {"the worst incident, whatever the order", 1, {OP}, 3,
     {EV(INC, I_CRIT), EV(INC, I_MINOR), EV(INC, I_MAJOR)}, I_CRIT, "Major System Outage"},
    {"raising never lowers the rollup", 2, {MAJ, MAJ}, 1, {EV(INC, I_MINOR)}, I_CRIT,
     "Major System Outage"},
    {"an equal raise keeps the rollup's own description", 2, {PART, OP}, 1,
     {EV(INC, I_MINOR)}, I_MINOR, "Minor Service Outage"},
    {"a worse raise takes the standard description", 2, {PART, OP}, 1, {EV(INC, I_CRIT)},
     I_CRIT, "Major System Outage"},
    {"degraded component beats a running maintenance", 1, {DEG}, 1, {EV(MW, I_MAINT)},
     I_MINOR, "Partially Degraded Service"},
    {"components under maintenance, no incident", 2, {MNT, OP}, 0, {{0}}, I_MAINT,
     "Service Under Maintenance"},
    {"components under maintenance raised by a minor incident", 1, {MNT}, 1,
     {EV(INC, I_MINOR)}, I_MINOR, "Partially Degraded Service"},
    {"components alone: all major is critical", 3, {MAJ, MAJ, MAJ}, 0, {{0}}, I_CRIT,
     "Major System Outage"},
    {"components alone: some major is major", 2, {MAJ, OP}, 0, {{0}}, I_MAJOR,
     "Partial System Outage"},
};

static void test_page(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof page_cases / sizeof page_cases[0]; i++) {
        const struct page_case *c = &page_cases[i];
        tc_status_open_t open[MAX_OPEN];
        size_t nopen = to_open(c->open, c->nopen, open);
        tc_rollup_t got = tc_status_derive_page(c->nleaves ? c->leaves : NULL, c->nleaves,
                                                nopen ? open : NULL, nopen);
        if (got.indicator != c->want || strcmp(got.description, c->description) != 0)
            fail_msg("%s: expected %s \"%s\", got %s \"%s\"", c->name,
                     tc_indicator_name(c->want), c->description, tc_indicator_name(got.indicator),
                     got.description);
    }
}

/* ---- names and the monitor → component mapping ---- */

static void test_names(void **state)
{
    (void)state;
    static const struct {
        tc_status_t s;
        const char *name, *label, *words;
    } names[] = {
        {OP, "operational", "Operational", "operational"},
        {MNT, "under_maintenance", "Under Maintenance", "under maintenance"},
        {DEG, "degraded_performance", "Degraded Performance", "degraded performance"},
        {PART, "partial_outage", "Partial Outage", "partial outage"},
        {MAJ, "major_outage", "Major Outage", "major outage"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        tc_status_t parsed = OP;
        assert_string_equal(tc_status_name(names[i].s), names[i].name);
        assert_string_equal(tc_status_label(names[i].s), names[i].label);
        assert_string_equal(tc_status_words(names[i].s), names[i].words);
        assert_int_equal(tc_status_parse(names[i].name, &parsed), 0);
        assert_int_equal(parsed, names[i].s);
    }
    tc_status_t untouched = DEG;
    assert_int_not_equal(tc_status_parse("Operational", &untouched), 0);
    assert_int_equal(untouched, DEG);
    assert_string_equal(tc_indicator_name(I_MAINT), "maintenance");
    assert_string_equal(tc_monitor_state_name(UNK), "pending");
    assert_string_equal(tc_monitor_state_name(DOWN), "down");
    assert_int_equal(tc_status_worst(MNT, OP), MNT);
    assert_int_equal(tc_status_worst(DEG, MNT), DEG);
    assert_int_equal(tc_monitor_component_status(DOWN, PART, PART), PART);
    assert_int_equal(tc_monitor_component_status(MDEG, PART, PART), DEG);
    assert_int_equal(tc_monitor_component_status(UP, MAJ, PART), OP);
    assert_int_equal(tc_monitor_component_status(UNK, MAJ, PART), OP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_components),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_page),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
