/* Unit tests for src/web/render_incident.c, the page of one incident (/incidents/<id>), on
 * the fixed view of incidents_fixture.h. Table-driven: for each incident, what a visitor
 * reads (title, each update's label, body and "Posted" time in the page's zone, newest
 * first, the post-mortem on top, the affected components, the maintenance window) and what
 * must not appear (raw script from the XSS payloads). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "web/render.h"

#include "html_expect.h"
#include "incidents_fixture.h"


/* The strings of @p order appear in that order. */
static void in_order(const char *html, const char *const *order)
{
    const char *at = html;
    for (size_t i = 0; order[i]; i++) {
        const char *p = strstr(at, order[i]);
        if (!p) {
            print_message("\"%s\" missing or out of order\n", order[i]);
            fail();
        }
        at = p + strlen(order[i]);
    }
}

static const struct {
    const tc_incident_t *incident;
    const char *const present[10];
    const char *const order[8];   /* top to bottom */
    const char *const absent[4];
} cases[] = {
    /* Open: three updates newest first; a second "identified" reads "Update". */
    {&fx_open,
     {"<title>Web calls are slow - Acme Status</title>",
      "<h1 class=\"impact impact-major\">Web calls are slow</h1>",
      "<p class=\"components-affected\">This incident affects: Website (partial outage).</p>",
      "<a href=\"/\">&larr; Current status</a>", NULL},
     {"<h2>Update</h2>", "<p>Fix rolling out.</p>", "Posted Nov 15, 2024 - 12:20 PST",
      "<h2>Identified</h2>", "Posted Nov 15, 2024 - 12:10 PST", "<h2>Investigating</h2>",
      "Posted Nov 15, 2024 - 12:00 PST", NULL},
     {"Postmortem", "Scheduled for", NULL}},
    /* Resolved with a post-mortem, an update naming its affected component, and the times
     * of both sides of the fixture. */
    {&fx_nov14,
     {"<h1 class=\"impact impact-minor\">ElevenLabs is degraded</h1>",
      "<p class=\"meta\">Affected: API (degraded performance)</p>",
      "This incident affected: API (degraded performance), Database (degraded "
      "performance), and Website (degraded performance).</p>", NULL},
     {"<h2>Postmortem</h2>", "<h3>Root Cause</h3>", "Posted Nov 16, 2024 - 10:00 PST",
      "<h2>Resolved</h2>", "Posted Nov 14, 2024 - 13:08 PST", "<h2>Investigating</h2>",
      "Posted Nov 14, 2024 - 12:30 PST", NULL},
     {NULL}},
    /* Upcoming maintenance: the window in the page's zone. */
    {&fx_maint,
     {"<h1 class=\"impact impact-maintenance\">Database upgrade</h1>",
      "This scheduled maintenance affects: Database.</p>", NULL},
     {"<p class=\"meta\">Scheduled for Nov 20, 2024 - 01:00 PST until Nov 20, 2024 - 03:00 "
      "PST</p>",
      "<h2>Scheduled</h2>", "<p>We will upgrade the database.</p>",
      "Posted Nov 12, 2024 - 14:00 PST", NULL},
     {NULL}},
    /* October is summer time: PDT. */
    {&fx_oct23,
     {"<h1 class=\"impact impact-major\">Cartesia is down, please use another Voice "
      "Provider in the meanwhile</h1>", NULL},
     {"<h2>Resolved</h2>", "Posted Oct 23, 2024 - 11:08 PDT", "<h2>Investigating</h2>",
      "Posted Oct 23, 2024 - 10:00 PDT", NULL},
     {"PST</small>", "<p class=\"components-affected\"", NULL}},
    /* XSS in the name (title and heading) and the body. */
    {&fx_xss,
     {"<title>&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt; API - Acme Status</title>",
      "<h1 class=\"impact impact-minor\">&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt; "
      "API</h1>", NULL},
     {"<h2>Resolved</h2>", "<p>We're back.</p>", "Posted Oct 09, 2024 - 09:24 PDT", NULL},
     {"<script", "alert('", NULL}},
};

static void pages(void **state)
{
    (void)state;
    tc_view_t v = fx_view();
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        print_message("incident %s\n", cases[c].incident->id);
        size_t len = 0;
        char *html = tc_render_incident_html(&v, cases[c].incident, &len);
        assert_non_null(html);
        assert_int_equal(len, strlen(html));
        expect(html, cases[c].present, cases[c].absent);
        in_order(html, cases[c].order);
        /* Every page is in the frame: the footer names the zone the times are in. */
        expect(html,
               (const char *const[]){"Times are shown in America/Los_Angeles.",
                                     "<a href=\"/history\">Incident history</a>", NULL},
               NULL);
        /* Pure: the same view gives the same bytes. */
        size_t len2 = 0;
        char *again = tc_render_incident_html(&v, cases[c].incident, &len2);
        assert_int_equal(len, len2);
        assert_memory_equal(html, again, len);
        free(again);
        free(html);
    }
}

/* Another zone in the view moves every time on the page, with nothing else changed. */
static void other_zone(void **state)
{
    (void)state;
    tc_zone_t *utc = NULL;
    char err[128];
    assert_int_equal(tc_zone_load("UTC", &utc, err, sizeof err), 0);
    tc_view_t v = fx_view();
    v.time_zone = "UTC";
    v.zone = utc;
    size_t len = 0;
    char *html = tc_render_incident_html(&v, &fx_maint, &len);
    expect(html,
           (const char *const[]){"Scheduled for Nov 20, 2024 - 09:00 UTC until Nov 20, 2024 "
                                 "- 11:00 UTC",
                                 "Posted Nov 12, 2024 - 22:00 UTC",
                                 "Times are shown in UTC. Last updated Nov 16, 2024 18:00 UTC.",
                                 NULL},
           (const char *const[]){"PST", NULL});
    free(html);
    /* ...and the page's own zone is untouched by it. */
    v = fx_view();
    html = tc_render_incident_html(&v, &fx_maint, &len);
    expect(html, (const char *const[]){"Posted Nov 12, 2024 - 14:00 PST", NULL},
           (const char *const[]){"UTC", NULL});
    free(html);
    tc_zone_free(utc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pages),
        cmocka_unit_test(other_zone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
