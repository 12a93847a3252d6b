/* Requests the engine answers (pushes, the write API, subscriptions): a request thread
 * copies the request whole (method, path, headers, query arguments, client address, body up
 * to MAX_BODY), queues it and suspends the connection; the engine takes it with
 * tc_http_take(), reads it through the accessors and answers with tc_http_reply(), which
 * resumes the connection; the request thread then sends the reply. Deciding which paths are
 * engine requests is http_server.c's. */
#include "web/http_server_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/log.h"
#include "core/err.h"

#define MODULE "http"

static enum MHD_Result collect_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    tc_http_request_t *req = cls;
    const char *tag = kind == MHD_HEADER_KIND ? "H" : "A";
    tc_buf_append(&req->fields, tag, 2);
    tc_buf_append(&req->fields, key, strlen(key) + 1);
    tc_buf_append(&req->fields, value ? value : "", strlen(value ? value : "") + 1);
    return MHD_YES;
}

tc_http_request_t *tc_http__new_request(tc_http_t *h, struct MHD_Connection *c, const char *url,
                                        const char *method)
{
    tc_http_request_t *req = tc_calloc(1, sizeof *req);
    req->h = h;
    req->conn = c;
    snprintf(req->method, sizeof req->method, "%s", method);
    req->path = tc_strdup(url);
    tc_buf_init(&req->fields, 16 * 1024);
    tc_buf_init(&req->body, MAX_BODY);
    tc_buf_init(&req->extra, 8 * 1024);
    MHD_get_connection_values(c, MHD_HEADER_KIND | MHD_GET_ARGUMENT_KIND, collect_field, req);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, req->client,
                      sizeof req->client);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, req->client,
                      sizeof req->client);
        /* Behind a trusted proxy the peer is the proxy; the client is the last entry of the
         * proxy header (of its last occurrence). A missing or malformed header leaves the
         * peer address, so rate limits then apply to the proxy as a whole. */
        if (h->proxy_header && tc_http_guard_trusted(h->proxies, h->nproxies, sa)) {
            const char *fwd = NULL, *v = NULL;
            for (const char *p = req->fields.data, *end = p ? p + req->fields.len : NULL;
                 p && p < end; p = v + strlen(v) + 1) {
                const char *key = p + 2;
                v = key + strlen(key) + 1;
                if (p[0] == 'H' && strcasecmp(key, h->proxy_header) == 0)
                    fwd = v;
            }
            if (fwd)
                tc_http_guard_last_forwarded(fwd, req->client, sizeof req->client);
        }
    }
    return req;
}

void tc_http__free_request(tc_http_request_t *req)
{
    free(req->path);
    tc_buf_free(&req->fields);
    tc_buf_free(&req->body);
    tc_buf_free(&req->extra);
    free(req->reply);
    free(req);
}

/* @return 0 when queued for the engine, -1 when the server is stopping (nothing queued). */
static int enqueue(tc_http_t *h, tc_http_request_t *req)
{
    pthread_mutex_lock(&h->queue_lock);
    /* Once stopping, nothing new may be suspended: libmicrohttpd must not be stopped with a
     * suspended connection, and the engine is about to stop answering. */
    if (h->stopping) {
        pthread_mutex_unlock(&h->queue_lock);
        return TC_ECANCELED;
    }
    req->state = REQ_QUEUED;
    /* Suspend before the engine can see it, so a fast reply always finds it suspended. */
    MHD_suspend_connection(req->conn);
    if (h->queue_tail)
        h->queue_tail->next = req;
    else
        h->queue_head = req;
    h->queue_tail = req;
    pthread_mutex_unlock(&h->queue_lock);
    h->wake(h->wake_arg);
    return 0;
}

tc_http_request_t *tc_http_take(tc_http_t *h)
{
    pthread_mutex_lock(&h->queue_lock);
    tc_http_request_t *req = h->queue_head;
    if (req) {
        h->queue_head = req->next;
        if (!h->queue_head)
            h->queue_tail = NULL;
        req->next = NULL;
    }
    pthread_mutex_unlock(&h->queue_lock);
    return req;
}

void tc_http_reply_html(tc_http_request_t *req, unsigned status, const char *html)
{
    req->html = 1;
    tc_http_reply(req, status, html);
}

void tc_http_reply_metrics(tc_http_request_t *req)
{
    req->metrics = 1;
    tc_http_reply(req, 200, "");
}

bool tc_http_on_demand(const tc_http_request_t *req)
{
    return req->on_demand;
}

void tc_http_reply_document(tc_http_request_t *req)
{
    tc_http_reply(req, 200, "");
}

void tc_http_reply(tc_http_request_t *req, unsigned status, const char *json)
{
    /* A caller that lost its reply must not take the server down with it. */
    if (!json) {
        tc_log(TC_LOG_ERROR, MODULE, "a %u reply had no body; answered 500", status);
        status = 500;
        json = "{\"error\":\"internal error\"}";
    }
    req->status = status;
    req->reply = tc_strdup(json);
    req->state = REQ_ANSWERED;
    MHD_resume_connection(req->conn);
}

void tc_http_add_header(tc_http_request_t *req, const char *name, const char *value)
{
    if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n")) {
        tc_log(TC_LOG_ERROR, MODULE, "dropped a reply header with a line break in it");
        return;
    }
    tc_buf_append(&req->extra, name, strlen(name) + 1);
    tc_buf_append(&req->extra, value, strlen(value) + 1);
}

static const char *field(const tc_http_request_t *req, const char *tag, const char *name)
{
    const char *p = req->fields.data;
    const char *end = p ? p + req->fields.len : NULL;
    while (p && p < end) {
        const char *key = p + 2;
        const char *value = key + strlen(key) + 1;
        if (p[0] == tag[0] && strcasecmp(key, name) == 0)
            return value;
        p = value + strlen(value) + 1;
    }
    return NULL;
}

const char *tc_http_method(const tc_http_request_t *req)
{
    return req->method;
}

const char *tc_http_path(const tc_http_request_t *req)
{
    return req->path;
}

const char *tc_http_arg(const tc_http_request_t *req, const char *name)
{
    return field(req, "A", name);
}

const char *tc_http_header(const tc_http_request_t *req, const char *name)
{
    return field(req, "H", name);
}

const char *tc_http_body(const tc_http_request_t *req, size_t *len)
{
    if (len)
        *len = req->body.len;
    return req->body.data ? req->body.data : "";
}

const char *tc_http_client(const tc_http_request_t *req)
{
    return req->client;
}

enum MHD_Result tc_http__serve_engine_request(tc_http_t *h, struct MHD_Connection *c,
                                              tc_http_request_t *req, const char *upload_data,
                                              size_t *upload_data_size)
{
    if (req->state == REQ_READING && *upload_data_size) {
        if (tc_buf_append(&req->body, upload_data, *upload_data_size) != 0)
            req->too_big = 1;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->state == REQ_READING) {
        if (req->too_big)
            return tc_http__reply(h, c, TC_ROUTE_OTHER, 413, h->too_large);
        if (enqueue(h, req) != 0)
            return tc_http__reply(h, c, TC_ROUTE_ENGINE, 503, h->stopping_resp);
        return MHD_YES;
    }
    if (req->state != REQ_ANSWERED)
        return MHD_YES;
    if (req->metrics)
        return tc_http__serve_metrics(h, c);
    if (req->on_demand && req->status == 200)
        return tc_http__serve_snapshot(h, c, req->path, req->method);
    size_t len = strlen(req->reply);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, req->reply, MHD_RESPMEM_MUST_COPY);
    int own_csp = 0, own_referrer = 0;
    for (const char *p = req->extra.data, *end = p ? p + req->extra.len : NULL; p && p < end;) {
        const char *value = p + strlen(p) + 1;
        MHD_add_response_header(r, p, value);
        own_csp |= strcasecmp(p, "Content-Security-Policy") == 0;
        own_referrer |= strcasecmp(p, "Referrer-Policy") == 0;
        p = value + strlen(value) + 1;
    }
    if (req->html) {
        /* The same policy as the snapshot's pages (build_doc() in http_server.c). */
        MHD_add_response_header(r, "Content-Type", "text/html; charset=utf-8");
        if (!own_csp)
            MHD_add_response_header(r, "Content-Security-Policy",
                                    "default-src 'none'; style-src 'unsafe-inline'; "
                                    "img-src 'self' data:; form-action 'self'; "
                                    "base-uri 'none'; frame-ancestors 'none'");
        if (!own_referrer)
            MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    } else {
        MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
        MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    }
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    tc_http__hsts(h, r);
    enum MHD_Result ret = tc_http__reply(h, c, TC_ROUTE_ENGINE, req->status, r);
    MHD_destroy_response(r);
    return ret;
}
