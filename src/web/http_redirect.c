/* The plain-HTTP redirector beside an HTTPS server (server.tls.redirect_from): every request
 * is answered 308 with Location https://HOST[:PORT]/the/same/path?and=query, HOST from the
 * request's Host header (its port dropped) and PORT the HTTPS server's unless it is 443
 * (redirect_location.c puts it together).
 * 308 keeps the method and body, so a write sent to http:// is repeated over https://, not
 * turned into a GET. It serves nothing else, so a small libmicrohttpd daemon with its own
 * connection limits does: no snapshot, no engine. */
#include "web/http_server_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/err.h"
#include "web/redirect_location.h"

#define MAX_LOCATION 8192

/* What libmicrohttpd keeps per request: the raw request target, as the client sent it (the
 * path it hands the handler is already unescaped), and whether the request was seen. */
typedef struct redirect_req {
    char *target; /* owned */
    int seen;
} redirect_req_t;

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    redirect_req_t *r = tc_calloc(1, sizeof *r);
    r->target = tc_strdup(uri ? uri : "/");
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    redirect_req_t *r = *req_cls;
    if (r) {
        free(r->target);
        free(r);
    }
    *req_cls = NULL;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *body,
                             const char *location)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (location)
        MHD_add_response_header(r, "Location", location);
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    tc_http_t *h = cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    redirect_req_t *r = *req_cls;
    /* Answer on the second call: a response queued on the first goes out with "Connection:
     * close" (DESIGN.md). A body is read and dropped: the client repeats it over https. */
    if (!r->seen || *upload_data_size) {
        r->seen = 1;
        *upload_data_size = 0;
        return MHD_YES;
    }
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    char location[MAX_LOCATION];
    int rc = tc_redirect_location(host, r->target, h->port, location, sizeof location);
    if (rc == TC_ETOOBIG)
        return reply(c, 414, "Request target too long.\n", NULL);
    if (rc)
        return reply(c, 400, "Bad request: this address redirects to https and needs the "
                             "request's Host header.\n", NULL);
    return reply(c, 308, "This page is served over https.\n", location);
}

int tc_http__redirect_start(tc_http_t *h, const char *host, int port, int connection_limit,
                            int per_ip_limit, int timeout, char *err, size_t errlen)
{
    int v6 = 0;
    int fd = tc_http__listen(host, port, &v6, err, errlen);
    if (fd < 0)
        return TC_EIO;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    if (v6)
        flags |= MHD_USE_IPv6;
    h->redirect = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER,
        tc_http__mhd_log, h, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_URI_LOG_CALLBACK, on_uri,
        NULL, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)connection_limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)per_ip_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(16 * 1024), MHD_OPTION_END);
    if (!h->redirect) {
        close(fd);
        snprintf(err, errlen, "cannot start the redirector on %s:%d (see the log above)", host,
                 port);
        return TC_EIO;
    }
    return 0;
}

void tc_http__redirect_stop(tc_http_t *h)
{
    if (h->redirect)
        MHD_stop_daemon(h->redirect);
    h->redirect = NULL;
}
