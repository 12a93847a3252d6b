/* libFuzzer driver for the YAML config: tc_config_parse() on the input (every section, every
 * monitor kind's own parser, the conditions inside monitors), exactly as `tocsin
 * check-config` and the daemon load a file. The input is passed with its length and without
 * a terminator, so a read past the text shows. A rejected config must come with errors, and
 * every error line must read "fuzz.yaml:LINE:COL: message" with no control characters: a key
 * must never be able to forge a line or drive the terminal (issue 12 item 8).
 *
 * Run: build-fuzz/fuzz_config tests/fuzz/corpus/config */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_errors(const char *errors)
{
    const char *line = errors;
    if (!errors || !errors[0]) {
        fprintf(stderr, "fuzz_config: a config was refused without an error\n");
        abort();
    }
    while (*line) {
        const char *nl = strchr(line, '\n');
        if (!nl || strncmp(line, "fuzz.yaml:", 10) != 0) {
            fprintf(stderr, "fuzz_config: error line not \"FILE:LINE:COL: msg\\n\": %s\n", line);
            abort();
        }
        for (const char *p = line; p < nl; p++) {
            if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                fprintf(stderr, "fuzz_config: control character 0x%02x in: %.*s\n",
                        (unsigned char)*p, (int)(nl - line), line);
                abort();
            }
        }
        line = nl + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) {
        tc_log_set_level(TC_LOG_ERROR);
        quiet = 1;
    }
    /* An exact-size copy: libFuzzer's buffer is exact too, but this keeps the harness honest
     * if the data ever arrives from a larger buffer. */
    char *text = malloc(size ? size : 1);
    if (size)
        memcpy(text, data, size);
    tc_config_t *c = NULL;
    char *errors = NULL;
    if (tc_config_parse("fuzz.yaml", text, size, &c, &errors) == 0)
        tc_config_free(c);
    else
        check_errors(errors);
    free(errors);
    free(text);
    return 0;
}
