/* The operators' console under /admin/: server-rendered pages and forms (they work without
 * JavaScript) for the people running incidents, behind a login. Every change goes through
 * the engine's typed commands (engine/command.h), the same ones the write API uses, so the
 * two never disagree. Runs on the engine thread; see docs/internals/CONSOLE.md. */
#ifndef TC_ADMIN_H
#define TC_ADMIN_H

#include "engine/command.h"
#include "web/http_server.h"

/** Answer @p req, a request for /admin or below that the HTTP server queued for the engine.
 *  Every request is answered exactly once (a login may be answered later, from the engine
 *  thread, after its password check ran in the background). */
void tc_admin_handle(tc_engine_t *e, tc_http_request_t *req);

#endif
