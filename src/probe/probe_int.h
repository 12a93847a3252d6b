/* The interface a probe kind implements. A kind is one file holding its YAML parsing, its
 * run logic and a const descriptor listed in probe.c's registry (STYLE.md rule 6). */
#ifndef TC_PROBE_INT_H
#define TC_PROBE_INT_H

#include <stdbool.h>
#include <uv.h>

#include "config/config_yaml.h"
#include "core/curl_glue.h"
#include "probe/probe.h"

struct tc_probe_type {
    const char *name;
    const char *const *keys;         /* the kind's own config keys, NULL-terminated */
    const char *const *placeholders; /* condition placeholders it fills, NULL-terminated */
    /** Parse the kind's keys of monitor mapping @p node into m->kind_cfg, recording errors
     *  on @p y. */
    void (*parse)(tc_yaml_t *y, tc_ynode_t node, tc_monitor_cfg_t *m);
    void (*free_config)(void *kind_cfg);
    /** Begin the run: set run->state and take (tc_probe__own(), tc_probe__hold()) what the
     *  run will wait for. @return 0, or a TC_E* code with nothing held (probe.c then frees
     *  run->state with free_state, and the run never finishes). */
    int (*start)(tc_probe_run_t *run);
    /** Called once, when the outcome is decided (tc_probe__conclude(), or a cancel):
     *  complete the result and close or release everything the run holds. It must not read
     *  run->m: after a cancel the monitor may be gone. */
    void (*stop)(tc_probe_run_t *run);
    /** Free run->state (not NULL) once nothing is held. */
    void (*free_state)(void *state);
    /** Optional: the URL (or request target) a run of @p m asks for; words people read
     *  show its path only (probe_words.c). */
    const char *(*address)(const tc_monitor_cfg_t *m);
};

struct tc_probe_run {
    const tc_monitor_cfg_t *m;  /* borrowed; kinds must not use it after cancel */
    tc_probe_env_t *env;        /* borrowed */
    tc_result_t result;
    void *state;                /* the kind's own run state, freed by type->free_state */
    tc_probe_done_fn done;
    void *arg;
    int64_t start_mono;
    /* private to probe.c's lifecycle */
    const tc_probe_type_t *_type; /* m->type, kept for after a cancel */
    int _held;                    /* handles, requests and transfers not yet released */
    bool _concluded;              /* the outcome is decided; stop has been called */
};

/* ---- The run lifecycle, shared by every kind ----
 *
 * A run ends in two moves that may come in either order: the kind (or a cancel) decides the
 * outcome once with tc_probe__conclude(), which calls the kind's stop to close what it
 * holds; and every resource the run waits for (a loop handle, a pending request, a transfer,
 * a private glue) is released. When both are done probe.c frees the state, judges the result
 * and calls the engine back: exactly once, from the loop. A kind keeps no counters and no
 * "done" flag of its own. */

/** Take one more thing the run must wait for before it can finish (a uv request, a curl
 *  transfer, anything whose end is reported by a callback). */
void tc_probe__hold(tc_probe_run_t *run);
/** Give back one tc_probe__hold(); the last release of a concluded run finishes it. */
void tc_probe__release(tc_probe_run_t *run);
/** Hold the initialised loop handle @p h and set its data to @p run. */
void tc_probe__own(tc_probe_run_t *run, uv_handle_t *h);
/** uv_close() a handle taken with tc_probe__own(); the close callback releases it, after
 *  freeing @p h when @p heap (a handle allocated alone, or first member of its allocation). */
void tc_probe__close(uv_handle_t *h, bool heap);
/** Decide the outcome: the first call records @p error (when given and no error is set yet)
 *  and calls the kind's stop; later calls do nothing. The run may be finished and freed
 *  when this returns unless the caller still holds something. */
void tc_probe__conclude(tc_probe_run_t *run, const char *error);
/** @return true once the outcome is decided (callbacks still arriving then only release). */
bool tc_probe__concluded(const tc_probe_run_t *run);

/** Milliseconds since the run started, on the monotonic clock. */
double tc_probe__elapsed_ms(const tc_probe_run_t *run);

/** Record a kind placeholder for tc_probe_lookup(): [NAME] when @p key is NULL, else
 *  [NAME].key, with the printf-formatted value (line breaks become spaces, cut at 511
 *  bytes). Numbers given as text still compare numerically. Defined in probe.c. */
void tc_probe__set_value(tc_result_t *r, const char *name, const char *key, const char *fmt,
                         ...) __attribute__((format(printf, 4, 5)));

/** Parse "HOST:PORT" or "[V6]:PORT" (a host is required) for the address: key of @p node,
 *  recording an error on @p y that shows @p example. @return 0 (*host owned by the
 *  caller) or TC_EINVAL. Defined in probe.c; used by the tcp and tls kinds. */
int tc_probe__parse_address(tc_yaml_t *y, tc_ynode_t node, const char *address,
                            const char *example, char **host, int *port);

/* ---- libcurl, for the kinds built on it (probe_curl.c) ----
 *
 * Every libcurl option a probe sets is set in tc_probe__curl_easy(); kinds only add what is
 * theirs (a method, a body, headers, CONNECT_TO). */

#define TC_PROBE_CURL_VERIFY (1u << 0)       /* verify the certificate and the host name */
#define TC_PROBE_CURL_CERTINFO (1u << 1)     /* keep the chain, for [CERTIFICATE_EXPIRATION] */
#define TC_PROBE_CURL_FOLLOW (1u << 2)       /* follow redirects (at most 10) */
#define TC_PROBE_CURL_CONNECT_ONLY (1u << 3) /* connect and handshake only (ALPN http/1.1);
                                                the connection is then dropped */
#define TC_PROBE_CURL_KEEP_OPEN (1u << 4)    /* with CONNECT_ONLY: keep the connection for
                                                curl_easy_send/recv; the timeout bounds only
                                                the connect */

/** A libcurl easy handle set up as probes want it: @p url on a fresh connection, no
 *  signals, http and https only, bounded by @p timeout_ms, with the TC_PROBE_CURL_* @p flags.
 *  Unless CONNECT_ONLY: a GET with any content encoding and User-Agent @p user_agent (NULL:
 *  tc_probe_user_agent()'s default; a monitor's own User-Agent header wins), the body
 *  appended to @p body and the final response's headers to @p headers as "Name: value"
 *  lines (both capped by their buffers). @return NULL when curl cannot. */
CURL *tc_probe__curl_easy(const char *url, long timeout_ms, unsigned flags,
                          const char *user_agent, tc_buf_t *body, tc_buf_t *headers);

/** Fill @p r's phase timings (dns, connect, tls, first byte, total), IP and leaf
 *  certificate expiry (with TC_PROBE_CURL_CERTINFO) from @p easy. */
void tc_probe__curl_measure(CURL *easy, tc_result_t *r);
/** Have @p easy note in @p run's result when it opens its first socket
 *  (tc_result_t.connecting_mono). */
void tc_probe__curl_note_connect(tc_probe_run_t *run, CURL *easy);

/** Read the optional `headers:` mapping of monitor @p node as "Name: value" lines, recording
 *  errors on @p y. @return a list the caller frees with curl_slist_free_all(), or NULL. */
struct curl_slist *tc_probe__parse_headers(tc_yaml_t *y, tc_ynode_t node);

/* Kinds whose run is a single libcurl transfer (http, tls, statuspage) share its state and
 * lifecycle: start it with tc_probe__transfer_start(), read the results in the done
 * callback and end with tc_probe__transfer_end(); their descriptors use
 * tc_probe__transfer_stop and tc_probe__transfer_free. */
typedef struct tc_probe_transfer tc_probe_transfer_t;
/** Own @p easy as the run's state and add it to the engine's multi handle; @p done gets
 *  (easy, code, run). @return 0, or TC_EIO (the state is freed by probe.c). */
int tc_probe__transfer_start(tc_probe_run_t *run, CURL *easy, tc_curl_done_fn done);
/** curl's detailed message for the failed transfer ("SSL certificate problem: ..."). */
const char *tc_probe__transfer_error(const tc_probe_run_t *run, CURLcode code);
/** Conclude the run from the done callback, once the result is filled in. */
void tc_probe__transfer_end(tc_probe_run_t *run);
/** The stop of single-transfer kinds: a transfer still in flight is removed. */
void tc_probe__transfer_stop(tc_probe_run_t *run);
/** The free_state of single-transfer kinds. */
void tc_probe__transfer_free(void *state);

extern const tc_probe_type_t tc_probe_http;
extern const tc_probe_type_t tc_probe_tcp;
extern const tc_probe_type_t tc_probe_push;
extern const tc_probe_type_t tc_probe_dns;
extern const tc_probe_type_t tc_probe_tls;
extern const tc_probe_type_t tc_probe_websocket;
extern const tc_probe_type_t tc_probe_postgres;
extern const tc_probe_type_t tc_probe_statuspage;
extern const tc_probe_type_t tc_probe_http_steps;

#endif
