/* The redirector's Location: checked pieces of the request put together (see the header).
 * The Host header is accepted only as a host name or an IPv6 literal, so a request cannot
 * send a browser to "evil.example/x" or split the header; the target is kept when it is
 * plain visible ASCII, which a Location header can carry as it is. */
#include "web/redirect_location.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"

/* The length of the host at the start of @p s (a name, or "[v6]"), or 0 if there is none. */
static size_t host_length(const char *s)
{
    size_t n = 0;
    if (s[0] == '[') {
        while (s[++n] && strchr("0123456789abcdefABCDEF:.", s[n]))
            ;
        return s[n] == ']' && n > 1 ? n + 1 : 0;
    }
    while (s[n] == '-' || s[n] == '.' || (s[n] >= '0' && s[n] <= '9') ||
           (s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z'))
        n++;
    return n;
}

/* Digits only, at least one: the ":PORT" after a host. */
static int is_port(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static int is_path(const char *t)
{
    if (t[0] != '/')
        return 0;
    for (; *t; t++)
        if (*t <= ' ' || *t > '~')
            return 0;
    return 1;
}

int tc_redirect_location(const char *host, const char *target, int https_port, char *out,
                         size_t outlen)
{
    size_t hlen = host ? host_length(host) : 0;
    if (!hlen || (host[hlen] && !(host[hlen] == ':' && is_port(host + hlen + 1))))
        return TC_EINVAL;
    char port[16] = "";
    if (https_port != 443)
        snprintf(port, sizeof port, ":%d", https_port);
    int n = snprintf(out, outlen, "https://%.*s%s%s", (int)hlen, host, port,
                     target && is_path(target) ? target : "/");
    return n < 0 || (size_t)n >= outlen ? TC_ETOOBIG : 0;
}
