/* libFuzzer driver for the condition language: parses the input as a condition and, when it
 * parses, checks and evaluates it (with and without an explanation) against a fixed result.
 * Bytes after the first NUL, if any, replace the fixed response body, so one input can fuzz
 * both the expression parser and the [BODY] JSON path walk.
 *
 * Build: cmake -DTC_FUZZ=ON -DCMAKE_C_COMPILER=clang ... && ./fuzz_cond tests/fuzz/corpus/cond */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "eval/cond.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fuzz_result {
    const char *body;
    size_t body_len;
} fuzz_result_t;

static const char default_body[] =
    "{\"status\":\"UP\",\"data\":[{\"id\":1},{\"id\":2,\"tags\":[\"a\",\"b\"]}],\"items\":[],"
    "\"ok\":true,\"errors\":null,\"n\":3.5,\"s\":\"42\"}";

static int lookup(void *ctx, const char *name, const char *key, tc_value_t *out)
{
    const fuzz_result_t *r = ctx;

    if (strcmp(name, "STATUS") == 0) {
        out->type = TC_VALUE_NUMBER;
        out->num = 200;
    } else if (strcmp(name, "RESPONSE_TIME") == 0 || strcmp(name, "CERTIFICATE_EXPIRATION") == 0) {
        out->type = TC_VALUE_NUMBER;
        out->num = 1234.5;
    } else if (strcmp(name, "BODY") == 0) {
        out->type = TC_VALUE_STRING;
        out->str = r->body;
        out->len = r->body_len;
    } else if (strcmp(name, "CONNECTED") == 0) {
        out->type = TC_VALUE_BOOL;
        out->boolean = true;
    } else if (strcmp(name, "IP") == 0 || strcmp(name, "DNS_RCODE") == 0) {
        out->type = TC_VALUE_STRING;
        out->str = "127.0.0.1";
        out->len = 9;
    } else if (strcmp(name, "HEADER") == 0) {
        /* Keys are free text from the expression; echo them back as the value. */
        if (key) {
            out->type = TC_VALUE_STRING;
            out->str = key;
            out->len = strlen(key);
        }
    } else {
        return -1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_result_t r = {default_body, sizeof(default_body) - 1};
    const uint8_t *nul = memchr(data, 0, size);
    size_t text_len = nul ? (size_t)(nul - data) : size;
    char *text = tc_strndup((const char *)data, text_len);
    tc_cond_t *c = NULL;
    int col = -1;
    char err[128];

    if (nul) {
        r.body = (const char *)nul + 1;
        r.body_len = size - text_len - 1;
    }
    if (tc_cond_parse(text, &c, &col, err, sizeof(err)) == 0) {
        tc_buf_t explain;
        tc_buf_init(&explain, 1 << 16);
        tc_cond_check(c, lookup, &r, &col, err, sizeof(err));
        bool a = tc_cond_eval(c, lookup, &r, NULL);
        bool b = tc_cond_eval(c, lookup, &r, &explain);
        /* Explaining evaluates every operand but must not change the verdict. */
        if (a != b)
            abort();
        tc_buf_free(&explain);
        tc_cond_free(c);
    } else if (col < 0 || (size_t)col > text_len) {
        abort(); /* an error column must point inside the expression or just past it */
    }
    free(text);
    return 0;
}
