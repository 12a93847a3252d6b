/* Error codes shared by every module: functions that can fail return 0 or a negative
 * TC_E* code, and put human detail into a caller-provided buffer (STYLE.md rules 7-8). */
#ifndef TC_ERR_H
#define TC_ERR_H

#define TC_ERRNO_MAP(XX)                                                \
    XX(EINVAL, "invalid argument")                                      \
    XX(ENOENT, "not found")                                             \
    XX(EIO, "input/output error")                                       \
    XX(ECONFIG, "configuration error")                                  \
    XX(ESTORE, "storage error")                                         \
    XX(ETOOBIG, "too big")                                              \
    XX(EAGAIN, "not done, call again")                                  \
    XX(ECANCELED, "canceled")                                           \
    XX(EEXIST, "already exists")

typedef enum {
    TC_OK = 0, /* success */
#define XX(code, _) TC_##code,
    TC__ERR_FIRST = -100, /* keeps the codes negative and distinct from 0 */
    TC_ERRNO_MAP(XX)
#undef XX
} tc_err_t;

/** @return a static, human-readable description of @p err (0 or a TC_E* code). */
const char *tc_strerror(int err);

/** @return the symbolic name of @p err, such as "ETOOBIG". */
const char *tc_err_name(int err);

#endif
