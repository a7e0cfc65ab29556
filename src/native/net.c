/* wgjs:sys, network: interface control (MTU, up, index and name of the TUN), UDP sockets with
 * packet info, UNIX stream sockets (the UAPI), netlink sockets (the CLI's kernel WireGuard) and
 * name resolution. Batched UDP I/O is in io.c, the TUN's offloads in offload.c. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "quickjs.h"
#include "sys.h"

unsigned int if_nametoindex(const char *ifname);

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
    if (wgjs_get_int(ctx, argv[1], &mtu)) {
        JS_FreeCString(ctx, name);
        return JS_EXCEPTION;
    }
    memset(&ifr, 0, sizeof(ifr));
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    JS_FreeCString(ctx, name);
    ifr.ifr_mtu = mtu;
    s = ifreq_socket();
    if (s < 0)
        return wgjs_throw_errno(ctx, errno, "socket");
    e = ioctl(s, SIOCSIFMTU, &ifr) < 0 ? errno : 0;
    close(s);
    return e ? wgjs_throw_errno(ctx, e, "SIOCSIFMTU") : JS_UNDEFINED;
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
        return wgjs_throw_errno(ctx, errno, "socket");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        e = errno;
    else {
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
            e = errno;
    }
    close(s);
    return e ? wgjs_throw_errno(ctx, e, "SIOCSIFFLAGS") : JS_UNDEFINED;
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
    if (wgjs_get_int(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    memset(&ifr, 0, sizeof(ifr));
    if (ioctl(fd, TUNGETIFF, &ifr) < 0)
        return wgjs_throw_errno(ctx, errno, "TUNGETIFF");
    ifr.ifr_name[IFNAMSIZ - 1] = 0;
    return JS_NewString(ctx, ifr.ifr_name);
}

/* ---------------------------------------------------------------- UDP */
/* Endpoint record (40 bytes), written byte by byte so it is the same on every endianness:
 *   [0] family 4|6  [1] 0  [2..3] remote port big-endian  [4..19] remote address
 *   [20..35] local address  [36..39] local ifindex little-endian */
#define EP_SIZE WGJS_EP_SIZE /* the endpoint record: layout in sys.d.ts, helpers in io.c */


static JSValue js_udpOpen(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int family, port, mark, fd, one = 1;
    uint8_t addr[16] = { 0 };
    if (wgjs_get_int(ctx, argv[0], &family) || wgjs_get_int(ctx, argv[1], &port) || wgjs_get_int(ctx, argv[2], &mark))
        return JS_EXCEPTION;
    if ((family != 4 && family != 6) || port < 0 || port > 65535)
        return wgjs_throw_errno(ctx, EINVAL, "udpOpen");
    /* addr (optional): the local address to bind, 4 or 16 bytes as the family says */
    if (argc > 3 && !JS_IsUndefined(argv[3]) && !JS_IsNull(argv[3])) {
        size_t n;
        uint8_t *a = JS_GetUint8Array(ctx, &n, argv[3]);
        if (!a)
            return JS_EXCEPTION;
        if (n != (family == 4 ? 4u : 16u))
            return wgjs_throw_errno(ctx, EINVAL, "udpOpen");
        memcpy(addr, a, n);
    }
    fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return wgjs_throw_errno(ctx, errno, "socket");
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
        memcpy(&sa.sin_addr, addr, 4);
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
        memcpy(&sa.sin6_addr, addr, 16);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
            goto fail;
    }
    return JS_NewInt32(ctx, fd);
fail: {
        int e = errno;
        close(fd);
        return wgjs_throw_errno(ctx, e, "udpOpen");
    }
}

static JSValue js_udpLocalPort(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int fd;
    if (wgjs_get_int(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
        return wgjs_throw_errno(ctx, errno, "getsockname");
    if (ss.ss_family == AF_INET)
        return JS_NewInt32(ctx, ntohs(((struct sockaddr_in *)&ss)->sin_port));
    return JS_NewInt32(ctx, ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
}

static JSValue js_setMark(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd;
    uint32_t mark;
    if (wgjs_get_int(ctx, argv[0], &fd) || JS_ToUint32(ctx, &mark, argv[1]))
        return JS_EXCEPTION;
    if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0)
        return wgjs_throw_errno(ctx, errno, "SO_MARK");
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
    if (wgjs_get_int(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    p = wgjs_get_range(ctx, argv[1], argv[2], argv[3], &len);
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
        return wgjs_throw_errno(ctx, errno, "recvmsg");
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
    if (wgjs_get_int(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    p = wgjs_get_range(ctx, argv[1], argv[2], argv[3], &len);
    if (!p)
        return JS_EXCEPTION;
    ep = get_ep(ctx, argv[4]);
    if (!ep)
        return JS_EXCEPTION;
    if (ep[0] != 4 && ep[0] != 6)
        return wgjs_throw_errno(ctx, EDESTADDRREQ, "udpSend");
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
    return wgjs_throw_errno(ctx, errno, "sendmsg");
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
        wgjs_throw_errno(ctx, ENAMETOOLONG, "unix socket path");
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
        return wgjs_throw_errno(ctx, errno, "socket");
    if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 64) < 0) {
        int e = errno;
        close(fd);
        return wgjs_throw_errno(ctx, e, "bind/listen");
    }
    return JS_NewInt32(ctx, fd);
}

static JSValue js_unixAccept(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd, c;
    if (wgjs_get_int(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    do
        c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    while (c < 0 && errno == EINTR);
    if (c < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED)
            return JS_NewInt32(ctx, -1);
        return wgjs_throw_errno(ctx, errno, "accept");
    }
    return JS_NewInt32(ctx, c);
}

static JSValue js_unixConnect(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct sockaddr_un sun;
    int fd, r;
    int nonblock = argc > 1 && JS_ToBool(ctx, argv[1]);
    if (unix_addr(ctx, argv[0], &sun))
        return JS_EXCEPTION;
    /* non-blocking: a listener whose backlog is full answers EAGAIN at once instead of
     * stalling the caller (the daemon's ubus connection) */
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0)
        return wgjs_throw_errno(ctx, errno, "socket");
    do
        r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        int e = errno;
        close(fd);
        return wgjs_throw_errno(ctx, e, "connect");
    }
    return JS_NewInt32(ctx, fd);
}

/* ---------------------------------------------------------------- netlink (the CLI's kernel WireGuard) */

/* netlinkOpen(protocol): a blocking AF_NETLINK socket bound with a kernel-chosen port id. */
static JSValue js_netlinkOpen(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct sockaddr_nl sa;
    int proto, fd;
    if (wgjs_get_int(ctx, argv[0], &proto))
        return JS_EXCEPTION;
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
    if (fd < 0)
        return wgjs_throw_errno(ctx, errno, "socket");
    memset(&sa, 0, sizeof(sa));
    sa.nl_family = AF_NETLINK;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        return wgjs_throw_errno(ctx, e, "bind");
    }
    return JS_NewInt32(ctx, fd);
}

/* ---------------------------------------------------------------- names */

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

const JSCFunctionListEntry wgjs_net_funcs[] = {
    JS_CFUNC_DEF("tunSetMtu", 2, js_tunSetMtu),
    JS_CFUNC_DEF("linkUp", 1, js_linkUp),
    JS_CFUNC_DEF("ifIndex", 1, js_ifIndex),
    JS_CFUNC_DEF("tunName", 1, js_tunName),
    JS_CFUNC_DEF("udpOpen", 4, js_udpOpen),
    JS_CFUNC_DEF("udpLocalPort", 1, js_udpLocalPort),
    JS_CFUNC_DEF("setMark", 2, js_setMark),
    JS_CFUNC_DEF("udpRecv", 5, js_udpRecv),
    JS_CFUNC_DEF("udpSend", 5, js_udpSend),
    JS_CFUNC_DEF("unixListen", 1, js_unixListen),
    JS_CFUNC_DEF("unixAccept", 1, js_unixAccept),
    JS_CFUNC_DEF("unixConnect", 2, js_unixConnect),
    JS_CFUNC_DEF("netlinkOpen", 1, js_netlinkOpen),
    JS_CFUNC_DEF("resolve", 1, js_resolve),
};
const int wgjs_net_funcs_count = sizeof(wgjs_net_funcs) / sizeof(wgjs_net_funcs[0]);
