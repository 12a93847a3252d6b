/* The http probe: one request with libcurl through the engine's multi handle, on a fresh
 * connection every time (an outage that only hits new connections must not hide behind a
 * reused one). Measures phase timings, status, headers, a capped body and, for https, the
 * leaf certificate's expiry. */
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

struct curl_slist *tc_probe__parse_headers(tc_yaml_t *y, tc_ynode_t node)
{
    struct curl_slist *list = NULL;
    tc_ynode_t hdrs = tc_yaml_lookup(y, node, "headers");
    if (!hdrs)
        return NULL;
    if (tc_yaml_type(y, hdrs) != TC_YAML_MAPPING) {
        tc_yaml_error(y, hdrs, "monitor: headers must be a mapping of Name: value");
        return NULL;
    }
    for (size_t i = 0; i < tc_yaml_size(y, hdrs); i++) {
        tc_ynode_t k = tc_yaml_key(y, hdrs, i);
        tc_ynode_t v = tc_yaml_value(y, hdrs, i);
        if (tc_yaml_type(y, v) != TC_YAML_SCALAR) {
            tc_yaml_error(y, v, "monitor: header values must be strings");
            continue;
        }
        char *value = tc_yaml_expand(y, v);
        if (!value)
            continue;
        const char *name = tc_yaml_raw(y, k);
        if (strpbrk(name, ":\r\n") || strpbrk(value, "\r\n")) {
            tc_yaml_error(y, k, "monitor: header names and values cannot hold ':' or newlines");
            free(value);
            continue;
        }
        size_t len = strlen(name) + strlen(value) + 3;
        char *line = tc_malloc(len);
        snprintf(line, len, "%s: %s", name, value);
        list = curl_slist_append(list, line);
        free(line);
        free(value);
    }
    return list;
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

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    tc_buf_t *b = arg;
    /* Past the cap the rest is dropped, not an error: conditions see the first MiB. */
    tc_buf_append(b, data, size * n);
    return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    tc_buf_t *b = arg;
    size_t len = size * n;
    /* A new status line starts the headers of the next response (after a redirect or a
     * 100-continue); keep only the final response's. */
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        b->len = 0;
        if (b->data)
            b->data[0] = '\0';
        return len;
    }
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    if (len) {
        tc_buf_append(b, data, len);
        tc_buf_append(b, "\n", 1);
    }
    return size * n;
}

static double phase_ms(CURL *e, CURLINFO info)
{
    curl_off_t us = 0;
    curl_easy_getinfo(e, info, &us);
    return (double)us / 1000.0;
}

/* The leaf certificate is the first in the chain curl reports. */
static int64_t cert_expiry(CURL *e)
{
    struct curl_certinfo *ci = NULL;
    if (curl_easy_getinfo(e, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci || ci->num_of_certs < 1)
        return 0;
    for (struct curl_slist *s = ci->certinfo[0]; s; s = s->next) {
        if (strncmp(s->data, "Expire date:", 12) == 0) {
            time_t t = curl_getdate(s->data + 12, NULL);
            return t > 0 ? (int64_t)t * 1000 : 0;
        }
    }
    return 0;
}

void tc_probe__curl_measure(void *easy, tc_result_t *r)
{
    CURL *e = easy;
    r->dns_ms = phase_ms(e, CURLINFO_NAMELOOKUP_TIME_T);
    r->connect_ms = phase_ms(e, CURLINFO_CONNECT_TIME_T);
    r->tls_ms = phase_ms(e, CURLINFO_APPCONNECT_TIME_T);
    r->first_byte_ms = phase_ms(e, CURLINFO_STARTTRANSFER_TIME_T);
    r->response_ms = phase_ms(e, CURLINFO_TOTAL_TIME_T);
    char *ip = NULL;
    curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip);
    if (ip)
        snprintf(r->ip, sizeof r->ip, "%s", ip);
    r->cert_expires_at = cert_expiry(e);
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

void *tc_probe__curl_easy(const char *url, long timeout_ms, tc_buf_t *body, tc_buf_t *headers)
{
    CURL *e = curl_easy_init();
    if (!e)
        return NULL;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "tocsin-probe");
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, headers);
    return e;
}

static int http_start(tc_probe_run_t *run)
{
    const http_cfg_t *c = run->m->kind_cfg;
    CURL *e = tc_probe__curl_easy(c->url, run->m->timeout_ms, &run->result.body,
                                  &run->result.headers);
    if (!e)
        return TC_EIO;
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, c->follow_redirects ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, c->verify_tls ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, c->verify_tls ? 2L : 0L);
    curl_easy_setopt(e, CURLOPT_CERTINFO, 1L);
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

struct tc_probe_transfer {
    CURL *easy;                   /* owned */
    char errbuf[CURL_ERROR_SIZE]; /* curl's detailed message for a failure */
};

int tc_probe__transfer_start(tc_probe_run_t *run, CURL *easy, tc_curl_done_fn done)
{
    tc_probe_transfer_t *t = tc_calloc(1, sizeof *t);
    t->easy = easy;
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->errbuf);
    run->state = t;
    if (tc_curl_add(run->env->curl, easy, done, run) != 0) {
        curl_easy_cleanup(easy);
        free(t);
        run->state = NULL;
        return TC_EIO;
    }
    return 0;
}

const char *tc_probe__transfer_error(const tc_probe_run_t *run, CURLcode code)
{
    const tc_probe_transfer_t *t = run->state;
    return t && t->errbuf[0] ? t->errbuf : curl_easy_strerror(code);
}

void tc_probe__transfer_end(tc_probe_run_t *run)
{
    tc_probe_transfer_t *t = run->state;
    curl_easy_cleanup(t->easy);
    free(t);
    run->state = NULL;
    tc_probe__finish(run);
}

/* curl's multi handle cannot call back for a removed transfer, so the run finishes here. */
void tc_probe__transfer_cancel(tc_probe_run_t *run)
{
    tc_probe_transfer_t *t = run->state;
    if (!t)
        return;
    tc_curl_cancel(run->env->curl, t->easy);
    tc_probe__transfer_end(run);
}

const tc_probe_type_t tc_probe_http = {
    .name = "http",
    .keys = keys,
    .placeholders = placeholders,
    .parse = http_parse,
    .free_config = http_free_config,
    .start = http_start,
    .cancel = tc_probe__transfer_cancel,
};
