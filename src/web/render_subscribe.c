/* The subscriber pages (answers to the page's no-JavaScript subscribe form, and the
 * confirmation and unsubscribe links): small pages in the status page's frame. Pure: the
 * view and the texts in, HTML out. */
#include "core/buf.h"
#include "web/html.h"
#include "web/render.h"

/* The frame, the heading and the first paragraph both pages start with. */
static void open_page(tc_buf_t *b, const tc_view_t *v, const char *title, const char *text)
{
    tc_buf_init(b, 0);
    tc_html_open(b, v, title, false);
    tc_buf_puts(b, "<h1>");
    tc_buf_html(b, title);
    tc_buf_puts(b, "</h1><p>");
    tc_buf_html(b, text);
    tc_buf_puts(b, "</p>");
}

char *tc_render_notice_html(const tc_view_t *v, const char *title, const char *text,
                            bool back_link)
{
    tc_buf_t b;
    open_page(&b, v, title, text);
    if (back_link) {
        tc_buf_puts(&b, "<p><a href=\"/\">&larr; ");
        tc_html_text(&b, v, TC_T_BACK);
        tc_buf_puts(&b, "</a></p>");
    }
    tc_html_close(&b, v);
    return tc_buf_steal(&b, NULL);
}

char *tc_render_confirm_html(const tc_view_t *v, const char *title, const char *text,
                             const char *action, const char *button)
{
    tc_buf_t b;
    open_page(&b, v, title, text);
    tc_buf_puts(&b, "<form class=\"confirm\" method=\"post\" action=\"");
    tc_buf_html(&b, action);
    tc_buf_puts(&b, "\"><button type=\"submit\">");
    tc_buf_html(&b, button);
    tc_buf_puts(&b, "</button></form>");
    tc_html_close(&b, v);
    return tc_buf_steal(&b, NULL);
}
