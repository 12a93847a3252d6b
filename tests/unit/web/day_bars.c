/* Unit tests for src/web/day_bars.c, the uptime bars of "/" and the data of each day's
 * detail, on the incidents of incidents_fixture.h: a quiet row is a handful of elements with
 * no per-day data; days without data, with an outage or with an incident are listed in
 * data-days as day_bars.h says; each incident a day names is in the JSON document once; text
 * in that document can never close its <script> element; and the page loads /page.js only
 * when it draws bars. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "web/day_bars.h"
#include "web/render.h"

#include "html_expect.h"
#include "incidents_fixture.h"

#define DAY INT64_C(86400000)
/* Nov 12, 2024 00:00 PST: the first of five days ending with "today", Nov 16. */
#define NOV12 INT64_C(1731398400000)

/* Five days from Nov 12, each with data and 100% uptime (quiet) unless changed. */
static void quiet_days(tc_uptime_day_t *days)
{
    for (int i = 0; i < 5; i++) {
        days[i] = (tc_uptime_day_t){.start = NOV12 + i * DAY, .end = NOV12 + (i + 1) * DAY,
                                    .worst = TC_STATUS_OPERATIONAL, .uptime = 100};
        days[i].seconds[TC_STATUS_OPERATIONAL] = i == 4 ? 36000 : 86400;
        days[i].observed = days[i].seconds[TC_STATUS_OPERATIONAL];
    }
}

static char *render_rows(const tc_view_t *v)
{
    tc_buf_t b;
    tc_buf_init(&b, 0);
    tc_day_bars_t *db = tc_day_bars_new(v);
    for (size_t i = 0; i < v->nrows; i++)
        tc_day_bars_row(db, &b, &v->rows[i]);
    tc_day_bars_finish(db, &b);
    return tc_buf_steal(&b, NULL);
}

/* The "web" row: no data on Nov 12-13, 38 minutes degraded on Nov 14 (the fixture's Nov 14
 * incident names it), a partial outage with the open incident since Nov 15. "cdn" is quiet
 * and no incident names it; "api" is quiet but named by Nov 14's incident. */
static void data_of_each_day(void **state)
{
    (void)state;
    tc_uptime_day_t web[5], cdn[5], api[5];
    quiet_days(web);
    quiet_days(cdn);
    quiet_days(api);
    web[0].uptime = web[1].uptime = -1;
    web[2].worst = TC_STATUS_DEGRADED;
    web[2].seconds[TC_STATUS_DEGRADED] = 2280;
    web[3].worst = web[4].worst = TC_STATUS_PARTIAL_OUTAGE;
    web[3].seconds[TC_STATUS_PARTIAL_OUTAGE] = 21600;
    web[3].uptime = 97.75;
    web[4].seconds[TC_STATUS_PARTIAL_OUTAGE] = 0.4; /* under a second still shows */
    web[4].uptime = 99.999;
    tc_view_row_t rows[] = {
        {.id = "cdn", .name = "CDN", .days = cdn, .ndays = 5},
        {.id = "web", .name = "Web & <site>", .days = web, .ndays = 5},
        {.id = "api", .name = "API", .days = api, .ndays = 5},
        {.id = "nobars", .name = "No bars"},
    };
    tc_view_t v = fx_view();
    v.rows = rows;
    v.nrows = 4;
    char *html = render_rows(&v);
    expect(html,
           (const char *const[]){
               /* The shared gaps, once, before the first row. */
               "<svg class=\"defs\" width=\"0\" height=\"0\" aria-hidden=\"true\"><pattern "
               "id=\"tc-gaps\" width=\"5\" height=\"34\" patternUnits=\"userSpaceOnUse\">",
               /* A quiet row: four elements and nothing per day. */
               "<svg class=\"bars\" viewBox=\"0 0 25 34\" preserveAspectRatio=\"none\" "
               "role=\"img\" aria-label=\"Uptime of CDN over the last 5 days\" data-days=\"\">"
               "<rect width=\"25\" height=\"34\"/><rect class=\"operational\" x=\"0\" "
               "width=\"25\" height=\"34\"/><rect class=\"gaps\" width=\"25\" height=\"34\"/>"
               "</svg>",
               "aria-label=\"Uptime of Web &amp; &lt;site&gt; over the last 5 days\" "
               "data-days=\"0-1:- 2:100,,,2280,:0 3:97.75,,21600,,:1 4:100,,1,,:1\">"
               "<rect width=\"25\" height=\"34\"/><rect class=\"operational\" x=\"10\" "
               "width=\"15\" height=\"34\"/><rect class=\"degraded_performance\" x=\"10\" "
               "width=\"5\" height=\"34\"/><rect class=\"partial_outage\" x=\"15\" width=\"10\" "
               "height=\"34\"/><rect class=\"gaps\"",
               "aria-label=\"Uptime of API over the last 5 days\" data-days=\"2:100,,,,:0\">",
               /* Each incident once, in the order the days first name it. */
               "<script type=\"application/json\" id=\"tc-days\">{\"first\":\"2024-11-12\","
               "\"days\":5,\"text\":{",
               "\"incidents\":[[\"nov14aaaaaaa\",\"ElevenLabs is degraded\",\"minor\"],"
               "[\"openbbbbbbbb\",\"Web calls are slow\",\"major\"]]}</script>"
               "<script src=\"/page.js\" defer></script>",
               NULL},
           (const char *const[]){"<title>", "No bars", "maintccccccc", NULL});
    free(html);
}

/* Text in the JSON document can neither end its <script> element nor open a comment there,
 * and the incident's name still reads the same once parsed. */
static void json_cannot_close_its_element(void **state)
{
    (void)state;
    static char *ids[] = {(char *)"cdn"};
    static tc_status_t st[] = {TC_STATUS_MAJOR_OUTAGE};
    tc_incident_t hostile = {
        .id = (char *)"hostile00000", .name = (char *)"</script><!--<script>alert(1)//</Script>",
        .status = TC_INC_RESOLVED, .impact = TC_IMPACT_CRITICAL, .impact_override = -1,
        .created_at = NOV12 + DAY, .updated_at = NOV12 + DAY + 60000,
        .started_at = NOV12 + DAY, .resolved_at = NOV12 + DAY + 60000,
        .component_ids = ids, .component_status = st, .ncomponents = 1,
    };
    const tc_incident_t *list[] = {&hostile};
    tc_uptime_day_t cdn[5];
    quiet_days(cdn);
    tc_view_row_t rows[] = {{.id = "cdn", .name = "CDN", .days = cdn, .ndays = 5}};
    tc_view_t v = fx_view();
    v.rows = rows;
    v.nrows = 1;
    v.incidents = list;
    v.nincidents = 1;
    char *html = render_rows(&v);
    const char *json = strstr(html, "id=\"tc-days\">");
    assert_non_null(json);
    /* The one "<" after the document's start is that of its own end tag. */
    const char *end = strstr(json, "</script>");
    assert_non_null(end);
    for (const char *p = json; p < end; p++)
        assert_int_not_equal(*p, '<');
    expect(html,
           (const char *const[]){"data-days=\"1:100,,,,:0\"",
                                 "[\"hostile00000\",\"\\u003c/script>\\u003c!--\\u003cscript>"
                                 "alert(1)//\\u003c/Script>\",\"critical\"]",
                                 NULL},
           NULL);
    free(html);
}

/* "/" loads /page.js only when a row draws bars, and each row with bars links to its part
 * of /uptime, the figures behind the bars for a reader without JavaScript. */
static void page_script_only_with_bars(void **state)
{
    (void)state;
    tc_uptime_day_t days[5];
    quiet_days(days);
    tc_view_row_t rows[] = {
        {.id = "api", .name = "API", .status = TC_STATUS_OPERATIONAL, .days = days,
         .ndays = 5, .uptime = 99.5},
        {.id = "web", .name = "Website", .status = TC_STATUS_OPERATIONAL, .uptime = -1},
    };
    tc_view_t v = fx_view();
    size_t len;
    char *html = tc_render_page_html(&v, &len);
    expect(html, NULL, (const char *const[]){"<script", "id=\"tc-gaps\"", NULL});
    free(html);
    v.rows = rows;
    v.nrows = 2;
    html = tc_render_page_html(&v, &len);
    expect(html,
           (const char *const[]){
               "<div class=\"uptime\"><span>5 days ago</span><a href=\"/uptime#u-api\">99.50% "
               "uptime</a><span>Today</span></div>",
               "<script src=\"/page.js\" defer></script>", NULL},
           (const char *const[]){"/uptime#u-web", "<script>", NULL});
    free(html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(data_of_each_day),
        cmocka_unit_test(json_cannot_close_its_element),
        cmocka_unit_test(page_script_only_with_bars),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
