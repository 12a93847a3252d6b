/* The incident history as feeds, in the shapes Statuspage serves (statuspage.md §2):
 * /history.atom and /history.rss with the 25 most recent incidents and maintenances. Feed
 * readers and chat integrations parse these by example, so the ids ("tag:<host>,2005:..."),
 * titles and the HTML inside each entry copy Statuspage's byte for byte where it is known.
 * Entry HTML is entity-escaped text, never CDATA. Machine dates are UTC; the times inside
 * the HTML are in the page zone, as readers see them on the page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/clock.h"
#include "web/i18n.h"
#include "web/render.h"
#include "web/xml.h"

#define FEED_LIMIT (8 << 20)
#define FEED_ENTRIES 25

static int64_t update_time(const tc_incident_update_t *u)
{
    return u->display_at ? u->display_at : u->created_at;
}

/* When the feed files an entry: the latest update (the resolution, for resolved ones). */
static int64_t published(const tc_incident_t *i)
{
    return i->nupdates ? update_time(&i->updates[i->nupdates - 1]) : i->created_at;
}

static void utc(int64_t ms, struct tm *tm)
{
    time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    gmtime_r(&secs, tm);
}

/* RFC 3339 in UTC without fractions: 2024-06-11T21:39:47Z. */
static void atom_time(int64_t ms, char *out, size_t outlen)
{
    struct tm tm;
    utc(ms, &tm);
    if (strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 && outlen)
        out[0] = '\0';
}

/* RFC 822 in UTC: Wed, 07 Oct 2026 21:29:59 +0000. English names whatever the locale. */
static void rss_time(int64_t ms, char *out, size_t outlen)
{
    static const char *const wday[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    utc(ms, &tm);
    snprintf(out, outlen, "%s, %02d %s %04d %02d:%02d:%02d +0000", wday[tm.tm_wday],
             tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* An update body as HTML: escaped, with line breaks kept. Feeds carry the text as typed,
 * as Statuspage's do, rather than the Markdown rendering, since a <p> per update cannot
 * hold the block elements Markdown makes. */
static void body_html(tc_buf_t *h, const char *body)
{
    for (const char *p = body ? body : ""; *p; p++) {
        switch (*p) {
        case '&': tc_buf_puts(h, "&amp;"); break;
        case '<': tc_buf_puts(h, "&lt;"); break;
        case '>': tc_buf_puts(h, "&gt;"); break;
        case '"': tc_buf_puts(h, "&quot;"); break;
        case '\r': break;
        case '\n': tc_buf_puts(h, "<br />"); break;
        default: tc_buf_append(h, p, 1);
        }
    }
}

/* "Jun <var data-var='date'>11</var>, <var data-var='time'>21:39</var>": the day is
 * padded with a space, as Statuspage does. */
static void stamp(tc_buf_t *h, const tc_view_t *v, int64_t ms, int with_date)
{
    const tc_zone_t *z = v->zone;
    char mon[32], day[8], hm[8];
    /* Only the month's name follows the page's language: feed readers and chat
     * integrations find the date and time by the <var> elements. */
    tc_i18n_strftime(v->lang, z, ms, "%b", mon, sizeof mon);
    tc_clock_format_local(z, ms, "%e", day, sizeof day);
    tc_clock_format_local(z, ms, "%H:%M", hm, sizeof hm);
    if (with_date)
        tc_buf_printf(h, "%s <var data-var='date'>%s</var>, ", mon, day);
    tc_buf_printf(h, "<var data-var='time'>%s</var>", hm);
}

/* The entry's HTML (before XML escaping): for maintenance the scheduled window first, then
 * one paragraph per update, newest first. */
static void entry_html(tc_buf_t *h, const tc_view_t *v, const tc_incident_t *i)
{
    const tc_zone_t *z = v->zone;
    char zone[16], d1[16], d2[16];
    if (i->is_maintenance && i->scheduled_for) {
        tc_buf_puts(h, "<p><strong>");
        tc_buf_html(h, tc_i18n(v->lang, TC_T_SCHEDULED_EVENT));
        tc_buf_puts(h, " ");
        stamp(h, v, i->scheduled_for, 1);
        if (i->scheduled_until) {
            tc_clock_format_local(z, i->scheduled_for, "%Y-%m-%d", d1, sizeof d1);
            tc_clock_format_local(z, i->scheduled_until, "%Y-%m-%d", d2, sizeof d2);
            tc_buf_puts(h, " - ");
            stamp(h, v, i->scheduled_until, strcmp(d1, d2) != 0);
        }
        tc_clock_format_local(z, i->scheduled_until ? i->scheduled_until : i->scheduled_for, "%Z",
                              zone, sizeof zone);
        tc_buf_printf(h, " %s</strong></p>", zone);
    }
    for (size_t k = i->nupdates; k-- > 0;) {
        const tc_incident_update_t *u = &i->updates[k];
        int prev = k > 0 ? (int)i->updates[k - 1].status : -1;
        int64_t at = update_time(u);
        tc_clock_format_local(z, at, "%Z", zone, sizeof zone);
        tc_buf_puts(h, "<p><small>");
        stamp(h, v, at, 1);
        tc_buf_printf(h, " %s</small><br><strong>%s</strong> - ", zone,
                      tc_i18n_update(v->lang, u->status, prev));
        body_html(h, u->body);
        tc_buf_puts(h, "</p>");
    }
}

/* "Acme - Incident History", escaped for XML (@p escape_quotes as tc_xml_str()). */
static void feed_title(tc_buf_t *b, const tc_view_t *v, int escape_quotes)
{
    tc_buf_t title;
    tc_buf_init(&title, 0);
    tc_i18n_put(&title, v->lang, TC_T_FEED_TITLE, v->page_name, NULL);
    tc_xml_str(b, title.data ? title.data : "", escape_quotes);
    tc_buf_free(&title);
}

/* The page's host for tag: ids: page_url without scheme, user, port and path. */
static void page_host(const char *url, char *out, size_t outlen)
{
    const char *p = url ? url : "";
    const char *scheme = strstr(p, "://");
    if (scheme)
        p = scheme + 3;
    size_t n = strcspn(p, "/?#");
    const char *at = memchr(p, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    size_t host = n;
    if (n && p[0] == '[') {
        const char *close = memchr(p, ']', n);
        if (close)
            host = (size_t)(close + 1 - p);
    } else {
        const char *colon = memchr(p, ':', n);
        if (colon)
            host = (size_t)(colon - p);
    }
    if (!host)
        snprintf(out, outlen, "localhost");
    else
        snprintf(out, outlen, "%.*s", (int)host, p);
}

/* page_url without a trailing slash, so links read "<base>/incidents/<id>". */
static size_t base_len(const tc_view_t *v)
{
    size_t n = v->page_url ? strlen(v->page_url) : 0;
    while (n && v->page_url[n - 1] == '/')
        n--;
    return n;
}

static void base_url(tc_buf_t *b, const tc_view_t *v, int apos)
{
    tc_xml_text(b, v->page_url ? v->page_url : "", base_len(v), apos);
}

static size_t entry_count(const tc_view_t *v)
{
    return v->nincidents < FEED_ENTRIES ? v->nincidents : FEED_ENTRIES;
}

char *tc_render_feed_atom(const tc_view_t *v, size_t *len)
{
    tc_buf_t b, h;
    char host[256], t[64];
    int64_t updated = v->updated_at;
    size_t n = entry_count(v);
    for (size_t k = 0; k < n; k++)
        if (v->incidents[k]->updated_at > updated)
            updated = v->incidents[k]->updated_at;
    page_host(v->page_url, host, sizeof host);

    tc_buf_init(&b, FEED_LIMIT);
    tc_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<feed xml:lang=\"");
    /* Statuspage's feeds say en-US; a page in another language says which. */
    tc_buf_puts(&b, v->lang == TC_LANG_EN ? "en-US" : tc_lang_code(v->lang));
    tc_buf_puts(&b, "\" xmlns=\"http://www.w3.org/2005/Atom\">\n  <id>tag:");
    tc_xml_str(&b, host, 0);
    tc_buf_puts(&b, ",2005:/history</id>\n  <link rel=\"alternate\" type=\"text/html\" href=\"");
    if (base_len(v))
        base_url(&b, v, 0);
    else
        tc_buf_puts(&b, "/");
    tc_buf_puts(&b, "\"/>\n  <link rel=\"self\" type=\"application/atom+xml\" href=\"");
    base_url(&b, v, 0);
    tc_buf_puts(&b, "/history.atom\"/>\n  <title>");
    feed_title(&b, v, 0);
    atom_time(updated, t, sizeof t);
    tc_buf_printf(&b, "</title>\n  <updated>%s</updated>\n  <author><name>", t);
    tc_xml_str(&b, v->page_name, 0);
    tc_buf_puts(&b, "</name></author>\n");

    for (size_t k = 0; k < n; k++) {
        const tc_incident_t *i = v->incidents[k];
        tc_buf_puts(&b, "  <entry>\n    <id>tag:");
        tc_xml_str(&b, host, 0);
        atom_time(published(i), t, sizeof t);
        tc_buf_printf(&b, ",2005:Incident/%llu</id>\n    <published>%s</published>\n",
                      (unsigned long long)i->seq, t);
        atom_time(i->updated_at, t, sizeof t);
        tc_buf_printf(&b, "    <updated>%s</updated>\n"
                          "    <link rel=\"alternate\" type=\"text/html\" href=\"", t);
        base_url(&b, v, 0);
        tc_buf_puts(&b, "/incidents/");
        tc_xml_str(&b, i->id, 0);
        tc_buf_puts(&b, "\"/>\n    <title>");
        tc_xml_str(&b, i->name, 0);
        tc_buf_puts(&b, "</title>\n    <content type=\"html\">");
        tc_buf_init(&h, FEED_LIMIT);
        entry_html(&h, v, i);
        tc_xml_text(&b, h.data ? h.data : "", h.len, 0);
        tc_buf_free(&h);
        tc_buf_puts(&b, "</content>\n  </entry>\n");
    }
    tc_buf_puts(&b, "</feed>\n");
    return tc_buf_steal(&b, len);
}

char *tc_render_feed_rss(const tc_view_t *v, size_t *len)
{
    tc_buf_t b, h;
    char t[64];
    int64_t latest = v->updated_at;
    size_t n = entry_count(v);
    for (size_t k = 0; k < n; k++)
        if (published(v->incidents[k]) > latest)
            latest = published(v->incidents[k]);

    tc_buf_init(&b, FEED_LIMIT);
    tc_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
                    "  <channel>\n    <title>");
    feed_title(&b, v, 1);
    tc_buf_puts(&b, "</title>\n    <link>");
    base_url(&b, v, 1);
    rss_time(latest, t, sizeof t);
    tc_buf_printf(&b, "</link>\n    <description>Statuspage</description>\n"
                      "    <pubDate>%s</pubDate>\n", t);

    for (size_t k = 0; k < n; k++) {
        const tc_incident_t *i = v->incidents[k];
        bool maint = i->is_maintenance && i->scheduled_for;
        tc_buf_puts(&b, "    <item>\n      <title>");
        tc_xml_str(&b, i->name, 1);
        tc_buf_puts(&b, "</title>\n      <description>");
        tc_buf_init(&h, FEED_LIMIT);
        entry_html(&h, v, i);
        tc_xml_text(&b, h.data ? h.data : "", h.len, 1);
        tc_buf_free(&h);
        rss_time(maint ? i->scheduled_for : published(i), t, sizeof t);
        tc_buf_printf(&b, "</description>\n      <pubDate>%s</pubDate>\n      <link>", t);
        base_url(&b, v, 1);
        tc_buf_puts(&b, "/incidents/");
        tc_xml_str(&b, i->id, 1);
        tc_buf_puts(&b, "</link>\n      <guid>");
        base_url(&b, v, 1);
        tc_buf_puts(&b, "/incidents/");
        tc_xml_str(&b, i->id, 1);
        tc_buf_puts(&b, "</guid>\n");
        if (maint && i->scheduled_until) {
            rss_time(i->scheduled_until, t, sizeof t);
            tc_buf_printf(&b, "      <maintenanceEndDate>%s</maintenanceEndDate>\n", t);
        }
        tc_buf_puts(&b, "    </item>\n");
    }
    tc_buf_puts(&b, "  </channel>\n</rss>\n");
    return tc_buf_steal(&b, len);
}
