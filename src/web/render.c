/* Runs every renderer over one view and packs the documents into a snapshot. The list of
 * public documents lives here, in one place. */
#include "web/render.h"

tc_snapshot_t *tc_render(const tc_view_t *v, uint64_t generation)
{
    static const char json[] = "application/json; charset=utf-8";
    tc_snapshot_t *s = tc_snapshot_new(generation);
    size_t len = 0;
    char *body;

    body = tc_render_page_html(v, &len);
    tc_snapshot_add(s, "/", TC_ROUTE_PAGE, "text/html; charset=utf-8", body, len);
    body = tc_render_summary_json(v, &len);
    tc_snapshot_add(s, "/api/v2/summary.json", TC_ROUTE_SUMMARY, json, body, len);
    body = tc_render_status_json(v, &len);
    tc_snapshot_add(s, "/api/v2/status.json", TC_ROUTE_STATUS, json, body, len);
    body = tc_render_components_json(v, &len);
    tc_snapshot_add(s, "/api/v2/components.json", TC_ROUTE_COMPONENTS, json, body, len);
    tc_snapshot_seal(s);
    return s;
}
