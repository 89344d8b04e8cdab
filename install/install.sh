#!/usr/bin/env bash
# Installs gatekeeper on this machine (or into a staging tree with --destdir):
#   PREFIX/sbin/gatekeeper                     root, 0755 (the static build)
#   PREFIX/share/man/man8/gatekeeper.8, man5/gatekeeper.policy.5
#   /etc/gatekeeper/NAME.policy.example        every shipped policy, 0644
#   /etc/gatekeeper/gatekeeper.policy          from policies/rsync-pull.policy,
#                                              ONLY if absent (an edited policy
#                                              is never overwritten)
#   /var/log/gatekeeper/                       root, 0750
#   /etc/logrotate.d/gatekeeper                the audit file's rotation, 0644,
#                                              kept if edited
#   /etc/sudoers.d/gatekeeper                  only with --sudoers USER, 0440
# Every policy is checked with `gatekeeper check` first; a policy it rejects
# is not installed (nothing is). Running it again changes nothing.
#
# usage: install/install.sh [--prefix DIR] [--destdir DIR] [--binary PATH]
#                           [--sudoers USER] [--uninstall]
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=/usr/local
destdir=""
binary=""
sudoers_user=""
uninstall=no
usage() {
  echo "usage: install/install.sh [--prefix DIR] [--destdir DIR] [--binary PATH] [--sudoers USER] [--uninstall]" >&2
  exit 64
}
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || usage; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --destdir) [ $# -ge 2 ] || usage; destdir=$2; shift 2 ;;
    --destdir=*) destdir=${1#*=}; shift ;;
    --binary) [ $# -ge 2 ] || usage; binary=$2; shift 2 ;;
    --binary=*) binary=${1#*=}; shift ;;
    --sudoers) [ $# -ge 2 ] || usage; sudoers_user=$2; shift 2 ;;
    --sudoers=*) sudoers_user=${1#*=}; shift ;;
    --uninstall) uninstall=yes; shift ;;
    -h | --help) usage ;;
    *) echo "install.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
case "$prefix" in /*) ;; *) echo "install.sh: --prefix must be absolute" >&2; exit 64 ;; esac
prefix=${prefix%/}
destdir=${destdir%/}
if [ -n "$destdir" ]; then
  case "$destdir" in /*) ;; *) destdir="$PWD/$destdir" ;; esac
fi

sbin="$destdir$prefix/sbin"
man8="$destdir$prefix/share/man/man8"
man5="$destdir$prefix/share/man/man5"
etc="$destdir/etc/gatekeeper"
logdir="$destdir/var/log/gatekeeper"
sudoers_file="$destdir/etc/sudoers.d/gatekeeper"
logrotate_file="$destdir/etc/logrotate.d/gatekeeper"
default_policy=policies/rsync-pull.policy

# Root-owned when we can; a non-root --destdir staging install keeps the
# caller's ownership (the package builder fixes it, see deb.sh).
own=()
[ "$(id -u)" = 0 ] && own=(-o root -g root)
say() { printf 'install.sh: %s\n' "$*"; }

if [ "$uninstall" = yes ]; then
  rm -f "$sbin/gatekeeper" "$man8/gatekeeper.8" "$man5/gatekeeper.policy.5"
  for p in policies/*.policy; do rm -f "$etc/$(basename "$p").example"; done
  if [ -f "$etc/gatekeeper.policy" ]; then
    if cmp -s "$etc/gatekeeper.policy" "$default_policy"; then
      rm -f "$etc/gatekeeper.policy"
    else
      say "kept $etc/gatekeeper.policy (edited; remove it yourself)"
    fi
  fi
  rmdir "$etc" 2>/dev/null || true
  if [ -f "$logrotate_file" ]; then
    if cmp -s "$logrotate_file" install/logrotate/gatekeeper; then
      rm -f "$logrotate_file"
    else
      say "kept $logrotate_file (edited; remove it yourself)"
    fi
  fi
  if [ -f "$sudoers_file" ]; then
    rm -f "$sudoers_file"
    say "removed $sudoers_file"
  fi
  [ -d "$logdir" ] && say "kept $logdir (audit records; remove it yourself)"
  say "uninstalled from ${destdir:-/} (prefix $prefix)"
  exit 0
fi

if [ -z "$binary" ]; then
  binary=out/gatekeeper
  if [ ! -x "$binary" ]; then
    say "no $binary yet: running install/build.sh"
    bash install/build.sh
  fi
fi
[ -x "$binary" ] || { echo "install.sh: $binary is not an executable" >&2; exit 1; }

# 1. Check everything before touching anything.
for p in policies/*.policy; do
  if ! out=$("$binary" check --policy "$p" 2>&1); then
    printf '%s\n' "$out" >&2
    echo "install.sh: refusing to install: gatekeeper check rejects $p" >&2
    exit 1
  fi
  if grep -q '^[[:space:]]*# expect ' "$p" && ! out=$("$binary" check --examples --policy "$p" 2>&1); then
    printf '%s\n' "$out" >&2
    echo "install.sh: refusing to install: the examples in $p do not hold" >&2
    exit 1
  fi
done
snippet=""
if [ -n "$sudoers_user" ]; then
  command -v visudo >/dev/null || { echo "install.sh: --sudoers needs visudo (apt-get install sudo)" >&2; exit 1; }
  snippet=$(mktemp)
  trap 'rm -f "$snippet"' EXIT
  "$binary" sudoers --user "$sudoers_user" --gatekeeper "$prefix/sbin/gatekeeper" >"$snippet"
  visudo -cqf "$snippet" || { echo "install.sh: visudo rejects the sudoers snippet" >&2; exit 1; }
fi

# 2. Install.
install -d -m 0755 "${own[@]}" "$sbin" "$man8" "$man5" "$etc"
install -m 0755 "${own[@]}" "$binary" "$sbin/gatekeeper"
install -m 0644 "${own[@]}" install/man/gatekeeper.8 "$man8/gatekeeper.8"
install -m 0644 "${own[@]}" install/man/gatekeeper.policy.5 "$man5/gatekeeper.policy.5"
for p in policies/*.policy; do
  install -m 0644 "${own[@]}" "$p" "$etc/$(basename "$p").example"
done
if [ -e "$etc/gatekeeper.policy" ] || [ -L "$etc/gatekeeper.policy" ]; then
  say "kept the existing $etc/gatekeeper.policy"
  if ! "$binary" check --policy "$etc/gatekeeper.policy" >/dev/null 2>&1; then
    say "WARNING: gatekeeper check rejects $etc/gatekeeper.policy; every call will be refused until it is fixed"
  fi
else
  install -m 0644 "${own[@]}" "$default_policy" "$etc/gatekeeper.policy"
  say "installed $etc/gatekeeper.policy (from $default_policy: edit its roots)"
fi
install -d -m 0750 "${own[@]}" "$logdir"
if [ -e "$logrotate_file" ] && ! cmp -s "$logrotate_file" install/logrotate/gatekeeper; then
  say "kept the existing $logrotate_file (edited)"
else
  install -d -m 0755 "${own[@]}" "$(dirname "$logrotate_file")"
  install -m 0644 "${own[@]}" install/logrotate/gatekeeper "$logrotate_file"
fi
if [ -n "$snippet" ]; then
  install -d -m 0755 "${own[@]}" "$(dirname "$sudoers_file")"
  install -m 0440 "${own[@]}" "$snippet" "$sudoers_file"
  # With the real /etc, check the whole sudoers configuration too: a
  # broken sudoers locks everyone out of sudo.
  if [ -z "$destdir" ] && ! visudo -cq; then
    rm -f "$sudoers_file"
    echo "install.sh: sudo's configuration does not parse with the snippet; removed it" >&2
    exit 1
  fi
  say "installed $sudoers_file ($sudoers_user may run $prefix/sbin/gatekeeper as root)"
fi
say "installed $prefix/sbin/gatekeeper into ${destdir:-/}; lock a key with:"
say "  $prefix/sbin/gatekeeper authorize --gatekeeper $prefix/sbin/gatekeeper < backup_key.pub"
