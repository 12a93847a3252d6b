/* The outbox on the write API: GET notifications/dead lists the deliveries that ran out of
 * retries; POST notifications/dead/retry (or .../dead/{id}/retry) queues them again for
 * another retry window. */
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "core/clock.h"
#include "core/err.h"

void tc_api__deliveries_dead(tc_api_call_t *c)
{
    char err[256];
    tc_outbox_t *dead = NULL;
    size_t n = 0;
    if (tc_engine_dead_deliveries(c->e, &dead, &n, err, sizeof err) != 0) {
        tc_api_reply_error(c->req, 500, "%s", err);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        char created[40];
        tc_clock_format_iso(tc_engine_zone(c->e), dead[i].created_at, created, sizeof created);
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:i, s:s, s:s?}", "id", dead[i].id, "target",
                            dead[i].target, "kind", dead[i].kind, "attempts", dead[i].attempts,
                            "created_at", created, "last_error", dead[i].last_error));
    }
    tc_engine_deliveries_free(dead, n);
    tc_api_reply_json(c->req, 200, list);
}

static void retry(tc_api_call_t *c, const char *id)
{
    char err[256];
    int rc = tc_engine_retry_deliveries(c->e, id, err, sizeof err);
    if (rc == TC_ENOENT)
        tc_api_reply_error(c->req, 404, "%s", err);
    else if (rc)
        tc_api_reply_error(c->req, 500, "%s", err);
    else {
        tc_api__audit(c, "delivery.retry", id, strcmp(id, "*") == 0 ? "every dead delivery"
                                                                     : "one dead delivery");
        tc_http_reply(c->req, 200, "{\"ok\":true}");
    }
}

void tc_api__deliveries_retry_all(tc_api_call_t *c)
{
    retry(c, "*");
}

void tc_api__deliveries_retry_one(tc_api_call_t *c)
{
    retry(c, c->params[0]);
}
