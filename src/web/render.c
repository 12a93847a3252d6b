/* Runs every renderer over one view and packs the documents into a snapshot. The list of
 * public documents lives here, in one place. */
#include "web/render.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

/* The console's stylesheet and script: static, but served like every document (ETags,
 * compression) from the snapshot of whichever server carries the console. */
static void add_console_assets(tc_snapshot_t *s)
{
    size_t len = 0;
    char *body = tc_render_console_css(&len);
    tc_snapshot_add(s, "/admin/assets/console.css", TC_ROUTE_OTHER, "text/css; charset=utf-8",
                    body, len);
    body = tc_render_console_js(&len);
    tc_snapshot_add(s, "/admin/assets/console.js", TC_ROUTE_OTHER,
                    "text/javascript; charset=utf-8", body, len);
}

tc_snapshot_t *tc_render(const tc_view_t *v, uint64_t generation, tc_snapshot_cache_t *cache)
{
    static const char json[] = "application/json; charset=utf-8";
    static const char html[] = "text/html; charset=utf-8";
    tc_snapshot_t *s = tc_snapshot_new(generation);
    s->cache = cache;
    size_t len = 0;
    char *body;

    body = tc_render_page_html(v, &len);
    tc_snapshot_add(s, "/", TC_ROUTE_PAGE, html, body, len);
    body = tc_render_summary_json(v, &len);
    tc_snapshot_add(s, "/api/v2/summary.json", TC_ROUTE_SUMMARY, json, body, len);
    body = tc_render_status_json(v, &len);
    tc_snapshot_add(s, "/api/v2/status.json", TC_ROUTE_STATUS, json, body, len);
    body = tc_render_components_json(v, &len);
    tc_snapshot_add(s, "/api/v2/components.json", TC_ROUTE_COMPONENTS, json, body, len);
    tc_render_history_docs(v, s);
    for (size_t k = 0; k < v->nincidents; k++) {
        char path[64];
        snprintf(path, sizeof path, "/incidents/%s", v->incidents[k]->id);
        body = tc_render_incident_html(v, v->incidents[k], &len);
        tc_snapshot_add(s, path, TC_ROUTE_INCIDENT, html, body, len);
    }
    body = tc_render_feed_atom(v, &len);
    tc_snapshot_add(s, "/history.atom", TC_ROUTE_FEED, "application/atom+xml; charset=utf-8",
                    body, len);
    body = tc_render_feed_rss(v, &len);
    tc_snapshot_add(s, "/history.rss", TC_ROUTE_FEED, "application/rss+xml; charset=utf-8",
                    body, len);
    static const struct {
        const char *path;
        char *(*render)(const tc_view_t *, size_t *);
    } lists[] = {
        {"/api/v2/incidents.json", tc_render_incidents_json},
        {"/api/v2/incidents/unresolved.json", tc_render_unresolved_json},
        {"/api/v2/scheduled-maintenances.json", tc_render_maintenances_json},
        {"/api/v2/scheduled-maintenances/upcoming.json", tc_render_upcoming_json},
        {"/api/v2/scheduled-maintenances/active.json", tc_render_active_json},
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        body = lists[i].render(v, &len);
        tc_snapshot_add(s, lists[i].path, TC_ROUTE_INCIDENTS, json, body, len);
    }
    body = tc_render_uptime_html(v, &len);
    tc_snapshot_add(s, "/uptime", TC_ROUTE_UPTIME, html, body, len);
    body = tc_render_uptime_json(v, &len);
    tc_snapshot_add(s, "/api/v2/uptime.json", TC_ROUTE_UPTIME, json, body, len);
    tc_render_badge_docs(v, s);
    tc_render_embed_docs(v, s);
    const char *icon_type;
    body = tc_render_favicon(v, &icon_type, &len);
    tc_snapshot_add(s, "/favicon.ico", TC_ROUTE_ASSET, icon_type, body, len);
    if (v->logo) {
        body = tc_malloc(v->logo_len ? v->logo_len : 1);
        memcpy(body, v->logo, v->logo_len);
        tc_snapshot_add(s, v->logo_path, TC_ROUTE_ASSET, v->logo_type, body, v->logo_len);
    }
    body = tc_render_page_js(&len);
    tc_snapshot_add(s, "/page.js", TC_ROUTE_ASSET, "text/javascript; charset=utf-8", body, len);
    body = tc_render_robots_txt(v, &len);
    tc_snapshot_add(s, "/robots.txt", TC_ROUTE_ASSET, "text/plain; charset=utf-8", body, len);
    add_console_assets(s);
    tc_snapshot_seal(s);
    return s;
}

tc_snapshot_t *tc_render_console_only(uint64_t generation)
{
    tc_snapshot_t *s = tc_snapshot_new(generation);
    add_console_assets(s);
    tc_snapshot_seal(s);
    return s;
}
