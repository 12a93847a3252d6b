/* Unit tests for src/web/render_assets.c: /favicon.ico is tocsin's own ICO without
 * page.favicon and the operator's bytes and type with it; /robots.txt keeps crawlers off the
 * subscriber links and the write API only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "web/render.h"

#include "incidents_fixture.h"

static void favicon(void **state)
{
    (void)state;
    tc_view_t v = fx_view();
    const char *type = NULL;
    size_t len = 0;
    char *icon = tc_render_favicon(&v, &type, &len);
    assert_string_equal(type, "image/x-icon");
    /* An ICO directory with one 32x32 entry, holding a PNG. */
    assert_true(len > 22 + 8);
    assert_memory_equal(icon, "\0\0\1\0\1\0\x20\x20", 8);
    assert_memory_equal(icon + 22, "\x89PNG\r\n\x1a\n", 8);
    free(icon);

    static const char svg[] = "<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
    v.favicon = svg;
    v.favicon_len = sizeof svg - 1;
    v.favicon_type = "image/svg+xml";
    icon = tc_render_favicon(&v, &type, &len);
    assert_string_equal(type, "image/svg+xml");
    assert_int_equal(len, sizeof svg - 1);
    assert_memory_equal(icon, svg, len);
    free(icon);
}

static void robots(void **state)
{
    (void)state;
    tc_view_t v = fx_view();
    size_t len = 0;
    char *txt = tc_render_robots_txt(&v, &len);
    assert_int_equal(len, strlen(txt));
    assert_string_equal(txt, "User-agent: *\nDisallow: /subscribers/\nDisallow: /v1/\n"
                             "Disallow: /api/push/\nAllow: /\n");
    free(txt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(favicon),
        cmocka_unit_test(robots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
