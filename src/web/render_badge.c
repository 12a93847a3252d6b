/* Status and uptime badges: flat SVG badges in the shields.io look and their shields.io
 * endpoint JSON twins, rendered into the snapshot with everything else, so serving one is a
 * lookup like any other document. Paths use the config ids (the alphabet of ids is safe in a
 * URL); labels are the names readers know. Colours are chosen so white 11 px text on them
 * passes WCAG AA (4.5:1), which shields' own palette does not. */
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "web/render.h"
#include "web/xml.h"

#define BADGE_LIMIT (64 * 1024) /* a badge holds two names at most 1 KB each in practice */
#define LABEL_BG "555555"       /* shields' label grey; white on it is 7.5:1 */
#define PADDING 6               /* px of space left and right of each text */

/* Colours as bare hex, the form shields' endpoint schema takes; the SVG adds the '#'. */
#define GREEN "1a7f37"
#define YELLOWGREEN "4d7c0f"
#define AMBER "9a6700"
#define ORANGE "bc4c00"
#define RED "cf222e"
#define BLUE "0969da"
#define GREY "6e7781"

/* By tc_status_t: what a component badge says and its colour. */
static const struct {
    const char *message, *color;
} by_status[] = {
    {"operational", GREEN},          {"under maintenance", BLUE}, {"degraded performance", AMBER},
    {"partial outage", ORANGE},      {"major outage", RED},
};

/* By tc_indicator_t: the colour of the page badge. */
static const char *const by_indicator[] = {GREEN, AMBER, ORANGE, RED, BLUE};

/* Uptime colours: a badge is green only for what a person would call reliable. */
static const char *uptime_color(double pct)
{
    if (pct < 0)
        return GREY;
    return pct >= 99.9 ? GREEN : pct >= 99.0 ? YELLOWGREEN : pct >= 95.0 ? AMBER : RED;
}

/* Advance widths of Verdana at 11 px for U+0020-U+007E, from the measurements shields.io
 * lays its badges out with (anafanafo's verdana-11px-normal table, MIT licence). */
static const float ascii_width[95] = {
    3.87f, 4.33f, 5.05f, 9.00f,  6.99f, 11.84f, 7.99f, 2.95f, 5.00f,  5.00f, 6.99f, 9.00f,
    4.00f, 5.00f, 4.00f, 5.00f,  6.99f, 6.99f,  6.99f, 6.99f, 6.99f,  6.99f, 6.99f, 6.99f,
    6.99f, 6.99f, 5.00f, 5.00f,  9.00f, 9.00f,  9.00f, 6.00f, 11.00f, 7.52f, 7.54f, 7.68f,
    8.48f, 6.96f, 6.32f, 8.53f,  8.27f, 4.63f,  5.00f, 7.62f, 6.12f,  9.27f, 8.23f, 8.66f,
    6.63f, 8.66f, 7.65f, 7.52f,  6.78f, 8.05f,  7.52f, 10.88f, 7.54f, 6.77f, 7.54f, 5.00f,
    5.00f, 5.00f, 9.00f, 6.99f,  6.99f, 6.61f,  6.85f, 5.73f, 6.85f,  6.55f, 3.87f, 6.85f,
    6.96f, 3.02f, 3.79f, 6.51f,  3.02f, 10.70f, 6.96f, 6.68f, 6.85f,  6.85f, 4.69f, 5.73f,
    4.33f, 6.96f, 6.51f, 9.00f,  6.51f, 6.51f,  5.78f, 6.98f, 5.00f,  6.98f, 9.00f,
};

/* The width of a character outside ASCII, by the classes that matter for a label (measured
 * in Chromium with DejaVu Sans, the usual fallback for Verdana): marks and joiners take no
 * room, Hebrew and Arabic letters are narrow, CJK and Hangul take a full em, everything else
 * about a Latin letter. */
static double other_width(unsigned long cp)
{
    if ((cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x0483 && cp <= 0x0489) ||
        (cp >= 0x0591 && cp <= 0x05c7) || (cp >= 0x0610 && cp <= 0x061a) ||
        (cp >= 0x064b && cp <= 0x065f) || cp == 0x0670 || (cp >= 0x06d6 && cp <= 0x06ed) ||
        (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f))
        return 0;
    if (cp >= 0x0590 && cp <= 0x06ff)
        return 5.8;
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
        (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
        (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
        (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
        (cp >= 0x20000 && cp <= 0x3fffd))
        return 11.0;
    return 7.0;
}

/* The width @p s takes at 11 px, counting only the characters tc_xml_text() keeps.
 * @p exact says whether it came from the measured table alone (ASCII). */
static double text_width(const char *s, bool *exact)
{
    double w = 0;
    size_t len = strlen(s);
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    *exact = true;
    while (p < end) {
        unsigned long cp = 0;
        size_t n = tc_xml_char(p, (size_t)(end - p), &cp);
        if (!n) {
            p++;
            continue;
        }
        if (cp >= 0x20 && cp < 0x7f) {
            w += ascii_width[cp - 0x20];
        } else if (cp >= 0x7f) {
            w += other_width(cp);
            *exact = false;
        }
        p += n;
    }
    return w;
}

/* One text of a badge: a faint shadow one pixel down, as shields draws it, then the text.
 * A measured width is imposed (textLength), so the text fills its box whichever font the
 * browser picks; an estimated one is not, because stretching the spacing pulls the letters
 * of joined scripts (Arabic, Devanagari) apart. */
static void text_svg(tc_buf_t *b, double center, double width, bool exact, const char *text)
{
    static const char *const layers[] = {
        "aria-hidden=\"true\" y=\"15\" fill=\"#010101\" fill-opacity=\".3\"",
        "y=\"14\"",
    };
    for (int k = 0; k < 2; k++) {
        tc_buf_printf(b, "<text %s x=\"%.1f\"", layers[k], center);
        if (exact)
            tc_buf_printf(b, " textLength=\"%.1f\"", width);
        tc_buf_puts(b, ">");
        tc_xml_str(b, text, 0);
        tc_buf_puts(b, "</text>");
    }
}

/* A flat badge: @p label on grey, @p message on @p color; @p title is what assistive
 * technology reads and what a pointer shows. @return malloc'd SVG. */
static char *badge_svg(const char *label, const char *message, const char *color,
                       const char *title, size_t *len)
{
    bool lexact, mexact;
    double lt = text_width(label, &lexact), mt = text_width(message, &mexact);
    /* Whole pixels, rounded up, keep the edges sharp. */
    int lw = (int)lt + (lt > (int)lt) + 2 * PADDING, mw = (int)mt + (mt > (int)mt) + 2 * PADDING;
    tc_buf_t b;
    tc_buf_init(&b, BADGE_LIMIT);
    tc_buf_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"20\" "
                      "role=\"img\" aria-label=\"", lw + mw);
    tc_xml_str(&b, title, 0);
    tc_buf_puts(&b, "\"><title>");
    tc_xml_str(&b, title, 0);
    tc_buf_printf(&b, "</title><linearGradient id=\"s\" x2=\"0\" y2=\"100%%\">"
                      "<stop offset=\"0\" stop-color=\"#bbb\" stop-opacity=\".1\"/>"
                      "<stop offset=\"1\" stop-opacity=\".1\"/></linearGradient>"
                      "<clipPath id=\"r\"><rect width=\"%d\" height=\"20\" rx=\"3\" "
                      "fill=\"#fff\"/></clipPath><g clip-path=\"url(#r)\">"
                      "<rect width=\"%d\" height=\"20\" fill=\"#" LABEL_BG "\"/>"
                      "<rect x=\"%d\" width=\"%d\" height=\"20\" fill=\"#%s\"/>"
                      "<rect width=\"%d\" height=\"20\" fill=\"url(#s)\"/></g>"
                      "<g fill=\"#fff\" text-anchor=\"middle\" "
                      "font-family=\"Verdana,Geneva,DejaVu Sans,sans-serif\" "
                      "text-rendering=\"geometricPrecision\" font-size=\"11\">",
                  lw + mw, lw, lw, mw, color, lw + mw);
    text_svg(&b, lw / 2.0, lt, lexact, label);
    text_svg(&b, lw + mw / 2.0, mt, mexact, message);
    tc_buf_puts(&b, "</g></svg>\n");
    return tc_buf_steal(&b, len);
}

/* The shields.io endpoint document for the same badge. @return malloc'd JSON. */
static char *badge_json(const char *label, const char *message, const char *color,
                        size_t *len)
{
    json_t *o = json_object();
    json_object_set_new(o, "schemaVersion", json_integer(1));
    json_object_set_new(o, "label", json_string(label));
    json_object_set_new(o, "message", json_string(message));
    json_object_set_new(o, "color", json_string(color));
    return tc_render_json_dump(o, len);
}

/* Add /badges/<name>.svg and /badges/<name>.json. */
static void add_pair(tc_snapshot_t *s, const char *name, const char *label,
                     const char *message, const char *color, const char *title)
{
    char path[128];
    size_t len = 0;
    char *body = badge_svg(label, message, color, title, &len);
    snprintf(path, sizeof path, "/badges/%s.svg", name);
    tc_snapshot_add(s, path, TC_ROUTE_BADGE, "image/svg+xml; charset=utf-8", body, len);
    body = badge_json(label, message, color, &len);
    snprintf(path, sizeof path, "/badges/%s.json", name);
    tc_snapshot_add(s, path, TC_ROUTE_BADGE, "application/json; charset=utf-8", body, len);
}

/* The figure an uptime badge shows: a component's uptime as on the page; for a group, the
 * mean of its showcased children's (those with data). @return 0 with the percentage (-1
 * without data) in @p pct and the days it covers in @p ndays, or -1 when the row has no
 * uptime to show (not showcased, or a group without showcased children). */
static int row_uptime(const tc_view_t *v, const tc_view_row_t *r, double *pct, size_t *ndays)
{
    if (!r->is_group) {
        *pct = r->uptime;
        *ndays = r->ndays;
        return r->days ? 0 : -1;
    }
    double sum = 0;
    size_t shown = 0, with_data = 0;
    for (size_t i = 0; i < v->nrows; i++) {
        const tc_view_row_t *c = &v->rows[i];
        if (!c->group_id || strcmp(c->group_id, r->id) != 0 || !c->days)
            continue;
        shown++;
        *ndays = c->ndays;
        if (c->uptime >= 0) {
            sum += c->uptime;
            with_data++;
        }
    }
    *pct = with_data ? sum / (double)with_data : -1;
    return shown ? 0 : -1;
}

/* printf into a fresh string: names have no length limit, so no fixed buffer would do. */
static char *text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *text(const char *fmt, ...)
{
    tc_buf_t b;
    tc_buf_init(&b, 0);
    va_list ap;
    va_start(ap, fmt);
    tc_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    return tc_buf_steal(&b, NULL);
}

void tc_render_badge_docs(const tc_view_t *v, tc_snapshot_t *s)
{
    char *title = text("status: %s", v->rollup.description);
    add_pair(s, "status", "status", v->rollup.description, by_indicator[v->rollup.indicator],
             title);
    free(title);
    for (size_t i = 0; i < v->nrows; i++) {
        const tc_view_row_t *r = &v->rows[i];
        const char *message = by_status[r->status].message;
        /* /badges/status.svg is the page's badge, so a component with the id "status" has
         * only its uptime badge (README, "Badges"). */
        if (strcmp(r->id, "status") != 0) {
            title = text("%s: %s", r->name, message);
            add_pair(s, r->id, r->name, message, by_status[r->status].color, title);
            free(title);
        }
        double pct;
        size_t ndays = 0;
        if (row_uptime(v, r, &pct, &ndays) != 0)
            continue;
        char figure[16], path[96];
        if (pct >= 0)
            snprintf(figure, sizeof figure, "%.2f%%", pct);
        else
            snprintf(figure, sizeof figure, "no data");
        char *label = text("%s uptime", r->name);
        title = text("%s uptime over %zu days: %s", r->name, ndays, figure);
        snprintf(path, sizeof path, "%s/uptime", r->id);
        add_pair(s, path, label, figure, uptime_color(pct), title);
        free(label);
        free(title);
    }
}
