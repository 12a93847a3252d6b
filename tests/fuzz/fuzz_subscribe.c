/* libFuzzer driver for the public subscribe surface: POST /api/v2/subscribers with a JSON
 * body or the page's form (application/x-www-form-urlencoded, so url_decode() and
 * form_to_json() see the bytes), and the /subscribers/confirm|unsubscribe/<token> pages, all
 * answered by the real route table, tc_api_handle(), on the fixture's engine.
 * Input: "METHOD PATH[ form]" line, then the body (request_line.h).
 *
 * Run: build-fuzz/fuzz_subscribe tests/fuzz/corpus/subscribe */
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "daemon_fixture.h"
#include "request_line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fx_request_t r = {0};
    tc_buf_t method, path;
    tc_buf_init(&method, 64);
    tc_buf_init(&path, 4096);
    fx_ready(0);
    if (fx_parse_input(data, size, &r, &method, &path) == 0)
        fx_request(&r, 1);
    tc_buf_free(&method);
    tc_buf_free(&path);
    return 0;
}
