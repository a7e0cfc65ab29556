# The one way this project reaches Debian's archive (sourced): the machine's own configured
# mirror (read at run time, never written into the repository) and a private apt state in a
# directory of ours, so the system's apt configuration and state are never touched. Used for
# quickjs-ng (build.sh), libsodium/libb2 (debsrc.sh), sid's wireguard-go (test/bench) and the
# QEMU guests' packages (test/qemu/fetch.sh).
#   deb_mirror                      prints the first non-security mirror of the system's apt
#                                   sources (deb822 .sources files, then sources.list), or nothing
#   deb_apt_state DIR LINE [OPT..]  makes DIR a private apt state whose only source is LINE
#                                   (e.g. "deb MIRROR sid main"; kept when DIR already holds it);
#                                   sets the array DEB_APT to the apt-get/apt-cache options that
#                                   use it, plus OPT...
deb_mirror() {
  local u
  u=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1 | awk '{print $1}')
  [ -n "$u" ] || u=$(awk '$1=="deb" && $0 !~ /security/ {for(i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list 2>/dev/null)
  echo "$u"
}

deb_apt_state() {
  local st=$1 line=$2
  shift 2
  mkdir -p "$st/lists/partial" "$st/cache/archives/partial" "$st/etc"
  [ -e "$st/status" ] || : >"$st/status"
  [ "$(cat "$st/etc/sources.list" 2>/dev/null)" = "$line" ] || echo "$line" >"$st/etc/sources.list"
  DEB_APT=(-o "Dir::Etc::SourceList=$st/etc/sources.list" -o "Dir::Etc::SourceParts=$st/etc/none"
    -o "Dir::State::Lists=$st/lists" -o "Dir::State::Status=$st/status" -o "Dir::Cache=$st/cache"
    -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root" -q "$@")
}
