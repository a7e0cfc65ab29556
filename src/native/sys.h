/* wgjs:sys — the native module: syscalls only, no protocol logic. */
#ifndef WGJS_SYS_H
#define WGJS_SYS_H
#include "quickjs.h"
JSModuleDef *js_init_module_sys(JSContext *ctx, const char *name);
#endif
