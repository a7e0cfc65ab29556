/* wgjs:sys — syscalls for the TypeScript code: TUN, UDP with packet info, UNIX sockets,
 * getrandom, clocks, names, files, daemonizing. No protocol logic lives here. Batched UDP I/O
 * (recvmmsg, the sendmmsg send queue) and the endpoint-record helpers are in io.c.
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

unsigned int if_nametoindex(const char *ifname);

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

static int get_int(JSContext *ctx, JSValueConst v, int *out)
{
    return JS_ToInt32(ctx, out, v);
}

/* buffer range [off, off+len) of a Uint8Array argument */
static uint8_t *get_range(JSContext *ctx, JSValueConst buf, JSValueConst joff, JSValueConst jlen,
                          int *len_out)
{
    size_t size;
    int off, len;
    uint8_t *p;
    /* the numbers first: converting them may run JS (valueOf), which could detach the buffer */
    if (get_int(ctx, joff, &off) || get_int(ctx, jlen, &len))
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

/* ---------------------------------------------------------------- TUN */

/* tunOpen is in offload.c (IFF_VNET_HDR and TUNSETOFFLOAD) */

static int ifreq_socket(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    return s;
}

static JSValue js_tunSetMtu(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct ifreq ifr;
    int mtu, s, e;
    const char *name = JS_ToCString(ctx, argv[0]);
    if (!name)
        return JS_EXCEPTION;
    if (get_int(ctx, argv[1], &mtu)) {
        JS_FreeCString(ctx, name);
        return JS_EXCEPTION;
    }
    memset(&ifr, 0, sizeof(ifr));
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    JS_FreeCString(ctx, name);
    ifr.ifr_mtu = mtu;
    s = ifreq_socket();
    if (s < 0)
        return throw_errno(ctx, errno, "socket");
    e = ioctl(s, SIOCSIFMTU, &ifr) < 0 ? errno : 0;
    close(s);
    return e ? throw_errno(ctx, e, "SIOCSIFMTU") : JS_UNDEFINED;
}

static JSValue js_linkUp(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct ifreq ifr;
    int s, e = 0;
    const char *name = JS_ToCString(ctx, argv[0]);
    if (!name)
        return JS_EXCEPTION;
    memset(&ifr, 0, sizeof(ifr));
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    JS_FreeCString(ctx, name);
    s = ifreq_socket();
    if (s < 0)
        return throw_errno(ctx, errno, "socket");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        e = errno;
    else {
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
            e = errno;
    }
    close(s);
    return e ? throw_errno(ctx, e, "SIOCSIFFLAGS") : JS_UNDEFINED;
}

static JSValue js_ifIndex(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    const char *name = JS_ToCString(ctx, argv[0]);
    unsigned idx;
    if (!name)
        return JS_EXCEPTION;
    idx = if_nametoindex(name);
    JS_FreeCString(ctx, name);
    return JS_NewUint32(ctx, idx);
}

static JSValue js_tunName(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct ifreq ifr;
    int fd;
    if (get_int(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    memset(&ifr, 0, sizeof(ifr));
    if (ioctl(fd, TUNGETIFF, &ifr) < 0)
        return throw_errno(ctx, errno, "TUNGETIFF");
    ifr.ifr_name[IFNAMSIZ - 1] = 0;
    return JS_NewString(ctx, ifr.ifr_name);
}

/* ---------------------------------------------------------------- generic fd I/O */

/* read(fd, buf, off, len) / write(...): magic 0 reads, 1 writes; -1 on EAGAIN. */
static JSValue js_rw(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic)
{
    int fd, len;
    ssize_t r;
    uint8_t *p;
    if (get_int(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    p = get_range(ctx, argv[1], argv[2], argv[3], &len);
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
    if (get_int(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    close(fd);
    return JS_UNDEFINED;
}

static JSValue js_pollIn(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct pollfd p;
    int fd, ms, r;
    if (get_int(ctx, argv[0], &fd) || get_int(ctx, argv[1], &ms))
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

/* ---------------------------------------------------------------- UDP */
/* Endpoint record (40 bytes), written byte by byte so it is the same on every endianness:
 *   [0] family 4|6  [1] 0  [2..3] remote port big-endian  [4..19] remote address
 *   [20..35] local address  [36..39] local ifindex little-endian */
#define EP_SIZE WGJS_EP_SIZE /* the endpoint record: layout in sys.d.ts, helpers in io.c */

static void put_u32le(uint8_t *p, uint32_t v)
{
    p[0] = v & 255; p[1] = (v >> 8) & 255; p[2] = (v >> 16) & 255; p[3] = (v >> 24) & 255;
}

static JSValue js_udpOpen(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int family, port, mark, fd, one = 1;
    if (get_int(ctx, argv[0], &family) || get_int(ctx, argv[1], &port) || get_int(ctx, argv[2], &mark))
        return JS_EXCEPTION;
    if ((family != 4 && family != 6) || port < 0 || port > 65535)
        return throw_errno(ctx, EINVAL, "udpOpen");
    fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return throw_errno(ctx, errno, "socket");
    wgjs_sockbufs(fd);
    if (mark && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0)
        goto fail;
    if (family == 4) {
        struct sockaddr_in sa;
        if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0)
            goto fail;
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
            goto fail;
    } else {
        struct sockaddr_in6 sa;
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
            setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0)
            goto fail;
        memset(&sa, 0, sizeof(sa));
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons(port);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
            goto fail;
    }
    return JS_NewInt32(ctx, fd);
fail: {
        int e = errno;
        close(fd);
        return throw_errno(ctx, e, "udpOpen");
    }
}

static JSValue js_udpLocalPort(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int fd;
    if (get_int(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
        return throw_errno(ctx, errno, "getsockname");
    if (ss.ss_family == AF_INET)
        return JS_NewInt32(ctx, ntohs(((struct sockaddr_in *)&ss)->sin_port));
    return JS_NewInt32(ctx, ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
}

static JSValue js_setMark(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd;
    uint32_t mark;
    if (get_int(ctx, argv[0], &fd) || JS_ToUint32(ctx, &mark, argv[1]))
        return JS_EXCEPTION;
    if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0)
        return throw_errno(ctx, errno, "SO_MARK");
    return JS_UNDEFINED;
}

static uint8_t *get_ep(JSContext *ctx, JSValueConst v)
{
    size_t size;
    uint8_t *p = JS_GetUint8Array(ctx, &size, v);
    if (!p)
        return NULL;
    if (size < EP_SIZE) {
        JS_ThrowRangeError(ctx, "endpoint record must be 40 bytes");
        return NULL;
    }
    return p;
}

static JSValue js_udpRecv(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd, len;
    uint8_t *p, *ep;
    wgjs_sockaddr ss;
    wgjs_ctlbuf ctl;
    struct iovec iov;
    struct msghdr mh;
    ssize_t r;
    if (get_int(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    p = get_range(ctx, argv[1], argv[2], argv[3], &len);
    if (!p)
        return JS_EXCEPTION;
    ep = get_ep(ctx, argv[4]);
    if (!ep)
        return JS_EXCEPTION;
    iov.iov_base = p;
    iov.iov_len = len;
    memset(&mh, 0, sizeof(mh));
    mh.msg_name = &ss;
    mh.msg_namelen = sizeof(ss);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl.buf;
    mh.msg_controllen = sizeof(ctl.buf);
    do
        r = recvmsg(fd, &mh, 0);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return JS_NewInt32(ctx, -1);
        return throw_errno(ctx, errno, "recvmsg");
    }
    wgjs_ep_from_msg(ep, &mh);
    return JS_NewInt32(ctx, (int)r);
}

static JSValue js_udpSend(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd, len, tries;
    uint8_t *p, *ep;
    struct iovec iov;
    struct msghdr mh;
    wgjs_sockaddr sa;
    wgjs_ctlbuf ctl;
    ssize_t r = -1;
    if (get_int(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    p = get_range(ctx, argv[1], argv[2], argv[3], &len);
    if (!p)
        return JS_EXCEPTION;
    ep = get_ep(ctx, argv[4]);
    if (!ep)
        return JS_EXCEPTION;
    if (ep[0] != 4 && ep[0] != 6)
        return throw_errno(ctx, EDESTADDRREQ, "udpSend");
    for (tries = 0; tries < 2; tries++) {
        size_t cl = wgjs_ep_source(ep, &ctl);
        iov.iov_base = p;
        iov.iov_len = len;
        memset(&mh, 0, sizeof(mh));
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_name = &sa;
        mh.msg_namelen = wgjs_ep_dest(ep, &sa);
        if (cl) {
            mh.msg_control = ctl.buf;
            mh.msg_controllen = cl;
        }
        do
            r = sendmsg(fd, &mh, 0);
        while (r < 0 && errno == EINTR);
        if (r >= 0)
            return JS_NewInt32(ctx, (int)r);
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return JS_NewInt32(ctx, -1);
        if (cl && wgjs_source_refused(errno)) {
            memset(ep + 20, 0, 20); /* the source address is gone: let routing choose */
            continue;
        }
        break;
    }
    return throw_errno(ctx, errno, "sendmsg");
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
    if (get_int(ctx, argv[0], &epfd) || get_int(ctx, argv[1], &op) || get_int(ctx, argv[2], &fd) ||
        get_int(ctx, argv[3], &ev))
        return JS_EXCEPTION;
    memset(&e, 0, sizeof(e));
    e.events = ((ev & 1) ? EPOLLIN : 0) | ((ev & 2) ? EPOLLOUT : 0);
    e.data.fd = fd;
    if (epoll_ctl(epfd, op == 1 ? EPOLL_CTL_ADD : op == 3 ? EPOLL_CTL_MOD : EPOLL_CTL_DEL, fd, &e) < 0)
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
    if (get_int(ctx, argv[0], &epfd) || get_int(ctx, argv[2], &ms))
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
        uint32_t f = ((evs[i].events & EPOLLIN) ? 1 : 0) | ((evs[i].events & EPOLLOUT) ? 2 : 0) |
                     ((evs[i].events & (EPOLLERR | EPOLLHUP)) ? 4 : 0);
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
    if (get_int(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    do
        r = read(fd, &si, sizeof(si));
    while (r < 0 && errno == EINTR);
    if (r != (ssize_t)sizeof(si))
        return JS_NewInt32(ctx, -1);
    return JS_NewInt32(ctx, (int)si.ssi_signo);
}

/* ---------------------------------------------------------------- UNIX sockets */

static int unix_addr(JSContext *ctx, JSValueConst v, struct sockaddr_un *sun)
{
    size_t len;
    const char *path = JS_ToCStringLen(ctx, &len, v);
    if (!path)
        return -1;
    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    if (len >= sizeof(sun->sun_path)) {
        JS_FreeCString(ctx, path);
        throw_errno(ctx, ENAMETOOLONG, "unix socket path");
        return -1;
    }
    memcpy(sun->sun_path, path, len);
    JS_FreeCString(ctx, path);
    return 0;
}

static JSValue js_unixListen(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct sockaddr_un sun;
    int fd;
    if (unix_addr(ctx, argv[0], &sun))
        return JS_EXCEPTION;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return throw_errno(ctx, errno, "socket");
    if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 64) < 0) {
        int e = errno;
        close(fd);
        return throw_errno(ctx, e, "bind/listen");
    }
    return JS_NewInt32(ctx, fd);
}

static JSValue js_unixAccept(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd, c;
    if (get_int(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    do
        c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    while (c < 0 && errno == EINTR);
    if (c < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED)
            return JS_NewInt32(ctx, -1);
        return throw_errno(ctx, errno, "accept");
    }
    return JS_NewInt32(ctx, c);
}

static JSValue js_unixConnect(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct sockaddr_un sun;
    int fd, r;
    if (unix_addr(ctx, argv[0], &sun))
        return JS_EXCEPTION;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return throw_errno(ctx, errno, "socket");
    do
        r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        int e = errno;
        close(fd);
        return throw_errno(ctx, e, "connect");
    }
    return JS_NewInt32(ctx, fd);
}

/* ---------------------------------------------------------------- netlink (the CLI's kernel WireGuard) */

/* netlinkOpen(protocol): a blocking AF_NETLINK socket bound with a kernel-chosen port id. */
static JSValue js_netlinkOpen(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct sockaddr_nl sa;
    int proto, fd;
    if (get_int(ctx, argv[0], &proto))
        return JS_EXCEPTION;
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
    if (fd < 0)
        return throw_errno(ctx, errno, "socket");
    memset(&sa, 0, sizeof(sa));
    sa.nl_family = AF_NETLINK;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        return throw_errno(ctx, e, "bind");
    }
    return JS_NewInt32(ctx, fd);
}

/* ---------------------------------------------------------------- names, files */

static JSValue js_resolve(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct addrinfo hints, *res = NULL, *ai;
    const char *host = JS_ToCString(ctx, argv[0]);
    JSValue arr;
    int r;
    uint32_t n = 0;
    if (!host)
        return JS_EXCEPTION;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    r = getaddrinfo(host, NULL, &hints, &res);
    JS_FreeCString(ctx, host);
    if (r != 0) {
        JSValue err = JS_NewError(ctx);
        JS_SetPropertyStr(ctx, err, "message", JS_NewString(ctx, gai_strerror(r)));
        JS_SetPropertyStr(ctx, err, "errno", JS_NewInt32(ctx, ENOENT));
        JS_SetPropertyStr(ctx, err, "code", JS_NewString(ctx, "ENOENT"));
        return JS_Throw(ctx, err);
    }
    arr = JS_NewArray(ctx);
    for (ai = res; ai; ai = ai->ai_next) {
        JSValue pair;
        if (ai->ai_family == AF_INET) {
            pair = JS_NewArray(ctx);
            JS_SetPropertyUint32(ctx, pair, 0, JS_NewInt32(ctx, 4));
            JS_SetPropertyUint32(ctx, pair, 1, JS_NewUint8ArrayCopy(ctx,
                (const uint8_t *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4));
        } else if (ai->ai_family == AF_INET6) {
            pair = JS_NewArray(ctx);
            JS_SetPropertyUint32(ctx, pair, 0, JS_NewInt32(ctx, 6));
            JS_SetPropertyUint32(ctx, pair, 1, JS_NewUint8ArrayCopy(ctx,
                (const uint8_t *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16));
        } else
            continue;
        JS_SetPropertyUint32(ctx, arr, n++, pair);
    }
    freeaddrinfo(res);
    return arr;
}

static JSValue js_readdir(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    const char *path = JS_ToCString(ctx, argv[0]);
    DIR *d;
    struct dirent *de;
    JSValue arr;
    uint32_t n = 0;
    if (!path)
        return JS_EXCEPTION;
    d = opendir(path);
    JS_FreeCString(ctx, path);
    if (!d)
        return throw_errno(ctx, errno, "opendir");
    arr = JS_NewArray(ctx);
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        JS_SetPropertyUint32(ctx, arr, n++, JS_NewString(ctx, de->d_name));
    }
    closedir(d);
    return arr;
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

static JSValue js_umask(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int m;
    if (get_int(ctx, argv[0], &m))
        return JS_EXCEPTION;
    return JS_NewInt32(ctx, (int)umask((mode_t)m));
}

static JSValue path_op(JSContext *ctx, JSValueConst p, int op, int mode)
{
    const char *path = JS_ToCString(ctx, p);
    int r, e;
    if (!path)
        return JS_EXCEPTION;
    r = op == 0 ? mkdir(path, (mode_t)mode) : op == 1 ? unlink(path) : chmod(path, (mode_t)mode);
    e = errno;
    JS_FreeCString(ctx, path);
    if (r < 0 && !(op == 0 && e == EEXIST) && !(op == 1 && e == ENOENT))
        return throw_errno(ctx, e, op == 0 ? "mkdir" : op == 1 ? "unlink" : "chmod");
    return JS_UNDEFINED;
}
static JSValue js_mkdir(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int mode;
    if (get_int(ctx, argv[1], &mode))
        return JS_EXCEPTION;
    return path_op(ctx, argv[0], 0, mode);
}
static JSValue js_unlink(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    return path_op(ctx, argv[0], 1, 0);
}
static JSValue js_stat(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct stat st;
    const char *path = JS_ToCString(ctx, argv[0]);
    int r, e;
    JSValue arr;
    if (!path)
        return JS_EXCEPTION;
    r = stat(path, &st);
    e = errno;
    JS_FreeCString(ctx, path);
    if (r < 0) {
        if (e == ENOENT || e == ENOTDIR)
            return JS_NULL;
        return throw_errno(ctx, e, "stat");
    }
    arr = JS_NewArray(ctx);
    JS_SetPropertyUint32(ctx, arr, 0, JS_NewFloat64(ctx, (double)st.st_dev));
    JS_SetPropertyUint32(ctx, arr, 1, JS_NewFloat64(ctx, (double)st.st_ino));
    JS_SetPropertyUint32(ctx, arr, 2, JS_NewInt32(ctx, (int32_t)st.st_mode));
    return arr;
}

static JSValue js_getpid(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    return JS_NewInt32(ctx, getpid());
}

static JSValue js_isatty(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd;
    if (get_int(ctx, argv[0], &fd))
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
        return throw_errno(ctx, errno, "fork");
    return JS_NewInt32(ctx, pid);
}

static int ready_fd = -1;

/* The parent waits until the child reports readiness, then exits 0 (ready) or 1 (failed). */
static JSValue js_daemonize(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fds[2], devnull;
    pid_t p;
    if (pipe2(fds, O_CLOEXEC) < 0)
        return throw_errno(ctx, errno, "pipe");
    fflush(stdout);
    fflush(stderr);
    p = fork();
    if (p < 0)
        return throw_errno(ctx, errno, "fork");
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

static const JSCFunctionListEntry sys_funcs[] = {
    JS_CFUNC_DEF("tunSetMtu", 2, js_tunSetMtu),
    JS_CFUNC_DEF("linkUp", 1, js_linkUp),
    JS_CFUNC_DEF("ifIndex", 1, js_ifIndex),
    JS_CFUNC_DEF("tunName", 1, js_tunName),
    JS_CFUNC_MAGIC_DEF("read", 4, js_rw, 0),
    JS_CFUNC_MAGIC_DEF("write", 4, js_rw, 1),
    JS_CFUNC_DEF("close", 1, js_close),
    JS_CFUNC_DEF("pollIn", 2, js_pollIn),
    JS_CFUNC_DEF("udpOpen", 3, js_udpOpen),
    JS_CFUNC_DEF("udpLocalPort", 1, js_udpLocalPort),
    JS_CFUNC_DEF("setMark", 2, js_setMark),
    JS_CFUNC_DEF("udpRecv", 5, js_udpRecv),
    JS_CFUNC_DEF("udpSend", 5, js_udpSend),
    JS_CFUNC_DEF("unixListen", 1, js_unixListen),
    JS_CFUNC_DEF("unixAccept", 1, js_unixAccept),
    JS_CFUNC_DEF("unixConnect", 1, js_unixConnect),
    JS_CFUNC_DEF("netlinkOpen", 1, js_netlinkOpen),
    JS_CFUNC_DEF("resolve", 1, js_resolve),
    JS_CFUNC_DEF("readdir", 1, js_readdir),
    JS_CFUNC_DEF("getrandom", 1, js_getrandom),
    JS_CFUNC_DEF("monotonicMs", 0, js_monotonicMs),
    JS_CFUNC_DEF("realtime", 0, js_realtime),
    JS_CFUNC_DEF("umask", 1, js_umask),
    JS_CFUNC_DEF("mkdir", 2, js_mkdir),
    JS_CFUNC_DEF("unlink", 1, js_unlink),
    JS_CFUNC_DEF("stat", 1, js_stat),
    JS_CFUNC_DEF("getpid", 0, js_getpid),
    JS_CFUNC_DEF("isatty", 1, js_isatty),
    JS_CFUNC_DEF("daemonize", 0, js_daemonize),
    JS_CFUNC_DEF("spawn", 3, js_spawn),
    JS_CFUNC_DEF("daemonReady", 2, js_daemonReady),
    JS_CFUNC_DEF("epollCreate", 0, js_epollCreate),
    JS_CFUNC_DEF("signalFd", 1, js_signalFd),
    JS_CFUNC_DEF("readSignal", 1, js_readSignal),
    JS_CFUNC_DEF("epollCtl", 4, js_epollCtl),
    JS_CFUNC_DEF("epollWait", 3, js_epollWait),
};

static int sys_init(JSContext *ctx, JSModuleDef *m)
{
    JSValue en = JS_NewObject(ctx), sg = JS_NewObject(ctx);
    for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
        JS_SetPropertyStr(ctx, en, errnos[i].name, JS_NewInt32(ctx, errnos[i].num));
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
        JS_SetPropertyStr(ctx, sg, signals[i].name, JS_NewInt32(ctx, signals[i].num));
    JS_SetModuleExport(ctx, m, "errno", en);
    JS_SetModuleExport(ctx, m, "signals", sg);
    JS_SetModuleExport(ctx, m, "version", JS_NewString(ctx, JS_GetVersion()));
    JS_SetModuleExport(ctx, m, "arch", JS_NewString(ctx, WGJS_ARCH));
    JS_SetModuleExport(ctx, m, "wgjsVersion", JS_NewString(ctx, WGJS_VERSION));
    JS_SetModuleExport(ctx, m, "littleEndian", JS_NewBool(ctx, __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__));
    if (JS_SetModuleExportList(ctx, m, wgjs_offload_funcs, wgjs_offload_funcs_count))
        return -1;
    if (JS_SetModuleExportList(ctx, m, wgjs_io_funcs, wgjs_io_funcs_count))
        return -1;
    return JS_SetModuleExportList(ctx, m, sys_funcs, sizeof(sys_funcs) / sizeof(sys_funcs[0]));
}

JSModuleDef *js_init_module_sys(JSContext *ctx, const char *name)
{
    JSModuleDef *m = JS_NewCModule(ctx, name, sys_init);
    if (!m)
        return NULL;
    JS_AddModuleExport(ctx, m, "errno");
    JS_AddModuleExport(ctx, m, "signals");
    JS_AddModuleExport(ctx, m, "version");
    JS_AddModuleExport(ctx, m, "arch");
    JS_AddModuleExport(ctx, m, "wgjsVersion");
    JS_AddModuleExport(ctx, m, "littleEndian");
    JS_AddModuleExportList(ctx, m, sys_funcs, sizeof(sys_funcs) / sizeof(sys_funcs[0]));
    JS_AddModuleExportList(ctx, m, wgjs_io_funcs, wgjs_io_funcs_count);
    JS_AddModuleExportList(ctx, m, wgjs_offload_funcs, wgjs_offload_funcs_count);
    return m;
}
