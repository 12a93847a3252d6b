/* Unit tests for src/web/render_feed.c: /history.atom and /history.rss against the shapes in
 * shared/reference/statuspage.md §2, over the history in incidents_fixture.h. Each feed is
 * also written to a file and parsed with Python's XML parser to prove it is well-formed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "web/render.h"

#include "incidents_fixture.h"
#include "xml_well_formed.h"

static void expect(const char *xml, const char *const *present, const char *const *absent)
{
    for (size_t i = 0; present && present[i]; i++)
        if (!strstr(xml, present[i])) {
            print_message("missing: %s\n", present[i]);
            fail();
        }
    for (size_t i = 0; absent && absent[i]; i++)
        if (strstr(xml, absent[i])) {
            print_message("unexpected: %s\n", absent[i]);
            fail();
        }
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static int setup(void **state)
{
    (void)state;
    return 0;
}

static void test_atom(void **state)
{
    (void)state;
    tc_view_t v = fx_view();
    size_t len = 0;
    char *xml = tc_render_feed_atom(&v, &len);
    assert_int_equal(len, strlen(xml));
    well_formed(xml, len);
    expect(xml,
           (const char *const[]){
               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xml:lang=\"en-US\" "
               "xmlns=\"http://www.w3.org/2005/Atom\">",
               "<id>tag:status.example.com,2005:/history</id>",
               "<link rel=\"alternate\" type=\"text/html\" href=\"https://status.example.com\"/>",
               "<link rel=\"self\" type=\"application/atom+xml\" "
               "href=\"https://status.example.com/history.atom\"/>",
               "<title>Acme - Incident History</title>",
               "<updated>2024-11-16T18:00:00Z</updated>\n  <author><name>Acme</name></author>",
               "<updated>2024-11-15T20:20:00Z</updated>",
               "<id>tag:status.example.com,2005:Incident/101</id>",
               "<published>2024-11-14T21:08:00Z</published>",
               "<updated>2024-11-14T21:08:00Z</updated>",
               "<link rel=\"alternate\" type=\"text/html\" "
               "href=\"https://status.example.com/incidents/nov14aaaaaaa\"/>",
               "<title>ElevenLabs is degraded</title>",
               /* One <p> per update, newest first, entity-escaped. */
               "<content type=\"html\">&lt;p&gt;&lt;small&gt;Nov &lt;var data-var='date'&gt;14"
               "&lt;/var&gt;, &lt;var data-var='time'&gt;13:08&lt;/var&gt; PST&lt;/small&gt;"
               "&lt;br&gt;&lt;strong&gt;Resolved&lt;/strong&gt; - Should be back to normal now "
               "as per 11labs.&lt;br /&gt;https://status.elevenlabs.io/&lt;/p&gt;&lt;p&gt;"
               "&lt;small&gt;Nov &lt;var data-var='date'&gt;14&lt;/var&gt;, &lt;var "
               "data-var='time'&gt;12:30&lt;/var&gt; PST&lt;/small&gt;&lt;br&gt;&lt;strong&gt;"
               "Investigating&lt;/strong&gt; - We are looking into it.&lt;/p&gt;</content>",
               /* PDT in October, a label "Update" for a repeated status, padded days. */
               "&lt;var data-var='time'&gt;11:08&lt;/var&gt; PDT",
               "&lt;strong&gt;Update&lt;/strong&gt; - Fix rolling out.",
               "Aug &lt;var data-var='date'&gt; 1&lt;/var&gt;",
               "THIS IS A SCHEDULED EVENT Nov &lt;var data-var='date'&gt;20&lt;/var&gt;, &lt;var "
               "data-var='time'&gt;01:00&lt;/var&gt; - &lt;var data-var='time'&gt;03:00&lt;/var&gt;"
               " PST&lt;/strong&gt;&lt;/p&gt;",
               /* XSS: escaped once in the title, twice inside the HTML content. */
               "<title>&lt;script&gt;alert('name')&lt;/script&gt; API</title>",
               "&amp;lt;script&amp;gt;alert('body')",
               NULL},
           (const char *const[]){"<script", "CDATA", NULL});
    assert_int_equal(count(xml, "<entry>"), 8);
    free(xml);
}

static void test_rss(void **state)
{
    (void)state;
    tc_view_t v = fx_view();
    size_t len = 0;
    char *xml = tc_render_feed_rss(&v, &len);
    assert_int_equal(len, strlen(xml));
    well_formed(xml, len);
    expect(xml,
           (const char *const[]){
               "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">",
               "<title>Acme - Incident History</title>",
               "<link>https://status.example.com</link>",
               "<description>Statuspage</description>\n"
               "    <pubDate>Sat, 16 Nov 2024 18:00:00 +0000</pubDate>",
               "<pubDate>Fri, 15 Nov 2024 20:20:00 +0000</pubDate>",
               "<title>ElevenLabs is degraded</title>",
               "<description>&lt;p&gt;&lt;small&gt;Nov &lt;var data-var=&apos;date&apos;&gt;14"
               "&lt;/var&gt;, &lt;var data-var=&apos;time&apos;&gt;13:08&lt;/var&gt; PST"
               "&lt;/small&gt;&lt;br&gt;&lt;strong&gt;Resolved&lt;/strong&gt; - Should be back",
               "<pubDate>Thu, 14 Nov 2024 21:08:00 +0000</pubDate>",
               "<link>https://status.example.com/incidents/nov14aaaaaaa</link>",
               "<guid>https://status.example.com/incidents/nov14aaaaaaa</guid>",
               /* Maintenance: the scheduled window first, pubDate = scheduled_for. */
               "<description>&lt;p&gt;&lt;strong&gt;THIS IS A SCHEDULED EVENT Nov &lt;var "
               "data-var=&apos;date&apos;&gt;20&lt;/var&gt;, &lt;var data-var=&apos;time&apos;"
               "&gt;01:00&lt;/var&gt; - &lt;var data-var=&apos;time&apos;&gt;03:00&lt;/var&gt; "
               "PST&lt;/strong&gt;&lt;/p&gt;&lt;p&gt;&lt;small&gt;Nov",
               "<pubDate>Wed, 20 Nov 2024 09:00:00 +0000</pubDate>",
               "<maintenanceEndDate>Wed, 20 Nov 2024 11:00:00 +0000</maintenanceEndDate>",
               "<maintenanceEndDate>Thu, 01 Aug 2024 11:00:00 +0000</maintenanceEndDate>",
               NULL},
           (const char *const[]){"<script", "isPermaLink", NULL});
    assert_int_equal(count(xml, "<item>"), 8);
    assert_int_equal(count(xml, "<maintenanceEndDate>"), 2);
    free(xml);
}

/* The tag: host is page_url without scheme, user, port and path; "localhost" when unset. */
static void test_hosts(void **state)
{
    (void)state;
    static const struct {
        const char *url, *id;
    } cases[] = {
        {"", "<id>tag:localhost,2005:/history</id>"},
        {NULL, "<id>tag:localhost,2005:/history</id>"},
        {"http://user@Status.Example.com:8080/sub/", "<id>tag:Status.Example.com,2005:/history"},
        {"status.example.org", "<id>tag:status.example.org,2005:/history</id>"},
        {"https://[::1]:8443/", "<id>tag:[::1],2005:/history</id>"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tc_view_t v = fx_view();
        v.page_url = cases[i].url;
        size_t len = 0;
        char *xml = tc_render_feed_atom(&v, &len);
        expect(xml, (const char *const[]){cases[i].id, NULL}, NULL);
        well_formed(xml, len);
        free(xml);
        xml = tc_render_feed_rss(&v, &len);
        well_formed(xml, len);
        free(xml);
    }
}

/* Only the 25 most recent incidents; an empty history is still a valid feed. */
static void test_limits(void **state)
{
    (void)state;
    enum { N = 30 };
    static tc_incident_t many[N];
    static char ids[N][13];
    const tc_incident_t *list[N];
    for (int i = 0; i < N; i++) {
        many[i] = fx_sep24;
        snprintf(ids[i], sizeof ids[i], "many%08d", i);
        many[i].id = ids[i];
        many[i].seq = (uint64_t)(1000 + i);
        list[i] = &many[i];
    }
    tc_view_t v = fx_view();
    v.incidents = list;
    v.nincidents = N;
    size_t len = 0;
    char *xml = tc_render_feed_atom(&v, &len);
    assert_int_equal(count(xml, "<entry>"), 25);
    expect(xml, (const char *const[]){"Incident/1024<", NULL},
           (const char *const[]){"Incident/1025<", NULL});
    free(xml);
    xml = tc_render_feed_rss(&v, &len);
    assert_int_equal(count(xml, "<item>"), 25);
    free(xml);

    v.nincidents = 0;
    xml = tc_render_feed_atom(&v, &len);
    well_formed(xml, len);
    assert_int_equal(count(xml, "<entry>"), 0);
    free(xml);
    xml = tc_render_feed_rss(&v, &len);
    well_formed(xml, len);
    free(xml);
}

/* Issue 12 item 6: names and bodies with characters XML 1.0 does not allow (U+FFFE, U+FFFF,
 * C0 controls, surrogates written as UTF-8) or bytes that are not UTF-8 still give feeds an
 * XML parser accepts; the offending bytes are dropped and the text around them is kept. */
static void test_xml_chars(void **state)
{
    (void)state;
    static const struct {
        const char *text; /* in the incident's name and body */
        const char *kept; /* what the feed shows instead */
    } cases[] = {
        {"A\xef\xbf\xbe" "B", "AB"},                /* U+FFFE */
        {"A\xef\xbf\xbf" "B", "AB"},                /* U+FFFF */
        {"A\x01\x1f" "B", "AB"},                     /* C0 controls */
        {"A\xed\xa0\x80" "B", "AB"},                /* surrogate U+D800 */
        {"A\xc0\xaf" "B", "AB"},                     /* overlong '/' */
        {"A\xff\xfe" "B", "AB"},                     /* never UTF-8 */
        {"A\xe2\x82" "B", "AB"},                     /* cut sequence */
        {"A\xf4\x90\x80\x80" "B", "AB"},           /* beyond U+10FFFF */
        {"\xef\xbf\xbd\xe2\x82\xac\xf0\x9f\x94\xa5\ttab",
         "\xef\xbf\xbd\xe2\x82\xac\xf0\x9f\x94\xa5\ttab"}, /* U+FFFD, euro, emoji: kept */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tc_incident_update_t u = fx_nov14_u[1];
        u.body = (char *)cases[c].text;
        tc_incident_t inc = fx_nov14;
        inc.name = (char *)cases[c].text;
        inc.updates = &u;
        inc.nupdates = 1;
        const tc_incident_t *list[] = {&inc};
        tc_view_t v = fx_view();
        v.page_name = cases[c].text;
        v.incidents = list;
        v.nincidents = 1;
        char title[64];
        snprintf(title, sizeof title, "<title>%s</title>", cases[c].kept);
        for (int rss = 0; rss < 2; rss++) {
            size_t len = 0;
            char *xml = rss ? tc_render_feed_rss(&v, &len) : tc_render_feed_atom(&v, &len);
            well_formed(xml, len);
            expect(xml, (const char *const[]){title, NULL},
                   (const char *const[]){"\xef\xbf\xbe", "\xef\xbf\xbf", "\x01", "\xed\xa0",
                                         "\xc0", "\xff", NULL});
            free(xml);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_atom),
        cmocka_unit_test(test_rss),
        cmocka_unit_test(test_hosts),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_xml_chars),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
