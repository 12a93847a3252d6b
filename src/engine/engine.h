/* The engine: wires config, store, domain state and the HTTP server, and runs the engine
 * thread's libuv loop. The thread that calls tc_engine_run() becomes the engine thread: it
 * owns all mutable state and is the only writer of the store. */
#ifndef TC_ENGINE_H
#define TC_ENGINE_H

typedef struct tc_engine_opts {
    const char *config_path;  /* YAML file to load (and reload on SIGHUP) */
    const char *listen;       /* "HOST:PORT" overriding server.listen, or NULL */
    const char *data_dir;     /* overriding storage.path, or NULL */
    const char *node;         /* overriding node.name, or NULL */
    const char *location;     /* overriding node.location, or NULL */
    const char *export_to;    /* `tocsin export`: write the static mirror here and return,
                                 without serving; NULL to serve */
} tc_engine_opts_t;

/** Load the config, open the store, serve, and run until SIGTERM or SIGINT (or, with
 *  export_to, write the first snapshot as a static mirror and return).
 *  @return the process exit code: 0 after a clean stop, 1 on a runtime failure, 2 when the
 *          config is invalid (its errors are printed to stderr). */
int tc_engine_run(const tc_engine_opts_t *opts);

#endif
