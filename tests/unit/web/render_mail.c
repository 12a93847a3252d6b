/* Unit tests for src/web/render_mail.c, the words of subscriber e-mails, on the fixed view of
 * incidents_fixture.h: subjects a person would write ("[Acme] Resolved: ..."), component
 * names and statuses in words (never "degraded_performance" or an id), the incident's link,
 * the frame with the page's name and the unsubscribe link, names escaped in HTML but kept as
 * they are in plain text, and the opt-in texts. */
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

#define BASE "https://status.example.com"

/* Raw API values that must never reach a reader. */
static const char *const raw_values[] = {"degraded_performance", "partial_outage",
                                         "major_outage", "under_maintenance", "critical",
                                         "in_progress", NULL};

static void incident_mails(void **state)
{
    (void)state;
    static const struct {
        const tc_incident_t *incident;
        const char *subject;
        const char *const text[6];
        const char *const html[6];
    } cases[] = {
        {&fx_nov14,
         "[Acme] Resolved: ElevenLabs is degraded",
         {"ElevenLabs is degraded\r\nResolved - Nov 14 at 01:08pm PST\r\n\r\n",
          "This incident affected: API (degraded performance), Database (degraded "
          "performance), and Website (degraded performance).\r\n",
          "Follow this incident: " BASE "/incidents/nov14aaaaaaa\r\n", NULL},
         {"<h1 style=\"font-size:20px;margin:0 0 4px\">ElevenLabs is degraded</h1>",
          "<strong style=\"color:#1d2330\">Resolved</strong> &middot; Nov 14 at 01:08pm PST",
          "href=\"" BASE "/incidents/nov14aaaaaaa\">View the incident</a>", NULL}},
        /* Open: a second "identified" is an update; the status it sets now. */
        {&fx_open,
         "[Acme] Update: Web calls are slow",
         {"This incident affects: Website (partial outage).", "Fix rolling out.", NULL},
         {"This incident affects: Website (partial outage).", "<p>Fix rolling out.</p>", NULL}},
        {&fx_maint,
         "[Acme] Scheduled maintenance: Database upgrade",
         {"Scheduled for Nov 20, 2024 01:00 PST until Nov 20, 2024 03:00 PST\r\n",
          "This scheduled maintenance affects: Database.\r\n",
          "Follow this maintenance: " BASE "/incidents/maintccccccc", NULL},
         {"View the maintenance</a>", NULL}},
    };
    tc_view_t v = fx_view();
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tc_mail_words_t w;
        tc_mail_words_init(&w);
        tc_render_incident_mail(&v, cases[c].incident, BASE, &w);
        assert_string_equal(w.subject.data, cases[c].subject);
        expect(w.text.data, cases[c].text, raw_values);
        expect(w.html.data, cases[c].html, raw_values);
        assert_non_null(w.accent);
        tc_mail_words_free(&w);
    }
}

/* The reminder an hour before a maintenance: its own subject, the maintenance's words. */
static void reminder_mail(void **state)
{
    (void)state;
    tc_view_t v = fx_view();
    tc_mail_words_t w;
    tc_mail_words_init(&w);
    tc_render_reminder_mail(&v, &fx_maint, BASE, &w);
    assert_string_equal(w.subject.data, "[Acme] Reminder: Database upgrade starts at 01:00 PST");
    assert_non_null(strstr(w.text.data, "Scheduled for Nov 20, 2024 01:00 PST"));
    assert_non_null(strstr(w.text.data, BASE "/incidents/maintccccccc"));
    tc_mail_words_free(&w);
}

/* A name with markup: kept in the subject and the text, escaped in the HTML. */
static void incident_mail_escapes(void **state)
{
    (void)state;
    tc_view_t v = fx_view();
    tc_mail_words_t w;
    tc_mail_words_init(&w);
    tc_render_incident_mail(&v, &fx_xss, BASE, &w);
    assert_string_equal(w.subject.data, "[Acme] Resolved: <script>alert('name')</script> API");
    expect(w.html.data, (const char *const[]){"&lt;script&gt;alert(&#39;name&#39;)", NULL},
           (const char *const[]){"<script", "alert('body')", NULL});
    tc_mail_words_free(&w);
}

/* A component name in another script, as the page's names may be. */
#define NAME "Zahlungs-API (Überweisungen)"

static void component_mails(void **state)
{
    (void)state;
    static const struct {
        tc_status_t old, now;
        const char *subject, *text;
    } cases[] = {
        {TC_STATUS_OPERATIONAL, TC_STATUS_DEGRADED,
         "[Acme] " NAME " has degraded performance",
         NAME " has degraded performance.\r\nIt was operational until Nov 16 at 10:00am "
              "PST.\r\n"},
        {TC_STATUS_DEGRADED, TC_STATUS_MAJOR_OUTAGE, "[Acme] " NAME " has a major outage",
         "It had degraded performance until"},
        {TC_STATUS_MAJOR_OUTAGE, TC_STATUS_PARTIAL_OUTAGE, "[Acme] " NAME " has a partial outage",
         "It had a major outage until"},
        {TC_STATUS_PARTIAL_OUTAGE, TC_STATUS_OPERATIONAL, "[Acme] " NAME " is operational again",
         "It had a partial outage until"},
        {TC_STATUS_OPERATIONAL, TC_STATUS_UNDER_MAINTENANCE,
         "[Acme] " NAME " is under maintenance", "It was operational until"},
    };
    tc_view_t v = fx_view();
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tc_mail_words_t w;
        tc_mail_words_init(&w);
        tc_render_component_mail(&v, NAME, cases[c].old, cases[c].now, FX_NOW, BASE, &w);
        assert_string_equal(w.subject.data, cases[c].subject);
        expect(w.text.data,
               (const char *const[]){cases[c].text, "The page says: Minor Service Outage\r\n",
                                     "Status page: " BASE "/\r\n", NULL},
               raw_values);
        expect(w.html.data,
               (const char *const[]){"<h1 style=\"font-size:20px;margin:0 0 4px\">" NAME " ",
                                     "href=\"" BASE "/\">View the status page</a>", NULL},
               raw_values);
        tc_mail_words_free(&w);
    }
    /* Markup in a component name stays text. */
    tc_mail_words_t w;
    tc_mail_words_init(&w);
    tc_render_component_mail(&v, "<b>API</b>", TC_STATUS_OPERATIONAL, TC_STATUS_MAJOR_OUTAGE,
                             FX_NOW, BASE, &w);
    expect(w.html.data, (const char *const[]){"&lt;b&gt;API&lt;/b&gt; has a major outage", NULL},
           (const char *const[]){"<b>", NULL});
    assert_string_equal(w.subject.data, "[Acme] <b>API</b> has a major outage");
    tc_mail_words_free(&w);
}

/* The frame: the page's name on top, the words in a card edged in their colour, and a footer
 * with the reader's own unsubscribe link, in both parts. */
static void frame(void **state)
{
    (void)state;
    tc_view_t v = fx_view();
    v.page_name = "Acme <Ops> & Co";
    tc_mail_words_t w;
    tc_mail_words_init(&w);
    tc_render_incident_mail(&v, &fx_open, BASE, &w);
    tc_buf_t text, html;
    tc_buf_init(&text, 0);
    tc_buf_init(&html, 0);
    tc_render_mail_frame(&v, BASE, &w, BASE "/subscribers/unsubscribe/abc.def", &text, &html);
    assert_int_equal(strncmp(text.data, w.text.data, w.text.len), 0);
    expect(text.data,
           (const char *const[]){"\r\n-- \r\nYou receive this because you subscribed to status "
                                 "updates from Acme <Ops> & Co.\r\nUnsubscribe: " BASE
                                 "/subscribers/unsubscribe/abc.def\r\n",
                                 NULL},
           NULL);
    expect(html.data,
           (const char *const[]){"<!DOCTYPE html><html lang=\"en\">",
                                 "<title>[Acme &lt;Ops&gt; &amp; Co] Update: Web calls are slow"
                                 "</title>",
                                 "href=\"" BASE "/\">Acme &lt;Ops&gt; &amp; Co</a>",
                                 "border-left:4px solid #c2410c", /* major impact */
                                 "<p>Fix rolling out.</p>",
                                 "href=\"" BASE "/subscribers/unsubscribe/abc.def\">Unsubscribe"
                                 "</a>",
                                 NULL},
           (const char *const[]){"<Ops>", "<style", NULL});
    tc_buf_free(&text);
    tc_buf_free(&html);
    tc_mail_words_free(&w);
}

static void opt_in_texts(void **state)
{
    (void)state;
    tc_view_t v = fx_view();
    v.page_name = "Acme <Status>";
    tc_mail_words_t w;
    tc_mail_words_init(&w);
    tc_render_opt_in_mail(&v, "https://s.test/subscribers/confirm/abc", &w);
    assert_string_equal(w.subject.data, "[Acme <Status>] Confirm your subscription");
    assert_non_null(strstr(w.text.data, "https://s.test/subscribers/confirm/abc"));
    expect(w.html.data,
           (const char *const[]){"Acme &lt;Status&gt;",
                                 "href=\"https://s.test/subscribers/confirm/abc\">Confirm your "
                                 "subscription</a>",
                                 NULL},
           (const char *const[]){"<Status>", NULL});
    tc_mail_words_free(&w);
    tc_mail_words_init(&w);
    tc_render_opt_in_mail(&v, NULL, &w);
    assert_string_equal(w.subject.data, "[Acme <Status>] You are already subscribed");
    assert_null(strstr(w.text.data, "/confirm/"));
    assert_non_null(strstr(w.text.data, "already subscribed, so nothing changed"));
    tc_mail_words_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(incident_mails),
        cmocka_unit_test(incident_mail_escapes),
        cmocka_unit_test(reminder_mail),
        cmocka_unit_test(component_mails),
        cmocka_unit_test(frame),
        cmocka_unit_test(opt_in_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
