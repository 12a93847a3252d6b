/* The HTML status page. Server-rendered, no JavaScript; one inline stylesheet that follows
 * the reader's light/dark preference and fits a phone. Every string that comes from the
 * config goes through tc_buf_html(). */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "web/render.h"

#define PAGE_LIMIT (8 << 20) /* a page past 8 MiB means a bug, not a big status page */

static const char *const css =
    ":root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--fg:#1d2330;--muted:#5b6474;"
    "--line:#e3e6eb;--ok:#1f9d55;--minor:#d69e2e;--major:#dd6b20;--critical:#c53030;"
    "--maint:#3182ce}"
    "@media (prefers-color-scheme:dark){:root{--bg:#111418;--card:#1a1f26;--fg:#e6e9ee;"
    "--muted:#9aa3b2;--line:#2a313b;--ok:#48bb78;--minor:#ecc94b;--major:#ed8936;"
    "--critical:#fc8181;--maint:#63b3ed}}"
    "*{box-sizing:border-box}"
    "body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"
    "'Segoe UI',Roboto,sans-serif}"
    "main{max-width:52rem;margin:0 auto;padding:1.5rem 1rem 3rem}"
    "h1{font-size:1.6rem;margin:0 0 .25rem}"
    ".description{color:var(--muted);margin:0 0 1.25rem}"
    ".banner{border-radius:.5rem;padding:1rem 1.25rem;font-weight:600;font-size:1.15rem;"
    "color:#fff;margin:0 0 1.5rem}"
    ".banner.none{background:var(--ok)}.banner.minor{background:var(--minor);color:#1d2330}"
    ".banner.major{background:var(--major)}.banner.critical{background:var(--critical)}"
    ".banner.maintenance{background:var(--maint)}"
    ".components{list-style:none;margin:0;padding:0;background:var(--card);"
    "border:1px solid var(--line);border-radius:.5rem}"
    ".components>li{border-top:1px solid var(--line)}.components>li:first-child{border-top:0}"
    ".row{display:flex;justify-content:space-between;gap:1rem;padding:.8rem 1.1rem;"
    "align-items:baseline;flex-wrap:wrap}"
    ".name{font-weight:600}.row small{display:block;color:var(--muted);font-weight:400}"
    ".group>.row{background:rgba(127,127,127,.06)}"
    ".children{list-style:none;margin:0;padding:0 0 0 1.1rem}"
    ".children li{border-top:1px solid var(--line)}"
    ".status{font-size:.95rem;white-space:nowrap}"
    ".status.operational{color:var(--ok)}.status.degraded_performance{color:var(--minor)}"
    ".status.partial_outage{color:var(--major)}.status.major_outage{color:var(--critical)}"
    ".status.under_maintenance{color:var(--maint)}"
    "footer{margin-top:2rem;color:var(--muted);font-size:.875rem}"
    "footer a{color:inherit}";

/* Rows hidden while operational are still shown once they are not. */
static int visible(const tc_view_row_t *r)
{
    return !r->only_show_if_degraded || r->status != TC_STATUS_OPERATIONAL;
}

static void row_html(tc_buf_t *b, const tc_view_row_t *r)
{
    tc_buf_puts(b, "<div class=\"row\"><span class=\"name\">");
    tc_buf_html(b, r->name);
    if (r->description) {
        tc_buf_puts(b, "<small>");
        tc_buf_html(b, r->description);
        tc_buf_puts(b, "</small>");
    }
    tc_buf_printf(b, "</span><span class=\"status %s\">%s</span></div>", tc_status_name(r->status),
                  tc_status_label(r->status));
}

static void components_html(tc_buf_t *b, const tc_view_t *v)
{
    tc_buf_puts(b, "<ul class=\"components\" aria-label=\"Components\">");
    for (size_t i = 0; i < v->nrows; i++) {
        const tc_view_row_t *r = &v->rows[i];
        if (r->group_id || !visible(r))
            continue;
        if (!r->is_group) {
            tc_buf_puts(b, "<li>");
            row_html(b, r);
            tc_buf_puts(b, "</li>");
            continue;
        }
        tc_buf_puts(b, "<li class=\"group\">");
        row_html(b, r);
        tc_buf_puts(b, "<ul class=\"children\">");
        for (size_t j = 0; j < v->nrows; j++) {
            const tc_view_row_t *c = &v->rows[j];
            if (!c->group_id || strcmp(c->group_id, r->id) != 0 || !visible(c))
                continue;
            tc_buf_puts(b, "<li>");
            row_html(b, c);
            tc_buf_puts(b, "</li>");
        }
        tc_buf_puts(b, "</ul></li>");
    }
    tc_buf_puts(b, "</ul>");
}

char *tc_render_page_html(const tc_view_t *v, size_t *len)
{
    tc_buf_t b;
    tc_buf_init(&b, PAGE_LIMIT);
    char updated[64];
    tc_clock_format_local(v->updated_at, "%b %d, %Y %H:%M %Z", updated, sizeof updated);

    tc_buf_puts(&b, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                    "<meta name=\"color-scheme\" content=\"light dark\"><title>");
    tc_buf_html(&b, v->page_name);
    tc_buf_puts(&b, " Status</title>");
    if (v->page_description) {
        tc_buf_puts(&b, "<meta name=\"description\" content=\"");
        tc_buf_html(&b, v->page_description);
        tc_buf_puts(&b, "\">");
    }
    tc_buf_printf(&b, "<style>%s</style></head><body><main><header><h1>", css);
    tc_buf_html(&b, v->page_name);
    tc_buf_puts(&b, "</h1>");
    if (v->page_description) {
        tc_buf_puts(&b, "<p class=\"description\">");
        tc_buf_html(&b, v->page_description);
        tc_buf_puts(&b, "</p>");
    }
    tc_buf_printf(&b,
                  "</header><p class=\"banner %s\" role=\"status\" data-indicator=\"%s\">%s</p>",
                  tc_indicator_name(v->rollup.indicator), tc_indicator_name(v->rollup.indicator),
                  v->rollup.description);
    components_html(&b, v);
    tc_buf_puts(&b, "<footer><p>Times are shown in ");
    tc_buf_html(&b, v->time_zone);
    tc_buf_puts(&b, ". Last updated ");
    tc_buf_html(&b, updated);
    tc_buf_puts(&b, ".</p><p><a href=\"/api/v2/summary.json\">Status API</a> &middot; "
                    "Powered by tocsin</p></footer></main></body></html>\n");
    return tc_buf_steal(&b, len);
}
