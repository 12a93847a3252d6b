/* Unit tests for src/web/render_uptime.c, the uptime report (/uptime and
 * /api/v2/uptime.json), on the history of incidents_fixture.h (America/Los_Angeles, "now"
 * Nov 16 2024) with months computed the way the engine computes them, from a status log:
 * the weighted minutes and percentages, month boundaries in the page's zone across the end
 * of DST, the incidents behind each month (never maintenance, never another component's),
 * groups as headings, components without uptime left out, and names escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "status/uptime.h"
#include "web/render.h"

#include "html_expect.h"
#include "incidents_fixture.h"

#define OCT1 INT64_C(1727766000000) /* 2024-10-01T00:00:00-07:00 */
#define NOV1 INT64_C(1730444400000) /* 2024-11-01T00:00:00-07:00 */
#define DEC1 INT64_C(1733040000000) /* 2024-12-01T00:00:00-08:00 */
#define MINUTE INT64_C(60000)

/* An outage on the API in October with a hostile name. */
static char *api_only[] = {(char *)"api"};
static tc_status_t api_major[] = {TC_STATUS_MAJOR_OUTAGE};
static tc_incident_t hostile = {
    .id = (char *)"hostile00001", .seq = 86, .name = (char *)"<img src=x onerror=alert(1)> down",
    .status = TC_INC_RESOLVED, .impact = TC_IMPACT_CRITICAL, .impact_override = -1,
    .created_at = INT64_C(1729000000000), .updated_at = INT64_C(1729000600000),
    .started_at = INT64_C(1729000000000), .resolved_at = INT64_C(1729000600000),
    .component_ids = api_only, .component_status = api_major, .ncomponents = 1,
};

static const tc_incident_t *incidents[] = {
    &fx_maint, &fx_open, &fx_nov14, &fx_oct23, &hostile, &fx_xss, &fx_oct09, &fx_sep24, &fx_aug01,
};

/* The API: 10 minutes of major outage (the hostile incident's), 20 of partial outage and
 * 5 degraded in October; the Nov 14 incident's 38 minutes degraded. The website, new on
 * Nov 5: a partial outage since the open incident began, 22 hours before "now". */
static const tc_status_change_t api_log[] = {
    {OCT1, TC_STATUS_OPERATIONAL},
    {INT64_C(1729000000000), TC_STATUS_MAJOR_OUTAGE},
    {INT64_C(1729000000000) + 10 * MINUTE, TC_STATUS_OPERATIONAL},
    {INT64_C(1729500000000), TC_STATUS_PARTIAL_OUTAGE},
    {INT64_C(1729500000000) + 20 * MINUTE, TC_STATUS_OPERATIONAL},
    {INT64_C(1729600000000), TC_STATUS_DEGRADED},
    {INT64_C(1729600000000) + 5 * MINUTE, TC_STATUS_OPERATIONAL},
    {INT64_C(1731616200000), TC_STATUS_DEGRADED},
    {INT64_C(1731618480000), TC_STATUS_OPERATIONAL},
};
static const tc_status_change_t web_log[] = {
    {INT64_C(1730800000000), TC_STATUS_OPERATIONAL}, /* Nov 5: the website is new */
    {INT64_C(1731700800000), TC_STATUS_PARTIAL_OUTAGE},
};

static tc_uptime_day_t api_months[2], web_months[2];

static tc_view_row_t rows[] = {
    {.id = "api", .name = "API", .position = 1, .showcase = true},
    {.id = "db", .name = "Database", .position = 2},
    {.id = "edge", .name = "Edge <&>", .position = 3, .is_group = true},
    {.id = "web", .name = "Website", .group_id = "edge", .position = 1, .showcase = true},
};

static void months_of(const tc_status_change_t *log, size_t n, tc_uptime_day_t *m)
{
    m[0].start = OCT1;
    m[0].end = m[1].start = NOV1;
    m[1].end = DEC1;
    tc_uptime_days(log, n, FX_NOW, m, 2);
}

static tc_view_t view(void)
{
    months_of(api_log, sizeof api_log / sizeof api_log[0], api_months);
    months_of(web_log, sizeof web_log / sizeof web_log[0], web_months);
    rows[0].months = api_months;
    rows[0].nmonths = 2;
    rows[3].months = web_months;
    rows[3].nmonths = 2;
    tc_view_t v = fx_view();
    v.rows = rows;
    v.nrows = sizeof rows / sizeof rows[0];
    v.incidents = incidents;
    v.nincidents = sizeof incidents / sizeof incidents[0];
    return v;
}

/* The cells of the row of @p month in the table that follows @p heading. */
static char *row_of(const char *html, const char *heading, const char *month)
{
    const char *t = strstr(html, heading);
    assert_non_null(t);
    char th[64];
    snprintf(th, sizeof th, "<th scope=\"row\">%s</th>", month);
    const char *r = strstr(t, th);
    assert_non_null(r);
    r += strlen(th);
    const char *end = strstr(r, "</tr>");
    return strndup(r, (size_t)(end - r));
}

static void report_html(void **state)
{
    (void)state;
    tc_view_t v = view();
    size_t len = 0;
    char *html = tc_render_uptime_html(&v, &len);
    assert_int_equal(len, strlen(html));
    expect(html,
           (const char *const[]){"<title>Uptime - Acme Status</title>", "<h1>Uptime</h1>",
                                 "America/Los_Angeles", "<h2 id=\"u-api\">API</h2>",
                                 "<h2 class=\"report-group\">Edge &lt;&amp;&gt;</h2>",
                                 "<h3 id=\"u-web\">Website</h3>", NULL},
           (const char *const[]){"Database", "<img", "Network maintenance",
                                 "Database upgrade", NULL});
    /* 10 min major + 0.3 x 20 min partial = 16 min down of October's 44,640. */
    char *oct = row_of(html, "id=\"u-api\"", "Oct 2024");
    assert_string_equal(oct, "<td>99.96%</td><td>16 min<small>major outage 10 min, partial "
                             "outage 20 min</small></td><td><a href=\"/incidents/hostile00001\">"
                             "&lt;img src=x onerror=alert(1)&gt; down</a></td>");
    free(oct);
    /* Degraded performance counts as up. */
    char *nov = row_of(html, "id=\"u-api\"", "Nov 2024");
    assert_string_equal(nov, "<td>100.00%</td><td>none</td><td><a href=\"/incidents/"
                             "nov14aaaaaaa\">ElevenLabs is degraded</a></td>");
    free(nov);
    /* The website: the Nov 14 incident, then the open one, oldest first. */
    nov = row_of(html, "id=\"u-web\"", "Nov 2024");
    expect(nov,
           (const char *const[]){"<a href=\"/incidents/nov14aaaaaaa\">ElevenLabs is degraded"
                                 "</a><br><a href=\"/incidents/openbbbbbbbb\">Web calls are "
                                 "slow</a>",
                                 "<td>6 h 36 min<small>major outage none, partial outage "
                                 "22 h 00 min</small></td>",
                                 NULL},
           NULL);
    free(nov);
    oct = row_of(html, "id=\"u-web\"", "Oct 2024");
    assert_string_equal(oct, "<td>no data</td><td>&mdash;</td><td>&mdash;</td>");
    free(oct);
    free(html);
}

static json_t *month(json_t *components, size_t c, size_t m)
{
    return json_array_get(json_object_get(json_array_get(components, c), "months"), m);
}

static double num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    assert_true(json_is_number(v));
    return json_number_value(v);
}

static void report_json(void **state)
{
    (void)state;
    tc_view_t v = view();
    size_t len = 0;
    char *text = tc_render_uptime_json(&v, &len);
    json_error_t e;
    json_t *root = json_loadb(text, len, 0, &e);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(json_object_get(root, "page"), "id")),
                        "acme");
    json_t *w = json_object_get(root, "weights");
    assert_true(num(w, "partial_outage") == 0.3 && num(w, "major_outage") == 1.0);
    json_t *cs = json_object_get(root, "components");
    assert_int_equal(json_array_size(cs), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(cs, 0), "id")), "api");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(cs, 1), "group_id")), "edge");
    json_t *oct = month(cs, 0, 0), *nov = month(cs, 0, 1);
    assert_string_equal(json_string_value(json_object_get(oct, "month")), "2024-10");
    assert_string_equal(json_string_value(json_object_get(oct, "starts_at")),
                        "2024-10-01T00:00:00.000-07:00");
    assert_string_equal(json_string_value(json_object_get(nov, "ends_at")),
                        "2024-12-01T00:00:00.000-08:00");
    assert_true(num(oct, "major_outage_minutes") == 10);
    assert_true(num(oct, "partial_outage_minutes") == 20);
    assert_true(num(oct, "degraded_performance_minutes") == 5);
    assert_true(num(oct, "downtime_minutes") == 16);
    assert_true(num(oct, "observed_minutes") == 44640);
    assert_true(num(oct, "uptime_percentage") == 99.9642); /* 100 - 16/44640, 4 places */
    assert_true(num(nov, "degraded_performance_minutes") == 38);
    assert_true(num(nov, "uptime_percentage") == 100);
    json_t *inc = json_array_get(json_object_get(oct, "incidents"), 0);
    assert_int_equal(json_array_size(json_object_get(oct, "incidents")), 1);
    assert_string_equal(json_string_value(json_object_get(inc, "name")),
                        "<img src=x onerror=alert(1)> down");
    assert_string_equal(json_string_value(json_object_get(inc, "impact")), "critical");
    assert_string_equal(json_string_value(json_object_get(inc, "shortlink")),
                        "https://status.example.com/incidents/hostile00001");
    /* The figures print as written, not as 99.964200000000005. */
    assert_non_null(strstr(text, "\"uptime_percentage\":99.9642,"));
    /* A month before the component's first status has no figure. */
    json_t *web_oct = month(cs, 1, 0);
    assert_true(json_is_null(json_object_get(web_oct, "uptime_percentage")));
    assert_true(num(web_oct, "observed_minutes") == 0);
    assert_true(num(month(cs, 1, 1), "partial_outage_minutes") == 22 * 60);
    assert_true(num(month(cs, 1, 1), "downtime_minutes") == 396);
    json_decref(root);
    free(text);
}

static void nothing_showcased(void **state)
{
    (void)state;
    tc_view_t v = fx_view();
    size_t len;
    char *html = tc_render_uptime_html(&v, &len);
    expect(html, (const char *const[]){"No component shows its uptime.", NULL}, NULL);
    free(html);
    char *text = tc_render_uptime_json(&v, &len);
    expect(text, (const char *const[]){"\"components\":[]", NULL}, NULL);
    free(text);
}

/* Between two renders the report is the same document while its figures' instant and what it
 * shows of its incidents are: an update to the open incident or the time passing change
 * nothing, a renamed incident or newer figures do (issue 16: a write costs what it changes). */
static void report_kept_between_writes(void **state)
{
    (void)state;
    tc_view_t v = view();
    v.uptime_at = FX_NOW - 30000;
    hostile.version = 5; /* the engine gives every incident a version, anew at each change */
    tc_render_state_t *st = tc_render_state_new();
    tc_snapshot_t *a = tc_render(&v, 1, st);
    const tc_doc_t *html = tc_snapshot_find(a, "/uptime");
    const tc_doc_t *json = tc_snapshot_find(a, "/api/v2/uptime.json");
    assert_non_null(html);
    assert_non_null(json);

    uint64_t version = fx_open.version;
    fx_open.version = 77; /* a new update */
    v.now += 5000;
    v.updated_at += 5000;
    tc_snapshot_t *b = tc_render(&v, 2, st);
    assert_ptr_equal(tc_snapshot_find(b, "/uptime"), html);
    assert_ptr_equal(tc_snapshot_find(b, "/api/v2/uptime.json"), json);

    hostile.name = (char *)"API down (renamed)";
    hostile.version = 6;
    tc_snapshot_t *c = tc_render(&v, 3, st);
    assert_ptr_not_equal(tc_snapshot_find(c, "/uptime"), html);
    assert_non_null(strstr(tc_snapshot_find(c, "/api/v2/uptime.json")->var[0].data,
                           "API down (renamed)"));
    hostile.name = (char *)"<img src=x onerror=alert(1)> down";
    hostile.version = 0;

    const tc_doc_t *now = tc_snapshot_find(c, "/uptime");
    v.uptime_at += 60000;
    tc_snapshot_t *d = tc_render(&v, 4, st);
    assert_ptr_not_equal(tc_snapshot_find(d, "/uptime"), now);

    fx_open.version = version;
    tc_snapshot_release(a);
    tc_snapshot_release(b);
    tc_snapshot_release(c);
    tc_snapshot_release(d);
    tc_render_state_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(report_html),
        cmocka_unit_test(report_json),
        cmocka_unit_test(nothing_showcased),
        cmocka_unit_test(report_kept_between_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
