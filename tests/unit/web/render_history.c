/* Unit tests for the HTML history surface: src/web/render_history.c (/history and the month
 * pages), render_incident.c (/incidents/<id>) and the incident sections render_page.c adds to
 * "/", all over the hand-built history in incidents_fixture.h. The strings checked are the
 * seed's (shared/seed/status-history.txt): month and day headings, "1 incident",
 * "Resolved Nov 14 at 01:08pm PST" (PDT in October), "1 previous update" in a <details>. */
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


/* a appears before b in html. */
static void before(const char *html, const char *a, const char *b)
{
    const char *pa = strstr(html, a), *pb = strstr(html, b);
    assert_non_null(pa);
    assert_non_null(pb);
    if (pa >= pb) {
        print_message("\"%s\" should come before \"%s\"\n", a, b);
        fail();
    }
}

static int setup(void **state)
{
    (void)state;
    return 0;
}

static const char *doc(const tc_snapshot_t *s, const char *path)
{
    const tc_doc_t *d = tc_snapshot_find(s, path);
    if (!d) {
        print_message("no document at %s\n", path);
        fail();
    }
    assert_string_equal(d->content_type, "text/html; charset=utf-8");
    assert_int_equal(d->route, TC_ROUTE_HISTORY);
    assert_int_equal(strlen(d->var[TC_ENC_IDENTITY].data), d->var[TC_ENC_IDENTITY].len);
    return d->var[TC_ENC_IDENTITY].data;
}

static void test_history_front(void **state)
{
    (void)state;
    tc_view_t v = fx_view();
    tc_snapshot_t *s = tc_snapshot_new(1);
    tc_render_history_docs(&v, s, NULL);
    tc_snapshot_seal(s);
    const char *html = doc(s, "/history");
    expect(html,
           (const char *const[]){
               "<!DOCTYPE html>",
               "<title>Incident History - Acme Status</title>",
               "<h1>Previous incidents</h1>",
               ">November 2024</a></h2>",
               ">October 2024</a></h2>",
               ">September 2024</a></h2>",
               "Nov 14, 2024 \xC2\xB7 1 incident</h3>",
               "Oct 09, 2024 \xC2\xB7 2 incidents</h3>",
               "<a href=\"/incidents/nov14aaaaaaa\">ElevenLabs is degraded</a>",
               "<span class=\"badge impact-minor\">Degraded</span>",
               "<span class=\"badge impact-major\">Downtime</span>",
               "<span class=\"badge impact-critical\">Downtime</span>",
               "Resolved Nov 14 at 01:08pm PST",
               "Resolved Oct 23 at 11:08am PDT",
               "Resolved Oct 09 at 02:27am PDT",
               "Should be back to normal now as per 11labs.<br />",
               "<details><summary>1 previous update</summary>",
               "<strong>Investigating</strong> <small>Nov 14 at 12:30pm PST</small>",
               "We are looking into it.",
               /* The open incident shows its status instead of a resolution. */
               "Identified, updated Nov 15 at 12:20pm PST",
               "<summary>2 previous updates</summary>",
               /* The name is escaped, the <script> in the Markdown body dropped. */
               "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt; API",
               "We're back.",
               "<a href=\"/history/2024-08\">Older incidents (August 2024)",
               NULL},
           (const char *const[]){"<script", "alert('body')", "Database upgrade",
                                 "Network maintenance", NULL});
    /* Newest first: months, days and incidents within a day. */
    before(html, "November 2024", "October 2024");
    before(html, "Oct 23, 2024", "Oct 09, 2024");
    before(html, "alert(&#39;name&#39;)", "API is degraded");
    before(html, "Web calls are slow", "ElevenLabs is degraded");
    tc_snapshot_release(s);
}

static void test_history_months(void **state)
{
    (void)state;
    tc_view_t v = fx_view();
    tc_snapshot_t *s = tc_snapshot_new(1);
    tc_render_history_docs(&v, s, NULL);
    tc_snapshot_seal(s);
    /* /history plus one page per month with incidents; none for empty months. */
    assert_int_equal(s->ndocs, 5);
    assert_null(tc_snapshot_find(s, "/history/2024-12"));
    expect(doc(s, "/history/2024-10"),
           (const char *const[]){"<title>October 2024 - Acme Status</title>",
                                 "<a href=\"/history/2024-11\" rel=\"prev\">&larr; November 2024",
                                 "<a href=\"/history/2024-09\" rel=\"next\">September 2024 &rarr;",
                                 "Oct 23, 2024 \xC2\xB7 1 incident", NULL},
           (const char *const[]){"November 2024</a></h2>", "Nov 14, 2024", NULL});
    expect(doc(s, "/history/2024-11"),
           (const char *const[]){"<a href=\"/history\">&larr; Recent history</a>",
                                 "rel=\"next\">October 2024", NULL},
           (const char *const[]){"rel=\"prev\"", NULL});
    expect(doc(s, "/history/2024-08"),
           (const char *const[]){"<span class=\"badge impact-maintenance\">Maintenance</span>",
                                 "Completed Aug 01 at 04:00am PDT",
                                 "<summary>1 previous update</summary>",
                                 "<strong>In progress</strong>", NULL},
           (const char *const[]){"rel=\"next\"", NULL});
    tc_snapshot_release(s);
}

static void test_history_empty(void **state)
{
    (void)state;
    tc_view_t v = fx_view();
    v.incidents = NULL;
    v.nincidents = 0;
    tc_snapshot_t *s = tc_snapshot_new(1);
    tc_render_history_docs(&v, s, NULL);
    tc_snapshot_seal(s);
    assert_int_equal(s->ndocs, 1);
    expect(doc(s, "/history"), (const char *const[]){"No incidents reported.", NULL},
           (const char *const[]){"Older incidents", NULL});
    tc_snapshot_release(s);
}

static void test_home_page(void **state)
{
    (void)state;
    tc_view_t v = fx_view();
    size_t len = 0;
    char *html = tc_render_page_html(&v, &len);
    assert_int_equal(len, strlen(html));
    expect(html,
           (const char *const[]){
               "<h2 id=\"h-open\">Active incidents</h2>",
               "<a href=\"/incidents/openbbbbbbbb\">Web calls are slow</a>",
               "<strong>Update</strong> <small>Nov 15 at 12:20pm PST</small>",
               "Fix rolling out.",
               "<h2 id=\"h-maint\">Scheduled maintenance</h2>",
               "Scheduled for Nov 20 at 01:00am - 03:00am PST",
               "<strong>Scheduled</strong>",
               "<h2 id=\"h-past\">Past incidents</h2>",
               "<h3 class=\"day\">Nov 16, 2024</h3><p class=\"quiet\">No incidents reported "
               "today.</p>",
               "<h3 class=\"day\">Nov 13, 2024</h3><p class=\"quiet\">No incidents reported.</p>",
               "Resolved Nov 14 at 01:08pm PST",
               "<h3 class=\"day\">Nov 10, 2024</h3>",
               "href=\"/history\"",
               NULL},
           (const char *const[]){"Nov 09, 2024</h3>", "Cartesia", "<script", NULL});
    /* Incidents above the components, history below them. */
    before(html, "Active incidents", "class=\"components\"");
    before(html, "Scheduled maintenance", "class=\"components\"");
    before(html, "class=\"components\"", "Past incidents");
    free(html);
}

static void test_incident_page(void **state)
{
    (void)state;
    tc_view_t v = fx_view();
    size_t len = 0;
    char *html = tc_render_incident_html(&v, &fx_nov14, &len);
    assert_int_equal(len, strlen(html));
    expect(html,
           (const char *const[]){
               "<title>ElevenLabs is degraded - Acme Status</title>",
               "<h1 class=\"impact impact-minor\">ElevenLabs is degraded</h1>",
               "<h2>Postmortem</h2><div class=\"md\"><h3>Root Cause</h3>",
               "<h2>Resolved</h2>",
               "Posted Nov 14, 2024 - 13:08 PST",
               "<h2>Investigating</h2>",
               "Affected: API (degraded performance)",
               "Posted Nov 14, 2024 - 12:30 PST",
               "<p class=\"components-affected\">This incident affected: API (degraded "
               "performance), Database (degraded performance), and Website (degraded "
               "performance).</p>",
               "<a href=\"/\">&larr; Current status</a>",
               NULL},
           NULL);
    before(html, "<h2>Postmortem</h2>", "<h2>Resolved</h2>");
    before(html, "<h2>Resolved</h2>", "<h2>Investigating</h2>");
    free(html);

    html = tc_render_incident_html(&v, &fx_open, &len);
    expect(html,
           (const char *const[]){"<h1 class=\"impact impact-major\">",
                                 "<h2>Update</h2>", "<h2>Identified</h2>",
                                 "This incident affects: Website (partial outage).</p>", NULL},
           (const char *const[]){"Postmortem", NULL});
    before(html, "<h2>Update</h2>", "<h2>Identified</h2>");
    free(html);

    html = tc_render_incident_html(&v, &fx_maint, &len);
    expect(html,
           (const char *const[]){"<h1 class=\"impact impact-maintenance\">Database upgrade",
                                 "Scheduled for Nov 20, 2024 - 01:00 PST until Nov 20, 2024 - "
                                 "03:00 PST",
                                 "This scheduled maintenance affects: Database.", NULL},
           NULL);
    free(html);

    html = tc_render_incident_html(&v, &fx_xss, &len);
    expect(html,
           (const char *const[]){"<h1 class=\"impact impact-minor\">&lt;script&gt;", NULL},
           (const char *const[]){"<script", "alert('body')",
                                 "<p class=\"components-affected\"", NULL});
    free(html);
}

/* tc_render() registers every history document with its route and type. */
static void test_registered(void **state)
{
    (void)state;
    tc_view_t v = fx_view();
    tc_snapshot_t *s = tc_render(&v, 7, NULL);
    static const struct {
        const char *path;
        tc_route_t route;
        const char *type;
    } want[] = {
        {"/history", TC_ROUTE_HISTORY, "text/html; charset=utf-8"},
        {"/history/2024-09", TC_ROUTE_HISTORY, "text/html; charset=utf-8"},
        {"/incidents/nov14aaaaaaa", TC_ROUTE_INCIDENT, "text/html; charset=utf-8"},
        {"/incidents/maintccccccc", TC_ROUTE_INCIDENT, "text/html; charset=utf-8"},
        {"/history.atom", TC_ROUTE_FEED, "application/atom+xml; charset=utf-8"},
        {"/history.rss", TC_ROUTE_FEED, "application/rss+xml; charset=utf-8"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const tc_doc_t *d = tc_snapshot_find(s, want[i].path);
        if (!d)
            print_message("no document at %s\n", want[i].path);
        assert_non_null(d);
        assert_int_equal(d->route, want[i].route);
        assert_string_equal(d->content_type, want[i].type);
    }
    tc_snapshot_release(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_front), cmocka_unit_test(test_history_months),
        cmocka_unit_test(test_history_empty), cmocka_unit_test(test_home_page),
        cmocka_unit_test(test_incident_page), cmocka_unit_test(test_registered),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
