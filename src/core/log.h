/* Logging: one logfmt line per event on stderr (ts=... level=... module=... msg=...).
 * Safe to call from any thread: each line is written with a single write(2).
 * Secrets must never be passed to these functions. */
#ifndef TC_LOG_H
#define TC_LOG_H

typedef enum {
    TC_LOG_DEBUG, /* detail for developers */
    TC_LOG_INFO,  /* normal lifecycle events */
    TC_LOG_WARN,  /* something is wrong but tocsin carries on */
    TC_LOG_ERROR, /* an operation failed */
} tc_log_level_t;

/** Only lines at @p level or above are written. The default is TC_LOG_INFO. */
void tc_log_set_level(tc_log_level_t level);
/** Parse "debug", "info", "warn" or "error". @return 0 or TC_EINVAL. */
int tc_log_parse_level(const char *name, tc_log_level_t *out);
/** Write one line. @p module is the caller's MODULE tag; the message is quoted as needed. */
void tc_log(tc_log_level_t level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
