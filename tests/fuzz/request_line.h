/* The input format shared by the request fuzzers: a first line "METHOD PATH[ form]", then the
 * body. In PATH, {i}, {u}, {m} and {s} stand for the fixture's incident, update, maintenance
 * and subscriber ids, and {t} for that subscriber's unsubscribe token (random at set-up, so a
 * fuzzer could never guess them). " form" at the
 * end of the line sends the body as application/x-www-form-urlencoded, otherwise as JSON. */
#ifndef TC_FUZZ_REQUEST_LINE_H
#define TC_FUZZ_REQUEST_LINE_H

#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "daemon_fixture.h"

/* Split @p data into @p r; the method and path are written into @p method and @p path (both
 * initialised by the caller and freed by it). @return 0, or -1 for an input without a first
 * line or with an empty method. */
static int fx_parse_input(const uint8_t *data, size_t size, fx_request_t *r, tc_buf_t *method,
                          tc_buf_t *path)
{
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl)
        return -1;
    size_t line = (size_t)(nl - data);
    if (memchr(data, '\0', line))
        return -1; /* a request line cannot hold a NUL: the server never hands one over */
    const uint8_t *sp = memchr(data, ' ', line);
    if (!sp || sp == data)
        return -1;
    /* The server keeps at most 15 bytes of method; longer ones never reach a handler. */
    if ((size_t)(sp - data) > 15 || tc_buf_append(method, data, (size_t)(sp - data)) != 0)
        return -1;
    const char *p = (const char *)sp + 1, *end = (const char *)nl;
    r->content_type = "application/json";
    if (end - p >= 5 && memcmp(end - 5, " form", 5) == 0) {
        end -= 5;
        r->content_type = "application/x-www-form-urlencoded";
    }
    tc_buf_append(path, "", 0);
    while (p < end) {
        const char *id = NULL;
        if (end - p >= 3 && p[0] == '{' && p[2] == '}') {
            id = p[1] == 'i'   ? fx_incident_id()
                 : p[1] == 'u' ? fx_update_id()
                 : p[1] == 'm' ? fx_maintenance_id()
                 : p[1] == 's' ? fx_subscriber_id()
                 : p[1] == 't' ? fx_unsubscribe_token()
                               : NULL;
        }
        if (id) {
            if (tc_buf_puts(path, id) != 0)
                return -1;
            p += 3;
        } else {
            if (tc_buf_append(path, p, 1) != 0)
                return -1;
            p++;
        }
    }
    r->method = method->data;
    r->path = path->data;
    r->body = (const char *)nl + 1;
    r->body_len = size - line - 1;
    return 0;
}

/* One fuzz input through the fixture: the v1 write API (@p subscribers 0, with the API key)
 * or the public subscribe routes (1). */
static void fx_fuzz_one(const uint8_t *data, size_t size, int subscribers)
{
    fx_request_t r = {0};
    tc_buf_t method, path;
    tc_buf_init(&method, 64);
    tc_buf_init(&path, 4096);
    fx_ready(0);
    if (fx_parse_input(data, size, &r, &method, &path) == 0)
        fx_request(&r, subscribers);
    tc_buf_free(&method);
    tc_buf_free(&path);
}

#endif
