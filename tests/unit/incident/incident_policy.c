/* Table tests of the incident policy (src/incident/incident_policy.c): one row per rule of
 * what a monitor's state change asks for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "incident/incident_policy.h"

#define U TC_MONITOR_UNKNOWN
#define UP TC_MONITOR_UP
#define DEG TC_MONITOR_DEGRADED
#define DOWN TC_MONITOR_DOWN
#define NOW INT64_C(1000000)

#define FLAP TC_MONITOR_FLAPPING
#define REG TC_MONITOR_REGIONAL

/* Four rules: one wants down and recovered, one degraded only, one reminds every 100 s
 * and was told 150 s ago (on down), one has the default set (down, recovered, flapping,
 * regional) and the same reminders. */
static const tc_policy_rule_t rules[] = {
    {.on = TC_ON_DOWN | TC_ON_RECOVERED},
    {.on = TC_ON_DEGRADED},
    {.on = TC_ON_DOWN, .remind_ms = 100000, .alerted_at = NOW - 150000},
    {.on = TC_ON_DOWN | TC_ON_RECOVERED | TC_ON_FLAPPING | TC_ON_REGIONAL, .remind_ms = 100000,
     .alerted_at = NOW - 150000},
};
#define NRULES (sizeof rules / sizeof rules[0])

static const struct {
    const char *what;
    tc_monitor_state_t before, after;
    bool auto_incident, has_open, maintenance;
    tc_policy_incident_t incident;
    tc_event_kind_t kind;
    const char *alerted; /* per rule: '1' told, '0' not */
} cases[] = {
    {"first result up is no news", U, UP, true, false, false, TC_POLICY_KEEP,
     TC_EVENT_RECOVERED, "0000"},
    {"first result down opens and alerts", U, DOWN, true, false, false, TC_POLICY_OPEN,
     TC_EVENT_DOWN, "1011"},
    {"up to down opens", UP, DOWN, true, false, false, TC_POLICY_OPEN, TC_EVENT_DOWN, "1011"},
    {"up to degraded opens, tells the degraded rule", UP, DEG, true, false, false,
     TC_POLICY_OPEN, TC_EVENT_DEGRADED, "0100"},
    {"down to up resolves", DOWN, UP, true, true, false, TC_POLICY_RESOLVE,
     TC_EVENT_RECOVERED, "1001"},
    {"degraded to down worsens", DEG, DOWN, true, true, false, TC_POLICY_WORSENED,
     TC_EVENT_DOWN, "1011"},
    {"down to degraded eases", DOWN, DEG, true, true, false, TC_POLICY_EASED,
     TC_EVENT_DEGRADED, "0100"},
    {"a regional failure opens, tells the default set", UP, REG, true, false, false,
     TC_POLICY_OPEN, TC_EVENT_REGIONAL, "0001"},
    {"regional to down worsens", REG, DOWN, true, true, false, TC_POLICY_WORSENED,
     TC_EVENT_DOWN, "1011"},
    {"down to regional eases", DOWN, REG, true, true, false, TC_POLICY_EASED,
     TC_EVENT_REGIONAL, "0001"},
    {"regional to up resolves", REG, UP, true, true, false, TC_POLICY_RESOLVE,
     TC_EVENT_RECOVERED, "1001"},
    {"a regional failure under maintenance opens nothing", UP, REG, true, false, true,
     TC_POLICY_KEEP, TC_EVENT_REGIONAL, "0000"},
    {"no automatic incidents: alerts only", UP, DOWN, false, false, false, TC_POLICY_KEEP,
     TC_EVENT_DOWN, "1011"},
    {"recovery with no open incident resolves nothing", DOWN, UP, true, false, false,
     TC_POLICY_KEEP, TC_EVENT_RECOVERED, "1001"},
    {"a failure already open does not open twice", DEG, DOWN, true, true, false,
     TC_POLICY_WORSENED, TC_EVENT_DOWN, "1011"},
    {"maintenance: no alert, no new incident", UP, DOWN, true, false, true, TC_POLICY_KEEP,
     TC_EVENT_DOWN, "0000"},
    {"maintenance: an open incident still resolves", DOWN, UP, true, true, true,
     TC_POLICY_RESOLVE, TC_EVENT_RECOVERED, "0000"},
    {"still down: remind the rule whose period passed", DOWN, DOWN, true, true, false,
     TC_POLICY_KEEP, TC_EVENT_REMINDER, "0011"},
    {"still degraded: reminders too", DEG, DEG, true, true, false, TC_POLICY_KEEP,
     TC_EVENT_REMINDER, "0011"},
    {"still up: nothing", UP, UP, true, false, false, TC_POLICY_KEEP, TC_EVENT_RECOVERED,
     "0000"},
    {"still down in maintenance: no reminder", DOWN, DOWN, true, true, true, TC_POLICY_KEEP,
     TC_EVENT_REMINDER, "0000"},
    /* Flapping: one alert when it starts, one when it stops, nothing in between. */
    {"up to flapping: the flapping alert, an incident", UP, FLAP, true, false, false,
     TC_POLICY_OPEN, TC_EVENT_FLAPPING, "0001"},
    {"first results flapping", U, FLAP, true, false, false, TC_POLICY_OPEN, TC_EVENT_FLAPPING,
     "0001"},
    {"down to flapping eases", DOWN, FLAP, true, true, false, TC_POLICY_EASED,
     TC_EVENT_FLAPPING, "0001"},
    {"degraded to flapping worsens", DEG, FLAP, true, true, false, TC_POLICY_WORSENED,
     TC_EVENT_FLAPPING, "0001"},
    {"still flapping: no reminder", FLAP, FLAP, true, true, false, TC_POLICY_KEEP,
     TC_EVENT_REMINDER, "0000"},
    {"stable again and up: resolves, the stable alert", FLAP, UP, true, true, false,
     TC_POLICY_RESOLVE, TC_EVENT_STABLE, "0001"},
    {"stable again and down: worse, the stable alert only", FLAP, DOWN, true, true, false,
     TC_POLICY_WORSENED, TC_EVENT_STABLE, "0001"},
    {"stable again and degraded: better", FLAP, DEG, true, true, false, TC_POLICY_EASED,
     TC_EVENT_STABLE, "0001"},
    {"flapping in maintenance: silent, no incident", UP, FLAP, true, false, true,
     TC_POLICY_KEEP, TC_EVENT_FLAPPING, "0000"},
};

static void every_rule(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tc_policy_in_t in = {
            .before = cases[k].before,
            .after = cases[k].after,
            .auto_incident = cases[k].auto_incident,
            .has_open = cases[k].has_open,
            .under_maintenance = cases[k].maintenance,
            .rules = rules,
            .nrules = NRULES,
            .now = NOW,
        };
        bool alert[NRULES];
        tc_policy_out_t out = tc_incident_policy(&in, alert);
        char got[NRULES + 1];
        size_t told = 0;
        for (size_t r = 0; r < NRULES; r++) {
            got[r] = alert[r] ? '1' : '0';
            told += alert[r];
        }
        got[NRULES] = '\0';
        if (out.incident != cases[k].incident || strcmp(got, cases[k].alerted) != 0 ||
            out.nalerted != told || (told && out.kind != cases[k].kind))
            fail_msg("%s: incident %d (want %d), alerted %s (want %s), kind %d (want %d)",
                     cases[k].what, out.incident, cases[k].incident, got, cases[k].alerted,
                     out.kind, cases[k].kind);
    }
}

/* A reminder period that has not passed yet tells nobody. */
static void reminder_waits_for_its_period(void **state)
{
    (void)state;
    tc_policy_rule_t r = {.on = TC_ON_DOWN, .remind_ms = 100000, .alerted_at = NOW - 99999};
    tc_policy_in_t in = {.before = DOWN, .after = DOWN, .rules = &r, .nrules = 1, .now = NOW};
    bool alert;
    tc_policy_out_t out = tc_incident_policy(&in, &alert);
    assert_false(alert);
    assert_int_equal(out.nalerted, 0);
    r.alerted_at = NOW - 100000;
    out = tc_incident_policy(&in, &alert);
    assert_true(alert);
    assert_int_equal(out.kind, TC_EVENT_REMINDER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_rule),
        cmocka_unit_test(reminder_waits_for_its_period),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
