#!/usr/bin/env bash
# The Debian packages the demo and the tests use, listed once.
#
#   install/deps.sh demo     what install/demo.sh needs
#   install/deps.sh test     what the whole test suite needs (Tests/run.sh)
#
# As root, installs whatever is missing (apt-get, quietly, naming each
# package) and exits 0. As another user, prints the command that would
# install the missing packages and exits 1. Installs nothing that is there.
set -euo pipefail

demo_packages=(openssh-server openssh-client rsync)
# the servers and tools the end-to-end tests drive for real
test_packages=(
  openssh-server openssh-client rsync tar sudo rsyslog mandoc gzip zstd xz-utils
  file binutils perl jq chromium python3-venv time util-linux gcc libc6-dev shellcheck
  logrotate lintian
  backuppc backuppc-rsync rsnapshot dirvish rsbackup
)
# ansible-core for the Ansible role test comes from PyPI into this venv
ansible_venv=/opt/ansible-core
ansible_version=2.19.14

case "${1:-}" in
  demo) wanted=("${demo_packages[@]}") ;;
  test) wanted=("${test_packages[@]}") ;;
  *) echo "usage: install/deps.sh demo|test" >&2; exit 64 ;;
esac

missing=()
for p in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done
need_ansible=0
if [[ $1 == test && ! -x $ansible_venv/bin/ansible-playbook ]]; then need_ansible=1; fi

if ((${#missing[@]} == 0 && need_ansible == 0)); then exit 0; fi
if [[ $(id -u) != 0 ]]; then
  ((${#missing[@]})) && echo "missing packages; as root run: apt-get install ${missing[*]}" >&2
  ((need_ansible)) &&
    echo "missing ansible-core; as root run: python3 -m venv $ansible_venv && $ansible_venv/bin/pip install ansible-core==$ansible_version" >&2
  exit 1
fi
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
if ((need_ansible)); then
  echo "installing: ansible-core $ansible_version (PyPI) into $ansible_venv" >&2
  /usr/bin/python3 -m venv "$ansible_venv"
  "$ansible_venv/bin/pip" install -q "ansible-core==$ansible_version"
fi
