/* What a monitor's state change asks for, decided in one pure function: whether its
 * automatic incident opens, resolves, or records that things worsened or eased, and which
 * of its alert rules are told, as what. No I/O, no clock (the time comes in), no state of
 * its own: the engine gathers the facts, asks, and carries out the answer (incident updates
 * then tell subscribers through the usual incident path).
 *
 * The rules, as a table in tests/unit/incident/incident_policy.c:
 * - a component of the monitor in an active maintenance silences its alerts and keeps a
 *   failure from opening an incident (an incident already open still follows the monitor);
 * - leaving "pending" for "up" (the first result after a start) alerts nobody;
 * - down or degraded with no open incident opens one (when the monitor opens incidents);
 * - up with an open incident resolves it; another change records worsened / eased;
 * - a change alerts the rules whose "on" set holds its kind; a monitor still down or
 *   degraded reminds the rules with a reminder period that has passed since they were told;
 * - flapping is one "flapping" alert when it starts and one "stable" alert when it stops
 *   (rules with `flapping` in their "on" set), no reminders in between; for incidents it is
 *   a problem between degraded and down;
 * - regional (several locations: some fail, fewer than the quorum) is a problem like down:
 *   it opens the incident, reminds, and alerts the rules with `regional` in their "on" set
 *   (in the default set); it ranks between flapping and down. */
#ifndef TC_INCIDENT_POLICY_H
#define TC_INCIDENT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "notify/notify.h" /* tc_event_kind_t, TC_ON_* */
#include "status/status.h" /* tc_monitor_state_t */

/* One alert rule of the monitor, as the policy needs it. */
typedef struct tc_policy_rule {
    unsigned on;          /* TC_ON_* bits: the kinds of change it wants */
    int64_t remind_ms;    /* 0: no reminders */
    int64_t alerted_at;   /* wall ms it was last told, 0 never */
} tc_policy_rule_t;

typedef struct tc_policy_in {
    tc_monitor_state_t before, after; /* equal for a reminder check */
    bool auto_incident;     /* the monitor opens incidents */
    bool has_open;          /* its own incident is open */
    bool under_maintenance; /* a component it feeds is in an active maintenance */
    const tc_policy_rule_t *rules;
    size_t nrules;
    int64_t now;            /* wall ms */
} tc_policy_in_t;

typedef enum {
    TC_POLICY_KEEP,     /* nothing to do to incidents */
    TC_POLICY_OPEN,     /* open the monitor's incident */
    TC_POLICY_RESOLVE,  /* resolve it */
    TC_POLICY_WORSENED, /* add an update: the problem has worsened */
    TC_POLICY_EASED,    /* add an update: the problem has eased (not yet resolved) */
} tc_policy_incident_t;

typedef struct tc_policy_out {
    tc_policy_incident_t incident;
    tc_event_kind_t kind;   /* what the alerts say (meaningful when nalerted > 0) */
    size_t nalerted;        /* how many of alert[] are true */
} tc_policy_out_t;

/** Decide. @p alert (@p in->nrules entries) receives, per rule, whether it is told.
 *  @return what to do to the incident, the alert kind and the count of rules told. */
tc_policy_out_t tc_incident_policy(const tc_policy_in_t *in, bool *alert);

#endif
