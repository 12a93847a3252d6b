/* The interface a probe kind implements. A kind is one file holding its YAML parsing, its
 * run logic and a const descriptor listed in probe.c's registry (STYLE.md rule 6). */
#ifndef TC_PROBE_INT_H
#define TC_PROBE_INT_H

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
    /** Begin the run; fill run->result and call tc_probe__finish() exactly once, from the
     *  loop, when no loop resource of the run remains. @return 0 or a TC_E* code (then
     *  tc_probe__finish() must not be called). */
    int (*start)(tc_probe_run_t *run);
    /** Stop early; tc_probe__finish() still follows, from the loop. */
    void (*cancel)(tc_probe_run_t *run);
};

struct tc_probe_run {
    const tc_monitor_cfg_t *m;  /* borrowed; kinds must not use it after cancel */
    tc_probe_env_t *env;        /* borrowed */
    tc_result_t result;
    void *state;                /* the kind's own run state; the kind frees it before finish */
    tc_probe_done_fn done;
    void *arg;
    int64_t start_mono;
};

/* Kinds whose run is a single libcurl transfer (http, tls, statuspage) share its lifecycle:
 * start it with tc_probe__transfer_start(), read the results in the done callback and end
 * with tc_probe__transfer_end(); tc_probe__transfer_cancel() is their cancel. */
typedef struct tc_probe_transfer tc_probe_transfer_t;
/** Own @p easy as the run's state and add it to the engine's multi handle; @p done gets
 *  (easy, code, run). @return 0, or TC_EIO after releasing everything. */
int tc_probe__transfer_start(tc_probe_run_t *run, CURL *easy, tc_curl_done_fn done);
/** curl's detailed message for the failed transfer ("SSL certificate problem: ..."). */
const char *tc_probe__transfer_error(const tc_probe_run_t *run, CURLcode code);
/** Release the transfer and finish the run (from the done callback). */
void tc_probe__transfer_end(tc_probe_run_t *run);
/** The cancel of single-transfer kinds. */
void tc_probe__transfer_cancel(tc_probe_run_t *run);

/** Called by a kind when its run is over: judge, report, free the run. */
void tc_probe__finish(tc_probe_run_t *run);

/** Milliseconds since the run started, on the monotonic clock. */
double tc_probe__elapsed_ms(const tc_probe_run_t *run);

/** Fill @p r's phase timings (dns, connect, tls, first byte, total), IP and leaf
 *  certificate expiry (needs CURLOPT_CERTINFO) from libcurl easy handle @p easy, a CURL *
 *  kept as void * so this header needs no curl include. Defined in probe_http.c and shared
 *  by the kinds built on libcurl (http, tls, websocket). */
void tc_probe__curl_measure(void *easy, tc_result_t *r);

struct curl_slist;
/** Read the optional `headers:` mapping of monitor @p node as "Name: value" lines, recording
 *  errors on @p y. @return a list the caller frees with curl_slist_free_all(), or NULL.
 *  Defined in probe_http.c; shared by the http and websocket kinds. */
struct curl_slist *tc_probe__parse_headers(tc_yaml_t *y, tc_ynode_t node);

/** A libcurl easy handle (a CURL * kept as void *) set up as every http-based kind wants it:
 *  GET @p url on a fresh connection, no signals, @p timeout_ms, http and https only, any
 *  content encoding, the body appended to @p body and the final response's headers to
 *  @p headers as "Name: value" lines (both capped by their buffers). Defined in probe_http.c;
 *  shared by the http, statuspage and http-steps kinds. @return NULL when curl cannot. */
void *tc_probe__curl_easy(const char *url, long timeout_ms, tc_buf_t *body, tc_buf_t *headers);

/** Record a kind placeholder for tc_probe_lookup(): [NAME] when @p key is NULL, else
 *  [NAME].key, with the printf-formatted value (line breaks become spaces, cut at 511
 *  bytes). Numbers given as text still compare numerically. Defined in probe.c. */
void tc_probe__set_value(tc_result_t *r, const char *name, const char *key, const char *fmt,
                         ...) __attribute__((format(printf, 4, 5)));

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
