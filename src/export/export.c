/* The static mirror; see export.h. */
#define _GNU_SOURCE /* renameat2(RENAME_EXCHANGE) */
#include "export/export.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "core/dirlock.h"
#include "core/err.h"

extern char **environ;

typedef struct file {
    char *name;     /* relative file name, without the variant suffix */
    char *data[TC_ENC_COUNT];
    size_t len[TC_ENC_COUNT];
} file_t;

struct tc_export_job {
    char *dir;
    char *command;
    long timeout_ms;
    file_t *files;
    size_t nfiles;
    uint64_t generation;
};

static const char *const suffix[TC_ENC_COUNT] = {"", ".gz", ".br"};

int tc_export_file_name(const char *path, char *out, size_t outlen)
{
    size_t len = strlen(path);
    if (path[0] != '/' || (len > 1 && path[len - 1] == '/'))
        return TC_EINVAL;
    /* Every segment a plain name: nothing that could climb out of the folder. */
    for (const char *p = path + 1; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return TC_EINVAL;
        p += n + (p[n] == '/');
    }
    const char *last = strrchr(path, '/') + 1;
    int n;
    if (path[1] == '\0')
        n = snprintf(out, outlen, "index.html");
    else if (strchr(last, '.'))
        n = snprintf(out, outlen, "%s", path + 1); /* summary.json, history.atom, x.svg */
    else
        n = snprintf(out, outlen, "%s/index.html", path + 1); /* pages: a folder each */
    return n > 0 && (size_t)n < outlen ? 0 : TC_EINVAL;
}

tc_export_job_t *tc_export_prepare(const tc_snapshot_t *snap, const char *dir,
                                   const char *command, long timeout_ms)
{
    tc_export_job_t *j = tc_calloc(1, sizeof *j);
    j->dir = tc_strdup(dir);
    j->command = command ? tc_strdup(command) : NULL;
    j->timeout_ms = timeout_ms;
    j->generation = snap->generation;
    j->files = tc_calloc(snap->ndocs + 1, sizeof *j->files);
    for (size_t i = 0; i < snap->ndocs; i++) {
        const tc_doc_t *d = snap->docs[i];
        char name[1024];
        if (strncmp(d->path, "/admin/", 7) == 0 || tc_export_file_name(d->path, name,
                                                                        sizeof name) != 0)
            continue;
        file_t *f = &j->files[j->nfiles++];
        f->name = tc_strdup(name);
        for (int e = 0; e < TC_ENC_COUNT; e++) {
            if (!d->var[e].data)
                continue;
            f->data[e] = tc_malloc(d->var[e].len ? d->var[e].len : 1);
            memcpy(f->data[e], d->var[e].data, d->var[e].len);
            f->len[e] = d->var[e].len;
        }
    }
    return j;
}

size_t tc_export_count(const tc_export_job_t *j)
{
    return j->nfiles;
}

void tc_export_free(tc_export_job_t *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->nfiles; i++) {
        free(j->files[i].name);
        for (int e = 0; e < TC_ENC_COUNT; e++)
            free(j->files[i].data[e]);
    }
    free(j->files);
    free(j->dir);
    free(j->command);
    free(j);
}

/* ---- writing ---- */

static int write_file(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return TC_EIO;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
            close(fd);
            return TC_EIO;
        }
        done += (size_t)n;
    }
    if (close(fd) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return TC_EIO;
    }
    return 0;
}

/* mkdir -p of the folder holding @p file. */
static int make_parents(const char *file, char *err, size_t errlen)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", file);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return 0;
    *slash = '\0';
    return tc_dir_create(dir, err, errlen);
}

/* rm -r @p path (a folder this module made: plain files and folders only). */
static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char child[4096];
            snprintf(child, sizeof child, "%s/%s", path, e->d_name);
            struct stat st;
            if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
                remove_tree(child);
            else
                unlink(child);
        }
        closedir(d);
    }
    rmdir(path);
}

/* The snippets a web server needs to serve the folder as tocsin does: content types, the
 * precompressed variants, the Statuspage JSON paths with and without ".json", and the headers
 * the daemon sends with every document that clients depend on: Access-Control-Allow-Origin,
 * so the embed and Statuspage widgets on other sites may read the JSON, and its short
 * Cache-Control, without which browsers make up a lifetime from Last-Modified (a tenth of the
 * file's age: hours, for a page that had been quiet for days) and keep showing the old
 * status after the mirror changed. */
static const char nginx_conf[] =
    "# nginx: serve this folder as the status page (tocsin export). Needs gzip_static;\n"
    "# brotli_static needs the ngx_brotli module (remove it otherwise).\n"
    "server {\n"
    "    listen 80;\n"
    "    root /srv/status;              # this folder\n"
    "    index index.html;\n"
    "    gzip_static on;\n"
    "    gzip_vary on;\n"
    "    # brotli_static on;\n"
    "    # nginx's mime.types (included in http {}) knows .html, .json, .atom, .rss, .svg, .js\n"
    "    # As tocsin: other sites' widgets may read it, browsers ask again after 10 s.\n"
    "    # (A location with add_header of its own drops these: repeat them there.)\n"
    "    add_header Access-Control-Allow-Origin *;\n"
    "    add_header Cache-Control \"public, max-age=10\";\n"
    "    location / { try_files $uri $uri/index.html =404; }\n"
    "    location /api/v2/ { try_files $uri $uri.json =404; }\n"
    "}\n";

static const char caddy_conf[] =
    "# Caddy: serve this folder as the status page (tocsin export).\n"
    "status.example.com {\n"
    "    root * /srv/status\n"
    "    # As tocsin: other sites' widgets may read it, browsers ask again after 10 s.\n"
    "    header Access-Control-Allow-Origin *\n"
    "    header Cache-Control \"public, max-age=10\"\n"
    "    try_files {path} {path}/index.html {path}.json\n"
    "    file_server {\n"
    "        precompressed br gzip\n"
    "    }\n"
    "}\n";

/* Format a path into @p out; a path longer than the buffer is an error, never cut short:
 * a cut temporary folder's name could be the mirror itself, which is then removed. */
__attribute__((format(printf, 5, 6))) static int make_path(char *out, size_t outlen, char *err,
                                                           size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, outlen, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= outlen) {
        snprintf(err, errlen, "the export's path is longer than %zu bytes", outlen - 1);
        return TC_EINVAL;
    }
    return 0;
}

static int write_all(const tc_export_job_t *j, const char *into, char *err, size_t errlen)
{
    if (tc_dir_create(into, err, errlen) != 0)
        return TC_EIO;
    for (size_t i = 0; i < j->nfiles; i++) {
        const file_t *f = &j->files[i];
        for (int e = 0; e < TC_ENC_COUNT; e++) {
            if (!f->data[e])
                continue;
            char path[4096];
            if (make_path(path, sizeof path, err, errlen, "%s/%s%s", into, f->name,
                          suffix[e]) != 0 ||
                make_parents(path, err, errlen) != 0 ||
                write_file(path, f->data[e], f->len[e], err, errlen) != 0)
                return TC_EIO;
        }
    }
    char path[4096];
    if (make_path(path, sizeof path, err, errlen, "%s/tocsin-mirror.nginx.conf", into) != 0 ||
        write_file(path, nginx_conf, sizeof nginx_conf - 1, err, errlen) != 0 ||
        make_path(path, sizeof path, err, errlen, "%s/tocsin-mirror.Caddyfile", into) != 0)
        return TC_EIO;
    return write_file(path, caddy_conf, sizeof caddy_conf - 1, err, errlen);
}

/* Put @p fresh in @p dir's place: one atomic exchange when @p dir exists (readers see the
 * old folder or the new one, never a mix), a rename when it does not. */
static int swap_in(const char *fresh, const char *dir, char *err, size_t errlen)
{
    if (renameat2(AT_FDCWD, fresh, AT_FDCWD, dir, RENAME_EXCHANGE) == 0) {
        remove_tree(fresh); /* now the old folder */
        return 0;
    }
    if (errno == ENOENT && rename(fresh, dir) == 0)
        return 0;
    snprintf(err, errlen, "cannot put the new folder in place of %s: %s", dir, strerror(errno));
    return TC_EIO;
}

/* ---- the command ---- */

static int run_command(const tc_export_job_t *j, char *err, size_t errlen)
{
    char var[4200];
    snprintf(var, sizeof var, "TOCSIN_EXPORT_DIR=%s", j->dir);
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = tc_calloc(n + 2, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "TOCSIN_EXPORT_DIR=", 18) != 0)
            env[k++] = environ[i];
    env[k++] = var;
    char *argv[] = {"/bin/sh", "-c", j->command, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    /* Its own process group, so a timeout ends the whole pipeline it may start. */
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&at, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    free(env);
    if (rc != 0) {
        snprintf(err, errlen, "cannot run the export command: %s", strerror(rc));
        return TC_ECANCELED;
    }
    int64_t deadline = tc_clock_mono_ms() + j->timeout_ms;
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            snprintf(err, errlen, "lost the export command: %s", strerror(errno));
            return TC_ECANCELED;
        }
        if (tc_clock_mono_ms() > deadline) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            snprintf(err, errlen, "the export command took more than %ld ms and was stopped",
                     j->timeout_ms);
            return TC_ECANCELED;
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status))
        snprintf(err, errlen, "the export command exited with %d", WEXITSTATUS(status));
    else
        snprintf(err, errlen, "the export command was ended by signal %d",
                 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return TC_ECANCELED;
}

int tc_export_run(tc_export_job_t *j, char *err, size_t errlen)
{
    char fresh[4096];
    if (make_path(fresh, sizeof fresh, err, errlen, "%s.new-%llu-%ld", j->dir,
                  (unsigned long long)j->generation, (long)getpid()) != 0)
        return TC_EINVAL;
    remove_tree(fresh); /* left by a crash, perhaps */
    if (write_all(j, fresh, err, errlen) != 0 || swap_in(fresh, j->dir, err, errlen) != 0) {
        remove_tree(fresh);
        return TC_EIO;
    }
    return j->command ? run_command(j, err, errlen) : 0;
}
