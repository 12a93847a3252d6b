/* Unit tests for src/web/render_page.c, the status page "/", on the fixed view of
 * incidents_fixture.h: what a visitor reads (the banner, each component's name and status,
 * the open incident's title and latest update with its time in the page's zone, the
 * maintenance window, the last seven days), that the fixture's XSS payloads arrive escaped,
 * that the subscribe form works without JavaScript, and that the page is a pure function of
 * the view: the zone comes with it, so two zones rendered in turn each keep their times. */
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
    if (!pa || !pb || pa >= pb) {
        print_message("\"%s\" should come before \"%s\"\n", a, b);
        fail();
    }
}

static char *page(const tc_view_t *v)
{
    size_t len = 0;
    char *html = tc_render_page_html(v, &len);
    assert_non_null(html);
    assert_int_equal(len, strlen(html));
    return html;
}

static const tc_zone_t *kolkata(void)
{
    static tc_zone_t *z;
    char err[128];
    if (!z)
        assert_int_equal(tc_zone_load("Asia/Kolkata", &z, err, sizeof err), 0);
    return z;
}

/* Each component reads as its name followed by its status, in display order. */
static void components(void **state)
{
    (void)state;
    static const struct {
        const char *name, *status;
    } rows[] = {
        {"<span class=\"name\">API</span>",
         "<span class=\"status operational\">Operational</span>"},
        {"<span class=\"name\">Database</span>",
         "<span class=\"status under_maintenance\">Under Maintenance</span>"},
        {"<span class=\"name\">Website</span>",
         "<span class=\"status partial_outage\">Partial Outage</span>"},
    };
    tc_view_t v = fx_view();
    char *html = page(&v);
    expect(html,
           (const char *const[]){"<title>Acme Status</title>", "<h1>Acme</h1>",
                                 "<p class=\"banner minor\" role=\"status\" "
                                 "data-indicator=\"minor\">Minor Service Outage</p>",
                                 NULL},
           NULL);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        expect(html, (const char *const[]){rows[i].name, rows[i].status, NULL}, NULL);
        before(html, rows[i].name, rows[i].status);
        if (i > 0)
            before(html, rows[i - 1].status, rows[i].name);
    }
    free(html);
}

/* The same view in two zones: every time a visitor reads is in the view's zone. */
static void times_in_the_page_zone(void **state)
{
    (void)state;
    static const struct {
        const char *zone;
        const char *const present[8];
        const char *const absent[3];
    } cases[] = {
        {"America/Los_Angeles",
         {"<a href=\"/incidents/openbbbbbbbb\">Web calls are slow</a>",
          "<strong>Update</strong> <small>Nov 15 at 12:20pm PST</small>",
          "<p>Fix rolling out.</p>",
          "Scheduled for Nov 20 at 01:00am - 03:00am PST",
          "<h3 class=\"day\">Nov 16, 2024</h3><p class=\"quiet\">No incidents reported today.",
          "<h3 class=\"day\">Nov 15, 2024</h3><article",
          "Times are shown in America/Los_Angeles. Last updated Nov 16, 2024 10:00 PST.",
          NULL},
         {"IST", NULL}},
        /* 20:20 UTC is 01:50am the next day in Kolkata, so the open incident (opened at
         * 20:00 UTC) moves to Nov 16, which is no longer quiet. */
        {"Asia/Kolkata",
         {"<a href=\"/incidents/openbbbbbbbb\">Web calls are slow</a>",
          "<strong>Update</strong> <small>Nov 16 at 01:50am IST</small>",
          "<p>Fix rolling out.</p>",
          "Scheduled for Nov 20 at 02:30pm - 04:30pm IST",
          "<h3 class=\"day\">Nov 16, 2024</h3><article",
          "Times are shown in Asia/Kolkata. Last updated Nov 16, 2024 23:30 IST.",
          NULL},
         {"PST", "No incidents reported today.", NULL}},
    };
    char *first[2] = {NULL, NULL};
    /* Two rounds, zones alternating: each render depends on its view alone. */
    for (int round = 0; round < 2; round++) {
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            tc_view_t v = fx_view();
            if (strcmp(cases[c].zone, "Asia/Kolkata") == 0) {
                v.time_zone = "Asia/Kolkata";
                v.zone = kolkata();
            }
            char *html = page(&v);
            expect(html, cases[c].present, cases[c].absent);
            before(html, "Active incidents", "class=\"components\"");
            before(html, "Scheduled maintenance", "class=\"components\"");
            before(html, "class=\"components\"", "Past incidents");
            if (round == 0) {
                first[c] = html;
            } else {
                assert_string_equal(html, first[c]);
                free(html);
                free(first[c]);
            }
        }
    }
}

/* Each incident card names the components it touches, with what it does to them in words:
 * the status an open incident sets now, the worst a resolved one set. */
static void cards_name_affected_components(void **state)
{
    (void)state;
    tc_view_t v = fx_view();
    char *html = page(&v);
    /* The open incident, in "Active incidents" and again among today's past incidents. */
    const char *open_card = "<a href=\"/incidents/openbbbbbbbb\">Web calls are slow</a></h3>";
    const char *affects = "<p class=\"components-affected\">This incident affects: Website "
                          "(partial outage).</p></article>";
    expect(html,
           (const char *const[]){open_card, affects,
                                 "<p class=\"components-affected\">This scheduled maintenance "
                                 "affects: Database.</p></article>",
                                 NULL},
           (const char *const[]){"partial_outage)", "Partial Outage)", NULL});
    before(html, open_card, affects);
    free(html);
    /* Nov 14's resolved incident, seen from Nov 15: the worst each component reached. */
    v.now = INT64_C(1731700800000);
    html = page(&v);
    expect(html,
           (const char *const[]){"This incident affected: API (degraded performance), Database "
                                 "(degraded performance), and Website (degraded performance)."
                                 "</p>",
                                 NULL},
           NULL);
    free(html);
}

/* The XSS incident (Oct 09) is in the last seven days when "now" is Oct 10: its name shows
 * escaped, its body's script is dropped by the Markdown renderer. */
static void escapes(void **state)
{
    (void)state;
    tc_view_t v = fx_view();
    v.now = INT64_C(1728586800000); /* Oct 10, 2024 12:00pm PDT */
    char *html = page(&v);
    expect(html,
           (const char *const[]){
               "<h3 class=\"day\">Oct 09, 2024</h3>",
               "<a href=\"/incidents/xsseeeeeeeee\">&lt;script&gt;alert(&#39;name&#39;)"
               "&lt;/script&gt; API</a>",
               "<p>We're back.</p>",
               "Resolved Oct 09 at 09:24am PDT",
               NULL},
           (const char *const[]){"<script", "alert('", NULL});
    free(html);
}

/* The subscribe form is a plain POST form reached from a link at the top, with a choice of
 * components and whole groups (each group's box before its components), and the page
 * carries no script at all. */
static void subscribe_form(void **state)
{
    (void)state;
    static const struct {
        bool offered;
        const char *const present[8];
        const char *const absent[4];
    } cases[] = {
        {true,
         {"<a class=\"button\" href=\"#subscribe\">Subscribe to updates</a></div></header>",
          "<section id=\"subscribe\" aria-labelledby=\"h-subscribe\" class=\"subscribe\">",
          "<form method=\"post\" action=\"/api/v2/subscribers\">",
          "<label for=\"subscribe-email\">E-mail address</label><input id=\"subscribe-email\" "
          "type=\"email\" name=\"email\" required",
          "<button type=\"submit\">Subscribe</button></p>",
          "<details><summary>Only some components (all by default)</summary><fieldset>"
          "<legend>Components to follow</legend>",
          "<ul class=\"choices\"><li><label><input type=\"checkbox\" name=\"components\" "
          "value=\"core\"> Core &amp; DB <small>(all its components)</small></label><ul><li>"
          "<label><input type=\"checkbox\" name=\"components\" value=\"api\"> API</label>"
          "</li><li><label><input type=\"checkbox\" name=\"components\" value=\"db\"> "
          "Database</label></li></ul></li><li><label><input type=\"checkbox\" "
          "name=\"components\" value=\"web\"> Website</label></li></ul>",
          NULL},
         {"<script", NULL}},
        {false, {NULL}, {"<form", "<script", "href=\"#subscribe\"", NULL}},
    };
    tc_view_row_t rows[] = {
        {.id = "core", .name = "Core & DB", .position = 1, .is_group = true},
        {.id = "api", .name = "API", .group_id = "core", .position = 1},
        {.id = "db", .name = "Database", .group_id = "core", .position = 2},
        {.id = "web", .name = "Website", .position = 2},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tc_view_t v = fx_view();
        v.rows = rows;
        v.nrows = sizeof rows / sizeof rows[0];
        v.subscribe_email = cases[c].offered;
        char *html = page(&v);
        expect(html, cases[c].present, cases[c].absent);
        if (cases[c].offered)
            before(html, "Past incidents", "<form");
        free(html);
    }
}

/* page.logo, page.accent, page.css, page.links and page.footer appear on "/" and on every
 * other page's frame; links and footer text arrive escaped; without them nothing is added. */
static void branding(void **state)
{
    (void)state;
    static const char *const links[] = {"Acme & Co", "https://acme.example/?a=1&b=\"2\"",
                                         "Support", "mailto:help@acme.example", NULL};
    tc_view_t v = fx_view();
    v.logo = "<svg/>";
    v.logo_len = 6;
    v.logo_type = "image/svg+xml";
    v.logo_path = "/logo.svg";
    v.accent = "#0b5cad";
    v.accent_dark = "#8ab4e0";
    v.css = ".banner{border-radius:0}";
    v.links = links;
    v.footer = "Acme Inc. <support@acme.example>";
    static const char *const present[] = {
        ":root{--link:#0b5cad}@media (prefers-color-scheme:dark){:root{--link:#8ab4e0}}"
        ".banner{border-radius:0}</style>",
        "<header><div class=\"bar\"><img class=\"logo\" src=\"/logo.svg\" alt=\"\"><nav "
        "aria-label=\"Acme\"><ul class=\"links\"><li><a href=\"https://acme.example/?a=1&amp;"
        "b=&quot;2&quot;\">Acme &amp; Co</a></li><li><a href=\"mailto:help@acme.example\">"
        "Support</a></li></ul></nav></div>",
        "<footer><p>Acme Inc. &lt;support@acme.example&gt;</p><p>Times are shown in",
        NULL};
    char *html = page(&v);
    expect(html, present, NULL);
    free(html);
    size_t len;
    html = tc_render_incident_html(&v, &fx_nov14, &len);
    expect(html, present, NULL);
    free(html);
    v = fx_view();
    html = page(&v);
    expect(html, NULL,
           (const char *const[]){"class=\"bar\"", "<img", "<nav", ":root{--link:", NULL});
    free(html);
}

/* Headings in update bodies sit below the card's heading, so the page's headings descend
 * in order (an h2 inside an h4 entry broke axe's heading-order): the first under the active
 * incident's h3 becomes h4, under a past incident's h4 becomes h5; a skipped level in the
 * body ("#" then "###") is closed up, and none passes h6. */
static void markdown_headings_descend(void **state)
{
    (void)state;
    tc_incident_update_t u[] = {{.id = (char *)"h1", .status = TC_INC_INVESTIGATING,
                                 .body = (char *)"## Cause\n\n#### Detail\n\n# Back\n\n###### Deep",
                                 .created_at = FX_NOW - 60000, .display_at = FX_NOW - 60000}};
    tc_incident_t open = {.id = (char *)"headingsxxxx", .name = (char *)"Headings",
                          .status = TC_INC_INVESTIGATING, .impact = TC_IMPACT_MINOR,
                          .impact_override = -1, .created_at = FX_NOW - 60000,
                          .started_at = FX_NOW - 60000, .updated_at = FX_NOW - 60000,
                          .updates = u, .nupdates = 1};
    const tc_incident_t *list[] = {&open};
    tc_view_t v = fx_view();
    v.incidents = list;
    v.nincidents = 1;
    char *html = page(&v);
    expect(html,
           (const char *const[]){"<div class=\"md\"><h4>Cause</h4>\n<h5>Detail</h5>\n"
                                 "<h4>Back</h4>\n<h5>Deep</h5>",
                                 "<div class=\"md\"><h5>Cause</h5>\n<h6>Detail</h6>\n"
                                 "<h5>Back</h5>\n<h6>Deep</h6>",
                                 NULL},
           (const char *const[]){"<h2>Cause", "<h7", NULL});
    free(html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(components),
        cmocka_unit_test(times_in_the_page_zone),
        cmocka_unit_test(escapes),
        cmocka_unit_test(cards_name_affected_components),
        cmocka_unit_test(subscribe_form),
        cmocka_unit_test(branding),
        cmocka_unit_test(markdown_headings_descend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
