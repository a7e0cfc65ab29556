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

/* io.c: batched datagram I/O, exported through wgjs:sys */
extern const JSCFunctionListEntry wgjs_io_funcs[];
extern const int wgjs_io_funcs_count;
/* offload.c: TUN with IFF_VNET_HDR, splitting and coalescing, exported through wgjs:sys */
extern const JSCFunctionListEntry wgjs_offload_funcs[];
extern const int wgjs_offload_funcs_count;

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
