#!/usr/bin/env bash
# Build the local systemd base images the molecule scenarios run on, only when missing.
# No registry is reachable from the test machines, so the root filesystems come from
# debootstrap against the Debian mirror this machine already uses.
#
#   scripts/build-images.sh            build every missing image
#   scripts/build-images.sh --force    rebuild them all
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SUITES=${VRAMFREE_SUITES:-"bookworm trixie"}
force=false
[ "${1:-}" = "--force" ] && force=true

mirror() {
  # The first http(s) URI of the main Debian archive in this machine's apt sources, in the
  # one-line format ("deb [opts] URI suite ...") or deb822 ("URIs: URI ..."). No built-in
  # fallback: a machine without one is told so, rather than sent to a host it never chose.
  local m
  m=$( { grep -hsE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
           | sed -E 's/\[[^]]*\]//' | awk '{print $2}'
         grep -hsiE '^[[:space:]]*URIs:' /etc/apt/sources.list.d/*.sources \
           | sed -E 's/^[[:space:]]*[Uu][Rr][Ii][Ss]:[[:space:]]*//' | tr -s '[:blank:]' '\n'
       } | grep -E '^https?://[^ ]+/debian/?$' | head -n 1)
  if [ -z "$m" ]; then
    echo "build-images: no http(s) Debian archive in /etc/apt/sources.list or /etc/apt/sources.list.d/" \
         "(one-line or deb822); add the mirror this machine uses there" >&2
    return 1
  fi
  echo "${m%/}"
}

build_one() {
  local suite=$1 image="vramfree-systemd:$1" rootfs mirror_url
  if ! $force && docker image inspect "$image" >/dev/null 2>&1; then
    echo "image $image present"
    return
  fi
  mirror_url=$(mirror)
  rootfs=$(mktemp -d "${TMPDIR:-/tmp}/vramfree-rootfs.XXXXXX")
  trap 'rm -rf "$rootfs"' RETURN
  step "debootstrap $suite from $mirror_url"
  debootstrap --variant=minbase \
    --include=systemd,systemd-sysv,dbus,python3,python3-apt,openssh-server,sudo,iproute2,procps,ca-certificates \
    "$suite" "$rootfs" "$mirror_url" >"$REPO_ROOT/build/debootstrap-$suite.log" 2>&1 \
    || { tail -n 30 "$REPO_ROOT/build/debootstrap-$suite.log" >&2; die "debootstrap $suite failed"; }

  cat >"$rootfs/etc/apt/sources.list" <<SRC
deb $mirror_url $suite main
deb $mirror_url $suite-updates main
deb ${mirror_url%/debian*}/debian-security $suite-security main
SRC
  : >"$rootfs/etc/machine-id"
  rm -f "$rootfs"/etc/ssh/ssh_host_*
  # sshd -t runs before the keys exist on first boot; generate them first.
  mkdir -p "$rootfs/etc/systemd/system/ssh.service.d"
  cat >"$rootfs/etc/systemd/system/ssh.service.d/10-hostkeys.conf" <<'UNIT'
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
UNIT
  for unit in getty@.service getty.target console-getty.service \
              sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
              dev-hugepages.mount systemd-remount-fs.service systemd-firstboot.service \
              systemd-udevd.service systemd-modules-load.service; do
    ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
  done
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/var/lib/apt/lists/*
  # An old mtime makes apt's cache_valid_time refresh the (empty) package lists.
  touch -d @0 "$rootfs/var/lib/apt/lists"

  step "import $image"
  tar -C "$rootfs" -c . | docker import -c 'ENV container=docker' \
    -c 'CMD ["/lib/systemd/systemd"]' - "$image-base" >/dev/null
  # docker import cannot set STOPSIGNAL; a one-line build on top can.
  printf 'FROM %s\nSTOPSIGNAL SIGRTMIN+3\n' "$image-base" | docker build -q -t "$image" - >/dev/null
  docker rmi "$image-base" >/dev/null
  echo "image $image built"
}

mkdir -p "$REPO_ROOT/build"
for suite in $SUITES; do
  build_one "$suite"
done
