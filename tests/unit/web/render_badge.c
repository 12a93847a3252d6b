/* Unit tests for src/web/render_badge.c: which badges a view gets (components, groups, the
 * page; uptime only where the page shows uptime), what they say and in which colour, that a
 * status change changes both the SVG and the shields.io JSON, that names in other scripts and
 * hostile names arrive escaped in SVG that a real XML parser accepts, and that every colour
 * passes WCAG AA with the badge's white text. The .c is included to reach its colour tables. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../src/web/render_badge.c"

#include "html_expect.h"
#include "xml_well_formed.h"

static tc_uptime_day_t days[3];

/* A group with a showcased child, a hidden one and one named in Japanese with markup and a
 * control character; a top-level component with no uptime data yet. */
static tc_view_row_t rows[] = {
    {.id = "api", .name = "API Group", .is_group = true, .status = TC_STATUS_PARTIAL_OUTAGE},
    {.id = "rest", .name = "REST API", .group_id = "api", .showcase = true,
     .status = TC_STATUS_OPERATIONAL, .days = days, .ndays = 3, .uptime = 99.5},
    {.id = "jp", .name = "決済API <b>&\"'\x01", .group_id = "api", .showcase = true,
     .status = TC_STATUS_PARTIAL_OUTAGE, .days = days, .ndays = 3, .uptime = 98.0},
    {.id = "hidden", .name = "Hidden", .group_id = "api", .status = TC_STATUS_OPERATIONAL,
     .uptime = -1},
    {.id = "fresh", .name = "Fresh", .showcase = true, .status = TC_STATUS_DEGRADED,
     .days = days, .ndays = 3, .uptime = -1},
};

static tc_view_t view(void)
{
    tc_status_t leaves[] = {rows[1].status, rows[2].status, rows[3].status, rows[4].status};
    tc_view_t v = {
        .page_id = "acme",
        .page_name = "Acme",
        .page_url = "https://status.example.com/",
        .time_zone = "Etc/UTC",
        .rows = rows,
        .nrows = sizeof rows / sizeof rows[0],
        .rollup = tc_rollup(leaves, 4),
    };
    return v;
}

static tc_snapshot_t *render(const tc_view_t *v)
{
    tc_snapshot_t *s = tc_snapshot_new(1);
    tc_render_badge_docs(v, s);
    tc_snapshot_seal(s);
    return s;
}

static const char *doc(const tc_snapshot_t *s, const char *path)
{
    const tc_doc_t *d = tc_snapshot_find(s, path);
    if (!d) {
        print_message("no document %s\n", path);
        fail();
    }
    return d->var[TC_ENC_IDENTITY].data;
}

/* The shields.io endpoint fields of @p path. */
static void shields(const tc_snapshot_t *s, const char *path, const char *label,
                    const char *message, const char *color)
{
    const tc_doc_t *d = tc_snapshot_find(s, path);
    assert_non_null(d);
    assert_string_equal(d->content_type, "application/json; charset=utf-8");
    json_error_t e;
    json_t *o = json_loadb(d->var[TC_ENC_IDENTITY].data, d->var[TC_ENC_IDENTITY].len, 0, &e);
    assert_non_null(o);
    assert_int_equal(json_integer_value(json_object_get(o, "schemaVersion")), 1);
    assert_string_equal(json_string_value(json_object_get(o, "label")), label);
    assert_string_equal(json_string_value(json_object_get(o, "message")), message);
    assert_string_equal(json_string_value(json_object_get(o, "color")), color);
    assert_int_equal(json_object_size(o), 4);
    json_decref(o);
}

/* Every component and group has a status badge; uptime badges exist where the page shows
 * uptime (showcased components, groups with showcased children). */
static void which_badges(void **state)
{
    (void)state;
    tc_view_t v = view();
    tc_snapshot_t *s = render(&v);
    static const char *const present[] = {
        "/badges/status.svg", "/badges/status.json",      "/badges/api.svg",
        "/badges/api.json",   "/badges/api/uptime.svg",   "/badges/api/uptime.json",
        "/badges/rest.svg",   "/badges/rest/uptime.svg",  "/badges/rest/uptime.json",
        "/badges/jp.svg",     "/badges/hidden.svg",       "/badges/hidden.json",
        "/badges/fresh.svg",  "/badges/fresh/uptime.svg",
    };
    for (size_t i = 0; i < sizeof present / sizeof present[0]; i++)
        assert_non_null(tc_snapshot_find(s, present[i]));
    assert_null(tc_snapshot_find(s, "/badges/hidden/uptime.svg"));
    assert_null(tc_snapshot_find(s, "/badges/nope.svg"));
    assert_int_equal(s->ndocs, 2 + 5 * 2 + 4 * 2);
    for (size_t i = 0; i < s->ndocs; i++)
        assert_int_equal(s->docs[i].route, TC_ROUTE_BADGE);
    tc_snapshot_free(s);
}

/* What each badge says and its colour, in the SVG and in the shields.io JSON alike. */
static void messages_and_colours(void **state)
{
    (void)state;
    tc_view_t v = view();
    tc_snapshot_t *s = render(&v);
    shields(s, "/badges/status.json", "status", "Minor Service Outage", AMBER);
    shields(s, "/badges/rest.json", "REST API", "operational", GREEN);
    shields(s, "/badges/api.json", "API Group", "partial outage", ORANGE);
    shields(s, "/badges/fresh.json", "Fresh", "degraded performance", AMBER);
    /* The group's uptime is the mean of its showcased children's. */
    shields(s, "/badges/api/uptime.json", "API Group uptime", "98.75%", AMBER);
    shields(s, "/badges/rest/uptime.json", "REST API uptime", "99.50%", YELLOWGREEN);
    shields(s, "/badges/fresh/uptime.json", "Fresh uptime", "no data", GREY);
    expect(doc(s, "/badges/rest.svg"),
           (const char *const[]){"role=\"img\" aria-label=\"REST API: operational\"",
                                 "<title>REST API: operational</title>",
                                 "fill=\"#" GREEN "\"", ">REST API</text>",
                                 ">operational</text>", NULL},
           NULL);
    expect(doc(s, "/badges/rest/uptime.svg"),
           (const char *const[]){"<title>REST API uptime over 3 days: 99.50%</title>",
                                 ">99.50%</text>", NULL},
           NULL);
    tc_snapshot_free(s);
}

/* A component that changes status gets a new SVG and JSON, with new ETags. */
static void status_change(void **state)
{
    (void)state;
    tc_view_t v = view();
    tc_snapshot_t *before = render(&v);
    rows[1].status = TC_STATUS_MAJOR_OUTAGE;
    tc_snapshot_t *after = render(&v);
    rows[1].status = TC_STATUS_OPERATIONAL;
    shields(after, "/badges/rest.json", "REST API", "major outage", RED);
    expect(doc(after, "/badges/rest.svg"),
           (const char *const[]){"REST API: major outage", "fill=\"#" RED "\"", NULL},
           (const char *const[]){"operational", NULL});
    static const char *const changed[] = {"/badges/rest.svg", "/badges/rest.json"};
    for (size_t i = 0; i < 2; i++)
        assert_string_not_equal(tc_snapshot_find(before, changed[i])->var[0].etag,
                                tc_snapshot_find(after, changed[i])->var[0].etag);
    assert_string_equal(tc_snapshot_find(before, "/badges/jp.svg")->var[0].etag,
                        tc_snapshot_find(after, "/badges/jp.svg")->var[0].etag);
    tc_snapshot_free(before);
    tc_snapshot_free(after);
}

/* Names are escaped for XML, characters XML forbids are dropped, and every badge parses. */
static void escaped_and_well_formed(void **state)
{
    (void)state;
    tc_view_t v = view();
    tc_snapshot_t *s = render(&v);
    expect(doc(s, "/badges/jp.svg"),
           (const char *const[]){"aria-label=\"決済API &lt;b&gt;&amp;&quot;': partial outage\"",
                                 ">決済API &lt;b&gt;&amp;&quot;'</text>", NULL},
           (const char *const[]){"<b>", "\x01", NULL});
    /* ASCII text is measured, so its width is imposed; other text keeps its own spacing. */
    const char *svg = doc(s, "/badges/jp.svg");
    const char *label = strstr(svg, ">決済API");
    const char *tag = label;
    while (tag > svg && *tag != '<')
        tag--;
    assert_null(memmem(tag, (size_t)(label - tag), "textLength", 10));
    assert_non_null(strstr(strstr(svg, "</text>"), "textLength=\""));
    for (size_t i = 0; i < s->ndocs; i++) {
        const tc_variant_t *id = &s->docs[i].var[TC_ENC_IDENTITY];
        if (strstr(s->docs[i].path, ".svg"))
            well_formed(id->data, id->len);
    }
    /* The JSON keeps the name exactly, apart from nothing: JSON can carry every character. */
    shields(s, "/badges/jp.json", "決済API <b>&\"'\x01", "partial outage", ORANGE);
    tc_snapshot_free(s);
}

/* Badge widths follow the text: a longer name gives a wider label. */
static void widths(void **state)
{
    (void)state;
    bool exact;
    assert_true(text_width("operational", &exact) > text_width("up", &exact));
    assert_true(exact);
    double cjk = text_width("決済", &exact);
    assert_false(exact);
    assert_true(cjk >= 20 && cjk <= 24);
    /* Combining marks and characters XML drops take no room. */
    assert_true(text_width("e\xcc\x81", &exact) == text_width("e", &exact));
    assert_true(text_width("a\x01\xff", &exact) == text_width("a", &exact));
}

/* WCAG 2 relative luminance of a bare hex colour. */
static double luminance(const char *hex)
{
    double c[3];
    for (int i = 0; i < 3; i++) {
        char part[3] = {hex[2 * i], hex[2 * i + 1], 0};
        double v = strtol(part, NULL, 16) / 255.0;
        c[i] = v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
    }
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

static void assert_aa(const char *hex)
{
    double ratio = 1.05 / (luminance(hex) + 0.05);
    if (ratio < 4.5) {
        print_message("white on #%s: %.2f:1\n", hex, ratio);
        fail();
    }
}

/* White 11 px text on every badge colour reaches 4.5:1 (WCAG AA for normal text). */
static void colours_pass_aa(void **state)
{
    (void)state;
    assert_aa(LABEL_BG);
    for (size_t i = 0; i < sizeof by_status / sizeof by_status[0]; i++)
        assert_aa(by_status[i].color);
    for (size_t i = 0; i < sizeof by_indicator / sizeof by_indicator[0]; i++)
        assert_aa(by_indicator[i]);
    static const double figures[] = {-1, 0, 50, 95, 99, 99.5, 99.9, 100};
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++)
        assert_aa(uptime_color(figures[i]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(which_badges),
        cmocka_unit_test(messages_and_colours),
        cmocka_unit_test(status_change),
        cmocka_unit_test(escaped_and_well_formed),
        cmocka_unit_test(widths),
        cmocka_unit_test(colours_pass_aa),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
