/* Where the plain-HTTP redirector (http_redirect.c) sends a request: https on the same host
 * name, the HTTPS port, the same target. Pure, so it can be unit-tested and fuzzed: both of
 * its inputs come from the network. */
#ifndef TC_REDIRECT_LOCATION_H
#define TC_REDIRECT_LOCATION_H

#include <stddef.h>

/** Write "https://HOST[:PORT]TARGET" into @p out.
 *  @param host the request's Host header (NULL when absent): a name of letters, digits, '-'
 *         and '.', or an IPv6 literal in brackets, optionally followed by ":PORT" (dropped)
 *  @param target the raw request target; one that is not an origin-form path of visible
 *         ASCII ("*", an absolute URI, bytes outside 0x21-0x7e) becomes "/"
 *  @param https_port shown unless it is 443
 *  @return 0; TC_EINVAL when @p host is missing or anything but a host (and port);
 *          TC_ETOOBIG when the location does not fit in @p outlen. */
int tc_redirect_location(const char *host, const char *target, int https_port, char *out,
                         size_t outlen);

#endif
