#!/usr/bin/env bash
# The Debian package on a fresh Debian 12: builds refund-decision_*.deb
# (cpack) from BUILD_DIR, installs it with apt-get into a throwaway minbase
# bookworm root (debootstrap), then, in that root, runs refund-server as the
# user refund with the installed flag file, decides a request through it with
# the installed refundctl, verifies the decision log it wrote, and runs the
# installed bundle's policy tests; checks the unit with systemd-analyze; then
# reinstalls, removes and purges the package, checking what each leaves.
# Needs root (debootstrap, chroot, mount).
#
#   tests/package/deb_install_test.sh [BUILD_DIR]     (default: build)
#
# BUILD_DIR must be configured (tools/setup.sh does it); the three installed
# programs are built if they are not. The minbase root is cached as a
# tarball in BUILD_DIR/package-test/ (and the packages apt downloads into
# it), so a second run does not download Debian again; delete that folder
# to start afresh. The mirror is the host's (/etc/apt/sources.list*), or
# DEBIAN_MIRROR. Prints how long each step took.
set -euo pipefail
cd "$(dirname "$0")/../.."

build_dir=$(realpath "${1:-build}")
cache_dir=$build_dir/package-test
started=$(date +%s)
step_started=$started
say() {
  local now
  now=$(date +%s)
  echo "deb_install_test: [$((now - started))s, step $((now - step_started))s] $*"
  step_started=$now
}
fail() {
  echo "deb_install_test: FAIL: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "must run as root (debootstrap, chroot, mount)"
[ -f "$build_dir/CMakeCache.txt" ] ||
  fail "$build_dir is not a configured build directory (run tools/setup.sh)"

# The host's tools: debootstrap; dpkg-shlibdeps (dpkg-dev) for the package's
# Depends; ip (iproute2) for the server's own network namespace.
missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v dpkg-shlibdeps >/dev/null || missing+=(dpkg-dev)
command -v ip >/dev/null || missing+=(iproute2)
if ((${#missing[@]})); then
  echo "deb_install_test: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 \
    install -y --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Debian mirror: "URI suite" pairs of the host's Debian sources (one-line
# and deb822 files), bookworm, bookworm-updates and bookworm-security.
debian_sources() {
  local files=()
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
           /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && files+=("$f")
  done
  ((${#files[@]})) || return 0
  awk '
    function flush(   i, j, n, m, u, s) {
      n = split(uris, u, " "); m = split(suites, s, " ")
      for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print u[i], s[j]
      uris = ""; suites = ""
    }
    FNR == 1 { flush() }
    FILENAME ~ /\.sources$/ {
      if ($0 ~ /^[ \t]*$/) { flush(); next }
      if ($1 == "URIs:") { $1 = ""; uris = $0 }
      if ($1 == "Suites:") { $1 = ""; suites = $0 }
      next
    }
    $1 == "deb" {
      i = 2
      if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
      print $i, $(i + 1)
    }
    END { flush() }
  ' "${files[@]}" | awk '$2 ~ /^bookworm(-updates|-security)?$/' | sort -u
}
sources=$(debian_sources)
mirror=${DEBIAN_MIRROR:-$(awk '$2 == "bookworm" { print $1; exit }' <<<"$sources")}
[ -n "$mirror" ] || fail "no bookworm mirror in /etc/apt/sources.list*; set DEBIAN_MIRROR"
say "mirror $mirror"

# 1. The package. cpack builds nothing (the build directory keeps
# CMAKE_SKIP_INSTALL_ALL_DEPENDENCY: `make install` there no longer builds
# `all` first): the three programs it packs are built here, not every test.
cmake -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON "$build_dir" >/dev/null
cmake --build "$build_dir" -j2 --target refund-server refundctl refund-bench \
  >/dev/null
rm -f "$build_dir"/refund-decision_*.deb
(cd "$build_dir" && cpack -G DEB >/dev/null)
debs=("$build_dir"/refund-decision_*_amd64.deb)
[ -f "${debs[0]}" ] || fail "cpack made no refund-decision_*_amd64.deb"
deb=${debs[0]}
say "built $(basename "$deb"): $(dpkg-deb -f "$deb" Depends)"

# 2. A fresh minbase bookworm root, from the cached tarball when there is one.
# The root is a tmpfs: quick to fill, and gone with one umount.
mkdir -p "$cache_dir/archives"
root=$(mktemp -d "$cache_dir/root.XXXXXX")
mount -t tmpfs -o size=3g,mode=0755 refund-package-test "$root"
cleanup() {
  set +e
  if mountpoint -q "$root/proc"; then
    umount "$root/proc" || umount -l "$root/proc"
  fi
  if umount "$root" || umount -l "$root"; then rmdir "$root"; fi
}
trap cleanup EXIT
tarball=$cache_dir/bookworm-minbase.tar
if [ ! -f "$tarball" ]; then
  debootstrap --variant=minbase bookworm "$root" "$mirror" \
    >"$cache_dir/debootstrap.log" 2>&1 ||
    { tail -20 "$cache_dir/debootstrap.log" >&2; fail "debootstrap"; }
  rm -rf "${root:?}"/var/cache/apt/archives/*.deb
  tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
  say "debootstrap (cached as $tarball)"
else
  tar -C "$root" -xf "$tarball"
  say "unpacked the cached root"
fi
awk '{ print "deb", $1, $2, "main" }' <<<"$sources" >"$root/etc/apt/sources.list"
[ -s "$root/etc/apt/sources.list" ] ||
  echo "deb $mirror bookworm main" >"$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

# 3. apt-get install of the package and what it depends on (the downloaded
# packages kept in the cache for the next run).
cp "$deb" "$root/tmp/"
cp "$cache_dir"/archives/*.deb "$root/var/cache/apt/archives/" 2>/dev/null || true
apt_get=(env DEBIAN_FRONTEND=noninteractive apt-get -q -y
         -o APT::Sandbox::User=root)
in_root "${apt_get[@]}" update >"$cache_dir/apt.log" 2>&1 ||
  { tail -20 "$cache_dir/apt.log" >&2; fail "apt-get update in the root"; }
in_root "${apt_get[@]}" install --no-install-recommends \
  "/tmp/$(basename "$deb")" >>"$cache_dir/apt.log" 2>&1 ||
  { tail -30 "$cache_dir/apt.log" >&2; fail "apt-get install of the package"; }
cp -n "$root"/var/cache/apt/archives/*.deb "$cache_dir/archives/" 2>/dev/null || true
say "apt-get install $(basename "$deb") (log: $cache_dir/apt.log)"

# 4. What the package put down.
for f in /usr/bin/refund-server /usr/bin/refundctl /usr/bin/refund-bench \
         /etc/refund-decision/refund-server.flags \
         /lib/systemd/system/refund-server.service \
         /usr/share/refund-decision/policies/bundle.textproto \
         /usr/share/refund-decision/policies/tests/01_seven_day.json \
         /usr/share/doc/refund-decision/README.md; do
  [ -e "$root$f" ] || fail "$f not installed"
done
[ ! -e "$root/usr/bin/refund-echo-server" ] || fail "refund-echo-server installed"
in_root getent passwd refund >/dev/null || fail "no user refund"
[ "$(in_root stat -c %U:%G /var/lib/refund-decision)" = refund:refund ] ||
  fail "/var/lib/refund-decision is not refund's"
# shellcheck disable=SC2016  # dpkg-query's own ${...} syntax
in_root dpkg-query -W -f='${Conffiles}\n' refund-decision |
  grep -q /etc/refund-decision/refund-server.flags ||
  fail "the flag file is not a conffile"
if [ -x "$root/usr/bin/deb-systemd-helper" ]; then
  [ -L "$root/etc/systemd/system/multi-user.target.wants/refund-server.service" ] ||
    fail "deb-systemd-helper is there but the unit is not enabled"
fi

# 5. The installed bundle's policy tests.
in_root /usr/bin/refundctl test /usr/share/refund-decision/policies \
  >"$cache_dir/policy-tests.log" 2>&1 ||
  { tail -20 "$cache_dir/policy-tests.log" >&2; fail "refundctl test"; }
say "refundctl test /usr/share/refund-decision/policies: $(tail -1 "$cache_dir/policy-tests.log")"

# 6. The server as the unit runs it (user refund, the installed flag file),
# in a network namespace of its own so that 127.0.0.1:50051 is free.
cp tests/package/seven_day_request.json "$root/tmp/request.json"
server_log=$root/tmp/refund-server.log
refund_user=$(in_root id -u refund):$(in_root id -g refund)
serve_and_decide() {
  ip link set lo up
  chroot --userspec="$refund_user" --groups= "$root" env -i \
    /usr/bin/refund-server --flagfile=/etc/refund-decision/refund-server.flags \
    >"$server_log" 2>&1 &
  local pid=$! _
  for _ in $(seq 600); do
    grep -q "listening on" "$server_log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  grep -q "refund-server listening on 127.0.0.1:50051" "$server_log" || {
    cat "$server_log" >&2
    kill "$pid" 2>/dev/null
    return 1
  }
  local status=0
  chroot "$root" env -i /usr/bin/refundctl decide --server=127.0.0.1:50051 \
    /tmp/request.json >"$root/tmp/decision.json" 2>&1 || status=1
  kill -TERM "$pid"
  wait "$pid" || { echo "refund-server exited $?" >&2; status=1; }
  return $status
}
export -f serve_and_decide
export root server_log refund_user
unshare --net bash -c serve_and_decide ||
  { cat "$root/tmp/decision.json" "$server_log" >&2; fail "serving"; }
grep -q VERDICT_APPROVE "$root/tmp/decision.json" ||
  { cat "$root/tmp/decision.json" >&2; fail "the decision is not APPROVE"; }
[ -f "$root/var/lib/refund-decision/decisions.db" ] ||
  fail "no /var/lib/refund-decision/decisions.db"
in_root /usr/bin/refundctl verify \
  --log=sqlite:/var/lib/refund-decision/decisions.db >/dev/null ||
  fail "refundctl verify of the server's log"
say "refund-server served a decision, stored and verified"

# The unit as installed, checked by the host's systemd (the root has none):
# everything but the program's absence on the host (it is in the root,
# checked above) is a failure.
if command -v systemd-analyze >/dev/null; then
  unit=$root/lib/systemd/system/refund-server.service
  systemd-analyze verify "$unit" 2>&1 |
    grep -v "Command /usr/bin/refund-server is not executable" \
      >"$cache_dir/systemd-analyze.log" || true
  [ ! -s "$cache_dir/systemd-analyze.log" ] ||
    { cat "$cache_dir/systemd-analyze.log" >&2; fail "systemd-analyze verify"; }
  say "systemd-analyze verify refund-server.service"
else
  say "no systemd-analyze on this machine: the unit is not verified"
fi

# 7. The maintainer scripts' other paths: reinstalled (as an upgrade runs
# them), removed (the flag file stays), purged (the flag file and the unit's
# enablement go; the user and the decision log stay).
in_root dpkg -i "/tmp/$(basename "$deb")" >>"$cache_dir/apt.log" 2>&1 ||
  { tail -20 "$cache_dir/apt.log" >&2; fail "reinstall"; }
in_root dpkg --remove refund-decision >>"$cache_dir/apt.log" 2>&1 ||
  { tail -20 "$cache_dir/apt.log" >&2; fail "dpkg --remove"; }
[ ! -e "$root/usr/bin/refund-server" ] || fail "remove left refund-server"
[ -f "$root/etc/refund-decision/refund-server.flags" ] ||
  fail "remove took the flag file (a conffile stays until purge)"
in_root dpkg --purge refund-decision >>"$cache_dir/apt.log" 2>&1 ||
  { tail -20 "$cache_dir/apt.log" >&2; fail "dpkg --purge"; }
[ ! -e "$root/etc/refund-decision/refund-server.flags" ] ||
  fail "purge left the flag file"
if [ -L "$root/etc/systemd/system/multi-user.target.wants/refund-server.service" ] ||
   [ -L "$root/etc/systemd/system/refund-server.service" ]; then
  fail "purge left the unit enabled or masked"
fi
in_root getent passwd refund >/dev/null || fail "purge removed the user refund"
[ -f "$root/var/lib/refund-decision/decisions.db" ] ||
  fail "purge deleted the decision log"
say "reinstalled, removed, purged"

echo "deb_install_test: PASS in $(($(date +%s) - started))s"
