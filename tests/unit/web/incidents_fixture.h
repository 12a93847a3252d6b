/* A hand-built history shared by the history, incident page and feed tests: seed-like
 * incidents across four months in America/Los_Angeles (PDT in October, PST in November),
 * an open incident, an upcoming and a past maintenance, and XSS payloads in a name and a
 * body. Everything is static; nothing is freed. */
#ifndef TC_TEST_INCIDENTS_FIXTURE_H
#define TC_TEST_INCIDENTS_FIXTURE_H

#include <stdlib.h>

#include "core/clock.h"
#include "status/rollup.h"
#include "web/view.h"

/* "Now": 2024-11-16T18:00:00Z, Nov 16 10:00am PST. */
#define FX_NOW INT64_C(1731780000000)

#define UPD(i, st, b, at)                                                                    \
    {.id = (char *)(i), .status = (st), .body = (char *)(b), .created_at = (at),             \
     .updated_at = (at), .display_at = (at), .deliver_notifications = true}

static tc_affected_t fx_affected[] = {
    {.code = (char *)"api", .name = (char *)"API", .old_status = TC_STATUS_OPERATIONAL,
     .new_status = TC_STATUS_DEGRADED},
};

static tc_incident_update_t fx_nov14_u[] = {
    {.id = (char *)"u1", .status = TC_INC_INVESTIGATING, .body = (char *)"We are looking into it.",
     .created_at = INT64_C(1731616200000), .updated_at = INT64_C(1731616200000),
     .display_at = INT64_C(1731616200000), .affected = fx_affected, .naffected = 1},
    UPD("u2", TC_INC_RESOLVED,
        "Should be back to normal now as per 11labs.\nhttps://status.elevenlabs.io/",
        INT64_C(1731618480000)), /* 2024-11-14T21:08:00Z = 01:08pm PST */
};
static char *fx_three[] = {(char *)"api", (char *)"db", (char *)"web"};
static tc_status_t fx_three_st[] = {TC_STATUS_DEGRADED, TC_STATUS_DEGRADED, TC_STATUS_DEGRADED};
static tc_incident_t fx_nov14 = {
    .id = (char *)"nov14aaaaaaa", .seq = 101, .name = (char *)"ElevenLabs is degraded",
    .status = TC_INC_RESOLVED, .impact = TC_IMPACT_MINOR, .impact_override = -1,
    .created_at = INT64_C(1731616200000), .updated_at = INT64_C(1731618480000),
    .started_at = INT64_C(1731616200000), .resolved_at = INT64_C(1731618480000),
    .component_ids = fx_three, .component_status = fx_three_st, .ncomponents = 3,
    .updates = fx_nov14_u, .nupdates = 2,
    .postmortem_body = (char *)"# Root Cause\n\nDB contention.",
    .postmortem_published_at = INT64_C(1731780000000),
};

/* Open since Nov 15 12:00pm PST; a second "identified" update reads "Update". */
static tc_incident_update_t fx_open_u[] = {
    UPD("o1", TC_INC_INVESTIGATING, "Looking.", INT64_C(1731700800000)),
    UPD("o2", TC_INC_IDENTIFIED, "Found it.", INT64_C(1731701400000)),
    UPD("o3", TC_INC_IDENTIFIED, "Fix rolling out.", INT64_C(1731702000000)),
};
static char *fx_web[] = {(char *)"web"};
static tc_status_t fx_web_st[] = {TC_STATUS_PARTIAL_OUTAGE};
static tc_incident_t fx_open = {
    .id = (char *)"openbbbbbbbb", .seq = 102, .name = (char *)"Web calls are slow",
    .status = TC_INC_IDENTIFIED, .impact = TC_IMPACT_MAJOR, .impact_override = -1,
    .created_at = INT64_C(1731700800000), .updated_at = INT64_C(1731702000000),
    .started_at = INT64_C(1731700800000), .component_ids = fx_web,
    .component_status = fx_web_st, .ncomponents = 1, .updates = fx_open_u, .nupdates = 3,
};

/* Nov 20 01:00-03:00am PST, announced Nov 12. */
static tc_incident_update_t fx_maint_u[] = {
    UPD("m1", TC_INC_SCHEDULED, "We will upgrade the database.", INT64_C(1731448800000)),
};
static char *fx_db[] = {(char *)"db"};
static tc_status_t fx_db_st[] = {TC_STATUS_UNDER_MAINTENANCE};
static tc_incident_t fx_maint = {
    .id = (char *)"maintccccccc", .seq = 103, .name = (char *)"Database upgrade",
    .status = TC_INC_SCHEDULED, .impact = TC_IMPACT_MAINTENANCE, .impact_override = -1,
    .is_maintenance = true, .created_at = INT64_C(1731448800000),
    .updated_at = INT64_C(1731448800000), .started_at = INT64_C(1731448800000),
    .scheduled_for = INT64_C(1732093200000), .scheduled_until = INT64_C(1732100400000),
    .component_ids = fx_db, .component_status = fx_db_st, .ncomponents = 1,
    .updates = fx_maint_u, .nupdates = 1,
};

/* Oct 23, resolved 11:08am PDT. */
static tc_incident_update_t fx_oct23_u[] = {
    UPD("c1", TC_INC_INVESTIGATING, "Cartesia is down.", INT64_C(1729702800000)),
    UPD("c2", TC_INC_RESOLVED, "Back to normal.", INT64_C(1729706880000)),
};
static tc_incident_t fx_oct23 = {
    .id = (char *)"oct23ddddddd", .seq = 90,
    .name = (char *)"Cartesia is down, please use another Voice Provider in the meanwhile",
    .status = TC_INC_RESOLVED, .impact = TC_IMPACT_MAJOR, .impact_override = -1,
    .created_at = INT64_C(1729702800000), .updated_at = INT64_C(1729706880000),
    .started_at = INT64_C(1729702800000), .resolved_at = INT64_C(1729706880000),
    .updates = fx_oct23_u, .nupdates = 2,
};

/* Two incidents on Oct 09; the later one carries XSS payloads. */
static tc_incident_update_t fx_xss_u[] = {
    UPD("x1", TC_INC_RESOLVED, "<script>alert('body')</script>\n\nWe're back.",
        INT64_C(1728491040000)),
};
static tc_incident_t fx_xss = {
    .id = (char *)"xsseeeeeeeee", .seq = 85, .name = (char *)"<script>alert('name')</script> API",
    .status = TC_INC_RESOLVED, .impact = TC_IMPACT_MINOR, .impact_override = -1,
    .created_at = INT64_C(1728490500000), .updated_at = INT64_C(1728491040000),
    .started_at = INT64_C(1728490500000), .resolved_at = INT64_C(1728491040000),
    .updates = fx_xss_u, .nupdates = 1,
};
static tc_incident_update_t fx_oct09_u[] = {
    UPD("d1", TC_INC_INVESTIGATING, "Down.", INT64_C(1728464700000)),
    UPD("d2", TC_INC_RESOLVED, "Everything is back up for now.", INT64_C(1728466020000)),
};
static tc_incident_t fx_oct09 = {
    .id = (char *)"oct09fffffff", .seq = 84, .name = (char *)"API is degraded",
    .status = TC_INC_RESOLVED, .impact = TC_IMPACT_CRITICAL, .impact_override = -1,
    .created_at = INT64_C(1728464700000), .updated_at = INT64_C(1728466020000),
    .started_at = INT64_C(1728464700000), .resolved_at = INT64_C(1728466020000),
    .updates = fx_oct09_u, .nupdates = 2,
};

static tc_incident_update_t fx_sep24_u[] = {
    UPD("s1", TC_INC_INVESTIGATING, "Deadlocked.", INT64_C(1727208000000)),
    UPD("s2", TC_INC_RESOLVED, "Good now.", INT64_C(1727210880000)),
};
static tc_incident_t fx_sep24 = {
    .id = (char *)"sep24ggggggg", .seq = 80, .name = (char *)"API is slow",
    .status = TC_INC_RESOLVED, .impact = TC_IMPACT_MINOR, .impact_override = -1,
    .created_at = INT64_C(1727208000000), .updated_at = INT64_C(1727210880000),
    .started_at = INT64_C(1727208000000), .resolved_at = INT64_C(1727210880000),
    .updates = fx_sep24_u, .nupdates = 2,
};

/* A finished maintenance on Aug 1, 03:00-04:00am PDT. */
static tc_incident_update_t fx_aug01_u[] = {
    UPD("a1", TC_INC_IN_PROGRESS, "Started.", INT64_C(1722506400000)),
    UPD("a2", TC_INC_COMPLETED, "Done.", INT64_C(1722510000000)),
};
static tc_incident_t fx_aug01 = {
    .id = (char *)"aug01hhhhhhh", .seq = 70, .name = (char *)"Network maintenance",
    .status = TC_INC_COMPLETED, .impact = TC_IMPACT_MAINTENANCE, .impact_override = -1,
    .is_maintenance = true, .created_at = INT64_C(1722506400000),
    .updated_at = INT64_C(1722510000000), .started_at = INT64_C(1722506400000),
    .scheduled_for = INT64_C(1722506400000), .scheduled_until = INT64_C(1722510000000),
    .updates = fx_aug01_u, .nupdates = 2,
};

/* Newest first, as the engine hands them over. */
static const tc_incident_t *const fx_incidents[] = {
    &fx_maint, &fx_open, &fx_nov14, &fx_oct23, &fx_xss, &fx_oct09, &fx_sep24, &fx_aug01,
};

static const tc_view_row_t fx_rows[] = {
    {.id = "api", .name = "API", .position = 1, .status = TC_STATUS_OPERATIONAL},
    {.id = "db", .name = "Database", .position = 2, .status = TC_STATUS_UNDER_MAINTENANCE},
    {.id = "web", .name = "Website", .position = 3, .status = TC_STATUS_PARTIAL_OUTAGE},
};

/* The page's zone, loaded once per test program (reachable until exit, never freed). */
static tc_zone_t *fx_zone_la;

static const tc_zone_t *fx_zone(void)
{
    char err[128];
    if (!fx_zone_la && tc_zone_load("America/Los_Angeles", &fx_zone_la, err, sizeof err) != 0)
        abort();
    return fx_zone_la;
}

static tc_view_t fx_view(void)
{
    tc_status_t leaves[] = {fx_rows[0].status, fx_rows[1].status, fx_rows[2].status};
    tc_view_t v = {
        .page_id = "acme",
        .page_name = "Acme",
        .page_url = "https://status.example.com/",
        .time_zone = "America/Los_Angeles",
        .zone = fx_zone(),
        .updated_at = FX_NOW,
        .rows = fx_rows,
        .nrows = 3,
        .rollup = tc_rollup(leaves, 3),
        .incidents = fx_incidents,
        .nincidents = sizeof fx_incidents / sizeof fx_incidents[0],
        .now = FX_NOW,
        .impact_labels = {"", "Degraded", "Downtime", "Downtime", "Maintenance"},
    };
    return v;
}

#endif
