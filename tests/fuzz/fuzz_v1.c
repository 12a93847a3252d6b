/* libFuzzer driver for the write API (/v1/pages/{page}/...): each input is one request
 * ("METHOD PATH" line, then the JSON body; see request_line.h) answered by the real handler,
 * tc_api_handle(), on a small engine with a SQLite store (daemon_fixture.c). The
 * fixture aborts on a reply a client could not read: a NULL or non-JSON body, or an error
 * status without an "error" message.
 *
 * Run: build-fuzz/fuzz_v1 tests/fuzz/corpus/v1 */
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "daemon_fixture.h"
#include "request_line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fx_fuzz_one(data, size, 0);
    return 0;
}
