/* The http probe: one request with libcurl through the engine's multi handle, on a fresh
 * connection every time (an outage that only hits new connections must not hide behind a
 * reused one). Measures phase timings, status, headers, a capped body and, for https, the
 * leaf certificate's expiry. The handle's setup and the run's lifecycle are shared with the
 * other libcurl kinds in probe_curl.c. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/curl_glue.h"
#include "core/err.h"
#include "probe/probe_int.h"

typedef struct http_cfg {
    char *url;
    char *method;          /* NULL: GET */
    char *body;            /* NULL: none */
    struct curl_slist *headers; /* owned */
    bool follow_redirects;
    bool verify_tls;
} http_cfg_t;

static const char *const keys[] = {"url", "method", "headers", "body", "follow_redirects",
                                   "verify_tls", NULL};
static const char *const placeholders[] = {"STATUS", "RESPONSE_TIME", "BODY", "HEADER",
                                           "CONNECTED", "CERTIFICATE_EXPIRATION", "IP", NULL};

static void http_parse(tc_yaml_t *y, tc_ynode_t node, tc_monitor_cfg_t *m)
{
    http_cfg_t *c = tc_calloc(1, sizeof *c);
    c->verify_tls = true;
    m->kind_cfg = c;
    const char *what = "monitor";
    tc_yaml_get_string(y, node, what, "url", 1, &c->url);
    if (c->url && strncmp(c->url, "http://", 7) != 0 && strncmp(c->url, "https://", 8) != 0)
        tc_yaml_error(y, tc_yaml_lookup(y, node, "url"),
                      "monitor: url must start with http:// or https://");
    tc_yaml_get_string(y, node, what, "method", 0, &c->method);
    tc_yaml_get_string(y, node, what, "body", 0, &c->body);
    tc_yaml_get_bool(y, node, what, "follow_redirects", &c->follow_redirects);
    tc_yaml_get_bool(y, node, what, "verify_tls", &c->verify_tls);
    c->headers = tc_probe__parse_headers(y, node);
}

static void http_free_config(void *p)
{
    http_cfg_t *c = p;
    free(c->url);
    free(c->method);
    free(c->body);
    curl_slist_free_all(c->headers);
    free(c);
}

static void on_done(CURL *e, CURLcode code, void *arg)
{
    tc_probe_run_t *run = arg;
    tc_result_t *r = &run->result;
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    r->status_code = (int)status;
    tc_probe__curl_measure(e, r);
    r->connected = r->connect_ms > 0 || status > 0;
    if (code != CURLE_OK)
        snprintf(r->error, sizeof r->error, "%s", curl_easy_strerror(code));
    tc_probe__transfer_end(run);
}

static int http_start(tc_probe_run_t *run)
{
    const http_cfg_t *c = run->m->kind_cfg;
    unsigned flags = TC_PROBE_CURL_CERTINFO | (c->verify_tls ? TC_PROBE_CURL_VERIFY : 0) |
                     (c->follow_redirects ? TC_PROBE_CURL_FOLLOW : 0);
    CURL *e = tc_probe__curl_easy(c->url, run->m->timeout_ms, flags, run->env->user_agent,
                                  &run->result.body, &run->result.headers);
    if (!e)
        return TC_EIO;
    if (c->headers)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
    if (c->body)
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body);
    if (c->method) {
        if (strcmp(c->method, "HEAD") == 0)
            curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
        else
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, c->method);
    }
    return tc_probe__transfer_start(run, e, on_done);
}

static const char *http_address(const tc_monitor_cfg_t *m)
{
    return ((const http_cfg_t *)m->kind_cfg)->url;
}

const tc_probe_type_t tc_probe_http = {
    .name = "http",
    .keys = keys,
    .placeholders = placeholders,
    .parse = http_parse,
    .free_config = http_free_config,
    .start = http_start,
    .stop = tc_probe__transfer_stop,
    .free_state = tc_probe__transfer_free,
    .address = http_address,
};
