/* Unit tests for src/core/form.c: the form bodies browsers send, repeated names, escapes,
 * and the malformed ones only other clients send. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/form.h"

static void decodes_fields_in_order(void **state)
{
    (void)state;
    const char *body = "name=Payments+down&c.db=major_outage&c.api=&note=%C3%A9t%C3%A9+100%25";
    tc_form_t f;
    tc_form_parse(body, strlen(body), &f);
    assert_int_equal(f.n, 4);
    assert_string_equal(tc_form_get(&f, "name"), "Payments down");
    assert_string_equal(tc_form_get(&f, "c.db"), "major_outage");
    assert_string_equal(tc_form_get(&f, "c.api"), "");
    assert_string_equal(tc_form_get(&f, "note"), "été 100%");
    assert_null(tc_form_get(&f, "missing"));
    tc_form_free(&f);
}

static void repeated_names_keep_every_value(void **state)
{
    (void)state;
    const char *body = "components=a&components=b&components=c";
    tc_form_t f;
    tc_form_parse(body, strlen(body), &f);
    assert_int_equal(f.n, 3);
    assert_string_equal(tc_form_get(&f, "components"), "a"); /* the first */
    assert_string_equal(f.fields[2].value, "c");
    tc_form_free(&f);
}

static void malformed_input_is_kept_or_skipped(void **state)
{
    (void)state;
    /* A pair without '=' is skipped; a bad escape stays literal; an escape cut at the end
     * stays literal; a %00 cuts the C string but not the parse. */
    const char body[] = "novalue&a=%zz&b=%4&c=x%00y&=empty&d=%41";
    tc_form_t f;
    tc_form_parse(body, sizeof body - 1, &f);
    assert_int_equal(f.n, 5);
    assert_string_equal(tc_form_get(&f, "a"), "%zz");
    assert_string_equal(tc_form_get(&f, "b"), "%4");
    assert_string_equal(tc_form_get(&f, "c"), "x");
    assert_string_equal(tc_form_get(&f, ""), "empty");
    assert_string_equal(tc_form_get(&f, "d"), "A");
    tc_form_free(&f);
    tc_form_parse("", 0, &f);
    assert_int_equal(f.n, 0);
    tc_form_free(&f);
}

static void field_count_is_bounded(void **state)
{
    (void)state;
    char body[5 * 1500 + 1];
    size_t n = 0;
    for (int i = 0; i < 1500; i++)
        n += (size_t)snprintf(body + n, sizeof body - n, "a=1&");
    tc_form_t f;
    tc_form_parse(body, n, &f);
    assert_int_equal(f.n, 1000);
    tc_form_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decodes_fields_in_order),
        cmocka_unit_test(repeated_names_keep_every_value),
        cmocka_unit_test(malformed_input_is_kept_or_skipped),
        cmocka_unit_test(field_count_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
