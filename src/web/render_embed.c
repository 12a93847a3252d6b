/* The embeds: /embed.js (static/embed.js, compiled in: a script tag on another site shows a
 * status pill and a dismissible banner for an open incident or a maintenance under way,
 * reading summary.json) and /embed, a small page without JavaScript for an <iframe>: the
 * pill, the open incidents and the maintenance under way. /embed is the one
 * page other sites may frame (its Content-Security-Policy says frame-ancestors *; every other
 * page keeps 'none', see http_server.c); its links open the status page in a new tab. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "web/html.h"
#include "web/render.h"

#include "embed_js.h"

/* Small and self-contained: a transparent body so the frame takes the host's background,
 * light and dark, and the status page's colours (white text on each passes WCAG AA). */
static const char *const css =
    ":root{color-scheme:light dark;--fg:#1d2330;--muted:#5b6474;--line:#d0d7de;--bg:#fff;"
    "--link:#0550ae}"
    "@media (prefers-color-scheme:dark){:root{--fg:#e6e9ee;--muted:#9aa3b2;--line:#3a424e;"
    "--bg:#1a1f26;--link:#90cdf4}}"
    "body{margin:0;padding:4px;background:transparent;color:var(--fg);"
    "font:13px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}"
    ".pill{display:inline-flex;align-items:center;gap:6px;padding:3px 10px;"
    "border:1px solid var(--line);border-radius:999px;background:var(--bg);color:var(--fg);"
    "text-decoration:none}.pill:hover{text-decoration:underline}"
    ".dot{width:8px;height:8px;border-radius:50%;flex-shrink:0}"
    ".none{background:#1a7f37}.minor{background:#9a6700}.major{background:#bc4c00}"
    ".critical{background:#cf222e}.maintenance{background:#0969da}"
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);"
    "white-space:nowrap}"
    "ul{list-style:none;margin:8px 0 0;padding:0}"
    "li{margin:0 0 6px;padding:6px 10px;background:var(--bg);border:1px solid var(--line);"
    "border-left:5px solid #9a6700;border-radius:6px}"
    "li.impact-major{border-left-color:#bc4c00}li.impact-critical{border-left-color:#cf222e}"
    "li.impact-maintenance{border-left-color:#0969da}"
    "li a{color:var(--link);font-weight:600}li span{display:block;color:var(--muted)}";

char *tc_render_embed_html(const tc_view_t *v, size_t *len)
{
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    /* No script, and no timed refresh either (WCAG 2.2.1 forbids reloading under a reader's
     * eyes): the frame shows the status as of the host page's load; embed.js keeps up. */
    tc_buf_printf(&b, "<!DOCTYPE html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
                      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                      "<meta name=\"color-scheme\" content=\"light dark\"><title>",
                  tc_lang_code(v->lang));
    tc_i18n_html(&b, v->lang, TC_T_STATUS_OF, v->page_name, NULL);
    tc_buf_printf(&b, "</title><style>%s</style></head><body><main><h1 class=\"sr\">", css);
    tc_i18n_html(&b, v->lang, TC_T_STATUS_OF, v->page_name, NULL);
    tc_buf_puts(&b, "</h1>");
    const char *indicator = tc_indicator_name(v->rollup.indicator);
    tc_buf_printf(&b, "<a class=\"pill\" href=\"/\" target=\"_blank\" rel=\"noopener\" "
                      "data-indicator=\"%s\"><span class=\"dot %s\" aria-hidden=\"true\">"
                      "</span><span class=\"sr\">",
                  indicator, indicator);
    tc_i18n_html(&b, v->lang, TC_T_STATUS_OF, v->page_name, NULL);
    tc_buf_puts(&b, ": </span>");
    tc_buf_html(&b, tc_i18n_rollup(v->lang, v->rollup.description));
    tc_buf_puts(&b, "</a>");
    size_t open = 0;
    for (size_t k = 0; k < v->nincidents; k++) {
        const tc_incident_t *i = v->incidents[k];
        /* Open incidents, and maintenance under way (not the upcoming kind). */
        bool under_way = i->is_maintenance &&
                         (i->status == TC_INC_IN_PROGRESS || i->status == TC_INC_VERIFYING);
        if (!tc_incident_is_open(i) || (i->is_maintenance && !under_way))
            continue;
        if (!open++) {
            tc_buf_puts(&b, "<ul aria-label=\"");
            tc_html_text(&b, v, TC_T_OPEN_INCIDENTS);
            tc_buf_puts(&b, "\">");
        }
        tc_buf_printf(&b, "<li class=\"impact-%s\"><a href=\"/incidents/",
                      tc_impact_name(i->impact));
        tc_buf_html(&b, i->id);
        tc_buf_puts(&b, "\" target=\"_blank\" rel=\"noopener\">");
        tc_buf_html(&b, i->name);
        tc_buf_puts(&b, "</a><span>");
        if (i->is_maintenance)
            tc_html_text(&b, v, i->status == TC_INC_VERIFYING ? TC_T_MAINT_VERIFYING
                                                               : TC_T_MAINT_IN_PROGRESS);
        else
            tc_buf_html(&b, tc_i18n_update(v->lang, i->status, -1));
        tc_buf_puts(&b, "</span></li>");
    }
    if (open)
        tc_buf_puts(&b, "</ul>");
    tc_buf_puts(&b, "</main></body></html>\n");
    return tc_buf_steal(&b, len);
}

void tc_render_embed_docs(const tc_view_t *v, tc_snapshot_t *s)
{
    size_t len = 0;
    char *body = tc_render_embed_html(v, &len);
    tc_snapshot_add(s, "/embed", TC_ROUTE_EMBED, "text/html; charset=utf-8", body, len);
    /* The snapshot owns its bodies, so the script is copied; its compression is computed
     * once and then found in the snapshot cache at every render. */
    char *js = tc_malloc(sizeof tc_embed_js);
    memcpy(js, tc_embed_js, sizeof tc_embed_js);
    tc_snapshot_add(s, "/embed.js", TC_ROUTE_EMBED, "text/javascript; charset=utf-8", js,
                    sizeof tc_embed_js);
}
