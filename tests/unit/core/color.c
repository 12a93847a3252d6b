/* Unit tests for src/core/color.c: colour parsing (and what it refuses), WCAG 2.x luminance
 * and contrast against the figures WCAG's own examples and common checkers give, the tint,
 * and a ratio printed so that a refusal never reads as the ratio it needs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "core/color.h"

static void parse(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool ok;
        unsigned char r, g, b;
    } cases[] = {
        {"#0b5cad", true, 0x0b, 0x5c, 0xad}, {"#0B5CAD", true, 0x0b, 0x5c, 0xad},
        {"#06c", true, 0x00, 0x66, 0xcc},    {"#FFF", true, 255, 255, 255},
        {"0b5cad", false, 0, 0, 0},          {"#0b5cad0", false, 0, 0, 0},
        {"#0b5ca", false, 0, 0, 0},          {"#0b5cag", false, 0, 0, 0},
        {"#", false, 0, 0, 0},               {"", false, 0, 0, 0},
        {"blue", false, 0, 0, 0},            {"#12 456", false, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tc_color_t c = {1, 2, 3};
        assert_int_equal(tc_color_parse(cases[i].text, &c), cases[i].ok);
        if (cases[i].ok) {
            assert_int_equal(c.r, cases[i].r);
            assert_int_equal(c.g, cases[i].g);
            assert_int_equal(c.b, cases[i].b);
            char out[8];
            tc_color_format(c, out);
            tc_color_t again;
            assert_true(tc_color_parse(out, &again));
            assert_memory_equal(&again, &c, sizeof c);
        }
    }
    assert_false(tc_color_parse(NULL, &(tc_color_t){0, 0, 0}));
}

static void contrast(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
        double ratio; /* as WebAIM's checker gives it */
    } cases[] = {
        {"#000000", "#ffffff", 21.0}, {"#ffffff", "#ffffff", 1.0},
        {"#777777", "#ffffff", 4.48}, {"#767676", "#ffffff", 4.54},
        {"#7fdbff", "#ffffff", 1.56}, {"#2b6cb0", "#ffffff", 5.42},
        {"#1f9d55", "#ffffff", 3.49}, {"#fc8181", "#ffffff", 2.44},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tc_color_t a, b;
        assert_true(tc_color_parse(cases[i].a, &a));
        assert_true(tc_color_parse(cases[i].b, &b));
        double r = tc_color_contrast(a, b);
        if (fabs(r - cases[i].ratio) > 0.01) {
            print_message("%s on %s: %.3f, want %.2f\n", cases[i].a, cases[i].b, r,
                          cases[i].ratio);
            fail();
        }
        assert_true(fabs(tc_color_contrast(b, a) - r) < 1e-12); /* either order */
    }
    assert_true(tc_color_luminance((tc_color_t){0, 0, 0}) == 0);
    assert_true(fabs(tc_color_luminance((tc_color_t){255, 255, 255}) - 1) < 1e-12);
}

static void tint_and_ratio_text(void **state)
{
    (void)state;
    tc_color_t c = {0x0b, 0x5c, 0xad};
    tc_color_t same = tc_color_tint(c, 0), white = tc_color_tint(c, 1);
    assert_memory_equal(&same, &c, sizeof c);
    assert_true(white.r == 255 && white.g == 255 && white.b == 255);
    tc_color_t half = tc_color_tint((tc_color_t){0, 100, 255}, 0.5);
    assert_true(half.r == 128 && half.g == 178 && half.b == 255);
    static const struct {
        double ratio, needed;
        const char *text;
    } cases[] = {
        {1.558, 4.5, "1.6:1"}, {4.47, 4.5, "4.47:1"}, {4.499, 4.5, "4.49:1"},
        {4.5, 4.5, "4.5:1"},   {12.04, 4.5, "12.0:1"}, {2.96, 3, "2.96:1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[16];
        tc_color_format_ratio(cases[i].ratio, cases[i].needed, out);
        assert_string_equal(out, cases[i].text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse),
        cmocka_unit_test(contrast),
        cmocka_unit_test(tint_and_ratio_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
