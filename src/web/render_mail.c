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

/* What a subject says for an update: "Resolved", "Update", and for maintenance "Maintenance
 * in progress", "Maintenance completed", ... */
static const char *subject_label(const tc_incident_t *i, tc_incident_status_t s, int prev)
{
    const char *label = tc_incident_update_label(s, prev);
    if (!i->is_maintenance)
        return label;
    if (strcmp(label, "Update") == 0)
        return "Maintenance update";
    switch (s) {
    case TC_INC_SCHEDULED:
        return "Scheduled maintenance";
    case TC_INC_IN_PROGRESS:
        return "Maintenance in progress";
    case TC_INC_VERIFYING:
        return "Maintenance being verified";
    case TC_INC_COMPLETED:
        return "Maintenance completed";
    default:
        return label;
    }
}

void tc_render_incident_mail(const tc_view_t *v, const tc_incident_t *i, const char *base,
                             tc_mail_words_t *w)
{
    const tc_incident_update_t *u = &i->updates[i->nupdates - 1];
    int prev = i->nupdates > 1 ? (int)i->updates[i->nupdates - 2].status : -1;
    const char *label = tc_incident_update_label(u->status, prev);
    char when[48], from[48], until[48];
    tc_html_format_when(v->zone, tc_html_update_time(u), when, sizeof when);
    w->accent = impact_colour(i->impact);

    tc_buf_printf(&w->subject, "[%s] %s: %s", v->page_name, subject_label(i, u->status, prev),
                  i->name);

    tc_buf_printf(&w->text, "%s\r\n%s - %s\r\n", i->name, label, when);
    if (i->is_maintenance && i->scheduled_for) {
        tc_clock_format_local(v->zone, i->scheduled_for, "%b %d, %Y %H:%M %Z", from,
                              sizeof from);
        tc_buf_printf(&w->text, "Scheduled for %s", from);
        if (i->scheduled_until) {
            tc_clock_format_local(v->zone, i->scheduled_until, "%b %d, %Y %H:%M %Z", until,
                                  sizeof until);
            tc_buf_printf(&w->text, " until %s", until);
        }
        tc_buf_puts(&w->text, "\r\n");
    }
    tc_buf_puts(&w->text, "\r\n");
    text_lines(&w->text, u->body ? u->body : "");
    tc_buf_puts(&w->text, "\r\n\r\n");
    if (tc_html_affected_words(&w->text, v, i, false))
        tc_buf_puts(&w->text, "\r\n\r\n");
    tc_buf_printf(&w->text, "Follow this %s: %s/incidents/%s\r\n",
                  i->is_maintenance ? "maintenance" : "incident", base, i->id);

    tc_buf_puts(&w->html, "<h1 style=\"font-size:20px;margin:0 0 4px\">");
    tc_buf_html(&w->html, i->name);
    tc_buf_printf(&w->html, "</h1><p style=\"margin:0 0 12px;color:" MUTED "\"><strong "
                            "style=\"color:#1d2330\">%s</strong> &middot; %s</p>",
                  label, when);
    if (i->is_maintenance && i->scheduled_for) {
        tc_buf_printf(&w->html, "<p style=\"margin:0 0 12px\">Scheduled for %s", from);
        if (i->scheduled_until)
            tc_buf_printf(&w->html, " until %s", until);
        tc_buf_puts(&w->html, "</p>");
    }
    tc_html_markdown(&w->html, u->body, 0);
    tc_buf_puts(&w->html, "<p style=\"margin:12px 0 0;color:" MUTED ";font-size:14px\">");
    tc_html_affected_words(&w->html, v, i, true);
    tc_buf_puts(&w->html, "</p><p style=\"margin:16px 0 0\"><a style=\"" BUTTON "\" href=\"");
    tc_buf_html(&w->html, base);
    tc_buf_puts(&w->html, "/incidents/");
    tc_buf_html(&w->html, i->id);
    tc_buf_printf(&w->html, "\">View the %s</a></p>",
                  i->is_maintenance ? "maintenance" : "incident");
}

/* "REST API has a major outage" (@p now), or "It had a major outage" (@p was): one
 * sentence per status, since "is now partial_outage" is no English. */
static void component_sentence(tc_buf_t *b, const char *name, tc_status_t s, bool was,
                               bool html)
{
    static const char *const is[] = {"is operational again", "is under maintenance",
                                     "has degraded performance", "has a partial outage",
                                     "has a major outage"};
    static const char *const had[] = {"was operational", "was under maintenance",
                                      "had degraded performance", "had a partial outage",
                                      "had a major outage"};
    if (html)
        tc_buf_html(b, name);
    else
        tc_buf_puts(b, name);
    tc_buf_printf(b, " %s", was ? had[s] : is[s]);
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
    tc_buf_printf(&w->subject, "[%s] Reminder: %s starts at %s", v->page_name, i->name, at);
}

void tc_render_component_mail(const tc_view_t *v, const char *name, tc_status_t old,
                              tc_status_t now, int64_t at, const char *base, tc_mail_words_t *w)
{
    char when[48];
    tc_html_format_when(v->zone, at, when, sizeof when);
    w->accent = status_colour(now);
    tc_buf_printf(&w->subject, "[%s] ", v->page_name);
    component_sentence(&w->subject, name, now, false, false);

    component_sentence(&w->text, name, now, false, false);
    tc_buf_puts(&w->text, ".\r\n");
    component_sentence(&w->text, "It", old, true, false);
    tc_buf_printf(&w->text, " until %s.\r\n\r\nThe page says: %s\r\nStatus page: %s/\r\n",
                  when, v->rollup.description, base);

    tc_buf_puts(&w->html, "<h1 style=\"font-size:20px;margin:0 0 4px\">");
    component_sentence(&w->html, name, now, false, true);
    tc_buf_puts(&w->html, "</h1><p style=\"margin:0 0 12px;color:" MUTED "\">");
    component_sentence(&w->html, "It", old, true, true);
    tc_buf_printf(&w->html, " until %s.</p><p style=\"margin:0\">The page says: <strong>%s"
                            "</strong></p><p style=\"margin:16px 0 0\"><a style=\"" BUTTON
                            "\" href=\"",
                  when, v->rollup.description);
    tc_buf_html(&w->html, base);
    tc_buf_puts(&w->html, "/\">View the status page</a></p>");
}

void tc_render_opt_in_mail(const tc_view_t *v, const char *confirm_link, tc_mail_words_t *w)
{
    const char *page = v->page_name;
    if (confirm_link) {
        tc_buf_printf(&w->subject, "[%s] Confirm your subscription", page);
        tc_buf_printf(&w->text,
                      "Someone (we hope you) asked to receive status updates from %s at this "
                      "address.\r\n\r\nTo confirm, open this link:\r\n%s\r\n\r\nIf it was "
                      "not you, ignore this message: nothing will be sent.\r\n",
                      page, confirm_link);
        tc_buf_puts(&w->html, "<p style=\"margin:0 0 12px\">Someone (we hope you) asked to "
                              "receive status updates from ");
        tc_buf_html(&w->html, page);
        tc_buf_puts(&w->html, " at this address.</p><p style=\"margin:0 0 12px\"><a style=\""
                              BUTTON "\" href=\"");
        tc_buf_html(&w->html, confirm_link);
        tc_buf_puts(&w->html, "\">Confirm your subscription</a></p><p style=\"margin:0\">If "
                              "it was not you, ignore this message: nothing will be sent.</p>");
        return;
    }
    tc_buf_printf(&w->subject, "[%s] You are already subscribed", page);
    tc_buf_printf(&w->text,
                  "Someone (we hope you) asked again to receive status updates from %s at "
                  "this address. It is already subscribed, so nothing changed.\r\n\r\nTo "
                  "follow other components, unsubscribe with the link below and subscribe "
                  "again.\r\n",
                  page);
    tc_buf_puts(&w->html, "<p style=\"margin:0 0 12px\">Someone (we hope you) asked again to "
                          "receive status updates from ");
    tc_buf_html(&w->html, page);
    tc_buf_puts(&w->html, " at this address. It is already subscribed, so nothing changed.</p>"
                          "<p style=\"margin:0\">To follow other components, unsubscribe with "
                          "the link below and subscribe again.</p>");
}

void tc_render_mail_frame(const tc_view_t *v, const char *base, const tc_mail_words_t *w,
                          const char *unsubscribe, tc_buf_t *text, tc_buf_t *html)
{
    tc_buf_puts(text, w->text.data ? w->text.data : "");
    tc_buf_printf(text, "\r\n-- \r\nYou receive this because you subscribed to status updates "
                        "from %s.\r\nUnsubscribe: %s\r\n",
                  v->page_name, unsubscribe);

    tc_buf_puts(html, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                      "<title>");
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
    tc_buf_puts(html, "</div><p style=\"margin:16px 0 0;color:" MUTED ";font-size:13px\">"
                      "You receive this because you subscribed to status updates from ");
    tc_buf_html(html, v->page_name);
    tc_buf_puts(html, ". <a style=\"color:" MUTED "\" href=\"");
    tc_buf_html(html, unsubscribe);
    tc_buf_puts(html, "\">Unsubscribe</a></p></div></body></html>");
}
