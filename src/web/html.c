/* The frame and incident fragments of the HTML pages. One inline stylesheet serves every
 * page: it follows the reader's light/dark preference, fits a phone, and colours impact
 * with borders and badges as well as words, so colour never carries meaning alone. Every
 * text colour meets WCAG AA (4.5:1) on its background in both schemes: light mode uses dark
 * status colours with white text on them, dark mode light ones with dark text (--on), and
 * yellow, too light for text on white, has its own darker text colour (--minor-text).
 * No JavaScript anywhere: older updates fold with <details>. */
#include "web/html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "web/i18n.h"
#include "web/markdown.h"

static const char *const css =
    ":root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--fg:#1d2330;--muted:#5b6474;"
    "--line:#e3e6eb;--ok:#15803d;--minor:#d69e2e;--minor-text:#946200;--major:#c2410c;"
    "--critical:#c53030;--maint:#2b6cb0;--nodata:#d5d9e0;--link:#2b6cb0;--on:#fff;"
    "--on-minor:#1d2330}"
    "@media (prefers-color-scheme:dark){:root{--bg:#111418;--card:#1a1f26;--fg:#e6e9ee;"
    "--muted:#9aa3b2;--line:#2a313b;--ok:#48bb78;--minor:#ecc94b;--minor-text:#ecc94b;"
    "--major:#ed8936;--critical:#fc8181;--maint:#63b3ed;--nodata:#39414d;--link:#90cdf4;"
    "--on:#111418;--on-minor:#111418}}"
    "*{box-sizing:border-box}"
    "body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"
    "'Segoe UI',Roboto,sans-serif}"
    "main{max-width:52rem;margin:0 auto;padding:1.5rem 1rem 3rem}"
    "h1{font-size:1.6rem;margin:0 0 .25rem}"
    "h2{font-size:1.25rem;margin:2rem 0 .75rem}"
    "h3{font-size:1.05rem;margin:1.5rem 0 .5rem;padding-bottom:.25rem;"
    "border-bottom:1px solid var(--line)}"
    ".description{color:var(--muted);margin:0 0 1.25rem}"
    ".page-notice{border:1px dashed var(--muted);border-radius:.5rem;padding:.5rem .9rem;"
    "margin:0 0 1.25rem}"
    ".brand{margin:0 0 1rem;font-weight:600}.brand a{color:inherit;text-decoration:none}"
    ".banner{border-radius:.5rem;padding:1rem 1.25rem;font-weight:600;font-size:1.15rem;"
    "color:var(--on);margin:0 0 1.5rem}"
    ".banner.none{background:var(--ok)}.banner.minor{background:var(--minor);color:var(--on-minor)}"
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
    ".status.operational{color:var(--ok)}.status.degraded_performance{color:var(--minor-text)}"
    ".status.partial_outage{color:var(--major)}.status.major_outage{color:var(--critical)}"
    ".status.under_maintenance{color:var(--maint)}"
    ".bars-row{padding-top:0;padding-bottom:0;position:relative}"
    ".fallback{padding-top:0;font-size:.95rem;border-left:3px solid var(--minor)}"
    ".bars{display:block;width:100%;height:2.1rem;margin:.1rem 0 0}"
    ".bars rect{fill:var(--nodata)}.bars .operational{fill:var(--ok)}"
    ".bars .degraded_performance{fill:var(--minor)}.bars .partial_outage{fill:var(--major)}"
    ".bars .major_outage{fill:var(--critical)}.bars .under_maintenance{fill:var(--maint)}"
    ".bars .nodata{fill:var(--nodata)}.bars .gaps{fill:url(#tc-gaps)}.gap{fill:var(--card)}"
    ".defs{position:absolute}.bars[tabindex]{cursor:pointer;touch-action:pan-y;"
    "-webkit-tap-highlight-color:transparent}"
    ".bars:focus{outline:0}.bars:focus-visible{outline:2px solid var(--link);outline-offset:2px}"
    ".bars .sel{fill:none;stroke:var(--fg);stroke-width:2px;vector-effect:non-scaling-stroke}"
    ".day-pop{position:absolute;top:100%;z-index:2;width:max-content;"
    "max-width:min(20rem,calc(100% - 1rem));background:var(--card);color:var(--fg);"
    "border:1px solid var(--muted);border-radius:.4rem;padding:.5rem .75rem;font-size:.875rem;"
    "box-shadow:0 4px 14px rgba(0,0,0,.2)}"
    ".day-pop p{margin:0}.day-pop ul{list-style:none;margin:.3rem 0 0;padding:0}"
    ".day-pop li{margin:.2rem 0 0;border-top:0}.uptime a{color:inherit}"
    ".uptime{display:flex;justify-content:space-between;align-items:center;color:var(--muted);"
    "font-size:.8rem;padding:0 1.1rem .5rem}.uptime a{padding:.25rem 0}"
    ".spark{width:7.5rem;height:1.5rem;vertical-align:middle;margin-right:.5rem}"
    ".spark polyline{fill:none;stroke:var(--muted);stroke-width:1.5}"
    ".incident{background:var(--card);border:1px solid var(--line);border-radius:.5rem;"
    "padding:.8rem 1.1rem;margin:0 0 .75rem}"
    ".impact{border-left:.3rem solid var(--line);padding-left:.8rem}"
    ".impact-minor{border-left-color:var(--minor)}.impact-major{border-left-color:var(--major)}"
    ".impact-critical{border-left-color:var(--critical)}"
    ".impact-maintenance{border-left-color:var(--maint)}"
    ".incident-title{font-size:1.05rem;margin:0 0 .25rem}"
    ".incident-title a{color:inherit}"
    ".badge{display:inline-block;font-size:.8rem;font-weight:600;padding:0 .45rem;"
    "border-radius:.25rem;color:var(--on);background:var(--muted);margin-right:.4rem}"
    ".badge.impact-minor{background:var(--minor);color:var(--on-minor)}"
    ".badge.impact-major{background:var(--major)}.badge.impact-critical{background:var(--critical)}"
    ".badge.impact-maintenance{background:var(--maint)}"
    ".meta{color:var(--muted);font-size:.9rem;margin:0 0 .5rem}"
    ".components-affected{color:var(--muted);font-size:.9rem;margin:.5rem 0 0}"
    ".md{overflow-wrap:anywhere}.md>:first-child{margin-top:0}.md>:last-child{margin-bottom:0}"
    ".md h1,.md h2,.md h3,.md h4,.md h5,.md h6{font-size:1rem;margin:.75rem 0 .25rem;"
    "border:0;padding:0}"
    ".md pre{overflow-x:auto}a{color:var(--link)}"
    ".month>h2 a{color:inherit;text-decoration:none}.month>h2 a:hover{text-decoration:underline}"
    "details{margin-top:.5rem}summary{cursor:pointer;color:var(--muted);font-size:.9rem}"
    ".updates{list-style:none;margin:.5rem 0 0;padding:0}"
    ".updates>li{border-top:1px solid var(--line);padding:.6rem 0}"
    ".update-head{margin:0 0 .25rem}.update-head small,.posted{color:var(--muted)}"
    ".update h2{font-size:1.05rem;margin:0 0 .25rem}"
    ".quiet{color:var(--muted);margin:0 0 .5rem}"
    ".pager{display:flex;justify-content:space-between;flex-wrap:wrap;gap:1rem;margin-top:1.5rem}"
    ".table-wrap{overflow-x:auto}.report{width:100%;border-collapse:collapse;"
    "background:var(--card);border:1px solid var(--line);font-size:.95rem}"
    ".report th,.report td{text-align:left;vertical-align:top;padding:.4rem .7rem;"
    "border-top:1px solid var(--line)}.report thead th{color:var(--muted);font-size:.85rem}"
    ".report small{display:block;color:var(--muted)}.report a{color:var(--link)}"
    ".report tbody th{white-space:nowrap}"
    "@media (max-width:30rem){.report th,.report td{padding:.35rem .3rem}}"
    "footer{margin-top:2rem;color:var(--muted);font-size:.875rem}"
    ".top{display:flex;justify-content:space-between;align-items:flex-start;gap:.5rem 1rem;"
    "flex-wrap:wrap;margin:0 0 1.25rem}.top .description{margin:0}"
    ".button,.subscribe button,.confirm button{font:inherit;font-weight:600;padding:.5rem 1rem;"
    "border:0;border-radius:.35rem;background:var(--link);color:var(--on);cursor:pointer;"
    "text-decoration:none;display:inline-block;white-space:nowrap}"
    ".subscribe form{background:var(--card);border:1px solid var(--line);border-radius:.5rem;"
    "padding:.9rem 1.1rem;margin:0 0 .5rem}"
    ".field{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:0}"
    ".field label{font-weight:600;flex-basis:100%}"
    ".field input{font:inherit;flex:1 1 14rem;min-width:0;padding:.45rem .6rem;color:var(--fg);"
    "background:var(--bg);border:1px solid var(--muted);border-radius:.35rem}"
    ".subscribe details{margin-top:.75rem}.subscribe fieldset{border:0;margin:0;padding:0}"
    ".subscribe legend{font-weight:600;padding:0;margin:.5rem 0 .25rem}"
    ".choices,.choices ul{list-style:none;margin:0;padding:0}.choices ul{padding-left:1.6rem}"
    ".choices label{display:inline-block;padding:.3rem 0}.choices small{color:var(--muted)}"
    ".choices input{width:1.15rem;height:1.15rem;margin:0 .5rem 0 0;vertical-align:-.2rem;"
    "accent-color:var(--link)}"
    "main footer a{color:inherit}"
    ".bar{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.25rem;margin:0 0 1rem}"
    ".logo{display:block;height:2.5rem;width:auto;max-width:100%}"
    ".bar nav{margin-left:auto}.links{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;"
    "list-style:none;margin:0;padding:0}";

/* OpenGraph and Twitter card tags, so a link to the page shared in chat or social media
 * shows its name and description rather than a bare URL. */
static void social_meta(tc_buf_t *b, const tc_view_t *v, const char *suffix)
{
    tc_buf_puts(b, "<meta property=\"og:type\" content=\"website\">"
                   "<meta property=\"og:title\" content=\"");
    tc_buf_html(b, v->page_name);
    tc_buf_puts(b, suffix);
    tc_buf_puts(b, "\"><meta property=\"og:site_name\" content=\"");
    tc_buf_html(b, v->page_name);
    tc_buf_puts(b, "\">");
    if (v->page_description) {
        tc_buf_puts(b, "<meta property=\"og:description\" content=\"");
        tc_buf_html(b, v->page_description);
        tc_buf_puts(b, "\">");
    }
    if (v->page_url && v->page_url[0]) {
        tc_buf_puts(b, "<meta property=\"og:url\" content=\"");
        tc_buf_html(b, v->page_url);
        tc_buf_puts(b, "\">");
    }
    tc_buf_puts(b, "<meta name=\"twitter:card\" content=\"summary\">");
}

/* The logo and the operator's links, above the page's name, when the page has either. The
 * logo is decoration next to the name (alt=""); its height is fixed by the stylesheet and
 * it sits on a line of its own, so the page does not move when it arrives. */
static void brand_bar(tc_buf_t *b, const tc_view_t *v)
{
    if (!v->logo && !(v->links && v->links[0]))
        return;
    tc_buf_puts(b, "<div class=\"bar\">");
    if (v->logo)
        tc_buf_printf(b, "<img class=\"logo\" src=\"%s\" alt=\"\">", v->logo_path);
    if (v->links && v->links[0]) {
        tc_buf_puts(b, "<nav aria-label=\"");
        tc_buf_html(b, v->page_name);
        tc_buf_puts(b, "\"><ul class=\"links\">");
        for (size_t i = 0; v->links[i] && v->links[i + 1]; i += 2) {
            tc_buf_puts(b, "<li><a href=\"");
            tc_buf_html(b, v->links[i + 1]);
            tc_buf_puts(b, "\">");
            tc_buf_html(b, v->links[i]);
            tc_buf_puts(b, "</a></li>");
        }
        tc_buf_puts(b, "</ul></nav>");
    }
    tc_buf_puts(b, "</div>");
}

const char *tc_html_stylesheet(void)
{
    return css;
}

void tc_html_open(tc_buf_t *b, const tc_view_t *v, const char *title, bool home)
{
    /* "Acme Status" stays as it is; "Acme" becomes "Acme Status". */
    const char *suffix = strstr(v->page_name, "Status") || strstr(v->page_name, "status")
                             ? ""
                             : tc_i18n(v->lang, TC_T_TITLE_SUFFIX);

    tc_buf_printf(b, "<!DOCTYPE html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                     "<meta name=\"color-scheme\" content=\"light dark\"><title>",
                  tc_lang_code(v->lang));
    if (title) {
        tc_buf_html(b, title);
        tc_buf_puts(b, " - ");
    }
    tc_buf_html(b, v->page_name);
    tc_buf_html(b, suffix);
    tc_buf_puts(b, "</title>");
    if (v->page_description) {
        tc_buf_puts(b, "<meta name=\"description\" content=\"");
        tc_buf_html(b, v->page_description);
        tc_buf_puts(b, "\">");
    }
    tc_buf_printf(b, "<link rel=\"icon\" href=\"/favicon.ico\" type=\"%s\">",
                  v->favicon ? v->favicon_type : "image/x-icon");
    if (home)
        social_meta(b, v, suffix);
    tc_buf_puts(b, "<link rel=\"alternate\" type=\"application/atom+xml\" "
                   "href=\"/history.atom\" title=\"");
    tc_html_text(b, v, TC_T_FEED_ATOM);
    tc_buf_puts(b, "\"><link rel=\"alternate\" type=\"application/rss+xml\" "
                   "href=\"/history.rss\" title=\"");
    tc_html_text(b, v, TC_T_FEED_RSS);
    tc_buf_puts(b, "\">");
    tc_buf_printf(b, "<style>%s", css);
    /* The accent replaces the link colour of each scheme; the operator's stylesheet comes
     * last, so it can override anything above. */
    if (v->accent)
        tc_buf_printf(b, ":root{--link:%s}@media (prefers-color-scheme:dark){:root{--link:%s}}",
                      v->accent, v->accent_dark);
    if (v->css)
        tc_buf_puts(b, v->css);
    tc_buf_puts(b, "</style></head><body><main><header>");
    brand_bar(b, v);
    if (home) {
        tc_buf_puts(b, "<div class=\"top\"><div><h1>");
        tc_buf_html(b, v->page_name);
        tc_buf_puts(b, "</h1>");
        if (v->page_description) {
            tc_buf_puts(b, "<p class=\"description\">");
            tc_buf_html(b, v->page_description);
            tc_buf_puts(b, "</p>");
        }
        tc_buf_puts(b, "</div>");
        /* The form is at the end of the page; the link takes a visitor there without
         * JavaScript, and works for keyboards and screen readers as any link does. */
        if (v->subscribe_email) {
            tc_buf_puts(b, "<a class=\"button\" href=\"#subscribe\">");
            tc_html_text(b, v, TC_T_SUBSCRIBE_BUTTON);
            tc_buf_puts(b, "</a>");
        }
        tc_buf_puts(b, "</div>");
    } else {
        tc_buf_puts(b, "<p class=\"brand\"><a href=\"/\">");
        tc_buf_html(b, v->page_name);
        tc_buf_html(b, suffix);
        tc_buf_puts(b, "</a></p>");
    }
    if (v->page_notice) {
        tc_buf_puts(b, "<p class=\"page-notice\" role=\"note\">");
        tc_buf_html(b, v->page_notice);
        tc_buf_puts(b, "</p>");
    }
    tc_buf_puts(b, "</header>");
}

void tc_html_close(tc_buf_t *b, const tc_view_t *v)
{
    char updated[64];
    tc_i18n_date(v->lang, v->zone, v->updated_at, TC_T_FMT_STAMP, updated, sizeof updated);
    tc_buf_puts(b, "<footer>");
    if (v->footer) {
        tc_buf_puts(b, "<p>");
        tc_buf_html(b, v->footer);
        tc_buf_puts(b, "</p>");
    }
    tc_buf_puts(b, "<p>");
    tc_i18n_html(b, v->lang, TC_T_TIMES_IN, v->time_zone, NULL);
    tc_buf_puts(b, " ");
    tc_i18n_html(b, v->lang, TC_T_LAST_UPDATED, updated, NULL);
    tc_buf_puts(b, "</p><p><a href=\"/history\">");
    tc_html_text(b, v, TC_T_INCIDENT_HISTORY);
    tc_buf_puts(b, "</a> &middot; <a href=\"/uptime\">");
    tc_html_text(b, v, TC_T_UPTIME);
    tc_buf_puts(b, "</a> &middot; <a href=\"/history.atom\">Atom</a> &middot; "
                   "<a href=\"/history.rss\">RSS</a> &middot; <a href=\"/api/v2/summary.json\">");
    tc_html_text(b, v, TC_T_STATUS_API);
    tc_buf_puts(b, "</a> &middot; ");
    tc_html_text(b, v, TC_T_POWERED);
    tc_buf_puts(b, "</p></footer></main></body></html>\n");
}

/* Append cmark's @p html with its headings placed under an <h@p level>: the first becomes
 * <h level+1>, and each next one keeps its step from the one before, but never deeper than
 * one level below it ("## A" then "#### B" gives h+1 and h+2) and never above level+1.
 * Writers often start at "##" or skip levels; the page's outline must not. Safe mode
 * escapes raw HTML, so every "<hN>" and "</hN>" in the output is a heading of cmark's. */
static void nested_headings(tc_buf_t *b, const char *html, size_t len, int level)
{
    const char *p = html, *end = html + len;
    int was = 0, now = 0; /* the last heading's level in the body and on the page */
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt) {
            tc_buf_append(b, p, (size_t)(end - p));
            return;
        }
        bool closing = end - lt > 1 && lt[1] == '/';
        const char *h = lt + 1 + closing;
        tc_buf_append(b, p, (size_t)(lt - p));
        if (end - h >= 3 && h[0] == 'h' && h[1] >= '1' && h[1] <= '6' && h[2] == '>') {
            int own = h[1] - '0';
            if (!closing) {
                int next = !was ? level + 1 : own > was ? now + 1 : now - (was - own);
                now = next < level + 1 ? level + 1 : next > 6 ? 6 : next;
                was = own;
            }
            tc_buf_printf(b, "<%sh%d>", closing ? "/" : "", now);
            p = h + 3;
        } else {
            tc_buf_append(b, lt, 1);
            p = lt + 1;
        }
    }
}

void tc_html_markdown(tc_buf_t *b, const char *md, size_t max)
{
    tc_html_markdown_under(b, md, max, 0);
}

void tc_html_markdown_under(tc_buf_t *b, const char *md, size_t max, int level)
{
    char *cut = NULL;
    if (!md)
        md = "";
    if (max && strlen(md) > max) {
        /* Back off to the start of a UTF-8 sequence so no character is split; the cut may
         * still fall inside Markdown syntax, which then shows as text, never as markup. */
        size_t n = max;
        while (n > 0 && ((unsigned char)md[n] & 0xC0) == 0x80)
            n--;
        cut = tc_malloc(n + 4);
        memcpy(cut, md, n);
        memcpy(cut + n, "...", 4);
        md = cut;
    }
    size_t len = 0;
    char *html = tc_markdown_html(md, &len);
    tc_buf_puts(b, "<div class=\"md\">");
    if (level > 0)
        nested_headings(b, html, len, level);
    else
        tc_buf_append(b, html, len);
    tc_buf_puts(b, "</div>");
    free(html);
    free(cut);
}

int64_t tc_html_incident_time(const tc_incident_t *i)
{
    if (i->is_maintenance && i->scheduled_for)
        return i->scheduled_for;
    return i->started_at ? i->started_at : i->created_at;
}

int64_t tc_html_update_time(const tc_incident_update_t *u)
{
    return u->display_at ? u->display_at : u->created_at;
}

void tc_html_incident_span(const tc_view_t *v, const tc_incident_t *i, int64_t *begin,
                           int64_t *end)
{
    *begin = tc_html_incident_time(i);
    *end = i->resolved_at                            ? i->resolved_at
           : tc_incident_status_is_closed(i->status) ? i->updated_at
                                                     : v->now;
}

bool tc_html_span_meets(int64_t begin, int64_t end, int64_t start, int64_t stop)
{
    return begin < stop && (end > start || begin >= start);
}

void tc_html_format_when(const tc_zone_t *z, int64_t ms, char *out, size_t outlen)
{
    tc_i18n_date(TC_LANG_EN, z, ms, TC_T_FMT_WHEN, out, outlen);
}

void tc_html_text(tc_buf_t *b, const tc_view_t *v, tc_text_t key)
{
    tc_buf_html(b, tc_i18n(v->lang, key));
}

void tc_html_when(const tc_view_t *v, int64_t ms, char *out, size_t outlen)
{
    tc_i18n_date(v->lang, v->zone, ms, TC_T_FMT_WHEN, out, outlen);
}

static const char *row_name(const tc_view_t *v, const char *id)
{
    for (size_t r = 0; r < v->nrows; r++)
        if (strcmp(v->rows[r].id, id) == 0)
            return v->rows[r].name;
    return NULL;
}

/* A component's name now, or the name an update recorded if it has since been removed. */
static const char *component_name(const tc_view_t *v, const tc_incident_t *i, const char *id)
{
    const char *name = row_name(v, id);
    for (size_t k = i->nupdates; !name && k-- > 0;)
        for (size_t a = 0; a < i->updates[k].naffected; a++)
            if (i->updates[k].affected[a].code &&
                strcmp(i->updates[k].affected[a].code, id) == 0 &&
                i->updates[k].affected[a].name)
                name = i->updates[k].affected[a].name;
    return name;
}

/* What a closed incident did to component @p c: the worst status it set, now or in any
 * update (a resolved incident sets "operational" last, which says nothing of its impact). */
static tc_status_t worst_set(const tc_incident_t *i, size_t c)
{
    tc_status_t worst = i->component_status ? i->component_status[c] : TC_STATUS_OPERATIONAL;
    for (size_t k = 0; k < i->nupdates; k++)
        for (size_t a = 0; a < i->updates[k].naffected; a++) {
            const tc_affected_t *x = &i->updates[k].affected[a];
            if (x->code && strcmp(x->code, i->component_ids[c]) == 0)
                worst = tc_status_worst(worst, x->new_status);
        }
    return worst;
}

size_t tc_html_affected_words(tc_buf_t *b, const tc_view_t *v, const tc_incident_t *i,
                              bool html)
{
    bool open = tc_incident_is_open(i);
    size_t shown = 0, n = 0;
    for (size_t c = 0; c < i->ncomponents; c++)
        n += component_name(v, i, i->component_ids[c]) != NULL;
    for (size_t c = 0; c < i->ncomponents; c++) {
        const char *name = component_name(v, i, i->component_ids[c]);
        if (!name)
            continue;
        if (shown == 0)
            tc_buf_puts(b, tc_i18n(v->lang, i->is_maintenance
                                                ? open ? TC_T_MAINT_AFFECTS : TC_T_MAINT_AFFECTED
                                                : open ? TC_T_AFFECTS : TC_T_AFFECTED));
        /* "A", "A and B", "A, B, and C": the serial comma, as on Statuspage. */
        else
            tc_buf_puts(b, tc_i18n(v->lang, n > 2 ? (shown == n - 1 ? TC_T_LIST_LAST
                                                                     : TC_T_LIST_SEP)
                                                   : TC_T_LIST_AND));
        tc_status_t s = open && i->component_status ? i->component_status[c] : worst_set(i, c);
        bool with_status = !i->is_maintenance && s != TC_STATUS_OPERATIONAL;
        const char *words = tc_i18n_status_words(v->lang, s);
        if (html && with_status)
            tc_i18n_html(b, v->lang, TC_T_NAME_STATUS, name, words, NULL);
        else if (with_status)
            tc_i18n_put(b, v->lang, TC_T_NAME_STATUS, name, words, NULL);
        else if (html)
            tc_buf_html(b, name);
        else
            tc_buf_puts(b, name);
        shown++;
    }
    if (shown)
        tc_buf_puts(b, tc_i18n(v->lang, TC_T_FULL_STOP));
    return shown;
}

void tc_html_affected(tc_buf_t *b, const tc_view_t *v, const tc_incident_t *i)
{
    tc_buf_t words;
    tc_buf_init(&words, 0);
    if (tc_html_affected_words(&words, v, i, true))
        tc_buf_printf(b, "<p class=\"components-affected\">%s</p>", words.data);
    tc_buf_free(&words);
}

static const char *impact_label(const tc_view_t *v, tc_impact_t impact)
{
    if ((unsigned)impact >= sizeof v->impact_labels / sizeof v->impact_labels[0])
        return NULL;
    const char *l = v->impact_labels[impact];
    if (!l)
        l = tc_i18n_impact(v->lang, impact);
    return l[0] ? l : NULL;
}

void tc_html_update(tc_buf_t *b, const tc_view_t *v, const tc_incident_t *i, size_t k,
                    int level)
{
    const tc_incident_update_t *u = &i->updates[k];
    int prev = k > 0 ? (int)i->updates[k - 1].status : -1;
    char when[64];
    tc_html_when(v, tc_html_update_time(u), when, sizeof when);
    tc_buf_puts(b, "<p class=\"update-head\"><strong>");
    tc_buf_html(b, tc_i18n_update(v->lang, u->status, prev));
    tc_buf_puts(b, "</strong> <small>");
    tc_buf_html(b, when);
    tc_buf_puts(b, "</small></p>");
    tc_html_markdown_under(b, u->body, 0, level);
}

void tc_html_incident_entry(tc_buf_t *b, const tc_view_t *v, const tc_incident_t *i,
                            int level)
{
    /* Long post-mortems are cut in the list, as on the seed history; the title links to
     * the whole text. */
    enum { BODY_MAX = 500 };
    const char *impact = tc_impact_name(i->impact);
    const char *label = impact_label(v, i->impact);
    const tc_incident_update_t *latest = i->nupdates ? &i->updates[i->nupdates - 1] : NULL;
    char when[64], n[24];

    tc_buf_printf(b, "<article class=\"incident impact impact-%s\">", impact);
    tc_buf_printf(b, "<h%d class=\"incident-title\"><a href=\"/incidents/", level);
    tc_buf_html(b, i->id);
    tc_buf_puts(b, "\">");
    tc_buf_html(b, i->name);
    tc_buf_printf(b, "</a></h%d><p class=\"meta\">", level);
    if (label) {
        tc_buf_printf(b, "<span class=\"badge impact-%s\">", impact);
        tc_buf_html(b, label);
        tc_buf_puts(b, "</span> ");
    }
    if (tc_incident_status_is_closed(i->status)) {
        int64_t end = i->resolved_at ? i->resolved_at
                                     : latest ? tc_html_update_time(latest) : i->updated_at;
        tc_html_when(v, end, when, sizeof when);
        tc_buf_puts(b, "<span>");
        tc_i18n_html(b, v->lang, i->is_maintenance ? TC_T_COMPLETED_AT : TC_T_RESOLVED_AT,
                     when, NULL);
        tc_buf_puts(b, "</span>");
    } else {
        int64_t at = latest ? tc_html_update_time(latest) : i->updated_at;
        tc_html_when(v, at, when, sizeof when);
        tc_buf_puts(b, "<span>");
        tc_i18n_html(b, v->lang, TC_T_UPDATED_AT, tc_i18n_update(v->lang, i->status, -1), when,
                     NULL);
        tc_buf_puts(b, "</span>");
    }
    tc_buf_puts(b, "</p>");
    if (latest)
        tc_html_markdown_under(b, latest->body, BODY_MAX, level);
    tc_html_affected(b, v, i);
    if (i->nupdates > 1) {
        size_t older = i->nupdates - 1;
        snprintf(n, sizeof n, "%zu", older);
        tc_buf_puts(b, "<details><summary>");
        tc_i18n_html(b, v->lang,
                     tc_i18n_plural(v->lang, older, TC_T_PREVIOUS_UPDATE, TC_T_PREVIOUS_UPDATES),
                     n, NULL);
        tc_buf_puts(b, "</summary><ol class=\"updates\">");
        for (size_t k = older; k-- > 0;) {
            tc_buf_puts(b, "<li>");
            tc_html_update(b, v, i, k, level);
            tc_buf_puts(b, "</li>");
        }
        tc_buf_puts(b, "</ol></details>");
    }
    tc_buf_puts(b, "</article>");
}
