/* wgjs:sys — syscalls for the TypeScript code, one file per concern: this one holds the module
 * (its exports, errno and signal tables, argument helpers), plain fd I/O, epoll, signals as an
 * fd, clocks and randomness; net.c network interfaces and sockets; fs.c files; proc.c
 * processes; io.c batched UDP I/O; offload.c the TUN and its offloads. No protocol logic.
 * Errors throw an Error carrying .errno (this target's number) and .code (its name);
 * the non-blocking I/O calls return -1 on EAGAIN instead, so the packet path allocates nothing. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include "quickjs.h"
#include "sys.h"

#ifndef WGJS_ARCH
#define WGJS_ARCH "unknown"
#endif
#ifndef WGJS_VERSION
#define WGJS_VERSION "0.0.0"
#endif


#define E(n) { #n, n }
static const struct { const char *name; int num; } errnos[] = {
    E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(EBADF), E(EAGAIN),
    E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST), E(ENODEV), E(ENOTDIR), E(EISDIR),
    E(EINVAL), E(ENFILE), E(EMFILE), E(ENOSPC), E(EPIPE), E(ERANGE), E(ENOSYS), E(EPROTO),
    E(EADDRINUSE), E(EADDRNOTAVAIL), E(ENETDOWN), E(ENETUNREACH), E(ECONNREFUSED),
    E(EHOSTUNREACH), E(EAFNOSUPPORT), E(EMSGSIZE), E(ENOBUFS), E(EBADFD), E(ENOTCONN),
    E(ETIMEDOUT), E(ENOTSOCK), E(ECONNRESET), E(EOPNOTSUPP), E(EPROTONOSUPPORT), E(ENOKEY),
    E(ENAMETOOLONG), E(ENOTSUP), E(EALREADY), E(EINPROGRESS), E(EDESTADDRREQ),
};
static const struct { const char *name; int num; } signals[] = {
    E(SIGHUP), E(SIGINT), E(SIGQUIT), E(SIGKILL), E(SIGUSR1), E(SIGUSR2), E(SIGPIPE),
    E(SIGALRM), E(SIGTERM), E(SIGCHLD),
};
#undef E

static const char *errno_name(int e)
{
    for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
        if (errnos[i].num == e)
            return errnos[i].name;
    return "EUNKNOWN";
}

static JSValue throw_errno(JSContext *ctx, int e, const char *what)
{
    JSValue err = JS_NewError(ctx);
    char msg[256];
    snprintf(msg, sizeof(msg), "%s: %s", what, strerror(e));
    JS_SetPropertyStr(ctx, err, "message", JS_NewString(ctx, msg));
    JS_SetPropertyStr(ctx, err, "errno", JS_NewInt32(ctx, e));
    JS_SetPropertyStr(ctx, err, "code", JS_NewString(ctx, errno_name(e)));
    return JS_Throw(ctx, err);
}

JSValue wgjs_throw_errno(JSContext *ctx, int e, const char *what)
{
    return throw_errno(ctx, e, what);
}

int wgjs_get_int(JSContext *ctx, JSValueConst v, int *out)
{
    return JS_ToInt32(ctx, out, v);
}

/* buffer range [off, off+len) of a Uint8Array argument */
uint8_t *wgjs_get_range(JSContext *ctx, JSValueConst buf, JSValueConst joff, JSValueConst jlen,
                          int *len_out)
{
    size_t size;
    int off, len;
    uint8_t *p;
    /* the numbers first: converting them may run JS (valueOf), which could detach the buffer */
    if (wgjs_get_int(ctx, joff, &off) || wgjs_get_int(ctx, jlen, &len))
        return NULL;
    p = JS_GetUint8Array(ctx, &size, buf);
    if (!p)
        return NULL;
    if (off < 0 || len < 0 || (size_t)off + (size_t)len > size) {
        JS_ThrowRangeError(ctx, "buffer range out of bounds");
        return NULL;
    }
    *len_out = len;
    return p + off;
}


static void put_u32le(uint8_t *p, uint32_t v)
{
    p[0] = v & 255; p[1] = (v >> 8) & 255; p[2] = (v >> 16) & 255; p[3] = (v >> 24) & 255;
}

/* ---------------------------------------------------------------- generic fd I/O */

/* read(fd, buf, off, len) / write(...): magic 0 reads, 1 writes; -1 on EAGAIN. */
static JSValue js_rw(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic)
{
    int fd, len;
    ssize_t r;
    uint8_t *p;
    if (wgjs_get_int(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    p = wgjs_get_range(ctx, argv[1], argv[2], argv[3], &len);
    if (!p)
        return JS_EXCEPTION;
    do
        r = magic ? write(fd, p, len) : read(fd, p, len);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return JS_NewInt32(ctx, -1);
        return throw_errno(ctx, errno, magic ? "write" : "read");
    }
    return JS_NewInt32(ctx, (int)r);
}

static JSValue js_close(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd;
    if (wgjs_get_int(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    close(fd);
    return JS_UNDEFINED;
}

static JSValue js_pollIn(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct pollfd p;
    int fd, ms, r;
    if (wgjs_get_int(ctx, argv[0], &fd) || wgjs_get_int(ctx, argv[1], &ms))
        return JS_EXCEPTION;
    p.fd = fd;
    p.events = POLLIN;
    p.revents = 0;
    do
        r = poll(&p, 1, ms);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return throw_errno(ctx, errno, "poll");
    return JS_NewBool(ctx, r > 0);
}

/* ---------------------------------------------------------------- epoll
 * quickjs-ng 0.17's event loop only inspects the first N pollfds after poll() returns N, so
 * with several read handlers a ready fd later in its list is never dispatched (a busy loop).
 * The daemon therefore registers ONE qjs read handler, on an epoll fd, and dispatches itself. */

static JSValue js_epollCreate(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd = epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0)
        return throw_errno(ctx, errno, "epoll_create1");
    return JS_NewInt32(ctx, fd);
}

/* epollCtl(epfd, op 'add'|'mod'|'del' as 1|3|2, fd, events bit 1 = in, bit 2 = out) */
static JSValue js_epollCtl(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int epfd, op, fd, ev;
    struct epoll_event e;
    if (wgjs_get_int(ctx, argv[0], &epfd) || wgjs_get_int(ctx, argv[1], &op) || wgjs_get_int(ctx, argv[2], &fd) ||
        wgjs_get_int(ctx, argv[3], &ev))
        return JS_EXCEPTION;
    memset(&e, 0, sizeof(e));
    e.events = ((ev & WGJS_EPOLL_IN) ? EPOLLIN : 0) | ((ev & WGJS_EPOLL_OUT) ? EPOLLOUT : 0);
    e.data.fd = fd;
    if (epoll_ctl(epfd, op == WGJS_EPOLL_ADD ? EPOLL_CTL_ADD : op == WGJS_EPOLL_MOD ? EPOLL_CTL_MOD : EPOLL_CTL_DEL, fd, &e) < 0)
        return throw_errno(ctx, errno, "epoll_ctl");
    return JS_UNDEFINED;
}

/* epollWait(epfd, out, timeoutMs): ready events written to `out` as 8-byte records (fd u32 LE,
 * flags u32 LE: 1 in, 2 out, 4 error/hangup); returns the count. No allocation. */
static JSValue js_epollWait(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct epoll_event evs[64];
    int epfd, ms, n, max;
    size_t size;
    uint8_t *out;
    if (wgjs_get_int(ctx, argv[0], &epfd) || wgjs_get_int(ctx, argv[2], &ms))
        return JS_EXCEPTION;
    out = JS_GetUint8Array(ctx, &size, argv[1]);
    if (!out)
        return JS_EXCEPTION;
    max = (int)(size / 8);
    if (max > 64)
        max = 64;
    if (max < 1)
        return JS_ThrowRangeError(ctx, "epollWait buffer too small");
    do
        n = epoll_wait(epfd, evs, max, ms);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return throw_errno(ctx, errno, "epoll_wait");
    for (int i = 0; i < n; i++) {
        uint32_t f = ((evs[i].events & EPOLLIN) ? WGJS_EPOLL_IN : 0) | ((evs[i].events & EPOLLOUT) ? WGJS_EPOLL_OUT : 0) |
                     ((evs[i].events & (EPOLLERR | EPOLLHUP)) ? WGJS_EPOLL_ERR : 0);
        put_u32le(out + 8 * i, (uint32_t)evs[i].data.fd);
        put_u32le(out + 8 * i + 4, f);
    }
    return JS_NewInt32(ctx, n);
}


/* ---------------------------------------------------------------- signals as a file descriptor
 * quickjs-ng 0.17's event loop ends (js_std_loop returns) when poll() is interrupted by a signal,
 * before any os.signal handler runs. So the daemon blocks its signals and reads them from a
 * signalfd through its epoll loop instead: nothing is ever interrupted. */

static JSValue js_signalFd(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    sigset_t set;
    int64_t len, i;
    int fd;
    sigemptyset(&set);
    if (JS_GetLength(ctx, argv[0], &len))
        return JS_EXCEPTION;
    for (i = 0; i < len; i++) {
        int sig;
        JSValue v = JS_GetPropertyUint32(ctx, argv[0], (uint32_t)i);
        if (JS_ToInt32(ctx, &sig, v)) {
            JS_FreeValue(ctx, v);
            return JS_EXCEPTION;
        }
        JS_FreeValue(ctx, v);
        sigaddset(&set, sig);
    }
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return throw_errno(ctx, errno, "sigprocmask");
    fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0)
        return throw_errno(ctx, errno, "signalfd");
    return JS_NewInt32(ctx, fd);
}

/* readSignal(fd): the next pending signal number, or -1 if none. */
static JSValue js_readSignal(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct signalfd_siginfo si;
    int fd;
    ssize_t r;
    if (wgjs_get_int(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    do
        r = read(fd, &si, sizeof(si));
    while (r < 0 && errno == EINTR);
    if (r != (ssize_t)sizeof(si))
        return JS_NewInt32(ctx, -1);
    return JS_NewInt32(ctx, (int)si.ssi_signo);
}

static JSValue js_getrandom(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    size_t size, done = 0;
    uint8_t *p = JS_GetUint8Array(ctx, &size, argv[0]);
    if (!p)
        return JS_EXCEPTION;
    while (done < size) {
        ssize_t r = getrandom(p + done, size - done, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return throw_errno(ctx, errno, "getrandom");
        }
        done += (size_t)r;
    }
    return JS_UNDEFINED;
}

static JSValue js_monotonicMs(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return JS_NewFloat64(ctx, (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6);
}

static JSValue js_realtime(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct timespec ts;
    JSValue arr = JS_NewArray(ctx);
    clock_gettime(CLOCK_REALTIME, &ts);
    JS_SetPropertyUint32(ctx, arr, 0, JS_NewInt64(ctx, (int64_t)ts.tv_sec));
    JS_SetPropertyUint32(ctx, arr, 1, JS_NewInt32(ctx, (int32_t)ts.tv_nsec));
    return arr;
}

static const JSCFunctionListEntry sys_funcs[] = {
    JS_CFUNC_MAGIC_DEF("read", 4, js_rw, 0),
    JS_CFUNC_MAGIC_DEF("write", 4, js_rw, 1),
    JS_CFUNC_DEF("close", 1, js_close),
    JS_CFUNC_DEF("pollIn", 2, js_pollIn),
    JS_CFUNC_DEF("getrandom", 1, js_getrandom),
    JS_CFUNC_DEF("monotonicMs", 0, js_monotonicMs),
    JS_CFUNC_DEF("realtime", 0, js_realtime),
    JS_CFUNC_DEF("epollCreate", 0, js_epollCreate),
    JS_CFUNC_DEF("signalFd", 1, js_signalFd),
    JS_CFUNC_DEF("readSignal", 1, js_readSignal),
    JS_CFUNC_DEF("epollCtl", 4, js_epollCtl),
    JS_CFUNC_DEF("epollWait", 3, js_epollWait),
};

/* every function list of the module, one per file */
static const struct { const JSCFunctionListEntry *list; const int *count; } lists[] = {
    { wgjs_net_funcs, &wgjs_net_funcs_count }, { wgjs_fs_funcs, &wgjs_fs_funcs_count },
    { wgjs_proc_funcs, &wgjs_proc_funcs_count }, { wgjs_io_funcs, &wgjs_io_funcs_count },
    { wgjs_offload_funcs, &wgjs_offload_funcs_count },
};

static const char *const exports[] = { "errno", "signals", "epoll", "version", "arch", "wgjsVersion", "littleEndian" };

static int sys_init(JSContext *ctx, JSModuleDef *m)
{
    JSValue en = JS_NewObject(ctx), sg = JS_NewObject(ctx), ep = JS_NewObject(ctx);
    for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
        JS_SetPropertyStr(ctx, en, errnos[i].name, JS_NewInt32(ctx, errnos[i].num));
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
        JS_SetPropertyStr(ctx, sg, signals[i].name, JS_NewInt32(ctx, signals[i].num));
    /* epollCtl's operations and epollCtl/epollWait's event bits, by name */
    JS_SetPropertyStr(ctx, ep, "ADD", JS_NewInt32(ctx, WGJS_EPOLL_ADD));
    JS_SetPropertyStr(ctx, ep, "DEL", JS_NewInt32(ctx, WGJS_EPOLL_DEL));
    JS_SetPropertyStr(ctx, ep, "MOD", JS_NewInt32(ctx, WGJS_EPOLL_MOD));
    JS_SetPropertyStr(ctx, ep, "IN", JS_NewInt32(ctx, WGJS_EPOLL_IN));
    JS_SetPropertyStr(ctx, ep, "OUT", JS_NewInt32(ctx, WGJS_EPOLL_OUT));
    JS_SetPropertyStr(ctx, ep, "ERR", JS_NewInt32(ctx, WGJS_EPOLL_ERR));
    JS_SetModuleExport(ctx, m, "errno", en);
    JS_SetModuleExport(ctx, m, "signals", sg);
    JS_SetModuleExport(ctx, m, "epoll", ep);
    JS_SetModuleExport(ctx, m, "version", JS_NewString(ctx, JS_GetVersion()));
    JS_SetModuleExport(ctx, m, "arch", JS_NewString(ctx, WGJS_ARCH));
    JS_SetModuleExport(ctx, m, "wgjsVersion", JS_NewString(ctx, WGJS_VERSION));
    JS_SetModuleExport(ctx, m, "littleEndian", JS_NewBool(ctx, __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__));
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
        if (JS_SetModuleExportList(ctx, m, lists[i].list, *lists[i].count))
            return -1;
    return JS_SetModuleExportList(ctx, m, sys_funcs, sizeof(sys_funcs) / sizeof(sys_funcs[0]));
}

JSModuleDef *js_init_module_sys(JSContext *ctx, const char *name)
{
    JSModuleDef *m = JS_NewCModule(ctx, name, sys_init);
    if (!m)
        return NULL;
    for (size_t i = 0; i < sizeof(exports) / sizeof(exports[0]); i++)
        JS_AddModuleExport(ctx, m, exports[i]);
    JS_AddModuleExportList(ctx, m, sys_funcs, sizeof(sys_funcs) / sizeof(sys_funcs[0]));
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
        JS_AddModuleExportList(ctx, m, lists[i].list, *lists[i].count);
    return m;
}
