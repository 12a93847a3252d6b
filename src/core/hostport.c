/* "HOST:PORT" splitting, shared by the config (listen:) and the tcp and tls probes
 * (address:). */
#include "core/hostport.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"

int tc_hostport_parse(const char *s, char **host, int *port)
{
    const char *colon;
    const char *h = s;
    size_t hlen;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return TC_EINVAL;
        h = s + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        /* The last colon: a bare IPv6 address without brackets reads as host and port, as
         * it always has; brackets are the documented form. */
        colon = strrchr(s, ':');
        if (!colon)
            return TC_EINVAL;
        hlen = (size_t)(colon - s);
    }
    char *end = NULL;
    long p = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || p < 1 || p > 65535)
        return TC_EINVAL;
    *host = tc_strndup(h, hlen);
    *port = (int)p;
    return 0;
}
