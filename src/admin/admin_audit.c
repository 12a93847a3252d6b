/* The audit log: who did what and when, newest first, 50 a page. Console users appear as
 * "user:NAME", the write API's changes as "key:NAME" (the key's name). */
#include <stdio.h>
#include <stdlib.h>

#include "admin/admin_int.h"
#include "web/html.h"

#define PER_PAGE 50

void tc_admin__audit_page(tc_admin_call_t *c)
{
    const char *page_arg = tc_http_arg(c->req, "page");
    long page = page_arg ? strtol(page_arg, NULL, 10) : 1;
    if (page < 1 || page > 100000)
        page = 1;
    tc_audit_t *lines = NULL;
    size_t n = 0;
    char err[256];
    /* One more than a page, to know whether there is an older page. */
    if (tc_engine_audit_list(c->e, (size_t)(page - 1) * PER_PAGE, PER_PAGE + 1, &lines, &n, err,
                             sizeof err) != 0) {
        tc_admin__message(c, 500, "Cannot read the audit log", err);
        return;
    }
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    tc_admin__open(&b, c, "Audit log", "audit");
    tc_buf_puts(&b, "<h1>Audit log</h1><table class=\"grid\"><thead><tr><th scope=\"col\">When"
                    "</th><th scope=\"col\">Who</th><th scope=\"col\">What</th>"
                    "<th scope=\"col\">On</th><th scope=\"col\">Detail</th></tr></thead><tbody>");
    for (size_t i = 0; i < n && i < PER_PAGE; i++) {
        char when[64];
        tc_admin__when(c, lines[i].at, when, sizeof when);
        tc_buf_printf(&b, "<tr><td>%s</td><td>", when);
        tc_buf_html(&b, lines[i].actor);
        tc_buf_puts(&b, "</td><td>");
        tc_buf_html(&b, lines[i].action);
        tc_buf_puts(&b, "</td><td>");
        tc_buf_html(&b, lines[i].target);
        tc_buf_puts(&b, "</td><td>");
        tc_buf_html(&b, lines[i].detail);
        tc_buf_puts(&b, "</td></tr>");
    }
    tc_buf_puts(&b, "</tbody></table>");
    if (n == 0)
        tc_buf_puts(&b, "<p>Nothing recorded yet.</p>");
    tc_buf_puts(&b, "<nav class=\"pager\" aria-label=\"Pages\">");
    if (page > 1)
        tc_buf_printf(&b, "<a href=\"/admin/audit?page=%ld\">Newer</a>", page - 1);
    if (n > PER_PAGE)
        tc_buf_printf(&b, "<a href=\"/admin/audit?page=%ld\">Older</a>", page + 1);
    tc_buf_puts(&b, "</nav>");
    tc_engine_audit_free(lines, n);
    tc_admin__finish(c, &b, 200);
}
