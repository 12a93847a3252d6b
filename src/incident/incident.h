/* Incidents and scheduled maintenances, in Statuspage's model (statuspage.md §1.5-1.6, §3.3):
 * the data, the lifecycle rules and the JSON forms. Pure: no I/O, no clock (times come in as
 * arguments), no globals, so the rules are unit-tested.
 *
 * Ownership: a tc_incident_t owns every string and array it points to and is freed with
 * tc_incident_free(). The engine owns the list of incidents; renderers only read them. */
#ifndef TC_INCIDENT_H
#define TC_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status/rollup.h"

typedef struct json_t json_t;
typedef struct tc_zone tc_zone_t;

typedef enum {
    TC_INC_INVESTIGATING, /* "investigating" */
    TC_INC_IDENTIFIED,    /* "identified" */
    TC_INC_MONITORING,    /* "monitoring" */
    TC_INC_RESOLVED,      /* "resolved" */
    TC_INC_POSTMORTEM,    /* "postmortem" */
    TC_INC_SCHEDULED,     /* "scheduled" (maintenance) */
    TC_INC_IN_PROGRESS,   /* "in_progress" (maintenance) */
    TC_INC_VERIFYING,     /* "verifying" (maintenance) */
    TC_INC_COMPLETED,     /* "completed" (maintenance) */
} tc_incident_status_t;

typedef enum {
    TC_IMPACT_NONE,        /* "none" */
    TC_IMPACT_MINOR,       /* "minor" */
    TC_IMPACT_MAJOR,       /* "major" */
    TC_IMPACT_CRITICAL,    /* "critical" */
    TC_IMPACT_MAINTENANCE, /* "maintenance" */
} tc_impact_t;

/* One component an update changed (or, for maintenance, covered). */
typedef struct tc_affected {
    char *code;            /* component id */
    char *name;            /* component name at the time ("Group - Child" for children) */
    tc_status_t old_status;
    tc_status_t new_status;
} tc_affected_t;

typedef struct tc_incident_update {
    char *id;
    tc_incident_status_t status;
    char *body;            /* Markdown */
    int64_t created_at, updated_at, display_at; /* wall ms */
    tc_affected_t *affected; /* NULL with naffected 0 means "null" in JSON */
    size_t naffected;
    bool deliver_notifications;
    char *author;          /* who posted it in the console ("dana"), or NULL (the API, a
                              monitor, an import); stored, shown in the console only */
} tc_incident_update_t;

typedef struct tc_incident {
    char *id;                  /* 12-character lowercase base-36 code */
    uint64_t seq;              /* numeric internal id (Atom entry ids use it) */
    char *name;
    tc_incident_status_t status;
    tc_impact_t impact;        /* computed from components, or the override */
    int impact_override;       /* a tc_impact_t, or -1 for none */
    bool is_maintenance;
    bool backfilled;
    int64_t created_at, updated_at, started_at; /* wall ms */
    int64_t monitoring_at, resolved_at;         /* 0 when not (yet) */
    int64_t scheduled_for, scheduled_until;     /* maintenance; 0 when not set */
    bool auto_in_progress;     /* move to in_progress at scheduled_for */
    bool auto_completed;       /* move to completed at scheduled_until */
    bool remind_prior;         /* remind subscribers an hour before scheduled_for */
    int64_t reminded_at;       /* when that reminder went out; 0 before */
    char **component_ids;      /* components the incident affects */
    tc_status_t *component_status; /* the status it sets on each (same order) */
    size_t ncomponents;
    tc_incident_update_t *updates; /* oldest first */
    size_t nupdates;
    char *postmortem_body;     /* Markdown, or NULL */
    int64_t postmortem_published_at; /* 0 when not published */
    char *monitor_id;          /* the monitor that opened it, or NULL for a person */
} tc_incident_t;

const char *tc_incident_status_name(tc_incident_status_t s);
int tc_incident_status_parse(const char *name, tc_incident_status_t *out);
/** The label readers see: "Investigating", "Update" (same status as the previous update),
 *  "Resolved", "In progress", ... @p previous is the status of the update before, or -1. */
const char *tc_incident_update_label(tc_incident_status_t s, int previous);
const char *tc_impact_name(tc_impact_t i);
int tc_impact_parse(const char *name, tc_impact_t *out);
/** @return true for statuses that end an incident or maintenance (resolved, postmortem,
 *  completed). */
bool tc_incident_status_is_closed(tc_incident_status_t s);
/** @return true for maintenance statuses. */
bool tc_incident_status_is_maintenance(tc_incident_status_t s);

/** Impact from the statuses an incident sets (statuspage.md §1.5): the worst decides —
 *  degraded → minor, partial → major, major → critical, none → none. */
tc_impact_t tc_incident_impact_from(const tc_status_t *statuses, size_t n);

/** Recompute i->impact: the override if set; maintenance for maintenances; else the worst of
 *  the statuses the incident sets now and every status its updates recorded. */
void tc_incident_refresh_impact(tc_incident_t *i);

/** Make a fresh 12-character base-36 id from @p random_bytes (at least 12 bytes). */
void tc_incident_make_id(const unsigned char *random_bytes, char out[13]);

/** Append an update (copied) and move the incident to its status, setting monitoring_at,
 *  resolved_at and updated_at as Statuspage does. */
void tc_incident_add_update(tc_incident_t *i, const char *update_id,
                            tc_incident_status_t status, const char *body, int64_t now,
                            int64_t display_at, const tc_affected_t *affected, size_t naffected,
                            bool deliver_notifications);

/** Recompute monitoring_at and resolved_at from the updates' display times (after an
 *  update's display_at was edited). */
void tc_incident_refresh_times(tc_incident_t *i);

/** Is the incident shown as current (unresolved incident, or scheduled/active maintenance)? */
bool tc_incident_is_open(const tc_incident_t *i);

/** Serialise in the Statuspage v2 public shape; @p components are the full component objects
 *  of the affected components (built by the caller), taken over. @p with_private adds the
 *  v1 fields (impact_override, backfilled, postmortem_*, scheduled_auto_*, monitor_id) used
 *  for the write API. Timestamps are formatted in @p zone (the page's; NULL for UTC). */
json_t *tc_incident_to_json(const tc_incident_t *i, const tc_zone_t *zone, const char *page_id,
                            const char *shortlink, json_t *components, bool with_private);

/** Rebuild an incident from tc_incident_to_json(..., with_private = true) output.
 *  @return NULL when the document is not an incident. */
tc_incident_t *tc_incident_from_json(json_t *doc);

/** Parse an RFC 3339 timestamp, strictly: YYYY-MM-DDTHH:MM:SS, an optional fraction (the
 *  first three digits count) and "Z" or an offset +HH:MM / -HH:MM; every field has exactly its
 *  number of digits, dates must exist, and nothing may follow.
 *  @return 0 and *ms, or TC_EINVAL (leaving *ms alone). */
int tc_incident_parse_time(const char *s, int64_t *ms);

void tc_incident_free(tc_incident_t *i);

#endif
