/* wgjs entry point: a QuickJS runtime with qjs:std, qjs:os, wgjs:sys and wgjs:crypto, running the
 * precompiled bytecode of the TypeScript bundle (build/js/main_bc.c or test_bc.c, made by qjsc). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "quickjs.h"
#include "quickjs-libc.h"
#include "sys.h"
#include "crypto.h"

extern const uint32_t qjsc_wgjs_main_size;
extern const uint8_t qjsc_wgjs_main[];

/* globalThis.__wgjsExit(code): flush and exit (the test harness and the CLI use it). */
static JSValue js_wgjs_exit(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int code = 0;
    if (argc > 0 && JS_ToInt32(ctx, &code, argv[0]))
        return JS_EXCEPTION;
    fflush(stdout);
    fflush(stderr);
    exit(code);
    return JS_UNDEFINED;
}

/* console.error: like console.log, to stderr (quickjs-libc only provides console.log). */
static JSValue js_console_error(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    for (int i = 0; i < argc; i++) {
        size_t len;
        const char *s = JS_ToCStringLen(ctx, &len, argv[i]);
        if (!s)
            return JS_EXCEPTION;
        if (i)
            fputc(' ', stderr);
        fwrite(s, 1, len, stderr);
        JS_FreeCString(ctx, s);
    }
    fputc('\n', stderr);
    fflush(stderr);
    return JS_UNDEFINED;
}

#ifdef WGJS_TEST_BINARY
/* globalThis.__wgjsMemoryUsage(): engine bytes in use (tests measure per-peer footprint). Only in
 * wgjs-test: JS_ComputeMemoryUsage is 5 KB the product does not need. */
static JSValue js_memory_usage(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    JSMemoryUsage u;
    JS_ComputeMemoryUsage(JS_GetRuntime(ctx), &u);
    return JS_NewFloat64(ctx, (double)u.memory_used_size);
}
#endif

int main(int argc, char **argv)
{
    const char *scale;
    JSRuntime *rt;
    JSContext *ctx;
    JSValue global, console;
    int r;

    signal(SIGPIPE, SIG_IGN); /* a UAPI client going away must not kill the daemon */
    rt = JS_NewRuntime();
    if (!rt)
        return 1;
    js_std_init_handlers(rt);
    /* an unhandled promise rejection is fatal like an uncaught exception: print it, exit 1 */
    JS_SetHostPromiseRejectionTracker(rt, js_std_promise_rejection_tracker, NULL);
    JS_SetModuleLoaderFunc2(rt, NULL, js_module_loader, js_module_check_attributes, NULL);
    ctx = JS_NewContext(rt);
    if (!ctx)
        return 1;
    js_init_module_std(ctx, "qjs:std");
    js_init_module_os(ctx, "qjs:os");
    js_init_module_sys(ctx, "wgjs:sys");
    js_init_module_crypto(ctx, "wgjs:crypto");
    js_std_add_helpers(ctx, argc, argv);
    global = JS_GetGlobalObject(ctx);
    JS_SetPropertyStr(ctx, global, "__wgjsExit", JS_NewCFunction(ctx, js_wgjs_exit, "__wgjsExit", 1));
#ifdef WGJS_TEST_BINARY
    JS_SetPropertyStr(ctx, global, "__wgjsMemoryUsage", JS_NewCFunction(ctx, js_memory_usage, "__wgjsMemoryUsage", 0));
#endif
    /* slower engines (qemu) may shrink randomized test iteration counts, never assertions */
    scale = getenv("WGJS_TEST_SCALE");
    if (scale && *scale)
        JS_SetPropertyStr(ctx, global, "__WGJS_TEST_SCALE", JS_NewFloat64(ctx, atof(scale)));
    console = JS_GetPropertyStr(ctx, global, "console");
    JS_SetPropertyStr(ctx, console, "error", JS_NewCFunction(ctx, js_console_error, "error", 1));
    JS_SetPropertyStr(ctx, console, "warn", JS_NewCFunction(ctx, js_console_error, "warn", 1));
    JS_FreeValue(ctx, console);
    JS_FreeValue(ctx, global);
    js_std_eval_binary(ctx, qjsc_wgjs_main, qjsc_wgjs_main_size, 0);
    r = js_std_loop(ctx);
    if (r)
        js_std_dump_error(ctx);
    fflush(stdout);
    return r ? 1 : 0;
}
