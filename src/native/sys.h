/* wgjs:sys — the native module: syscalls only, no protocol logic. */
#ifndef WGJS_SYS_H
#define WGJS_SYS_H
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "quickjs.h"
JSModuleDef *js_init_module_sys(JSContext *ctx, const char *name);

/* sys.c: an Error carrying .errno and .code (see sys.d.ts) */
JSValue wgjs_throw_errno(JSContext *ctx, int e, const char *what);
/* sys.c: any value converted to an int32 (JS_ToInt32); the byte range [off, off+len) of a
 * Uint8Array argument, the numbers converted first (RangeError when out of bounds) */
int wgjs_get_int(JSContext *ctx, JSValueConst v, int *out);
uint8_t *wgjs_get_range(JSContext *ctx, JSValueConst buf, JSValueConst joff, JSValueConst jlen, int *len_out);

/* sys.c: epollCtl's operations and event bits (exported to TypeScript as sys.epoll) */
#define WGJS_EPOLL_ADD 1
#define WGJS_EPOLL_DEL 2
#define WGJS_EPOLL_MOD 3
#define WGJS_EPOLL_IN 1
#define WGJS_EPOLL_OUT 2
#define WGJS_EPOLL_ERR 4

/* net.c, fs.c, proc.c: their functions, exported through wgjs:sys */
extern const JSCFunctionListEntry wgjs_net_funcs[];
extern const int wgjs_net_funcs_count;
extern const JSCFunctionListEntry wgjs_fs_funcs[];
extern const int wgjs_fs_funcs_count;
extern const JSCFunctionListEntry wgjs_proc_funcs[];
extern const int wgjs_proc_funcs_count;

/* io.c: batched datagram I/O, exported through wgjs:sys */
extern const JSCFunctionListEntry wgjs_io_funcs[];
extern const int wgjs_io_funcs_count;
/* offload.c: TUN with IFF_VNET_HDR, splitting and coalescing, exported through wgjs:sys */
extern const JSCFunctionListEntry wgjs_offload_funcs[];
extern const int wgjs_offload_funcs_count;

/* io.c: argument helpers shared with offload.c. A number (TypeError otherwise) as an int32; an
 * Int32Array's elements and count (TypeError/RangeError otherwise). Convert every number before
 * taking any pointer: conversion may run JS code. */
int wgjs_to_int(JSContext *ctx, JSValueConst v, int *out);
int32_t *wgjs_get_i32(JSContext *ctx, JSValueConst v, size_t *count);

/* io.c: endpoint records (40 bytes, layout in sys.d.ts) <-> socket addresses */
#define WGJS_EP_SIZE 40
typedef union {
    struct sockaddr sa;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
} wgjs_sockaddr;
typedef union {
    struct cmsghdr align;
    /* pktinfo of either family, and UDP_GRO's segment size (an int) on receive */
    char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo)) + CMSG_SPACE(sizeof(int))];
} wgjs_ctlbuf;
/* fills ep from a received message: remote from msg_name, local address/ifindex from pktinfo */
void wgjs_ep_from_msg(uint8_t *ep, const struct msghdr *mh);
/* the remote of ep (family 4|6) as a socket address; returns its length */
socklen_t wgjs_ep_dest(const uint8_t *ep, wgjs_sockaddr *sa);
/* whether ep carries a local (source) address */
int wgjs_ep_sticky(const uint8_t *ep);
/* the source of ep as an IP_PKTINFO/IPV6_PKTINFO cmsg in ctl; returns msg_controllen, 0 if none */
size_t wgjs_ep_source(const uint8_t *ep, wgjs_ctlbuf *ctl);
/* errno values after which a send is retried once without the source address */
int wgjs_source_refused(int e);
/* raises SO_RCVBUF/SO_SNDBUF to a few MiB (FORCE variants first) */
void wgjs_sockbufs(int fd);
/* sends the queued datagrams; returns how many left */
int wgjs_udp_flush(void);
#endif
