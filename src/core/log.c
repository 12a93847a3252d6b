/* logfmt logger. The level is the one piece of process-wide state outside main.c: it is set
 * once at start-up before any thread exists and only read afterwards. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"

static tc_log_level_t min_level = TC_LOG_INFO;
static const char *level_names[] = {"debug", "info", "warn", "error"};

void tc_log_set_level(tc_log_level_t level)
{
    min_level = level;
}

int tc_log_parse_level(const char *name, tc_log_level_t *out)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (tc_log_level_t)i;
            return 0;
        }
    }
    return TC_EINVAL;
}

void tc_log(tc_log_level_t level, const char *module, const char *fmt, ...)
{
    if (level < min_level)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);

    char line[2300];
    int n = snprintf(line, sizeof line,
                     "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s module=%s msg=\"",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, (long)(tv.tv_usec / 1000), level_names[level], module);
    size_t len = n > 0 ? (size_t)n : 0;
    /* Quote the message so that one event is always one parseable line. */
    for (const char *p = msg; *p && len < sizeof line - 4; p++) {
        if (*p == '"' || *p == '\\') {
            line[len++] = '\\';
            line[len++] = *p;
        } else if (*p == '\n') {
            line[len++] = '\\';
            line[len++] = 'n';
        } else {
            line[len++] = *p;
        }
    }
    line[len++] = '"';
    line[len++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line, len);
    (void)ignored;
}
