/* "HOST:PORT" strings, as written in the config (a server's listen address, a probe's
 * target). Splitting only: no resolving, and what an empty host means is the caller's call. */
#ifndef TC_HOSTPORT_H
#define TC_HOSTPORT_H

/** Split "HOST:PORT", ":PORT" or "[V6]:PORT" (brackets dropped). The port must be 1-65535.
 *  @param host receives the host, "" when none was given; the caller frees it.
 *  @return 0, or TC_EINVAL (then *host is untouched). */
int tc_hostport_parse(const char *s, char **host, int *port);

#endif
