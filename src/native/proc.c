/* wgjs:sys, processes: clean children (spawn), daemonizing with a readiness pipe, pid, tty. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "quickjs.h"
#include "sys.h"

static JSValue js_getpid(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    return JS_NewInt32(ctx, getpid());
}

static JSValue js_isatty(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd;
    if (wgjs_get_int(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    return JS_NewBool(ctx, isatty(fd));
}


/* ---------------------------------------------------------------- processes */

/* An array of strings (argv) or an object of strings (env, as NAME=value) as a NULL-terminated
 * C array; NULL with an exception set. Freed with free_strv. */
static void free_strv(JSContext *ctx, char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        js_free(ctx, *p);
    js_free(ctx, v);
}

static char **strv_from(JSContext *ctx, JSValueConst obj, int is_env)
{
    JSPropertyEnum *props = NULL;
    uint32_t n = 0, i;
    char **v = NULL;
    int64_t len = 0;
    if (is_env) {
        if (JS_GetOwnPropertyNames(ctx, &props, &n, obj, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY))
            return NULL;
    } else {
        if (JS_GetLength(ctx, obj, &len))
            return NULL;
        if (len < 1 || len > 4096) {
            JS_ThrowRangeError(ctx, "spawn: argv needs 1 to 4096 strings");
            return NULL;
        }
        n = (uint32_t)len;
    }
    v = js_mallocz(ctx, sizeof(char *) * (n + 1));
    if (!v)
        goto fail;
    for (i = 0; i < n; i++) {
        JSValue val = is_env ? JS_GetProperty(ctx, obj, props[i].atom) : JS_GetPropertyUint32(ctx, obj, i);
        const char *str = JS_ToCString(ctx, val);
        JS_FreeValue(ctx, val);
        if (!str)
            goto fail;
        if (is_env) {
            const char *key = JS_AtomToCString(ctx, props[i].atom);
            size_t kl, sl;
            if (!key) {
                JS_FreeCString(ctx, str);
                goto fail;
            }
            kl = strlen(key);
            sl = strlen(str);
            v[i] = js_malloc(ctx, kl + sl + 2);
            if (v[i]) {
                memcpy(v[i], key, kl);
                v[i][kl] = '=';
                memcpy(v[i] + kl + 1, str, sl + 1);
            }
            JS_FreeCString(ctx, key);
        } else {
            v[i] = js_strdup(ctx, str);
        }
        JS_FreeCString(ctx, str);
        if (!v[i])
            goto fail;
    }
    if (props)
        JS_FreePropertyEnum(ctx, props, n);
    return v;
fail:
    if (props)
        JS_FreePropertyEnum(ctx, props, n);
    free_strv(ctx, v);
    return NULL;
}

/* spawn(argv, env, stdoutFd) -> pid: starts argv[0] (a path, no PATH search) with exactly `env`,
 * without waiting. The child gets a clean process state whatever the daemon set up for itself:
 * an empty signal mask (the daemon blocks SIGTERM/SIGINT for its signalfd), every signal at its
 * default action (the daemon ignores SIGPIPE and SIGHUP), stdin from /dev/null, stdout on
 * stdoutFd when >= 0, and no other descriptor (TUN, sockets, epoll, signalfd) open. So `kill`
 * stops a hook script and whatever it starts, as it would from a shell. */
static JSValue js_spawn(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int out_fd = -1, maxfd;
    char **cargv, **cenv;
    pid_t pid;
    if (argc > 2 && !JS_IsUndefined(argv[2]) && JS_ToInt32(ctx, &out_fd, argv[2]))
        return JS_EXCEPTION;
    cargv = strv_from(ctx, argv[0], 0);
    if (!cargv)
        return JS_EXCEPTION;
    cenv = strv_from(ctx, argv[1], 1);
    if (!cenv) {
        free_strv(ctx, cargv);
        return JS_EXCEPTION;
    }
    maxfd = (int)sysconf(_SC_OPEN_MAX);
    if (maxfd < 0 || maxfd > 65536)
        maxfd = 65536;
    pid = fork();
    if (pid == 0) {
        sigset_t none;
        struct sigaction dfl;
        int nul;
        sigemptyset(&none);
        memset(&dfl, 0, sizeof(dfl));
        dfl.sa_handler = SIG_DFL;
        for (int sig = 1; sig < NSIG; sig++)
            sigaction(sig, &dfl, NULL); /* fails harmlessly for SIGKILL/SIGSTOP and reserved ones */
        sigprocmask(SIG_SETMASK, &none, NULL);
        nul = open("/dev/null", O_RDWR);
        if (nul >= 0 && nul != 0)
            dup2(nul, 0);
        if (out_fd >= 0 && out_fd != 1)
            dup2(out_fd, 1);
        for (int fd = 3; fd < maxfd; fd++)
            close(fd);
        execve(cargv[0], cargv, cenv);
        _exit(127);
    }
    free_strv(ctx, cargv);
    free_strv(ctx, cenv);
    if (pid < 0)
        return wgjs_throw_errno(ctx, errno, "fork");
    return JS_NewInt32(ctx, pid);
}

static int ready_fd = -1;

/* The parent waits until the child reports readiness, then exits 0 (ready) or 1 (failed). */
static JSValue js_daemonize(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fds[2], devnull;
    pid_t p;
    if (pipe2(fds, O_CLOEXEC) < 0)
        return wgjs_throw_errno(ctx, errno, "pipe");
    fflush(stdout);
    fflush(stderr);
    p = fork();
    if (p < 0)
        return wgjs_throw_errno(ctx, errno, "fork");
    if (p > 0) {
        char c = 0;
        ssize_t r;
        close(fds[1]);
        do
            r = read(fds[0], &c, 1);
        while (r < 0 && errno == EINTR);
        _exit(r == 1 && c == '1' ? 0 : 1);
    }
    close(fds[0]);
    ready_fd = fds[1];
    setsid();
    devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull >= 0) {
        dup2(devnull, 0);
        close(devnull);
    }
    return JS_UNDEFINED;
}

/* daemonReady(ok, keepStdio): tells the waiting parent; unless keepStdio, stdout/stderr go to
 * /dev/null (like wireguard-go without LOG_LEVEL) so callers capturing output do not hang. */
static JSValue js_daemonReady(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    char c = JS_ToBool(ctx, argv[0]) ? '1' : '0';
    int keep = argc > 1 && JS_ToBool(ctx, argv[1]);
    if (ready_fd >= 0) {
        fflush(stdout);
        fflush(stderr);
        if (c == '1' && !keep) {
            int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
            if (devnull >= 0) {
                dup2(devnull, 1);
                dup2(devnull, 2);
                close(devnull);
            }
        }
        (void)!write(ready_fd, &c, 1);
        close(ready_fd);
        ready_fd = -1;
    }
    return JS_UNDEFINED;
}

const JSCFunctionListEntry wgjs_proc_funcs[] = {
    JS_CFUNC_DEF("getpid", 0, js_getpid),
    JS_CFUNC_DEF("isatty", 1, js_isatty),
    JS_CFUNC_DEF("daemonize", 0, js_daemonize),
    JS_CFUNC_DEF("spawn", 3, js_spawn),
    JS_CFUNC_DEF("daemonReady", 2, js_daemonReady),
};
const int wgjs_proc_funcs_count = sizeof(wgjs_proc_funcs) / sizeof(wgjs_proc_funcs[0]);
