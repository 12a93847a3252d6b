/* Unit tests for src/web/render_embed.c on the fixed view of incidents_fixture.h: /embed says
 * the page status and lists the open incidents (not maintenance, not resolved ones) with
 * links that leave the frame, escapes the page's name, and both embed documents join the
 * snapshot under the embed route (which is what lets http_server.c allow framing /embed). */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "web/render.h"

#include "html_expect.h"
#include "incidents_fixture.h"

static void embed_page(void **state)
{
    (void)state;
    tc_view_t v = fx_view();
    v.page_name = "Acme <&> \"Status\"";
    size_t len = 0;
    char *html = tc_render_embed_html(&v, &len);
    assert_int_equal(len, strlen(html));
    expect(html,
           (const char *const[]){
               "<html lang=\"en\">",
               "<title>Acme &lt;&amp;&gt; &quot;Status&quot; status</title>",
               "<h1 class=\"sr\">Acme &lt;&amp;&gt; &quot;Status&quot; status</h1>",
               "<a class=\"pill\" href=\"/\" target=\"_blank\" rel=\"noopener\" "
               "data-indicator=\"minor\"><span class=\"dot minor\" aria-hidden=\"true\"></span>"
               "<span class=\"sr\">Acme &lt;&amp;&gt; &quot;Status&quot; status: </span>"
               "Minor Service Outage</a>",
               "<ul aria-label=\"Open incidents\"><li class=\"impact-major\">"
               "<a href=\"/incidents/openbbbbbbbb\" target=\"_blank\" rel=\"noopener\">"
               "Web calls are slow</a><span>Identified</span></li></ul>",
               NULL},
           (const char *const[]){"Database upgrade", "ElevenLabs", "<script", "refresh", NULL});
    free(html);
}

static void embed_docs(void **state)
{
    (void)state;
    tc_view_t v = fx_view();
    tc_snapshot_t *s = tc_snapshot_new(1);
    tc_render_embed_docs(&v, s);
    tc_snapshot_seal(s);
    assert_int_equal(s->ndocs, 2);
    const tc_doc_t *page = tc_snapshot_find(s, "/embed");
    const tc_doc_t *js = tc_snapshot_find(s, "/embed.js");
    assert_non_null(page);
    assert_non_null(js);
    assert_int_equal(page->route, TC_ROUTE_EMBED);
    assert_int_equal(js->route, TC_ROUTE_EMBED);
    assert_string_equal(js->content_type, "text/javascript; charset=utf-8");
    const tc_variant_t *text = &js->var[TC_ENC_IDENTITY];
    assert_non_null(memmem(text->data, text->len, "document.currentScript", 22));
    /* The script arrives whole: it ends with its closing line. */
    assert_memory_equal(text->data + text->len - 6, "})();\n", 6);
    tc_snapshot_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(embed_page),
        cmocka_unit_test(embed_docs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
