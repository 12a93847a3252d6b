/* A minimal engine for the request fuzzers: the real engine (src/engine/) and route table
 * (src/api/), a config held in memory, a SQLite store in a fresh temporary folder, and no
 * HTTP server: the tc_http_* request functions are provided by the fixture (a link seam), so
 * a fuzz input becomes a tc_http_request_t that the real handlers (tc_api_handle) read and
 * answer.
 *
 * Not thread-safe, one fixture per process; the fuzzers call it from libFuzzer's thread. */
#ifndef TC_FUZZ_DAEMON_FIXTURE_H
#define TC_FUZZ_DAEMON_FIXTURE_H

#include <stddef.h>

typedef struct fx_request {
    const char *method;       /* "POST" */
    const char *path;         /* "/v1/pages/fz/incidents" */
    const char *content_type; /* or NULL */
    const char *client;       /* client address, or NULL for 127.0.0.1 */
    const char *body;         /* need not be NUL-terminated */
    size_t body_len;
} fx_request_t;

/** The page id of the fixture's config ("fz") and a valid API key for it. */
#define FX_PAGE "fz"
#define FX_KEY "fuzz-key-0123456789"
/** The console: requests under /admin are sent logged in as user "fx" (an admin) with this
 *  password, from http://FX_HOST; "{c}" in their bodies stands for the session's CSRF
 *  token. */
#define FX_PASSWORD "fuzz password 1"
#define FX_HOST "status.example.test"

/** Build the engine if needed (first call) or rebuild it from scratch when @p fresh or when
 *  the state grew past a bound, so inputs see a small, known state: components db, api
 *  (group core) and cdn, one open incident and one scheduled maintenance. Aborts when the
 *  set-up fails: a fuzzer without its fixture must not report success. */
void fx_ready(int fresh);

/** Answer @p r through the real v1 handler (with the fixture's API key), or, when @p
 *  subscribers, the public subscribe handler, or for paths under /admin the console's
 *  (logged in, see FX_PASSWORD). Checks the reply (a status and a JSON or HTML
 *  body, never NULL; 4xx/5xx JSON replies carry an "error" string) and aborts when it is
 *  wrong. @return the HTTP status. */
unsigned fx_request(const fx_request_t *r, int subscribers);

/** The body of the last reply (valid until the next request). */
const char *fx_last_reply(void);

/** Ids reachable by the fuzzers: the open incident, its first update, the maintenance, and
 *  a pending e-mail subscriber ("" before fx_ready()). */
const char *fx_incident_id(void);
const char *fx_update_id(void);
const char *fx_maintenance_id(void);
const char *fx_subscriber_id(void);
/** A valid unsubscribe token for that subscriber (what its e-mails link to). */
const char *fx_unsubscribe_token(void);

#endif
