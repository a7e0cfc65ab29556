/* wgjs:sys — batched datagram I/O (exported through wgjs:sys; see sys.d.ts).
 *
 * Receive: udpRecvBatch() reads up to maxMsgs messages with one recvmmsg(MSG_DONTWAIT) into
 * fixed slots of a caller's arena; a message coalesced by UDP_GRO (udpGro) is cut into its
 * datagrams in place. Per datagram: offset, length, and which message's 40-byte endpoint record.
 *
 * Send: udpQueue() copies a datagram and its addresses (from the endpoint record) into a static
 * C queue; udpFlush() sends the queue with sendmmsg, one group per fd in queue order. Nothing in
 * here throws on a per-datagram error: a datagram the kernel refuses is a lost datagram.
 *
 * The endpoint helpers (record <-> msghdr) are shared with sys.c's udpRecv/udpSend. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "quickjs.h"
#include "sys.h"

/* ---------------------------------------------------------------- endpoint records
 * [0] family 4|6  [1] 0  [2..3] remote port big-endian  [4..19] remote address
 * [20..35] local address  [36..39] local ifindex little-endian (byte by byte: any endianness) */

static void put_u32le(uint8_t *p, uint32_t v)
{
    p[0] = v & 255; p[1] = (v >> 8) & 255; p[2] = (v >> 16) & 255; p[3] = (v >> 24) & 255;
}
static uint32_t get_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

void wgjs_ep_from_msg(uint8_t *ep, const struct msghdr *mh)
{
    const struct sockaddr *sa = mh->msg_name;
    struct cmsghdr *c;
    memset(ep, 0, WGJS_EP_SIZE);
    if (sa && sa->sa_family == AF_INET && mh->msg_namelen >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        uint16_t port = ntohs(s4->sin_port);
        ep[0] = 4;
        ep[2] = port >> 8;
        ep[3] = port & 255;
        memcpy(ep + 4, &s4->sin_addr, 4);
    } else if (sa && sa->sa_family == AF_INET6 && mh->msg_namelen >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        uint16_t port = ntohs(s6->sin6_port);
        ep[0] = 6;
        ep[2] = port >> 8;
        ep[3] = port & 255;
        memcpy(ep + 4, &s6->sin6_addr, 16);
    }
    for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
            c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            memcpy(ep + 20, &pi.ipi_spec_dst, 4);
            put_u32le(ep + 36, (uint32_t)pi.ipi_ifindex);
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
                   c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
            struct in6_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            memcpy(ep + 20, &pi.ipi6_addr, 16);
            put_u32le(ep + 36, (uint32_t)pi.ipi6_ifindex);
        }
    }
}

socklen_t wgjs_ep_dest(const uint8_t *ep, wgjs_sockaddr *sa)
{
    uint16_t port = (uint16_t)((ep[2] << 8) | ep[3]);
    memset(sa, 0, sizeof(*sa));
    if (ep[0] == 4) {
        sa->v4.sin_family = AF_INET;
        sa->v4.sin_port = htons(port);
        memcpy(&sa->v4.sin_addr, ep + 4, 4);
        return sizeof(sa->v4);
    }
    sa->v6.sin6_family = AF_INET6;
    sa->v6.sin6_port = htons(port);
    memcpy(&sa->v6.sin6_addr, ep + 4, 16);
    /* link-local peers need their scope: the interface the packet came in on */
    if (ep[4] == 0xfe && (ep[5] & 0xc0) == 0x80)
        sa->v6.sin6_scope_id = get_u32le(ep + 36);
    return sizeof(sa->v6);
}

static int any_nonzero(const uint8_t *p, int n)
{
    int d = 0;
    for (int i = 0; i < n; i++)
        d |= p[i];
    return d != 0;
}

int wgjs_ep_sticky(const uint8_t *ep)
{
    return ep[0] == 4 ? any_nonzero(ep + 20, 4) : ep[0] == 6 ? any_nonzero(ep + 20, 16) : 0;
}

size_t wgjs_ep_source(const uint8_t *ep, wgjs_ctlbuf *ctl)
{
    struct msghdr mh;
    struct cmsghdr *c;
    if (!wgjs_ep_sticky(ep))
        return 0;
    memset(ctl, 0, sizeof(*ctl));
    memset(&mh, 0, sizeof(mh));
    mh.msg_control = ctl->buf;
    mh.msg_controllen = sizeof(ctl->buf);
    c = CMSG_FIRSTHDR(&mh);
    if (ep[0] == 4) {
        struct in_pktinfo pi;
        memset(&pi, 0, sizeof(pi));
        memcpy(&pi.ipi_spec_dst, ep + 20, 4);
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(pi));
        memcpy(CMSG_DATA(c), &pi, sizeof(pi));
        return CMSG_SPACE(sizeof(pi));
    } else {
        struct in6_pktinfo pi;
        memset(&pi, 0, sizeof(pi));
        memcpy(&pi.ipi6_addr, ep + 20, 16);
        if (ep[20] == 0xfe && (ep[21] & 0xc0) == 0x80)
            pi.ipi6_ifindex = get_u32le(ep + 36);
        c->cmsg_level = IPPROTO_IPV6;
        c->cmsg_type = IPV6_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(pi));
        memcpy(CMSG_DATA(c), &pi, sizeof(pi));
        return CMSG_SPACE(sizeof(pi));
    }
}

/* The errors after which a datagram is retried once without its source address: the kernel
 * refuses that source (the address is gone, or not usable on the route). */
int wgjs_source_refused(int e)
{
    return e == EINVAL || e == EADDRNOTAVAIL || e == ENETUNREACH;
}

/* Socket buffers of the daemon's UDP sockets: a few MiB absorb bursts while the interpreter is
 * busy (a handshake takes milliseconds). As root the FORCE variants pass net.core.[rw]mem_max;
 * otherwise the plain ones are capped by it, silently. (The kernel doubles the value.) */
#define SOCKBUF_BYTES (4 << 20)
void wgjs_sockbufs(int fd)
{
    int v = SOCKBUF_BYTES;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) < 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
}

/* ---------------------------------------------------------------- argument helpers
 * Every integer is converted first (JS_ToInt32 may run user code: valueOf), and only then are
 * the arrays' pointers taken, so no JS code runs between taking a pointer and using it. */

int wgjs_to_int(JSContext *ctx, JSValueConst v, int *out)
{
    if (!JS_IsNumber(v)) {
        JS_ThrowTypeError(ctx, "expected a number");
        return -1;
    }
    return JS_ToInt32(ctx, out, v);
}

/* Int32Array element pointer and element count */
int32_t *wgjs_get_i32(JSContext *ctx, JSValueConst v, size_t *count)
{
    size_t off, len, per, abl;
    uint8_t *base;
    JSValue ab;
    if (JS_GetTypedArrayType(v) != JS_TYPED_ARRAY_INT32) {
        JS_ThrowTypeError(ctx, "expected an Int32Array");
        return NULL;
    }
    ab = JS_GetTypedArrayBuffer(ctx, v, &off, &len, &per);
    if (JS_IsException(ab))
        return NULL;
    base = JS_GetArrayBuffer(ctx, &abl, ab);
    JS_FreeValue(ctx, ab);
    if (!base || off + len > abl || (off & 3)) {
        if (base)
            JS_ThrowRangeError(ctx, "Int32Array out of bounds");
        return NULL;
    }
    *count = len / 4;
    return (int32_t *)(void *)(base + off);
}

/* ---------------------------------------------------------------- receive */

#define RECV_MAX 128 /* datagrams per udpRecvBatch call at most */

static struct mmsghdr rmsg[RECV_MAX];
static struct iovec riov[RECV_MAX];
static wgjs_sockaddr rname[RECV_MAX];
static wgjs_ctlbuf rctl[RECV_MAX];

#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

/* The UDP_GRO segment size of a received message, 0 if none. The cmsg carries an int (all 4
 * bytes). A value that cannot be right for this message (0, or more than its length) is tried
 * byte-swapped once: qemu-user on a big-endian guest passes the little-endian host's cmsg on
 * unconverted; if that does not fit either, the message is taken as one datagram. */
static int gro_size(const struct msghdr *mh, int len)
{
    struct cmsghdr *c;
    for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
        if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
            int v;
            uint32_t u;
            memcpy(&v, CMSG_DATA(c), sizeof(v));
            if (v > 0 && v <= len)
                return v;
            u = (uint32_t)v;
            u = (u >> 24) | ((u >> 8) & 0xff00) | ((u << 8) & 0xff0000) | (u << 24);
            if (u > 0 && u <= (uint32_t)len)
                return (int)u;
            return 0;
        }
    }
    return 0;
}

/* udpRecvBatch(fd, arena, slotSize, maxMsgs, offs, lens, src, eps) -> datagrams, or -1 on EAGAIN */
static JSValue js_udpRecvBatch(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd, slot, max, n, i, k = 0;
    size_t asize, noffs, nlens, nsrc, esize, cap;
    uint8_t *arena, *eps;
    int32_t *offs, *lens, *src;
    if (wgjs_to_int(ctx, argv[0], &fd) || wgjs_to_int(ctx, argv[2], &slot) || wgjs_to_int(ctx, argv[3], &max))
        return JS_EXCEPTION;
    if (fd < 0)
        return JS_ThrowRangeError(ctx, "udpRecvBatch: bad fd");
    if (slot < 1 || slot > (1 << 20))
        return JS_ThrowRangeError(ctx, "udpRecvBatch: slotSize must be 1..1048576");
    if (max < 1 || max > RECV_MAX)
        return JS_ThrowRangeError(ctx, "udpRecvBatch: maxMsgs must be 1..%d", RECV_MAX);
    arena = JS_GetUint8Array(ctx, &asize, argv[1]);
    if (!arena)
        return JS_EXCEPTION;
    offs = wgjs_get_i32(ctx, argv[4], &noffs);
    if (!offs)
        return JS_EXCEPTION;
    lens = wgjs_get_i32(ctx, argv[5], &nlens);
    if (!lens)
        return JS_EXCEPTION;
    src = wgjs_get_i32(ctx, argv[6], &nsrc);
    if (!src)
        return JS_EXCEPTION;
    eps = JS_GetUint8Array(ctx, &esize, argv[7]);
    if (!eps)
        return JS_EXCEPTION;
    if ((uint64_t)slot * (uint64_t)max > asize)
        return JS_ThrowRangeError(ctx, "udpRecvBatch: arena smaller than maxMsgs * slotSize");
    cap = noffs < nlens ? noffs : nlens;
    cap = cap < nsrc ? cap : nsrc;
    if (cap < (size_t)max)
        return JS_ThrowRangeError(ctx, "udpRecvBatch: offs/lens/src shorter than maxMsgs");
    if (esize < (size_t)max * WGJS_EP_SIZE)
        return JS_ThrowRangeError(ctx, "udpRecvBatch: eps smaller than maxMsgs * 40");
    for (i = 0; i < max; i++) {
        struct msghdr *mh = &rmsg[i].msg_hdr;
        riov[i].iov_base = arena + (size_t)i * (size_t)slot;
        riov[i].iov_len = (size_t)slot;
        mh->msg_name = &rname[i];
        mh->msg_namelen = sizeof(rname[i]);
        mh->msg_iov = &riov[i];
        mh->msg_iovlen = 1;
        mh->msg_control = rctl[i].buf;
        mh->msg_controllen = sizeof(rctl[i].buf);
        mh->msg_flags = 0;
        rmsg[i].msg_len = 0;
    }
    do
        n = recvmmsg(fd, rmsg, (unsigned)max, MSG_DONTWAIT, NULL);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return JS_NewInt32(ctx, -1);
        return wgjs_throw_errno(ctx, errno, "recvmmsg");
    }
    /* message i -> its datagrams (one, or the UDP_GRO segments of gso bytes, the last shorter) */
    for (i = 0; i < n && (size_t)k < cap; i++) {
        int len = (int)rmsg[i].msg_len, at = 0, gso;
        wgjs_ep_from_msg(eps + (size_t)i * WGJS_EP_SIZE, &rmsg[i].msg_hdr);
        if (rmsg[i].msg_hdr.msg_flags & MSG_TRUNC) {
            offs[k] = i * slot;
            lens[k] = -1;
            src[k++] = i;
            continue;
        }
        gso = gro_size(&rmsg[i].msg_hdr, len);
        if (gso <= 0)
            gso = len > 0 ? len : 1;
        do {
            int d = len - at < gso ? len - at : gso;
            offs[k] = i * slot + at;
            lens[k] = d;
            src[k++] = i;
            at += d;
        } while (at < len && (size_t)k < cap);
    }
    return JS_NewInt32(ctx, k);
}

/* udpGro(fd, on) -> 0, or the errno with which the kernel refused UDP_GRO */
static JSValue js_udpGro(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd, on;
    const char *r = getenv("WGJS_DEBUG_OFFLOAD_REFUSE");
    if (wgjs_to_int(ctx, argv[0], &fd) || wgjs_to_int(ctx, argv[1], &on))
        return JS_EXCEPTION;
    on = on != 0;
    if (on && r && (strstr(r, "gro") != NULL))
        return JS_NewInt32(ctx, EINVAL);
    if (setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof(on)) < 0)
        return JS_NewInt32(ctx, errno);
    return JS_NewInt32(ctx, 0);
}

/* ---------------------------------------------------------------- send queue
 * QUEUE_SLOTS datagrams of at most SLOT_BYTES each (a 1420-MTU transport datagram is 1452
 * bytes; 2048 covers tunnel MTUs up to ~2000). 256 KiB of BSS: pages the kernel only backs once
 * written. A larger datagram is sent at once with sendmsg, after the queue (order kept). */
#define QUEUE_SLOTS 128
#define SLOT_BYTES 2048

struct qmsg {
    int fd;
    uint32_t len;
    socklen_t namelen;
    size_t ctllen; /* 0: no source address */
    wgjs_sockaddr name;
    wgjs_ctlbuf ctl;
    uint8_t src[WGJS_EP_SIZE - 20]; /* ep[20..39]: the source, to recognize refusals */
    uint8_t family;
};

static uint8_t qdata[QUEUE_SLOTS][SLOT_BYTES];
static struct qmsg qmeta[QUEUE_SLOTS];
static int qcount;
static struct mmsghdr svec[QUEUE_SLOTS];
static struct iovec siov[QUEUE_SLOTS];
static uint8_t qtaken[QUEUE_SLOTS];
static int qidx[QUEUE_SLOTS];

/* Sources the kernel refused lately. The refusal shows up in udpFlush, after the caller's
 * endpoint record may have changed, so it cannot be cleared there as udpSend clears it;
 * instead udpQueue clears ep[20..39] of a record whose source is listed here (for
 * REFUSED_MS), so the peer's stored endpoint forgets the source at its next send. */
#define REFUSED_SLOTS 4
#define REFUSED_MS 1000
static struct {
    uint8_t family;
    uint8_t src[WGJS_EP_SIZE - 20];
    int64_t until;
} refused[REFUSED_SLOTS];
static int refused_next, refused_used;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void refuse(uint8_t family, const uint8_t *src)
{
    int64_t until = now_ms() + REFUSED_MS;
    for (int i = 0; i < refused_used; i++)
        if (refused[i].family == family && !memcmp(refused[i].src, src, sizeof(refused[i].src))) {
            refused[i].until = until;
            return;
        }
    refused[refused_next].family = family;
    memcpy(refused[refused_next].src, src, sizeof(refused[0].src));
    refused[refused_next].until = until;
    refused_next = (refused_next + 1) % REFUSED_SLOTS;
    if (refused_used < REFUSED_SLOTS)
        refused_used++;
}

static int is_refused(const uint8_t *ep)
{
    int64_t now = 0;
    for (int i = 0; i < refused_used; i++) {
        if (refused[i].family != ep[0] || memcmp(refused[i].src, ep + 20, sizeof(refused[i].src)))
            continue;
        if (!now)
            now = now_ms();
        return refused[i].until > now;
    }
    return 0;
}

/* UDP GSO (UDP_SEGMENT, Linux 4.18): a run of queued datagrams of one fd to the same destination
 * from the same source, all of one size except a shorter last one, leaves in ONE sendmsg whose
 * iovecs (one per datagram) the kernel cuts into datagrams of that size: one pass through the
 * stack instead of one per datagram (performance.md: 9.0 -> 2.0 us per 1452-byte datagram on
 * this VM). The kernel answers EIO when the egress device cannot checksum and EINVAL when it
 * does not know the option: GSO is then switched off for good and the rest goes out one by one.
 * WGJS_UDP_GSO=0 switches it off from the start. */
#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#define GSO_MAX_SEGS 64      /* the kernel's UDP_MAX_SEGMENTS */
#define GSO_MAX_BYTES 65000  /* one UDP datagram's worth of payload in total */
static int gso_on = -1;      /* -1: not decided yet, 1 on, 0 off */
static int gso_sends, gso_segments;
static int gso_err; /* why GSO is off when the kernel refused it (EIO, EINVAL), else 0 */
typedef union {
    struct cmsghdr align;
    char buf[sizeof(wgjs_ctlbuf) + CMSG_SPACE(sizeof(uint16_t))];
} gso_ctlbuf;
static gso_ctlbuf sctl[QUEUE_SLOTS];
static int sfirst[QUEUE_SLOTS], scount[QUEUE_SLOTS];
static uint8_t snosrc[QUEUE_SLOTS]; /* entry carries no source address (none, or dropped) */

static int same_route(const struct qmsg *a, const struct qmsg *b)
{
    return a->namelen == b->namelen && !memcmp(&a->name, &b->name, a->namelen) && a->ctllen == b->ctllen &&
           (!a->ctllen || !memcmp(a->ctl.buf, b->ctl.buf, a->ctllen));
}

/* msghdr of entry e: datagrams qidx[first, first+count) (iovecs siov[first...]), with the source
 * cmsg unless dropped, and UDP_SEGMENT when count > 1 */
static void fill_entry(int e, int first, int count, int with_source)
{
    struct msghdr *mh = &svec[e].msg_hdr;
    struct qmsg *q = &qmeta[qidx[first]];
    size_t cl = 0;
    memset(mh, 0, sizeof(*mh));
    mh->msg_name = &q->name;
    mh->msg_namelen = q->namelen;
    mh->msg_iov = &siov[first];
    mh->msg_iovlen = (size_t)count;
    if (with_source && q->ctllen) {
        memcpy(sctl[e].buf, q->ctl.buf, q->ctllen);
        cl = q->ctllen;
    }
    if (count > 1) {
        struct cmsghdr *c = (struct cmsghdr *)(sctl[e].buf + cl);
        uint16_t seg = (uint16_t)q->len;
        memset(c, 0, CMSG_SPACE(sizeof(seg)));
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(seg));
        memcpy(CMSG_DATA(c), &seg, sizeof(seg));
        cl += CMSG_SPACE(sizeof(seg));
    }
    if (cl) {
        mh->msg_control = sctl[e].buf;
        mh->msg_controllen = cl;
    }
    sfirst[e] = first;
    scount[e] = count;
    snosrc[e] = !(with_source && q->ctllen);
}

/* Whether UDP_SEGMENT really segments, decided once: the kernel must know the option (4.18+:
 * getsockopt answers), and where the loopback interface is up, a 10+10+3-byte GSO send to
 * ourselves must arrive as three datagrams. The second check catches a layer that passes the
 * cmsg on unconverted (qemu-user on a big-endian guest hands a little-endian kernel a byte-swapped
 * segment size, and the iovecs would leave as ONE datagram). */
static int gso_works(int fd)
{
    int val = 0, a = -1, b = -1, ok = 1;
    socklen_t vl = sizeof(val);
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    uint8_t data[23], rbuf[64];
    struct iovec iov[3];
    struct msghdr mh;
    union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(uint16_t))]; } ctl;
    struct cmsghdr *c;
    uint16_t seg = 10;
    if (getsockopt(fd, SOL_UDP, UDP_SEGMENT, &val, &vl) != 0)
        return 0;
    a = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    b = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (a < 0 || b < 0 || bind(b, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
        getsockname(b, (struct sockaddr *)&sin, &sl) < 0)
        goto out; /* cannot tell: trust the getsockopt */
    memset(data, 0x5a, sizeof(data));
    iov[0].iov_base = data;
    iov[0].iov_len = 10;
    iov[1].iov_base = data + 10;
    iov[1].iov_len = 10;
    iov[2].iov_base = data + 20;
    iov[2].iov_len = 3;
    memset(&mh, 0, sizeof(mh));
    memset(&ctl, 0, sizeof(ctl));
    mh.msg_name = &sin;
    mh.msg_namelen = sizeof(sin);
    mh.msg_iov = iov;
    mh.msg_iovlen = 3;
    mh.msg_control = ctl.buf;
    mh.msg_controllen = sizeof(ctl.buf);
    c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof(seg));
    memcpy(CMSG_DATA(c), &seg, sizeof(seg));
    if (sendmsg(a, &mh, 0) < 0) {
        ok = !(errno == EIO || errno == EINVAL || errno == EOPNOTSUPP); /* lo down: cannot tell */
        goto out;
    }
    ok = recv(b, rbuf, sizeof(rbuf), MSG_DONTWAIT) == 10; /* loopback delivers at once */
out:
    if (a >= 0)
        close(a);
    if (b >= 0)
        close(b);
    return ok;
}

/* Decides GSO once: off when switched off (WGJS_UDP_GSO=0, WGJS_OFFLOAD=0), refused when the
 * probe fails (or WGJS_DEBUG_OFFLOAD_REFUSE names gso), else on. */
static void gso_decide(int fd)
{
    const char *v = getenv("WGJS_UDP_GSO"), *all = getenv("WGJS_OFFLOAD");
    const char *r = getenv("WGJS_DEBUG_OFFLOAD_REFUSE");
    if ((v && v[0] == '0') || (all && all[0] == '0')) {
        gso_on = 0;
        return;
    }
    gso_on = !(r && strstr(r, "gso")) && gso_works(fd);
    if (!gso_on)
        gso_err = EINVAL;
}

/* Sends the queued datagrams qidx[0..m) of one fd in order; returns how many were sent. */
static int send_group(int fd, int m)
{
    int k = 0, sent = 0, r, e, j, n = 0;
    if (gso_on < 0)
        gso_decide(fd);
    for (j = 0; j < m; j++) {
        siov[j].iov_base = qdata[qidx[j]];
        siov[j].iov_len = qmeta[qidx[j]].len;
    }
    for (j = 0; j < m;) {
        int c = 1;
        uint32_t seg = qmeta[qidx[j]].len, total = seg;
        while (gso_on && j + c < m && c < GSO_MAX_SEGS && total + qmeta[qidx[j + c]].len <= GSO_MAX_BYTES &&
               qmeta[qidx[j + c - 1]].len == seg && qmeta[qidx[j + c]].len <= seg && qmeta[qidx[j + c]].len > 0 &&
               same_route(&qmeta[qidx[j]], &qmeta[qidx[j + c]])) {
            total += qmeta[qidx[j + c]].len;
            c++;
        }
        fill_entry(n++, j, c, 1);
        j += c;
    }
    while (k < n) {
        r = sendmmsg(fd, svec + k, (unsigned)(n - k), MSG_DONTWAIT);
        if (r > 0) { /* a partial send: the next call reports the first failure, if any */
            for (j = k; j < k + r; j++) {
                sent += scount[j];
                if (scount[j] > 1) {
                    gso_sends++;
                    gso_segments += scount[j];
                }
            }
            k += r;
            continue;
        }
        e = r < 0 ? errno : EAGAIN;
        if (e == EINTR)
            continue;
        if (e == EAGAIN || e == EWOULDBLOCK)
            break; /* the send buffer is full: the rest of this group would fail the same way */
        if (scount[k] > 1 && (e == EIO || (e == EINVAL && !qmeta[qidx[sfirst[k]]].ctllen))) {
            /* no segmentation offload here: off for good, the rest datagram by datagram */
            int rest = m - sfirst[k];
            gso_on = 0;
            gso_err = e;
            memmove(qidx, qidx + sfirst[k], (size_t)rest * sizeof(qidx[0]));
            return sent + send_group(fd, rest);
        }
        if (!snosrc[k] && wgjs_source_refused(e)) {
            /* retry once without the source; later datagrams with that source too */
            struct qmsg *q = &qmeta[qidx[sfirst[k]]];
            refuse(q->family, q->src);
            for (j = k; j < n; j++) {
                struct qmsg *o = &qmeta[qidx[sfirst[j]]];
                if (!snosrc[j] && o->family == q->family && !memcmp(o->src, q->src, sizeof(q->src)))
                    fill_entry(j, sfirst[j], scount[j], 0);
            }
            continue;
        }
        k++; /* these datagrams are lost (ENOBUFS, EHOSTUNREACH, EMSGSIZE, ...) */
        if (e == EBADF || e == ENOTSOCK)
            break;
    }
    return sent;
}

int wgjs_udp_flush(void)
{
    int i, j, m, sent = 0, n = qcount;
    if (n == 0)
        return 0;
    memset(qtaken, 0, (size_t)n);
    for (i = 0; i < n; i++) {
        if (qtaken[i])
            continue;
        m = 0;
        for (j = i; j < n; j++)
            if (!qtaken[j] && qmeta[j].fd == qmeta[i].fd) {
                qtaken[j] = 1;
                qidx[m++] = j;
            }
        sent += send_group(qmeta[i].fd, m);
    }
    qcount = 0;
    return sent;
}

/* One datagram now (too large for a slot), with udpSend's retry; clears the caller's source. */
static int send_now(int fd, const uint8_t *p, int len, uint8_t *ep)
{
    wgjs_sockaddr sa;
    wgjs_ctlbuf ctl;
    struct iovec iov;
    struct msghdr mh;
    ssize_t r;
    for (int tries = 0; tries < 2; tries++) {
        size_t cl = wgjs_ep_source(ep, &ctl);
        iov.iov_base = (void *)p;
        iov.iov_len = (size_t)len;
        memset(&mh, 0, sizeof(mh));
        mh.msg_name = &sa;
        mh.msg_namelen = wgjs_ep_dest(ep, &sa);
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        if (cl) {
            mh.msg_control = ctl.buf;
            mh.msg_controllen = cl;
        }
        do
            r = sendmsg(fd, &mh, MSG_DONTWAIT);
        while (r < 0 && errno == EINTR);
        if (r >= 0)
            return 1;
        if (cl && wgjs_source_refused(errno)) {
            memset(ep + 20, 0, 20);
            continue;
        }
        break;
    }
    return 0;
}

/* udpQueue(fd, buf, off, len, ep) -> true if queued (or, when too large for a slot, sent) */
/* queues one datagram (ep checked by the caller: family 4|6, 40 bytes) */
static int queue_one(int fd, const uint8_t *data, int len, uint8_t *ep)
{
    struct qmsg *q;
    if (refused_used && wgjs_ep_sticky(ep) && is_refused(ep))
        memset(ep + 20, 0, 20); /* like udpSend: the source address is gone, let routing choose */
    if (len > SLOT_BYTES) {
        wgjs_udp_flush();
        return send_now(fd, data, len, ep);
    }
    if (qcount == QUEUE_SLOTS)
        wgjs_udp_flush();
    q = &qmeta[qcount];
    q->fd = fd;
    q->len = (uint32_t)len;
    q->family = ep[0];
    q->namelen = wgjs_ep_dest(ep, &q->name);
    q->ctllen = wgjs_ep_source(ep, &q->ctl);
    memcpy(q->src, ep + 20, sizeof(q->src));
    memcpy(qdata[qcount], data, (size_t)len);
    qcount++;
    return 1;
}

/* the endpoint record argument of udpQueue/udpQueueRun; NULL after throwing */
static uint8_t *queue_ep(JSContext *ctx, JSValueConst v, const char *what)
{
    size_t esize;
    uint8_t *ep = JS_GetUint8Array(ctx, &esize, v);
    if (!ep)
        return NULL;
    if (esize < WGJS_EP_SIZE) {
        JS_ThrowRangeError(ctx, "%s: endpoint record must be 40 bytes", what);
        return NULL;
    }
    if (ep[0] != 4 && ep[0] != 6) {
        wgjs_throw_errno(ctx, EDESTADDRREQ, what);
        return NULL;
    }
    return ep;
}

static JSValue js_udpQueue(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd, off, len;
    size_t bsize;
    uint8_t *buf, *ep;
    if (wgjs_to_int(ctx, argv[0], &fd) || wgjs_to_int(ctx, argv[2], &off) || wgjs_to_int(ctx, argv[3], &len))
        return JS_EXCEPTION;
    if (fd < 0)
        return JS_ThrowRangeError(ctx, "udpQueue: bad fd");
    buf = JS_GetUint8Array(ctx, &bsize, argv[1]);
    if (!buf)
        return JS_EXCEPTION;
    if (!(ep = queue_ep(ctx, argv[4], "udpQueue")))
        return JS_EXCEPTION;
    if (off < 0 || len < 0 || (size_t)off + (size_t)len > bsize)
        return JS_ThrowRangeError(ctx, "udpQueue: buffer range out of bounds");
    return JS_NewBool(ctx, queue_one(fd, buf + off, len, ep));
}

/* udpQueueRun(fd, buf, offs, lens, start, end, ep): udpQueue of buf[offs[i] .. +lens[i]) for i in
 * [start, end), in order, all to `ep`; every range checked first. Returns how many were queued
 * or sent. */
static JSValue js_udpQueueRun(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd, start, end, i, n = 0;
    size_t bsize, noffs, nlens;
    uint8_t *buf, *ep;
    int32_t *offs, *lens;
    if (wgjs_to_int(ctx, argv[0], &fd) || wgjs_to_int(ctx, argv[4], &start) || wgjs_to_int(ctx, argv[5], &end))
        return JS_EXCEPTION;
    if (fd < 0)
        return JS_ThrowRangeError(ctx, "udpQueueRun: bad fd");
    if (!(buf = JS_GetUint8Array(ctx, &bsize, argv[1])) || !(offs = wgjs_get_i32(ctx, argv[2], &noffs)) ||
        !(lens = wgjs_get_i32(ctx, argv[3], &nlens)) || !(ep = queue_ep(ctx, argv[6], "udpQueueRun")))
        return JS_EXCEPTION;
    if (start < 0 || end < start || (size_t)end > noffs || (size_t)end > nlens)
        return JS_ThrowRangeError(ctx, "udpQueueRun: bad range");
    for (i = start; i < end; i++)
        if (offs[i] < 0 || lens[i] < 0 || (size_t)offs[i] + (size_t)lens[i] > bsize)
            return JS_ThrowRangeError(ctx, "udpQueueRun: buffer range out of bounds");
    for (i = start; i < end; i++)
        n += queue_one(fd, buf + offs[i], lens[i], ep);
    return JS_NewInt32(ctx, n);
}

static JSValue js_udpFlush(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    return JS_NewInt32(ctx, wgjs_udp_flush());
}

/* epSet(dst, src) -> bool: copies the 40-byte endpoint record src over dst when they differ
 * (roaming: the source of every authenticated packet becomes the peer's endpoint); true when it
 * changed. One call instead of a 40-step loop in the interpreter (~3 us a packet). */
static JSValue js_epSet(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    size_t dn, sn;
    uint8_t *d = JS_GetUint8Array(ctx, &dn, argv[0]);
    const uint8_t *s;
    if (!d)
        return JS_EXCEPTION;
    s = JS_GetUint8Array(ctx, &sn, argv[1]);
    if (!s)
        return JS_EXCEPTION;
    if (dn < WGJS_EP_SIZE || sn < WGJS_EP_SIZE)
        return JS_ThrowRangeError(ctx, "epSet: endpoint records are 40 bytes");
    if (!memcmp(d, s, WGJS_EP_SIZE))
        return JS_FALSE;
    memmove(d, s, WGJS_EP_SIZE);
    return JS_TRUE;
}

static JSValue js_udpQueued(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    return JS_NewInt32(ctx, qcount);
}

/* udpGsoStats(fd?) -> [state (-1 undecided, 0 off, 1 on), GSO sends, datagrams sent by them,
 * errno of a refusal]; with fd, an undecided state is decided now (with that socket) */
static JSValue js_udpGsoStats(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    JSValue a;
    int fd;
    if (argc > 0 && !JS_IsUndefined(argv[0])) { /* decide now (the start log line) */
        if (wgjs_to_int(ctx, argv[0], &fd))
            return JS_EXCEPTION;
        if (gso_on < 0 && fd >= 0)
            gso_decide(fd);
    }
    a = JS_NewArray(ctx);
    JS_SetPropertyUint32(ctx, a, 0, JS_NewInt32(ctx, gso_on));
    JS_SetPropertyUint32(ctx, a, 1, JS_NewInt32(ctx, gso_sends));
    JS_SetPropertyUint32(ctx, a, 2, JS_NewInt32(ctx, gso_segments));
    JS_SetPropertyUint32(ctx, a, 3, JS_NewInt32(ctx, gso_err));
    return a;
}

const JSCFunctionListEntry wgjs_io_funcs[] = {
    JS_CFUNC_DEF("udpRecvBatch", 8, js_udpRecvBatch),
    JS_CFUNC_DEF("udpGro", 2, js_udpGro),
    JS_CFUNC_DEF("udpQueue", 5, js_udpQueue),
    JS_CFUNC_DEF("udpQueueRun", 7, js_udpQueueRun),
    JS_CFUNC_DEF("udpGsoStats", 1, js_udpGsoStats),
    JS_CFUNC_DEF("epSet", 2, js_epSet),
    JS_CFUNC_DEF("udpFlush", 0, js_udpFlush),
    JS_CFUNC_DEF("udpQueued", 0, js_udpQueued),
};
const int wgjs_io_funcs_count = sizeof(wgjs_io_funcs) / sizeof(wgjs_io_funcs[0]);
