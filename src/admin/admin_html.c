/* The console's frame and the small pieces its pages share. Every text from a user, the
 * config or a monitor is escaped (tc_buf_html); pages load one stylesheet and one script from
 * /admin/assets/ (snapshot documents), so the policy allows no inline script or style. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "admin/admin_int.h"
#include "core/clock.h"
#include "core/err.h"
#include "web/html.h"

/* No inline anything; forms post only here; nothing may frame the console. */
#define CONSOLE_CSP                                                                       \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "    \
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

static const struct {
    const char *id, *label, *href;
} sections[] = {
    {"overview", "Overview", "/admin/"},
    {"incidents", "Incidents", "/admin/incidents"},
    {"maintenance", "Maintenance", "/admin/maintenance"},
    {"components", "Components", "/admin/components"},
    {"monitors", "Monitors", "/admin/monitors"},
    {"subscribers", "Subscribers", "/admin/subscribers"},
    {"deliveries", "Deliveries", "/admin/deliveries"},
    {"keys", "API keys", "/admin/keys"},
    {"users", "Users", "/admin/users"},
    {"coverage", "Coverage", "/admin/coverage"},
    {"audit", "Audit log", "/admin/audit"},
};

void tc_admin__headers(tc_admin_call_t *c)
{
    tc_http_add_header(c->req, "Content-Security-Policy", CONSOLE_CSP);
    tc_http_add_header(c->req, "X-Frame-Options", "DENY");
    /* Not "no-referrer" as on the public pages: with it, browsers send "Origin: null" on
     * form posts, and the origin check needs the real one. Nothing leaves this origin. */
    tc_http_add_header(c->req, "Referrer-Policy", "same-origin");
}

void tc_admin__open(tc_buf_t *b, const tc_admin_call_t *c, const char *title,
                    const char *active)
{
    const tc_view_t *v = tc_engine_view(c->e);
    tc_buf_puts(b, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                   "<meta name=\"color-scheme\" content=\"light dark\">"
                   "<meta name=\"robots\" content=\"noindex\">");
    tc_buf_puts(b, "<title>");
    tc_buf_html(b, title);
    tc_buf_puts(b, " - ");
    tc_buf_html(b, v->page_name);
    tc_buf_puts(b, " console</title><link rel=\"stylesheet\" href=\"/admin/assets/console.css\">"
                   "<script src=\"/admin/assets/console.js\" defer></script></head>");
    /* The overview keeps itself current (console.js); a meta refresh would reload under a
     * reader's feet and lose their place. */
    tc_buf_puts(b, active && strcmp(active, "overview") == 0 ? "<body data-refresh=\"30\">"
                                                             : "<body>");
    tc_buf_puts(b, "<a class=\"skip\" href=\"#main\">Skip to content</a><header class=\"top\">"
                   "<p class=\"brand\"><a href=\"/admin/\">");
    tc_buf_html(b, v->page_name);
    tc_buf_puts(b, " <span>console</span></a></p>");
    if (c->user.name) {
        tc_buf_puts(b, "<nav aria-label=\"Console\"><ul>");
        for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
            bool here = active && strcmp(active, sections[i].id) == 0;
            tc_buf_printf(b, "<li><a href=\"%s\"%s>%s</a></li>", sections[i].href,
                          here ? " aria-current=\"page\"" : "", sections[i].label);
        }
        /* The page's own address: with admin.listen, "/" here is not the page. */
        tc_buf_puts(b, "<li><a href=\"");
        tc_buf_html(b, v->page_url && v->page_url[0] ? v->page_url : "/");
        tc_buf_puts(b, "\">Public page</a></li></ul></nav>"
                       "<form class=\"who\" method=\"post\" action=\"/admin/logout\">");
        tc_admin__csrf_field(b, c);
        tc_buf_puts(b, "<span>");
        tc_buf_html(b, c->user.name);
        tc_buf_printf(b, " (%s)</span> <button type=\"submit\" class=\"link\">Log out</button>"
                         "</form>",
                      c->user.role && strcmp(c->user.role, "admin") == 0 ? "admin" : "editor");
    }
    tc_buf_puts(b, "</header><main id=\"main\">");
}

void tc_admin__finish(tc_admin_call_t *c, tc_buf_t *b, unsigned status)
{
    tc_buf_puts(b, "</main></body></html>\n");
    tc_admin__headers(c);
    tc_http_reply_html(c->req, status, b->data);
    tc_buf_free(b);
}

void tc_admin__redirect(tc_admin_call_t *c, const char *location)
{
    tc_http_add_header(c->req, "Location", location);
    tc_admin__headers(c);
    tc_buf_t b;
    tc_buf_init(&b, 0);
    tc_buf_puts(&b, "<!DOCTYPE html><html lang=\"en\"><title>Moved</title><p><a href=\"");
    tc_buf_html(&b, location);
    tc_buf_puts(&b, "\">Continue</a></p></html>");
    tc_http_reply_html(c->req, 303, b.data);
    tc_buf_free(&b);
}

void tc_admin__message(tc_admin_call_t *c, unsigned status, const char *title,
                       const char *text)
{
    tc_buf_t b;
    tc_buf_init(&b, 0);
    tc_admin__open(&b, c, title, NULL);
    tc_buf_puts(&b, "<h1>");
    tc_buf_html(&b, title);
    tc_buf_puts(&b, "</h1><p>");
    tc_buf_html(&b, text);
    tc_buf_puts(&b, "</p><p><a href=\"/admin/\">Back to the overview</a></p>");
    tc_admin__finish(c, &b, status);
}

void tc_admin__csrf_field(tc_buf_t *b, const tc_admin_call_t *c)
{
    tc_buf_puts(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
    tc_buf_html(b, c->csrf);
    tc_buf_puts(b, "\">");
}

void tc_admin__notice(tc_buf_t *b, const char *kind, const char *text)
{
    tc_buf_printf(b, "<p class=\"notice %s\" role=\"%s\">", kind,
                  strcmp(kind, "error") == 0 ? "alert" : "status");
    tc_buf_html(b, text);
    tc_buf_puts(b, "</p>");
}

void tc_admin__when(const tc_admin_call_t *c, int64_t ms, char *out, size_t outlen)
{
    if (!ms) {
        snprintf(out, outlen, "never");
        return;
    }
    tc_html_format_when(tc_engine_zone(c->e), ms, out, outlen);
}

const char *tc_admin__words(const char *api_name, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", api_name);
    for (char *p = out; *p; p++)
        if (*p == '_')
            *p = ' ';
    if (out[0] >= 'a' && out[0] <= 'z')
        out[0] = (char)(out[0] - 'a' + 'A');
    return out;
}

/* "YYYY-MM-DDTHH:MM" (a datetime-local field, seconds allowed) in the page's zone. */
int tc_admin__parse_local(tc_admin_call_t *c, const char *text, int64_t *ms)
{
    int y, mo, d, h, mi, sec = 0;
    char tail;
    if (!text)
        return TC_EINVAL;
    int n = sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &sec, &tail);
    if ((n != 5 && n != 6) || y < 1970 || y > 9999 || !tc_clock_date_exists(y, mo, d) ||
        h > 23 || h < 0 || mi < 0 || mi > 59)
        return TC_EINVAL;
    *ms = tc_clock_from_local(tc_engine_zone(c->e), y, mo, d, h, mi);
    return 0;
}

void tc_admin__local_field(const tc_admin_call_t *c, int64_t ms, char *out, size_t outlen)
{
    tc_clock_format_local(tc_engine_zone(c->e), ms, "%Y-%m-%dT%H:%M", out, outlen);
}
