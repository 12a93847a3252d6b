/* Component and page statuses, in Statuspage's words and value sets (statuspage.md §1.3), and
 * the rules that derive them: (component rows, the states of the monitors feeding them, open
 * incidents and maintenances, manual overrides) → component, group and page statuses.
 * Pure: no I/O, no clock (no rule depends on the time; maintenance windows open and close by
 * the engine moving the maintenance's status), no allocation, no globals. The rules are listed
 * in docs/internals/STATUS.md and every one has a row in tests/unit/status/status.c.
 *
 * This header includes no other tocsin header, so every module can use the vocabulary below
 * (rollup.h, tracker.h, probe.h, store.h, ... include it). Inputs are borrowed for the call
 * only; nothing here keeps or frees a pointer. */
#ifndef TC_STATUS_H
#define TC_STATUS_H

#include <stdbool.h>
#include <stddef.h>

/* Ordered by severity: a larger value is worse. */
typedef enum {
    TC_STATUS_OPERATIONAL = 0,       /* "operational" */
    TC_STATUS_UNDER_MAINTENANCE = 1, /* "under_maintenance" */
    TC_STATUS_DEGRADED = 2,          /* "degraded_performance" */
    TC_STATUS_PARTIAL_OUTAGE = 3,    /* "partial_outage" */
    TC_STATUS_MAJOR_OUTAGE = 4,      /* "major_outage" */
} tc_status_t;

/* The page status ("indicator" in Statuspage's status.json). Not ordered by severity:
 * maintenance ranks between none and minor (see tc_rollup_raise() in rollup.h). */
typedef enum {
    TC_INDICATOR_NONE,        /* "none": all operational */
    TC_INDICATOR_MINOR,       /* "minor" */
    TC_INDICATOR_MAJOR,       /* "major" */
    TC_INDICATOR_CRITICAL,    /* "critical" */
    TC_INDICATOR_MAINTENANCE, /* "maintenance" */
} tc_indicator_t;

/* The page status with its sentence. */
typedef struct tc_rollup {
    tc_indicator_t indicator;
    const char *description; /* static string, e.g. "All Systems Operational" */
} tc_rollup_t;

/* The state of one monitor, as its tracker (tracker.h) decides it. The names keep the
 * tc_monitor_ prefix they had in src/monitor/: they name the monitor's state. UNKNOWN to DOWN
 * are ordered by severity; FLAPPING stands apart (tc_monitor_component_status() says what it
 * means for a component). */
typedef enum {
    TC_MONITOR_UNKNOWN,  /* "pending": no result yet, or none has crossed a threshold; no
                            downtime */
    TC_MONITOR_UP,       /* healthy */
    TC_MONITOR_DEGRADED, /* degraded conditions failing, or the failure share says so */
    TC_MONITOR_DOWN,     /* conditions failing, or the failure share says so */
    TC_MONITOR_FLAPPING, /* changing state too often to tell (flap detection) */
    TC_MONITOR_REGIONAL, /* several locations: some fail, fewer than the quorum, and have for
                            a while (quorum.h); never a single location's own state */
} tc_monitor_state_t;

/* ---- names ---- */

/** @return the API name of @p s, e.g. "degraded_performance". */
const char *tc_status_name(tc_status_t s);
/** Parse an API name. @return 0 or TC_EINVAL. */
int tc_status_parse(const char *name, tc_status_t *out);
/** @return the label shown on the page, e.g. "Degraded Performance". */
const char *tc_status_label(tc_status_t s);
/** @return the status in running text, e.g. "degraded performance" (messages, lists). */
const char *tc_status_words(tc_status_t s);
/** @return the API name of @p i, e.g. "critical". */
const char *tc_indicator_name(tc_indicator_t i);
/** @return "pending", "up", "degraded", "down", "flapping" or "regional". */
const char *tc_monitor_state_name(tc_monitor_state_t s);

/** The worse of two statuses. */
tc_status_t tc_status_worst(tc_status_t a, tc_status_t b);

/** The component status a monitor in state @p s asks for: @p down_status when down (the
 *  monitor's `down_status:`, major or partial outage), @p regional_status when failing from
 *  some locations (`regional_status:`, partial outage by default), degraded performance when
 *  degraded or flapping, operational otherwise (up, and pending, which the derivation
 *  skips). */
tc_status_t tc_monitor_component_status(tc_monitor_state_t s, tc_status_t down_status,
                                        tc_status_t regional_status);

/* ---- derivation ---- */

/* One monitor feeding a component. */
typedef struct tc_status_feed {
    tc_monitor_state_t state;  /* the monitor's state */
    tc_status_t down_status;   /* what it sets when down */
    tc_status_t regional_status; /* what it sets when failing from some locations */
} tc_status_feed_t;

/* What the derivation needs to know about one component (a leaf row, never a group). */
typedef struct tc_status_row {
    const char *id;            /* matched against the components of open incidents */
    tc_status_t current;       /* the stored status, kept while no monitor has spoken */
    bool has_manual;           /* a person set the status (component PATCH, `status` field) */
    tc_status_t manual;        /* that status, when has_manual */
    const tc_status_feed_t *feeds; /* the monitors listing this component, or NULL */
    size_t nfeeds;
} tc_status_row_t;

/* What an open incident or maintenance is to the derivation. Closed ones (resolved,
 * postmortem, completed) are not passed at all. */
typedef enum {
    TC_STATUS_OPEN_INCIDENT,    /* an unresolved incident */
    TC_STATUS_OPEN_MAINTENANCE, /* a maintenance in progress or verifying */
    TC_STATUS_OPEN_SCHEDULED,   /* a maintenance announced but not started: no effect */
} tc_status_open_kind_t;

typedef struct tc_status_open {
    tc_status_open_kind_t kind;
    tc_indicator_t impact;     /* incidents: the incident's impact, in the same order as
                                  tc_impact_t (none, minor, major, critical, maintenance) */
    const char *const *component_ids;    /* the components it names */
    const tc_status_t *component_status; /* incidents: the status it sets on each (same
                                            order); not read for maintenances */
    size_t ncomponents;
} tc_status_open_t;

/** The status component @p row should have, by precedence:
 *  1. a person's status (manual override), whatever else is going on;
 *  2. else, if open incidents or running maintenances name the component, the worst of what
 *     they set: each incident its status for the component, each running maintenance
 *     under_maintenance (so an incident that sets operational does not hide a maintenance,
 *     and any worse incident status beats it); scheduled maintenances do not count;
 *  3. else, if monitors feed it and at least one has a state, the worst status they ask for
 *     (tc_monitor_component_status()), skipping the pending ones;
 *  4. else, if monitors feed it but all are pending (none has a result since the start),
 *     @p row->current, so a restart does not reset a stored outage;
 *  5. else (no monitor) operational.
 *  @p open may be NULL when @p nopen is 0. */
tc_status_t tc_status_derive_component(const tc_status_row_t *row, const tc_status_open_t *open,
                                       size_t nopen);

/** A group shows the worst status of its @p n children (operational when it has none). */
tc_status_t tc_status_derive_group(const tc_status_t *children, size_t n);

/** The page status: the Statuspage rollup of the @p nleaves component statuses (groups
 *  excluded; tc_rollup() in rollup.h), raised by every open incident to its impact (minor,
 *  major, critical; an incident of impact none or maintenance raises nothing) and by every
 *  running maintenance to maintenance. Raising never lowers: a worse rollup stays, with its
 *  own description. @p leaves and @p open may be NULL when their count is 0. */
tc_rollup_t tc_status_derive_page(const tc_status_t *leaves, size_t nleaves,
                                  const tc_status_open_t *open, size_t nopen);

#endif
