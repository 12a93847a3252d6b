/* The node's default gateway, read from the kernel's routing tables as Linux prints them in
 * /proc/net/route (IPv4) and /proc/net/ipv6_route (IPv6). Parsing only: the caller reads
 * the files (a gateway can change, so it reads them each time it needs one). The probe
 * self-check (engine/vantage.c) knocks at this address to tell a cut network from a mass
 * outage. */
#ifndef TC_ROUTE_H
#define TC_ROUTE_H

#include <stddef.h>

/** The gateway of the default IPv4 route (destination and mask 0, flags up and gateway) in
 *  @p text, the contents of /proc/net/route, with the lowest metric when there are several.
 *  The addresses are hexadecimal in the host's byte order, as the kernel printed them on
 *  this machine. @param out receives the address, e.g. "192.0.2.1".
 *  @return 0, or TC_ENOENT when there is no default route (lines that do not parse are
 *  skipped). */
int tc_route_gateway4(const char *text, char *out, size_t outlen);

/** The same for IPv6 from /proc/net/ipv6_route's contents: the default route (::/0, flags
 *  up and gateway, a next hop other than ::). A link-local next hop gets its device as the
 *  scope, e.g. "fe80::1%eth0", so a connect knows which link.
 *  @return 0 or TC_ENOENT. */
int tc_route_gateway6(const char *text, char *out, size_t outlen);

#endif
