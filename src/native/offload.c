/* wgjs:sys — TUN offloads (exported through wgjs:sys; see sys.d.ts).
 *
 * With IFF_VNET_HDR and TUNSETOFFLOAD the kernel hands the TUN reader TCP (and, since 6.2, UDP)
 * super-packets of up to 64 KiB behind a 10-byte virtio_net_hdr, and accepts the same on write.
 * This file does the bytes of that, nothing else:
 *   - split: one super-packet into MTU-sized IP packets (lengths, IPv4 id and header checksum,
 *     TCP sequence numbers and flags, UDP lengths, full L4 checksums), or a single packet whose
 *     partial checksum it completes;
 *   - coalesce: decrypted packets of one TCP (or UDP) flow into one super-packet written with
 *     NEEDS_CSUM and a GSO type, under the rules the kernel's own GRO uses;
 *   - the batched reads and the writes.
 * Which peer a packet is for or came from, and whether it may pass, is decided in TypeScript.
 *
 * Byte order: wire fields are read and written byte by byte (big-endian on the wire, any host).
 * The virtio_net_hdr's u16 fields are in HOST order (legacy virtio, no TUNSETVNETLE). Checksums
 * are summed over host-order words (RFC 1071: the sum is byte-order independent once stored the
 * same way it was loaded). */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include "quickjs.h"
#include "sys.h"

#define VNET_HDR 10
#define F_NEEDS_CSUM 1
#define GSO_NONE 0
#define GSO_TCPV4 1
#define GSO_TCPV6 4
#define GSO_UDP_L4 5
#define GSO_ECN 0x80
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80
#define MAX_IP 65535
#define UDP_MAX_SEGS 64 /* the kernel's UDP_MAX_SEGMENTS: virtio_net_hdr_to_skb checks it */

struct vnet {
    uint8_t flags, gso_type;
    uint16_t hdr_len, gso_size, csum_start, csum_offset;
};

static void vnet_get(struct vnet *v, const uint8_t *p)
{
    v->flags = p[0];
    v->gso_type = p[1];
    memcpy(&v->hdr_len, p + 2, 2);
    memcpy(&v->gso_size, p + 4, 2);
    memcpy(&v->csum_start, p + 6, 2);
    memcpy(&v->csum_offset, p + 8, 2);
}

static void vnet_put(uint8_t *p, const struct vnet *v)
{
    p[0] = v->flags;
    p[1] = v->gso_type;
    memcpy(p + 2, &v->hdr_len, 2);
    memcpy(p + 4, &v->gso_size, 2);
    memcpy(p + 6, &v->csum_start, 2);
    memcpy(p + 8, &v->csum_offset, 2);
}

static unsigned get16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }
static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* ---------------------------------------------------------------- checksums (RFC 1071) */

static uint64_t csum_add(uint64_t s, const uint8_t *p, size_t n)
{
    uint32_t w;
    uint16_t h;
    while (n >= 16) {
        memcpy(&w, p, 4); s += w;
        memcpy(&w, p + 4, 4); s += w;
        memcpy(&w, p + 8, 4); s += w;
        memcpy(&w, p + 12, 4); s += w;
        p += 16;
        n -= 16;
    }
    while (n >= 4) {
        memcpy(&w, p, 4);
        s += w;
        p += 4;
        n -= 4;
    }
    if (n >= 2) {
        memcpy(&h, p, 2);
        s += h;
        p += 2;
        n -= 2;
    }
    if (n) {
        uint8_t t[2] = { p[0], 0 };
        memcpy(&h, t, 2);
        s += h;
    }
    return s;
}

/* the 16-bit one's complement sum, as a host-order load of the bytes it will be stored as */
static uint16_t csum_fold(uint64_t s)
{
    s = (s & 0xffffffffu) + (s >> 32);
    s = (s & 0xffffffffu) + (s >> 32);
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

/* a big-endian 16-bit value as the host-order load of its wire bytes (for pseudo-headers) */
static uint64_t net16(unsigned v)
{
    uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    uint16_t h;
    memcpy(&h, b, 2);
    return h;
}

static void put_csum(uint8_t *p, uint16_t c) { memcpy(p, &c, 2); }

/* pseudo-header sum of an IP packet `ip` (version from its first byte) for L4 length l4len */
static uint64_t pseudo(const uint8_t *ip, unsigned proto, unsigned l4len)
{
    uint64_t s = (ip[0] >> 4) == 4 ? csum_add(0, ip + 12, 8) : csum_add(0, ip + 8, 32);
    return s + net16(proto) + net16(l4len);
}

static void ip4_csum(uint8_t *ip, unsigned ihl)
{
    ip[10] = ip[11] = 0;
    put_csum(ip + 10, (uint16_t)~csum_fold(csum_add(0, ip, ihl)));
}

/* ---------------------------------------------------------------- split (TUN read) */

/* A parsed super-packet: IP packet p[0..len), L4 header at l4, headers end at hdrs. */
struct sp {
    const uint8_t *p;
    int len, l4, hdrs, gso, nseg, v4, udp;
};

/* Validates a read (vnet header + packet) and fills s; -1 if malformed. nseg 0: plain packet. */
static int sp_parse(struct sp *s, const uint8_t *pkt, int len)
{
    struct vnet v;
    int type, ver, payload;
    if (len < VNET_HDR + 1)
        return -1;
    vnet_get(&v, pkt);
    s->p = pkt + VNET_HDR;
    s->len = len - VNET_HDR;
    type = v.gso_type & ~GSO_ECN;
    ver = s->p[0] >> 4;
    if (type == GSO_NONE) {
        s->nseg = 0;
        if (v.flags & F_NEEDS_CSUM) {
            if ((int)v.csum_start + (int)v.csum_offset + 2 > s->len)
                return -1;
            s->l4 = v.csum_start;
            s->hdrs = v.csum_start + v.csum_offset; /* where the checksum goes */
        } else {
            s->l4 = -1;
        }
        return 0;
    }
    if (type != GSO_TCPV4 && type != GSO_TCPV6 && type != GSO_UDP_L4)
        return -1;
    if (v.gso_size == 0 || !(v.flags & F_NEEDS_CSUM))
        return -1;
    s->v4 = ver == 4;
    if (ver == 4) {
        int ihl = (s->p[0] & 15) * 4;
        if (type == GSO_TCPV6 || ihl < 20 || s->len < ihl || v.csum_start != ihl || (int)get16(s->p + 2) != s->len)
            return -1;
        if (s->p[9] != (type == GSO_UDP_L4 ? 17 : 6))
            return -1;
    } else if (ver == 6) {
        if (type == GSO_TCPV4 || s->len < 40 || v.csum_start < 40 || (int)get16(s->p + 4) + 40 != s->len)
            return -1;
        if (v.csum_start == 40 && s->p[6] != (type == GSO_UDP_L4 ? 17 : 6))
            return -1;
    } else {
        return -1;
    }
    s->l4 = v.csum_start;
    s->udp = type == GSO_UDP_L4;
    if (s->udp) {
        s->hdrs = s->l4 + 8;
    } else {
        if (s->l4 + 20 > s->len)
            return -1;
        s->hdrs = s->l4 + (s->p[s->l4 + 12] >> 4) * 4;
        if (s->hdrs < s->l4 + 20)
            return -1;
    }
    if (s->hdrs > s->len)
        return -1;
    s->gso = v.gso_size;
    payload = s->len - s->hdrs;
    s->nseg = payload <= s->gso ? 1 : (payload + s->gso - 1) / s->gso;
    return 0;
}

/* Writes the plain packet, or segments [*next, nseg) of s, into the arena from *cur while they fit
 * (bytes and `max` entries). Returns how many were written; *next advances; *cur as well. */
static int sp_emit(struct sp *s, int *next, uint8_t *arena, size_t asize, size_t *cur, int32_t *offs,
                   int32_t *lens, int max, int headroom, int tailroom)
{
    int k = 0;
    if (s->nseg == 0) {
        size_t need = ((size_t)headroom + (size_t)s->len + (size_t)tailroom + 15) & ~(size_t)15;
        uint8_t *o;
        if (*next > 0 || max < 1 || *cur + need > asize)
            return 0;
        o = arena + *cur + headroom;
        memcpy(o, s->p, (size_t)s->len);
        if (s->l4 >= 0) {
            /* complete the partial checksum: the field holds the pseudo-header sum, so the sum
             * from csum_start to the end, complemented, is the checksum */
            uint16_t c = (uint16_t)~csum_fold(csum_add(0, o + s->l4, (size_t)(s->len - s->l4)));
            put_csum(o + s->hdrs, c ? c : 0xffff);
        }
        offs[0] = (int32_t)(*cur + headroom);
        lens[0] = s->len;
        *cur += need;
        *next = 1;
        return 1;
    }
    while (*next < s->nseg && k < max) {
        int i = *next, last = i == s->nseg - 1;
        int off = s->hdrs + i * s->gso;
        int seg = last ? s->len - off : s->gso;
        int out = s->hdrs + seg;
        size_t need = ((size_t)headroom + (size_t)out + (size_t)tailroom + 15) & ~(size_t)15;
        uint8_t *o, *l4;
        uint16_t c;
        if (seg < 0)
            seg = 0, out = s->hdrs;
        if (*cur + need > asize)
            break;
        o = arena + *cur + headroom;
        memcpy(o, s->p, (size_t)s->hdrs);
        memcpy(o + s->hdrs, s->p + off, (size_t)seg);
        if (s->v4) {
            put16(o + 2, (unsigned)out);
            put16(o + 4, (get16(s->p + 4) + (unsigned)i) & 0xffff);
            ip4_csum(o, (unsigned)s->l4);
        } else {
            put16(o + 4, (unsigned)(out - 40));
        }
        l4 = o + s->l4;
        if (s->udp) {
            put16(l4 + 4, (unsigned)(out - s->l4));
            l4[6] = l4[7] = 0;
            c = (uint16_t)~csum_fold(pseudo(o, 17, (unsigned)(out - s->l4)) + csum_add(0, l4, (size_t)(out - s->l4)));
            put_csum(l4 + 6, c ? c : 0xffff);
        } else {
            put32(l4 + 4, get32(s->p + s->l4 + 4) + (uint32_t)i * (uint32_t)s->gso);
            if (!last)
                l4[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
            if (i > 0)
                l4[13] &= (uint8_t)~TCP_CWR;
            l4[16] = l4[17] = 0;
            c = (uint16_t)~csum_fold(pseudo(o, 6, (unsigned)(out - s->l4)) + csum_add(0, l4, (size_t)(out - s->l4)));
            put_csum(l4 + 16, c);
        }
        offs[k] = (int32_t)(*cur + headroom);
        lens[k] = out;
        *cur += need;
        k++;
        (*next)++;
    }
    return k;
}

/* ---------------------------------------------------------------- arguments */

/* arena, offs, lens, max, headroom, tailroom at argv[0..5]; pointers taken after every integer */
struct outargs {
    uint8_t *arena;
    size_t asize;
    int32_t *offs, *lens;
    int max, headroom, tailroom;
};

static int get_out(JSContext *ctx, JSValueConst *argv, struct outargs *o)
{
    size_t no, nl;
    if (wgjs_to_int(ctx, argv[3], &o->max) || wgjs_to_int(ctx, argv[4], &o->headroom) || wgjs_to_int(ctx, argv[5], &o->tailroom))
        return -1;
    if (o->headroom < 0 || o->headroom > 256 || o->tailroom < 0 || o->tailroom > 256 || o->max < 1) {
        JS_ThrowRangeError(ctx, "bad max/headroom/tailroom");
        return -1;
    }
    o->arena = JS_GetUint8Array(ctx, &o->asize, argv[0]);
    if (!o->arena)
        return -1;
    o->offs = wgjs_get_i32(ctx, argv[1], &no);
    if (!o->offs)
        return -1;
    o->lens = wgjs_get_i32(ctx, argv[2], &nl);
    if (!o->lens)
        return -1;
    if ((size_t)o->max > no || (size_t)o->max > nl) {
        JS_ThrowRangeError(ctx, "offs/lens shorter than max");
        return -1;
    }
    /* offsets are Int32: never more arena than that */
    if (o->asize > 0x7fff0000)
        o->asize = 0x7fff0000;
    return 0;
}

/* vnetSplit(pkt, len, arena, offs, lens, headroom, tailroom) -> count, or -1 (malformed/no room) */
static JSValue js_vnetSplit(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct outargs o;
    struct sp s;
    JSValueConst a[6];
    size_t plen, cur = 0;
    const uint8_t *pkt;
    int len, next = 0, n, cap;
    if (wgjs_to_int(ctx, argv[1], &len))
        return JS_EXCEPTION;
    a[0] = argv[2]; a[1] = argv[3]; a[2] = argv[4]; a[4] = argv[5]; a[5] = argv[6];
    /* max = the length of the shorter output array */
    {
        size_t no, nl;
        if (!wgjs_get_i32(ctx, argv[3], &no) || !wgjs_get_i32(ctx, argv[4], &nl))
            return JS_EXCEPTION;
        cap = (int)(no < nl ? no : nl);
    }
    if (cap < 1)
        return JS_ThrowRangeError(ctx, "vnetSplit: empty offs/lens");
    a[3] = JS_NewInt32(ctx, cap);
    if (get_out(ctx, a, &o))
        return JS_EXCEPTION;
    pkt = JS_GetUint8Array(ctx, &plen, argv[0]);
    if (!pkt)
        return JS_EXCEPTION;
    if (len < 0 || (size_t)len > plen)
        return JS_ThrowRangeError(ctx, "vnetSplit: len beyond the buffer");
    if (sp_parse(&s, pkt, len) < 0)
        return JS_NewInt32(ctx, -1);
    n = sp_emit(&s, &next, o.arena, o.asize, &cur, o.offs, o.lens, o.max, o.headroom, o.tailroom);
    if (next < (s.nseg ? s.nseg : 1))
        return JS_NewInt32(ctx, -1);
    return JS_NewInt32(ctx, n);
}

/* ---------------------------------------------------------------- TUN open and read */

/* One pending super-packet per process (the daemon has one TUN): what did not fit last time. */
static uint8_t rbuf[VNET_HDR + MAX_IP + 1];
static int rlen, rnext, rfd = -1;
static struct sp rsp;

static int refused_by_env(const char *what)
{
    const char *v = getenv("WGJS_DEBUG_OFFLOAD_REFUSE");
    size_t n = strlen(what);
    while (v && *v) {
        if (!strncmp(v, what, n) && (v[n] == 0 || v[n] == ','))
            return 1;
        v = strchr(v, ',');
        if (v)
            v++;
    }
    return 0;
}

/* [mode, tsoErrno, usoErrno] of the last tunOpen */
static int tun_mode, tun_tso_err, tun_uso_err;

static int tun_open_flags(const char *name, int flags, int *err)
{
    struct ifreq ifr;
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        *err = errno;
        return -1;
    }
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = (short)flags;
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        *err = errno;
        close(fd);
        return -1;
    }
    return fd;
}

/* tunOpen(name, want?) -> fd. want: bit 1 TSO (vnet header, CSUM|TSO4|TSO6), bit 2 USO. */
static JSValue js_tunOpen(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    const char *name;
    int want = 0, fd, err = 0;
    if (argc > 1 && !JS_IsUndefined(argv[1]) && wgjs_to_int(ctx, argv[1], &want))
        return JS_EXCEPTION;
    name = JS_ToCString(ctx, argv[0]);
    if (!name)
        return JS_EXCEPTION;
    if (strlen(name) >= IFNAMSIZ) {
        JS_FreeCString(ctx, name);
        return wgjs_throw_errno(ctx, EINVAL, "tunOpen");
    }
    tun_mode = 0;
    tun_tso_err = tun_uso_err = 0;
    fd = -1;
    if (want & 1) {
        fd = tun_open_flags(name, IFF_TUN | IFF_NO_PI | IFF_VNET_HDR, &err);
        if (fd >= 0) {
            unsigned base = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
            if (refused_by_env("tun") || ioctl(fd, TUNSETOFFLOAD, base) < 0) {
                tun_tso_err = refused_by_env("tun") ? EINVAL : errno;
                close(fd); /* the device goes with its only fd: open it again, plain */
                fd = -1;
            } else {
                tun_mode = 1;
                if (want & 2) {
                    if (refused_by_env("uso") || ioctl(fd, TUNSETOFFLOAD, base | TUN_F_USO4 | TUN_F_USO6) < 0) {
                        tun_uso_err = refused_by_env("uso") ? EINVAL : errno;
                        ioctl(fd, TUNSETOFFLOAD, base);
                    } else {
                        tun_mode = 3;
                    }
                }
            }
        } else {
            tun_tso_err = err;
            if (err == EBUSY || err == EPERM || err == EACCES) { /* not an offload question */
                JS_FreeCString(ctx, name);
                return wgjs_throw_errno(ctx, err, "TUNSETIFF");
            }
        }
    }
    if (fd < 0)
        fd = tun_open_flags(name, IFF_TUN | IFF_NO_PI, &err);
    JS_FreeCString(ctx, name);
    if (fd < 0)
        return wgjs_throw_errno(ctx, err, "TUNSETIFF");
    if (rfd == fd)
        rlen = 0, rfd = -1;
    return JS_NewInt32(ctx, fd);
}

/* tunOffload() -> [mode (0 plain, 1 vnet+TSO, 3 +USO), tsoErrno, usoErrno] of the last tunOpen */
static JSValue js_tunOffload(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    JSValue a = JS_NewArray(ctx);
    JS_SetPropertyUint32(ctx, a, 0, JS_NewInt32(ctx, tun_mode));
    JS_SetPropertyUint32(ctx, a, 1, JS_NewInt32(ctx, tun_tso_err));
    JS_SetPropertyUint32(ctx, a, 2, JS_NewInt32(ctx, tun_uso_err));
    return a;
}

/* One read of the TUN: the byte count (0 after EINTR: try again), READ_STOP when the batch ends
 * here (EAGAIN, or an error after `count` packets: it comes back on the next call), or -errno. */
#define READ_STOP INT32_MIN
static int read_tun(int fd, uint8_t *buf, size_t len, int count)
{
    int n = (int)read(fd, buf, len);
    if (n >= 0)
        return n;
    if (errno == EINTR)
        return 0;
    if (errno == EAGAIN || count > 0)
        return READ_STOP;
    return -errno;
}

/* tunReadBatch(fd, mode, arena, offs, lens, max, headroom, tailroom) -> packets, -1 on EAGAIN */
static JSValue js_tunReadBatch(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct outargs o;
    size_t cur = 0;
    int fd, mode, count = 0;
    if (wgjs_to_int(ctx, argv[0], &fd) || wgjs_to_int(ctx, argv[1], &mode))
        return JS_EXCEPTION;
    if (get_out(ctx, argv + 2, &o))
        return JS_EXCEPTION;
    if (fd < 0)
        return JS_ThrowRangeError(ctx, "tunReadBatch: bad fd");
    if (o.asize < (size_t)o.headroom + MAX_IP + (size_t)o.tailroom + 16)
        return JS_ThrowRangeError(ctx, "tunReadBatch: arena smaller than one 64 KiB packet");
    if (rfd != fd)
        rlen = 0;
    while (count < o.max) {
        int n;
        if (mode == 0) {
            size_t need;
            if (cur + (size_t)o.headroom + MAX_IP + (size_t)o.tailroom > o.asize)
                break;
            n = read_tun(fd, o.arena + cur + o.headroom, MAX_IP, count);
            if (n == READ_STOP)
                break;
            if (n < 0)
                return wgjs_throw_errno(ctx, -n, "read tun");
            if (n == 0)
                continue;
            o.offs[count] = (int32_t)(cur + o.headroom);
            o.lens[count] = n;
            count++;
            need = ((size_t)o.headroom + (size_t)n + (size_t)o.tailroom + 15) & ~(size_t)15;
            cur += need;
            continue;
        }
        if (rlen == 0) {
            n = read_tun(fd, rbuf, sizeof(rbuf), count);
            if (n == READ_STOP)
                break;
            if (n < 0)
                return wgjs_throw_errno(ctx, -n, "read tun");
            if (n == 0)
                continue;
            if (n > VNET_HDR + MAX_IP || sp_parse(&rsp, rbuf, n) < 0)
                continue; /* malformed: dropped */
            rlen = n;
            rnext = 0;
            rfd = fd;
        }
        n = sp_emit(&rsp, &rnext, o.arena, o.asize, &cur, o.offs + count, o.lens + count, o.max - count,
                    o.headroom, o.tailroom);
        count += n;
        if (rnext >= (rsp.nseg ? rsp.nseg : 1))
            rlen = 0;
        else
            break; /* the arena or the entries are full: the rest next time */
    }
    return JS_NewInt32(ctx, count ? count : -1);
}

/* ---------------------------------------------------------------- coalesce (TUN write)
 * Items live in one buffer, in arrival order: [10-byte vnet header][IP packet]. A packet that can
 * start a super-packet reserves room for 64 KiB; others take their size. Packets of a flow that
 * cannot be merged start a new item after the old one, so the order within a flow is kept. */
#define GRO_BYTES (1 << 20)
#define GRO_ITEMS 256
#define GRO_OPEN 16 /* items still accepting segments, looked up per packet */

struct item {
    int fd, mode;
    size_t at;         /* offset of the vnet header in gbuf */
    int len;           /* IP packet bytes so far */
    int l4, hdrs, gso; /* gso: payload of the first segment */
    int nseg, kind;    /* kind: 0 not mergeable, 6 TCP, 17 UDP */
    int open;
    uint32_t nextseq;
};

static uint8_t gbuf[GRO_BYTES];
static size_t gused;
static struct item items[GRO_ITEMS];
static int nitems;
static int openi[GRO_OPEN], nopen;

/* whether the checksum of the L4 part of ip (proto, l4 offset, total len) verifies */
static int l4_valid(const uint8_t *ip, int l4, int len, unsigned proto)
{
    return csum_fold(pseudo(ip, proto, (unsigned)(len - l4)) + csum_add(0, ip + l4, (size_t)(len - l4))) == 0xffff;
}

/* Classifies a packet: 6/17 mergeable kind (fills l4, hdrs) or 0. */
static int classify(const uint8_t *p, int len, int mode, int *l4, int *hdrs)
{
    unsigned proto;
    if (len < 20)
        return 0;
    if ((p[0] >> 4) == 4) {
        if (p[0] != 0x45 || get16(p + 2) != (unsigned)len || (get16(p + 6) & 0x3fff)) /* options, frags */
            return 0;
        if (csum_fold(csum_add(0, p, 20)) != 0xffff)
            return 0;
        proto = p[9];
        *l4 = 20;
    } else if ((p[0] >> 4) == 6) {
        if (len < 40 || get16(p + 4) + 40u != (unsigned)len)
            return 0;
        proto = p[6];
        *l4 = 40;
    } else {
        return 0;
    }
    if (proto == 6) {
        unsigned fl;
        if (len < *l4 + 20)
            return 0;
        *hdrs = *l4 + (p[*l4 + 12] >> 4) * 4;
        fl = p[*l4 + 13];
        if (*hdrs < *l4 + 20 || *hdrs > len || (fl & ~(unsigned)(TCP_ACK | TCP_PSH)) || !(fl & TCP_ACK))
            return 0;
        if (*hdrs == len || !l4_valid(p, *l4, len, 6))
            return 0;
        return 6;
    }
    if (proto == 17 && (mode & 2)) {
        if (len < *l4 + 8 || get16(p + *l4 + 4) != (unsigned)(len - *l4) || len == *l4 + 8)
            return 0;
        if (!p[*l4 + 6] && !p[*l4 + 7]) /* no checksum (IPv4): leave it alone */
            return 0;
        *hdrs = *l4 + 8;
        if (!l4_valid(p, *l4, len, 17))
            return 0;
        return 17;
    }
    return 0;
}

/* whether q (a classified packet) continues item it */
static int can_merge(const struct item *it, const uint8_t *q, int len, int kind, int l4, int hdrs)
{
    const uint8_t *h = gbuf + it->at + VNET_HDR;
    int payload = len - hdrs;
    if (it->kind != kind || it->l4 != l4 || it->hdrs != hdrs || !it->open)
        return 0;
    if (payload > it->gso || it->len + payload > MAX_IP)
        return 0;
    if (kind == 17 && it->nseg >= UDP_MAX_SEGS) /* the kernel refuses more (EINVAL) */
        return 0;
    if (l4 == 20) {
        /* TOS, DF, TTL, protocol, addresses equal; ids consecutive unless DF */
        if (h[1] != q[1] || h[6] != q[6] || h[8] != q[8] || memcmp(h + 12, q + 12, 8))
            return 0;
        if (!(q[6] & 0x40) && get16(q + 4) != ((get16(h + 4) + (unsigned)it->nseg) & 0xffff))
            return 0;
    } else {
        if (memcmp(h, q, 4) || h[7] != q[7] || memcmp(h + 8, q + 8, 32))
            return 0;
    }
    if (memcmp(h + l4, q + l4, 4)) /* ports */
        return 0;
    if (kind == 6) {
        /* ack, data offset, window equal (flags checked by classify), options byte for byte */
        if (memcmp(h + l4 + 8, q + l4 + 8, 5) || memcmp(h + l4 + 14, q + l4 + 14, 2) ||
            memcmp(h + l4 + 20, q + l4 + 20, (size_t)(hdrs - l4 - 20)))
            return 0;
        if (get32(q + l4 + 4) != it->nextseq)
            return 0;
    }
    return 1;
}

static void gro_close(int idx)
{
    int i;
    items[idx].open = 0;
    for (i = 0; i < nopen; i++) {
        if (openi[i] == idx) {
            memmove(openi + i, openi + i + 1, sizeof(int) * (size_t)(nopen - i - 1));
            nopen--;
            return;
        }
    }
}

/* finishes item it's vnet header and IP/L4 fields before it is written */
static void gro_finish(struct item *it)
{
    uint8_t *v = gbuf + it->at, *p = v + VNET_HDR;
    struct vnet h;
    memset(&h, 0, sizeof(h));
    if (it->nseg > 1) {
        uint8_t *l4 = p + it->l4;
        unsigned l4len = (unsigned)(it->len - it->l4);
        int v4 = it->l4 == 20;
        if (v4) {
            put16(p + 2, (unsigned)it->len);
            ip4_csum(p, 20);
        } else {
            put16(p + 4, (unsigned)(it->len - 40));
        }
        h.flags = F_NEEDS_CSUM;
        h.hdr_len = (uint16_t)it->hdrs;
        h.gso_size = (uint16_t)it->gso;
        h.csum_start = (uint16_t)it->l4;
        if (it->kind == 6) {
            h.gso_type = v4 ? GSO_TCPV4 : GSO_TCPV6;
            h.csum_offset = 16;
            put_csum(l4 + 16, csum_fold(pseudo(p, 6, l4len)));
        } else {
            h.gso_type = GSO_UDP_L4;
            h.csum_offset = 6;
            put16(l4 + 4, l4len);
            put_csum(l4 + 6, csum_fold(pseudo(p, 17, l4len)));
        }
    }
    vnet_put(v, &h);
}

static uint8_t *cap_buf;
static size_t cap_size, cap_used;
static int32_t *cap_lens;
static size_t cap_nlens;
static int cap_count, cap_overflow;

/* [writes, of them super-packets, segments they carried, super-packets the kernel refused] */
static int64_t tun_stats[4];

/* Writes a finished super-packet's segments one by one, each with a zero vnet header (split by
 * the same code as a TUN read; an item that does not split is lost). */
static void gro_write_segments(const struct item *it)
{
    static uint8_t seg[VNET_HDR + MAX_IP + 16];
    struct sp s;
    int next = 0;
    if (sp_parse(&s, gbuf + it->at, VNET_HDR + it->len) < 0)
        return;
    while (next < s.nseg) {
        size_t cur = 0;
        int32_t off, len;
        if (sp_emit(&s, &next, seg, sizeof(seg), &cur, &off, &len, 1, VNET_HDR, 0) != 1)
            return;
        memset(seg + off - VNET_HDR, 0, VNET_HDR);
        while (write(it->fd, seg + off - VNET_HDR, (size_t)len + VNET_HDR) < 0 && errno == EINTR)
            ;
    }
}

static void gro_write(struct item *it)
{
    const uint8_t *b = gbuf + it->at + (it->mode ? 0 : VNET_HDR);
    size_t n = (size_t)it->len + (it->mode ? VNET_HDR : 0);
    if (it->mode)
        gro_finish(it);
    if (cap_buf) {
        if (cap_used + n > cap_size || (size_t)cap_count >= cap_nlens) {
            cap_overflow = 1;
            return;
        }
        memcpy(cap_buf + cap_used, b, n);
        cap_used += n;
        cap_lens[cap_count++] = (int32_t)n;
        return;
    }
    for (;;) {
        if (write(it->fd, b, n) >= 0) {
            tun_stats[0]++;
            if (it->nseg > 1) {
                tun_stats[1]++;
                tun_stats[2] += it->nseg;
            }
            return;
        }
        if (errno != EINTR)
            break;
    }
    if (errno == EINVAL && it->nseg > 1) {
        /* the kernel refused the super-packet: its segments one by one, so nothing is lost */
        tun_stats[3]++;
        gro_write_segments(it);
    }
    /* other errors: the TUN is down or gone (the daemon's watchdog notices); the packet is lost */
}

static int gro_flush(void)
{
    int i, n = nitems;
    for (i = 0; i < nitems; i++)
        gro_write(&items[i]);
    nitems = 0;
    nopen = 0;
    gused = 0;
    return n;
}

/* closes the open item of q's flow, if any: q cannot be merged, so it goes after that item and
 * nothing later of the flow may be merged in front of it */
static void gro_close_flow(int fd, const uint8_t *q, int len)
{
    int l4, v4, i;
    unsigned proto;
    if (len >= 20 && (q[0] >> 4) == 4) {
        l4 = (q[0] & 15) * 4;
        proto = q[9];
        v4 = 1;
    } else if (len >= 40 && (q[0] >> 4) == 6) {
        l4 = 40;
        proto = q[6];
        v4 = 0;
    } else {
        return;
    }
    if ((proto != 6 && proto != 17) || len < l4 + 4)
        return;
    for (i = nopen - 1; i >= 0; i--) {
        const struct item *it = &items[openi[i]];
        const uint8_t *h = gbuf + it->at + VNET_HDR;
        if (it->fd != fd || it->kind != (int)proto || (it->l4 == 20) != v4)
            continue;
        if (!memcmp(h + (v4 ? 12 : 8), q + (v4 ? 12 : 8), v4 ? 8 : 32) && !memcmp(h + it->l4, q + l4, 4))
            gro_close(openi[i]);
    }
}

/* queues (or merges) one IP packet; returns 1 */
static int gro_queue(int fd, int mode, const uint8_t *q, int len)
{
    int kind = 0, l4 = 0, hdrs = 0, i, reserve;
    struct item *it;
    if (mode)
        kind = classify(q, len, mode, &l4, &hdrs);
    if (kind) {
        for (i = nopen - 1; i >= 0; i--) {
            it = &items[openi[i]];
            if (it->fd != fd || it->kind != kind)
                continue;
            /* the same flow? (addresses and ports) */
            if (l4 == 20 ? memcmp(gbuf + it->at + VNET_HDR + 12, q + 12, 8)
                         : memcmp(gbuf + it->at + VNET_HDR + 8, q + 8, 32))
                continue;
            if (it->l4 != l4 || memcmp(gbuf + it->at + VNET_HDR + l4, q + l4, 4))
                continue;
            if (can_merge(it, q, len, kind, l4, hdrs)) {
                int payload = len - hdrs;
                uint8_t *h = gbuf + it->at + VNET_HDR;
                memcpy(h + it->len, q + hdrs, (size_t)payload);
                it->len += payload;
                it->nseg++;
                it->nextseq += (uint32_t)payload;
                if (kind == 6 && (q[l4 + 13] & TCP_PSH)) {
                    h[l4 + 13] |= TCP_PSH;
                    gro_close(openi[i]);
                } else if (payload < it->gso || it->len + it->gso > MAX_IP ||
                           (kind == 17 && it->nseg >= UDP_MAX_SEGS)) {
                    gro_close(openi[i]);
                }
                return 1;
            }
            gro_close(openi[i]); /* the flow goes on in a new item */
            break;
        }
    }
    else if (mode)
        gro_close_flow(fd, q, len);
    reserve = kind ? MAX_IP : len;
    if (nitems == GRO_ITEMS || gused + VNET_HDR + (size_t)reserve > GRO_BYTES)
        gro_flush();
    it = &items[nitems];
    it->fd = fd;
    it->mode = mode;
    it->at = gused;
    it->len = len;
    it->kind = kind;
    it->l4 = l4;
    it->hdrs = hdrs;
    it->gso = len - hdrs;
    it->nseg = 1;
    it->open = 0;
    it->nextseq = kind == 6 ? get32(q + l4 + 4) + (uint32_t)(len - hdrs) : 0;
    memcpy(gbuf + gused + VNET_HDR, q, (size_t)len);
    gused += ((VNET_HDR + (size_t)reserve + 15) & ~(size_t)15);
    if (kind && !(kind == 6 && (q[l4 + 13] & TCP_PSH))) {
        if (nopen == GRO_OPEN)
            gro_close(openi[0]);
        it->open = 1;
        openi[nopen++] = nitems;
    }
    nitems++;
    return 1;
}

/* tunQueue(fd, mode, buf, off, len) -> true */
static JSValue js_tunQueue(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd, mode, off, len;
    size_t size;
    uint8_t *buf;
    if (wgjs_to_int(ctx, argv[0], &fd) || wgjs_to_int(ctx, argv[1], &mode) || wgjs_to_int(ctx, argv[3], &off) ||
        wgjs_to_int(ctx, argv[4], &len))
        return JS_EXCEPTION;
    if (mode != 0 && mode != 1 && mode != 3)
        return JS_ThrowRangeError(ctx, "tunQueue: mode must be 0, 1 or 3");
    buf = JS_GetUint8Array(ctx, &size, argv[2]);
    if (!buf)
        return JS_EXCEPTION;
    if (off < 0 || len < 1 || len > MAX_IP || (size_t)off + (size_t)len > size)
        return JS_ThrowRangeError(ctx, "tunQueue: bad range");
    gro_queue(fd, mode, buf + off, len);
    return JS_TRUE;
}

/* tunFlush(capture?, capLens?) -> writes (or captured packets) */
static JSValue js_tunFlush(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int n;
    if (argc >= 2 && !JS_IsUndefined(argv[0])) {
        uint8_t *c = JS_GetUint8Array(ctx, &cap_size, argv[0]);
        int32_t *l;
        if (!c)
            return JS_EXCEPTION;
        l = wgjs_get_i32(ctx, argv[1], &cap_nlens);
        if (!l)
            return JS_EXCEPTION;
        cap_buf = c;
        cap_lens = l;
        cap_used = 0;
        cap_count = 0;
        cap_overflow = 0;
        gro_flush();
        cap_buf = NULL;
        if (cap_overflow)
            return JS_ThrowRangeError(ctx, "tunFlush: capture too small");
        return JS_NewInt32(ctx, cap_count);
    }
    n = gro_flush();
    return JS_NewInt32(ctx, n);
}

/* tunStats() -> [writes, super-packets among them, segments they carried, super-packets refused
 * by the kernel and written segment by segment instead] */
static JSValue js_tunStats(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    JSValue a = JS_NewArray(ctx);
    int i;
    for (i = 0; i < 4; i++)
        JS_SetPropertyUint32(ctx, a, (uint32_t)i, JS_NewInt64(ctx, tun_stats[i]));
    return a;
}

const JSCFunctionListEntry wgjs_offload_funcs[] = {
    JS_CFUNC_DEF("tunStats", 0, js_tunStats),
    JS_CFUNC_DEF("tunOpen", 2, js_tunOpen),
    JS_CFUNC_DEF("tunOffload", 0, js_tunOffload),
    JS_CFUNC_DEF("tunReadBatch", 8, js_tunReadBatch),
    JS_CFUNC_DEF("vnetSplit", 7, js_vnetSplit),
    JS_CFUNC_DEF("tunQueue", 5, js_tunQueue),
    JS_CFUNC_DEF("tunFlush", 2, js_tunFlush),
};
const int wgjs_offload_funcs_count = sizeof(wgjs_offload_funcs) / sizeof(wgjs_offload_funcs[0]);
