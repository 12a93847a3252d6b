/* Unit tests for src/web/markdown.c: CommonMark rendering in safe mode. Table-driven: each
 * case lists fragments the HTML must hold and fragments it must not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "web/markdown.h"

typedef struct md_case {
    const char *name;
    const char *md;
    const char *present[4];
    const char *absent[4];
} md_case_t;

static const md_case_t cases[] = {
    {"heading", "# Root Cause\n\nText", {"<h1>Root Cause</h1>", "<p>Text</p>"}, {NULL}},
    {"bullets", "Timeline\n\n* one\n* two",
     {"<ul>", "<li>one</li>", "<li>two</li>"}, {NULL}},
    {"ordered", "1. first\n2. second", {"<ol>", "<li>first</li>"}, {NULL}},
    {"list after a line", "RCA:\n* At 9:15am PT: alerted", {"<p>RCA:</p>", "<li>At 9:15am"},
     {NULL}},
    {"link", "[status](https://status.example.com/)",
     {"<a href=\"https://status.example.com/\">status</a>"}, {NULL}},
    {"line breaks kept", "line one\nline two", {"line one<br />", "line two"}, {NULL}},
    {"script dropped", "<script>alert(1)</script>\n\nok", {"<p>ok</p>"},
     {"<script", "alert(1)</script>"}},
    {"inline html dropped", "hi <img src=x onerror=alert(1)> there", {"hi "},
     {"<img", "onerror=alert"}},
    {"javascript link neutralised", "[click](javascript:alert(1))", {"<a href=\"\">click</a>"},
     {"javascript:"}},
    {"data link neutralised", "[x](data:text/html;base64,PHNjcmlwdD4=)", {"<a href=\"\">"},
     {"data:text/html"}},
    {"escaped text", "a < b & c", {"a &lt; b &amp; c"}, {NULL}},
    {"empty", "", {NULL}, {"<p>"}},
};

static void test_cases(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t len = 0;
        char *html = tc_markdown_html(cases[c].md, &len);
        assert_non_null(html);
        assert_int_equal(len, strlen(html));
        for (size_t k = 0; k < 4 && cases[c].present[k]; k++)
            if (!strstr(html, cases[c].present[k])) {
                print_message("%s: missing %s in %s\n", cases[c].name, cases[c].present[k],
                              html);
                fail();
            }
        for (size_t k = 0; k < 4 && cases[c].absent[k]; k++)
            if (strstr(html, cases[c].absent[k])) {
                print_message("%s: unexpected %s in %s\n", cases[c].name, cases[c].absent[k],
                              html);
                fail();
            }
        free(html);
    }
}

/* NULL is treated as empty, and the length pointer is optional. */
static void test_null(void **state)
{
    (void)state;
    char *html = tc_markdown_html(NULL, NULL);
    assert_string_equal(html, "");
    free(html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
