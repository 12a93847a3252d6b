/* Renderers: pure functions from a tc_view_t to the bytes of each public document. They do
 * no I/O and keep nothing; tc_render() runs them all and packs the results into a snapshot.
 * Local times are formatted in the zone set with tc_clock_use_zone(), so only the engine
 * thread renders. Every string from the config or a user is escaped for its context. */
#ifndef TC_RENDER_H
#define TC_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "web/snapshot.h"
#include "web/view.h"

/** Render every public document of @p v into a new sealed snapshot the caller owns. */
tc_snapshot_t *tc_render(const tc_view_t *v, uint64_t generation);

/** Statuspage v2 documents. @return malloc'd JSON text, its length in @p len. */
char *tc_render_summary_json(const tc_view_t *v, size_t *len);
char *tc_render_status_json(const tc_view_t *v, size_t *len);
char *tc_render_components_json(const tc_view_t *v, size_t *len);

/** The HTML status page. @return malloc'd HTML, its length in @p len. */
char *tc_render_page_html(const tc_view_t *v, size_t *len);

#endif
