/* The e-mails subscribers get, in words a person would write: "[Acme] Resolved: Delayed
 * transcripts" with the update, the components by name and what happened to them, and the
 * incident's link; "[Acme] REST API has a major outage" for a component. Each message has a
 * plain-text part and an HTML part in the page's frame (its name on top, a card, a footer
 * with the unsubscribe link). Pure: the view and the event in, text out; the engine queues
 * the result and notify_email.c encodes it. HTML uses inline styles only, since mail clients
 * drop stylesheets, and the light scheme's colours, which meet WCAG AA on white. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "web/html.h"
#include "web/i18n.h"
#include "web/render.h"

#define MUTED "#5b6474"
#define FONT "font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif"
#define BUTTON                                                                              \
    "display:inline-block;background:#2b6cb0;color:#fff;padding:8px 14px;border-radius:6px;" \
    "text-decoration:none;font-weight:600"

void tc_mail_words_init(tc_mail_words_t *w)
{
    tc_buf_init(&w->subject, 0);
    tc_buf_init(&w->text, 0);
    tc_buf_init(&w->html, 0);
    w->accent = NULL;
}

void tc_mail_words_free(tc_mail_words_t *w)
{
    tc_buf_free(&w->subject);
    tc_buf_free(&w->text);
    tc_buf_free(&w->html);
}

/* The colours of the page's light scheme (html.c), by what they mark. */
static const char *impact_colour(tc_impact_t i)
{
    static const char *const colours[] = {MUTED, "#d69e2e", "#c2410c", "#c53030", "#2b6cb0"};
    return colours[i];
}

static const char *status_colour(tc_status_t s)
{
    static const char *const colours[] = {"#15803d", "#2b6cb0", "#d69e2e", "#c2410c",
                                          "#c53030"};
    return colours[s];
}

/* Plain text with every line ending as CRLF, the canonical form of text/plain in MIME. */
static void text_lines(tc_buf_t *b, const char *s)
{
    char prev = '\0';
    for (; *s; prev = *s++) {
        if (*s == '\n' && prev != '\r')
            tc_buf_puts(b, "\r\n");
        else
            tc_buf_append(b, s, 1);
    }
}

/* <base>/incidents/<id>, the link a message points to. Caller frees. */
static char *incident_link(const char *base, const tc_incident_t *i)
{
    tc_buf_t b;
    tc_buf_init(&b, 0);
    tc_buf_printf(&b, "%s/incidents/%s", base, i->id);
    return tc_buf_steal(&b, NULL);
}

/* What a subject says for an update: "Resolved", "Update", and for maintenance "Maintenance
 * in progress", "Maintenance completed", ... */
static const char *subject_label(const tc_view_t *v, const tc_incident_t *i,
                                 tc_incident_status_t s, int prev)
{
    if (!i->is_maintenance)
        return tc_i18n_update(v->lang, s, prev);
    if (prev >= 0 && (tc_incident_status_t)prev == s)
        return tc_i18n(v->lang, TC_T_MAINT_UPDATE);
    switch (s) {
    case TC_INC_SCHEDULED:
        return tc_i18n(v->lang, TC_T_SCHEDULED_MAINT);
    case TC_INC_IN_PROGRESS:
        return tc_i18n(v->lang, TC_T_MAINT_IN_PROGRESS);
    case TC_INC_VERIFYING:
        return tc_i18n(v->lang, TC_T_MAINT_VERIFYING);
    case TC_INC_COMPLETED:
        return tc_i18n(v->lang, TC_T_MAINT_COMPLETED);
    default:
        return tc_i18n_update(v->lang, s, prev);
    }
}

void tc_render_incident_mail(const tc_view_t *v, const tc_incident_t *i, const char *base,
                             tc_mail_words_t *w)
{
    const tc_incident_update_t *u = &i->updates[i->nupdates - 1];
    int prev = i->nupdates > 1 ? (int)i->updates[i->nupdates - 2].status : -1;
    const char *label = tc_i18n_update(v->lang, u->status, prev);
    char when[64], from[64], until[64];
    tc_html_when(v, tc_html_update_time(u), when, sizeof when);
    w->accent = impact_colour(i->impact);

    tc_buf_printf(&w->subject, "[%s] %s: %s", v->page_name,
                  subject_label(v, i, u->status, prev), i->name);

    tc_buf_printf(&w->text, "%s\r\n%s - %s\r\n", i->name, label, when);
    if (i->is_maintenance && i->scheduled_for) {
        tc_i18n_date(v->lang, v->zone, i->scheduled_for, TC_T_FMT_STAMP, from, sizeof from);
        tc_i18n_put(&w->text, v->lang, TC_T_SCHEDULED_FOR, from, NULL);
        if (i->scheduled_until) {
            tc_i18n_date(v->lang, v->zone, i->scheduled_until, TC_T_FMT_STAMP, until,
                         sizeof until);
            tc_i18n_put(&w->text, v->lang, TC_T_UNTIL, until, NULL);
        }
        tc_buf_puts(&w->text, "\r\n");
    }
    tc_buf_puts(&w->text, "\r\n");
    text_lines(&w->text, u->body ? u->body : "");
    tc_buf_puts(&w->text, "\r\n\r\n");
    if (tc_html_affected_words(&w->text, v, i, false))
        tc_buf_puts(&w->text, "\r\n\r\n");
    char *link = incident_link(base, i);
    tc_i18n_put(&w->text, v->lang, i->is_maintenance ? TC_T_FOLLOW_MAINT : TC_T_FOLLOW_INCIDENT,
                link, NULL);
    tc_buf_puts(&w->text, "\r\n");
    free(link);

    tc_buf_puts(&w->html, "<h1 style=\"font-size:20px;margin:0 0 4px\">");
    tc_buf_html(&w->html, i->name);
    tc_buf_puts(&w->html, "</h1><p style=\"margin:0 0 12px;color:" MUTED "\"><strong "
                          "style=\"color:#1d2330\">");
    tc_buf_html(&w->html, label);
    tc_buf_puts(&w->html, "</strong> &middot; ");
    tc_buf_html(&w->html, when);
    tc_buf_puts(&w->html, "</p>");
    if (i->is_maintenance && i->scheduled_for) {
        tc_buf_puts(&w->html, "<p style=\"margin:0 0 12px\">");
        tc_i18n_html(&w->html, v->lang, TC_T_SCHEDULED_FOR, from, NULL);
        if (i->scheduled_until)
            tc_i18n_html(&w->html, v->lang, TC_T_UNTIL, until, NULL);
        tc_buf_puts(&w->html, "</p>");
    }
    tc_html_markdown(&w->html, u->body, 0);
    tc_buf_puts(&w->html, "<p style=\"margin:12px 0 0;color:" MUTED ";font-size:14px\">");
    tc_html_affected_words(&w->html, v, i, true);
    tc_buf_puts(&w->html, "</p><p style=\"margin:16px 0 0\"><a style=\"" BUTTON "\" href=\"");
    tc_buf_html(&w->html, base);
    tc_buf_puts(&w->html, "/incidents/");
    tc_buf_html(&w->html, i->id);
    tc_buf_puts(&w->html, "\">");
    tc_buf_html(&w->html, tc_i18n(v->lang, i->is_maintenance ? TC_T_VIEW_MAINT
                                                             : TC_T_VIEW_INCIDENT));
    tc_buf_puts(&w->html, "</a></p>");
}

/* "REST API has a major outage" (@p now, with the component's name), or "It had a major
 * outage until Nov 14 at 01:08pm PST." (@p was, with the time it ended): one sentence per
 * status, since "is now partial_outage" is no English. */
static void component_sentence(tc_buf_t *b, const tc_view_t *v, const char *arg,
                               tc_status_t s, bool was, bool html)
{
    static const tc_text_t is[] = {TC_T_IS_OPERATIONAL, TC_T_IS_MAINTENANCE, TC_T_IS_DEGRADED,
                                   TC_T_IS_PARTIAL, TC_T_IS_MAJOR};
    static const tc_text_t had[] = {TC_T_WAS_OPERATIONAL, TC_T_WAS_MAINTENANCE,
                                    TC_T_WAS_DEGRADED, TC_T_WAS_PARTIAL, TC_T_WAS_MAJOR};
    if (html)
        tc_i18n_html(b, v->lang, was ? had[s] : is[s], arg, NULL);
    else
        tc_i18n_put(b, v->lang, was ? had[s] : is[s], arg, NULL);
}

void tc_render_reminder_mail(const tc_view_t *v, const tc_incident_t *i, const char *base,
                             tc_mail_words_t *w)
{
    tc_render_incident_mail(v, i, base, w);
    char at[48];
    tc_clock_format_local(v->zone, i->scheduled_for, "%H:%M %Z", at, sizeof at);
    w->subject.len = 0; /* the incident mail's subject, replaced */
    if (w->subject.data)
        w->subject.data[0] = '\0';
    tc_buf_printf(&w->subject, "[%s] ", v->page_name);
    tc_i18n_put(&w->subject, v->lang, TC_T_REMINDER, i->name, at, NULL);
}

void tc_render_component_mail(const tc_view_t *v, const char *name, tc_status_t old,
                              tc_status_t now, int64_t at, const char *base, tc_mail_words_t *w)
{
    char when[64];
    tc_html_when(v, at, when, sizeof when);
    const char *page_status = tc_i18n_rollup(v->lang, v->rollup.description);
    w->accent = status_colour(now);
    tc_buf_printf(&w->subject, "[%s] ", v->page_name);
    component_sentence(&w->subject, v, name, now, false, false);

    component_sentence(&w->text, v, name, now, false, false);
    tc_buf_printf(&w->text, "%s\r\n", tc_i18n(v->lang, TC_T_FULL_STOP));
    component_sentence(&w->text, v, when, old, true, false);
    tc_buf_puts(&w->text, "\r\n\r\n");
    tc_i18n_put(&w->text, v->lang, TC_T_PAGE_SAYS, page_status, NULL);
    tc_buf_puts(&w->text, "\r\n");
    tc_buf_t page;
    tc_buf_init(&page, 0);
    tc_buf_printf(&page, "%s/", base);
    tc_i18n_put(&w->text, v->lang, TC_T_STATUS_PAGE_LINK, page.data, NULL);
    tc_buf_free(&page);
    tc_buf_puts(&w->text, "\r\n");

    tc_buf_puts(&w->html, "<h1 style=\"font-size:20px;margin:0 0 4px\">");
    component_sentence(&w->html, v, name, now, false, true);
    tc_buf_puts(&w->html, "</h1><p style=\"margin:0 0 12px;color:" MUTED "\">");
    component_sentence(&w->html, v, when, old, true, true);
    tc_buf_puts(&w->html, "</p><p style=\"margin:0\">");
    tc_buf_t strong;
    tc_buf_init(&strong, 0);
    tc_buf_puts(&strong, "<strong>");
    tc_buf_html(&strong, page_status);
    tc_buf_puts(&strong, "</strong>");
    tc_i18n_put(&w->html, v->lang, TC_T_PAGE_SAYS, strong.data, NULL);
    tc_buf_free(&strong);
    tc_buf_puts(&w->html, "</p><p style=\"margin:16px 0 0\"><a style=\"" BUTTON "\" href=\"");
    tc_buf_html(&w->html, base);
    tc_buf_puts(&w->html, "/\">");
    tc_buf_html(&w->html, tc_i18n(v->lang, TC_T_VIEW_PAGE));
    tc_buf_puts(&w->html, "</a></p>");
}

/* @p key's sentence with the page's name: as text, or as HTML with the name escaped. */
static void with_page(tc_buf_t *b, const tc_view_t *v, tc_text_t key, bool html)
{
    if (html)
        tc_i18n_html(b, v->lang, key, v->page_name, NULL);
    else
        tc_i18n_put(b, v->lang, key, v->page_name, NULL);
}

void tc_render_opt_in_mail(const tc_view_t *v, const char *confirm_link, tc_mail_words_t *w)
{
    const tc_lang_t lang = v->lang;
    if (confirm_link) {
        tc_buf_printf(&w->subject, "[%s] %s", v->page_name, tc_i18n(lang, TC_T_CONFIRM_TITLE));
        with_page(&w->text, v, TC_T_OPTIN_ASKED, false);
        tc_buf_printf(&w->text, "\r\n\r\n%s\r\n%s\r\n\r\n%s\r\n",
                      tc_i18n(lang, TC_T_OPTIN_OPEN), confirm_link,
                      tc_i18n(lang, TC_T_OPTIN_IGNORE));
        tc_buf_puts(&w->html, "<p style=\"margin:0 0 12px\">");
        with_page(&w->html, v, TC_T_OPTIN_ASKED, true);
        tc_buf_puts(&w->html, "</p><p style=\"margin:0 0 12px\"><a style=\"" BUTTON "\" href=\"");
        tc_buf_html(&w->html, confirm_link);
        tc_buf_puts(&w->html, "\">");
        tc_buf_html(&w->html, tc_i18n(lang, TC_T_CONFIRM_TITLE));
        tc_buf_puts(&w->html, "</a></p><p style=\"margin:0\">");
        tc_buf_html(&w->html, tc_i18n(lang, TC_T_OPTIN_IGNORE));
        tc_buf_puts(&w->html, "</p>");
        return;
    }
    tc_buf_printf(&w->subject, "[%s] %s", v->page_name, tc_i18n(lang, TC_T_ALREADY_SUBJECT));
    with_page(&w->text, v, TC_T_ALREADY_ASKED, false);
    tc_buf_printf(&w->text, "\r\n\r\n%s\r\n", tc_i18n(lang, TC_T_ALREADY_OTHER));
    tc_buf_puts(&w->html, "<p style=\"margin:0 0 12px\">");
    with_page(&w->html, v, TC_T_ALREADY_ASKED, true);
    tc_buf_puts(&w->html, "</p><p style=\"margin:0\">");
    tc_buf_html(&w->html, tc_i18n(lang, TC_T_ALREADY_OTHER));
    tc_buf_puts(&w->html, "</p>");
}

void tc_render_mail_frame(const tc_view_t *v, const char *base, const tc_mail_words_t *w,
                          const char *unsubscribe, tc_buf_t *text, tc_buf_t *html)
{
    tc_buf_puts(text, w->text.data ? w->text.data : "");
    tc_buf_puts(text, "\r\n-- \r\n");
    with_page(text, v, TC_T_MAIL_WHY, false);
    tc_buf_puts(text, "\r\n");
    tc_i18n_put(text, v->lang, TC_T_UNSUBSCRIBE_LINK, unsubscribe, NULL);
    tc_buf_puts(text, "\r\n");

    tc_buf_printf(html, "<!DOCTYPE html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
                        "<meta name=\"viewport\" content=\"width=device-width,"
                        "initial-scale=1\"><title>",
                  tc_lang_code(v->lang));
    tc_buf_html(html, w->subject.data ? w->subject.data : "");
    tc_buf_puts(html, "</title></head><body style=\"margin:0;padding:0;background:#f6f7f9\">"
                      "<div style=\"max-width:600px;margin:0 auto;padding:24px 16px;"
                      "color:#1d2330;" FONT "\"><p style=\"margin:0 0 16px;font-weight:600;"
                      "font-size:18px\"><a style=\"color:#1d2330;text-decoration:none\" href=\"");
    tc_buf_html(html, base);
    tc_buf_puts(html, "/\">");
    tc_buf_html(html, v->page_name);
    tc_buf_printf(html, "</a></p><div style=\"background:#fff;border:1px solid #e3e6eb;"
                        "border-left:4px solid %s;border-radius:8px;padding:16px 20px\">",
                  w->accent ? w->accent : "#e3e6eb");
    tc_buf_puts(html, w->html.data ? w->html.data : "");
    tc_buf_puts(html, "</div><p style=\"margin:16px 0 0;color:" MUTED ";font-size:13px\">");
    with_page(html, v, TC_T_MAIL_WHY, true);
    tc_buf_puts(html, " <a style=\"color:" MUTED "\" href=\"");
    tc_buf_html(html, unsubscribe);
    tc_buf_puts(html, "\">");
    tc_buf_html(html, tc_i18n(v->lang, TC_T_UNSUBSCRIBE));
    tc_buf_puts(html, "</a></p></div></body></html>");
}
