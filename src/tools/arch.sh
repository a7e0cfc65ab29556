# The one mapping of this machine to a wgjs ARCH (sourced by build.sh and the test scripts).
#   wgjs_host_arch    prints x86_64, aarch64, arm, mips or mipsel (or uname -m when none fits)
WGJS_ARCHES_ALL="x86_64 aarch64 arm mips mipsel"
wgjs_host_arch() {
  case $(uname -m) in
    x86_64) echo x86_64 ;; aarch64 | arm64) echo aarch64 ;; armv7* | armv6* | arm) echo arm ;;
    mips) echo mips ;; mipsel) echo mipsel ;; *) uname -m ;;
  esac
}
