/* String tables for the TC_ERRNO_MAP codes; generated from the one X-macro so the enum and
 * the texts can never drift apart. */
#include "core/err.h"

const char *tc_strerror(int err)
{
    switch (err) {
    case TC_OK:
        return "success";
#define XX(code, text)                                                  \
    case TC_##code:                                                     \
        return text;
        TC_ERRNO_MAP(XX)
#undef XX
    default:
        return "unknown error";
    }
}

const char *tc_err_name(int err)
{
    switch (err) {
    case TC_OK:
        return "OK";
#define XX(code, _)                                                     \
    case TC_##code:                                                     \
        return #code;
        TC_ERRNO_MAP(XX)
#undef XX
    default:
        return "EUNKNOWN";
    }
}
