/* libFuzzer driver for the plain-HTTP redirector's Location (web/redirect_location.c): the
 * input's first line is the Host header, the rest the request target, both as the network
 * delivers them. A Location that is produced must be one header line of visible ASCII that
 * starts with "https://" and names no other host than the header's.
 *
 * Run: build-fuzz/fuzz_redirect tests/fuzz/corpus/redirect */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "web/redirect_location.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = tc_strndup((const char *)data, size);
    char *target = strchr(text, '\n');
    if (target)
        *target++ = '\0';
    char out[512];
    if (tc_redirect_location(text, target, 8443, out, sizeof out) == 0) {
        if (strncmp(out, "https://", 8) != 0)
            abort();
        for (const char *p = out; *p; p++)
            if (*p <= ' ' || *p > '~')
                abort();
        /* The host is the header's, up to its port: "[v6]" whole, a name up to ':'. */
        const char *host = out + 8;
        const char *end = host[0] == '[' ? strchr(host, ']') : host + strcspn(host, ":/");
        if (!end)
            abort();
        size_t name = (size_t)(end - host) + (host[0] == '[');
        if (strncmp(host, text, name) != 0 || (text[name] && text[name] != ':'))
            abort();
    }
    free(text);
    return 0;
}
