/* The HTTP-facing side of the engine's routes: the write API (Statuspage's manage API v1
 * under /v1/pages/<page_id>/, statuspage.md §3) and the public subscribe routes. One route
 * table maps method + path pattern to a handler; handlers decode and check the request's
 * JSON into typed commands (engine/command.h), run them, and encode the reply. Nothing here
 * renders a page or touches the store. Runs on the engine thread. */
#ifndef TC_API_H
#define TC_API_H

#include <jansson.h>

#include "engine/command.h"
#include "web/http_server.h"

/** Answer @p req, which the HTTP server queued for the engine: the write API (paths under
 *  /v1/), POST /api/v2/subscribers and the /subscribers/confirm|unsubscribe/<token> pages.
 *  Every request is answered exactly once. */
void tc_api_handle(tc_engine_t *e, tc_http_request_t *req);

/** Answer @p req with @p doc (consumed) as JSON. A document that cannot be encoded (it never
 *  should: text is cleaned before it goes in) is answered 500 with a fixed body and logged. */
void tc_api_reply_json(tc_http_request_t *req, unsigned status, json_t *doc);

/** Answer {"error": message}; the message is cut to a few hundred bytes on a character
 *  boundary and cleaned to valid UTF-8, so outside text in it cannot break the reply. */
void tc_api_reply_error(tc_http_request_t *req, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
