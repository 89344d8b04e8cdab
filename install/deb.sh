#!/usr/bin/env bash
# Builds out/gatekeeper_VERSION_ARCH.deb with dpkg-deb from the static build:
#   /usr/sbin/gatekeeper, compressed man pages, /etc/gatekeeper/ policies and
#   /etc/logrotate.d/gatekeeper as conffiles (dpkg never overwrites an edited
#   one), the rsyslog snippet and recipes as documentation, a postinst that
#   creates /var/log/gatekeeper (0750) and a postrm that removes it on purge
#   only. lintian reports nothing on it (Tests: InstallTests); the one
#   override, for the static binary, says why.
# A Debian package installs under /usr, so key lines name /usr/sbin/gatekeeper
# (`gatekeeper authorize` run from there prints exactly that).
#
# usage: install/deb.sh [--binary PATH]
# env:   GATEKEEPER_MAINTAINER  the Maintainer field
set -euo pipefail
cd "$(dirname "$0")/.."

binary=""
case "${1:-}" in
  --binary) binary=${2:?--binary needs a path} ;;
  --binary=*) binary=${1#*=} ;;
  "") ;;
  *) echo "usage: install/deb.sh [--binary PATH]" >&2; exit 64 ;;
esac
if [ -z "$binary" ]; then
  binary=out/gatekeeper
  [ -x "$binary" ] || bash install/build.sh
fi
[ -x "$binary" ] || { echo "deb.sh: $binary is not an executable" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "deb.sh: needs dpkg-deb (Debian/Ubuntu)" >&2; exit 1; }

for p in policies/*.policy; do
  "$binary" check --policy "$p" >/dev/null 2>&1 || {
    "$binary" check --policy "$p" >&2 || true
    echo "deb.sh: refusing to package: gatekeeper check rejects $p" >&2
    exit 1
  }
done

version=$("$binary" --version | awk '{print $2}')
case "$version" in [0-9]*) ;; *) echo "deb.sh: cannot read the version from '$binary --version'" >&2; exit 1 ;; esac
arch=$(dpkg --print-architecture)
# Packagers set their own; example.org is reserved for examples (RFC 2606).
maintainer=${GATEKEEPER_MAINTAINER:-gatekeeper developers <gatekeeper@example.org>}

mkdir -p out
root=$(mktemp -d out/deb.XXXXXX)
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"
doc=$root/usr/share/doc/gatekeeper
install -d -m 0755 "$root/DEBIAN" "$root/usr/sbin" "$root/usr/share/man/man8" "$root/usr/share/man/man5" \
  "$root/etc/gatekeeper" "$root/etc/logrotate.d" "$doc/recipes" "$doc/rsyslog" "$root/usr/share/lintian/overrides"
install -m 0755 "$binary" "$root/usr/sbin/gatekeeper"
gzip -9n -c install/man/gatekeeper.8 >"$root/usr/share/man/man8/gatekeeper.8.gz"
gzip -9n -c install/man/gatekeeper.policy.5 >"$root/usr/share/man/man5/gatekeeper.policy.5.gz"
chmod 0644 "$root"/usr/share/man/man*/*.gz
for p in policies/*.policy; do
  install -m 0644 "$p" "$root/etc/gatekeeper/$(basename "$p").example"
done
install -m 0644 policies/rsync-pull.policy "$root/etc/gatekeeper/gatekeeper.policy"
install -m 0644 install/logrotate/gatekeeper "$root/etc/logrotate.d/gatekeeper"
install -m 0644 README.md "$doc/README.md"
install -m 0644 install/recipes/* "$doc/recipes/"
install -m 0644 install/rsyslog/gatekeeper.conf "$doc/rsyslog/gatekeeper.conf"
# A native package's changelog, dated by the last commit (reproducible).
when=$(git log -1 --format=%ct 2>/dev/null || date +%s)
{
  printf 'gatekeeper (%s) unstable; urgency=medium\n\n' "$version"
  printf '  * Release %s; see README.md for what it does.\n\n' "$version"
  printf ' -- %s  %s\n' "$maintainer" "$(LC_ALL=C date -u -R -d "@$when")"
} | gzip -9n >"$doc/changelog.gz"
cat >"$doc/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: gatekeeper
Comment: Built from the gatekeeper source tree by install/deb.sh. No third-party
 code is included: the binary is the project's own Swift code, the Swift
 standard library and runtime, and the GNU C library, linked statically.

Files: *
Copyright: 2026 the gatekeeper developers
License: other
 The gatekeeper developers have not yet published a license for this code.
 Until they do, no rights beyond those of copyright law are granted.
EOF
cat >"$root/usr/share/lintian/overrides/gatekeeper" <<'EOF'
# gatekeeper runs as root before anything else on a backup key; it is linked
# statically on purpose, so no shared library on the client can change it.
gatekeeper: statically-linked-binary [usr/sbin/gatekeeper]
EOF
chmod 0644 "$doc/changelog.gz" "$doc/copyright" "$root/usr/share/lintian/overrides/gatekeeper"

(cd "$root" && find etc -type f | sort | sed 's|^|/|') >"$root/DEBIAN/conffiles"
(cd "$root" && find usr -type f | sort | xargs md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<EOF
Package: gatekeeper
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Section: admin
Priority: optional
Recommends: rsync
Suggests: openssh-server, sudo
Description: forced command that lets a backup key run read-only backups only
 gatekeeper is installed as an SSH forced command (or the only command sudo
 allows a backup account). It checks the requested command against a policy
 that allows only read-only rsync pulls and tar -c to standard output, writes
 an audit record, and runs the real tool with a rebuilt argument list.
 Everything else (writes, deletes, shells, option smuggling) is refused.
 The binary is statically linked.
EOF

cat >"$root/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  install -d -m 0750 -o root -g root /var/log/gatekeeper
fi
exit 0
EOF
# No prerm: nothing runs in the background, and keys that name gatekeeper
# are refused (command not found) once it is removed, the safe failure.
cat >"$root/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = purge ]; then
  rm -rf /var/log/gatekeeper
  rmdir /etc/gatekeeper 2>/dev/null || true
fi
exit 0
EOF
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/postrm"

deb="out/gatekeeper_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "deb.sh: built $deb ($(stat -c %s "$deb") bytes)"
dpkg-deb --info "$deb" | sed -n 's/^ *\(Package\|Version\|Architecture\|Installed-Size\):/  &/p'
dpkg-deb --contents "$deb" | awk '{print "  " $1, $2, $6}'
