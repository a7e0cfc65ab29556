/* wgjs:sys, files: directory listing, umask, mkdir, unlink, stat. */
#include <dirent.h>
#include <sys/stat.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "quickjs.h"
#include "sys.h"

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
        return wgjs_throw_errno(ctx, errno, "opendir");
    arr = JS_NewArray(ctx);
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        JS_SetPropertyUint32(ctx, arr, n++, JS_NewString(ctx, de->d_name));
    }
    closedir(d);
    return arr;
}


static JSValue js_umask(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int m;
    if (wgjs_get_int(ctx, argv[0], &m))
        return JS_EXCEPTION;
    return JS_NewInt32(ctx, (int)umask((mode_t)m));
}

static JSValue path_op(JSContext *ctx, JSValueConst p, int op, int mode)
{
    const char *path = JS_ToCString(ctx, p);
    int r, e;
    if (!path)
        return JS_EXCEPTION;
    /* op 0: mkdir (an existing one is fine), 1: unlink (a missing one is fine) */
    r = op == 0 ? mkdir(path, (mode_t)mode) : unlink(path);
    e = errno;
    JS_FreeCString(ctx, path);
    if (r < 0 && !(op == 0 && e == EEXIST) && !(op == 1 && e == ENOENT))
        return wgjs_throw_errno(ctx, e, op == 0 ? "mkdir" : "unlink");
    return JS_UNDEFINED;
}
static JSValue js_mkdir(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int mode;
    if (wgjs_get_int(ctx, argv[1], &mode))
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
        return wgjs_throw_errno(ctx, e, "stat");
    }
    arr = JS_NewArray(ctx);
    JS_SetPropertyUint32(ctx, arr, 0, JS_NewFloat64(ctx, (double)st.st_dev));
    JS_SetPropertyUint32(ctx, arr, 1, JS_NewFloat64(ctx, (double)st.st_ino));
    JS_SetPropertyUint32(ctx, arr, 2, JS_NewInt32(ctx, (int32_t)st.st_mode));
    return arr;
}

const JSCFunctionListEntry wgjs_fs_funcs[] = {
    JS_CFUNC_DEF("readdir", 1, js_readdir),
    JS_CFUNC_DEF("umask", 1, js_umask),
    JS_CFUNC_DEF("mkdir", 2, js_mkdir),
    JS_CFUNC_DEF("unlink", 1, js_unlink),
    JS_CFUNC_DEF("stat", 1, js_stat),
};
const int wgjs_fs_funcs_count = sizeof(wgjs_fs_funcs) / sizeof(wgjs_fs_funcs[0]);
