#!/usr/bin/env bash
# Builds the tiny test guest: a Debian kernel plus a busybox initramfs whose /init loads the virtio
# modules and runs a line agent on a virtio-serial port (see ../README.md, "Test guest").
# Output: vmlinuz, initrd.gz and, when the kernel allows it, vmlinux (the same kernel uncompressed,
# bootable by QEMU through PVH: about 3 s faster under TCG).
#
#   build-guest.sh            build if needed, then print the guest directory (vmlinuz, initrd.gz)
#   build-guest.sh --force    rebuild even if a build with the same recipe exists
#
# Nothing is installed: linux-image-amd64 (the kernel package it depends on) and busybox-static are
# fetched with `apt-get download` and unpacked with `dpkg-deb -x`. The result lives in
# ${GUEST_CACHE:-$HOME/.cache/storage-gateway/guest}/<kernel release>/ and is reused while the recipe
# (this script) and the package versions stay the same. Log lines go to stderr; stdout carries only
# the guest directory. Exit status 75 (EX_TEMPFAIL) means the packages could not be fetched (no
# network or no apt package lists) and nothing is cached; any other failure is 1.
set -euo pipefail

cache=${GUEST_CACHE:-$HOME/.cache/storage-gateway/guest}
force=0
case "${1:-}" in
  --force) force=1 ;;
  "") ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

log() { echo "build-guest: $*" >&2; }
die() { log "$*"; exit 1; }
unavailable() { log "$*"; exit 75; }

# The modules the guest needs, in load order. Their dependencies (read from each module's .modinfo
# "depends=" field, because the package has no modules.dep) are loaded before them.
modules=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk
         virtio_scsi sd_mod virtio_console button evdev)
agent_port_name=org.storagegateway.agent

for tool in apt-get apt-cache dpkg-deb cpio gzip flock sha256sum find; do
  command -v "$tool" >/dev/null || die "missing tool '$tool' (Debian packages: apt, dpkg, cpio, gzip, util-linux, coreutils, findutils)"
done

mkdir -p "$cache/debs"
exec 9>"$cache/.lock"
flock 9

# --- Which packages? ----------------------------------------------------------------------------
# One apt-cache call (each costs about half a second): the metapackage linux-image-amd64 depends on
# the real kernel package with an exact version, e.g. "linux-image-6.1.0-56-amd64 (= 6.1.192-2)".
# Prints "<kernel package> <kernel version> <busybox-static version>".
resolve_packages() {
  apt-cache show --no-all-versions linux-image-amd64 busybox-static 2>/dev/null | awk '
    /^Package: / { pkg = $2 }
    /^Version: / && pkg == "busybox-static" { bb = $2 }
    /^Depends: / && pkg == "linux-image-amd64" {
      n = split(substr($0, 10), deps, ",")
      for (i = 1; i <= n; i++)
        if (match(deps[i], /linux-image-[0-9][^ ]*[ ]*\(= [^)]+\)/)) {
          split(substr(deps[i], RSTART, RLENGTH), w, /[ ()=]+/); kpkg = w[1]; kver = w[2]; break
        }
    }
    END { if (kpkg != "" && kver != "" && bb != "") print kpkg, kver, bb }'
}

resolved=$(resolve_packages || true)
if [ -z "$resolved" ] && [ "$(id -u)" -eq 0 ]; then
  log "apt has no package lists for linux-image-amd64/busybox-static; running apt-get update"
  apt-get update -qq >&2 || true
  resolved=$(resolve_packages || true)
fi
if [ -z "$resolved" ]; then
  # Offline or no package lists: fall back to the newest complete build, if any.
  newest=$(ls -1t "$cache"/*/.recipe 2>/dev/null | head -n 1 || true)
  [ -n "$newest" ] || unavailable "cannot resolve linux-image-amd64 and busybox-static (no apt package lists? run apt-get update as root)"
  log "cannot resolve linux-image-amd64; reusing $(dirname "$newest")"
  dirname "$newest"
  exit 0
fi
read -r kernel_pkg kernel_version busybox_version <<< "$resolved"
kernel_release=${kernel_pkg#linux-image-}

out="$cache/$kernel_release"
recipe="script $(sha256sum < "$0" | cut -d' ' -f1) kernel $kernel_pkg=$kernel_version busybox busybox-static=$busybox_version"
if [ "$force" -eq 0 ] && [ -f "$out/.recipe" ] && [ "$(cat "$out/.recipe")" = "$recipe" ] &&
   [ -s "$out/vmlinuz" ] && [ -s "$out/initrd.gz" ]; then
  echo "$out"
  exit 0
fi

# --- Download (kept in the cache, so a rebuild needs no network) -------------------------------
deb_file() { # package version -> path of the cached .deb, if present
  local epochless=${2#*:}
  ls -1 "$cache/debs/$1_"*"$epochless"_*.deb 2>/dev/null | head -n 1 || true
}
download() {
  local pkg=$1 version=$2 file
  file=$(deb_file "$pkg" "$version")
  if [ -z "$file" ]; then
    log "downloading $pkg=$version"
    # As root, apt would warn that the _apt sandbox user cannot write here; download as root instead.
    (cd "$cache/debs" && apt-get -q -o APT::Sandbox::User="$(id -un)" download "$pkg=$version" >&2) ||
      unavailable "apt-get download $pkg=$version failed (network?)"
    file=$(deb_file "$pkg" "$version")
    [ -n "$file" ] || die "downloaded $pkg but cannot find its .deb in $cache/debs"
  fi
  echo "$file"
}
kernel_deb=$(download "$kernel_pkg" "$kernel_version")
busybox_deb=$(download busybox-static "$busybox_version")

# --- Unpack and assemble ------------------------------------------------------------------------
work=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
log "unpacking $(basename "$kernel_deb") and $(basename "$busybox_deb")"
dpkg-deb -x "$kernel_deb" "$work/kernel"
dpkg-deb -x "$busybox_deb" "$work/busybox"

moddir="$work/kernel/lib/modules/$kernel_release"
[ -d "$moddir" ] || die "no module tree for $kernel_release in $kernel_deb"
vmlinuz="$work/kernel/boot/vmlinuz-$kernel_release"
[ -f "$vmlinuz" ] || die "no vmlinuz-$kernel_release in $kernel_deb"
busybox="$work/busybox/bin/busybox"
[ -x "$busybox" ] || die "no bin/busybox in $busybox_deb"

# Module file index: canonical name (dashes as underscores) -> path.
declare -A module_path=()
while IFS= read -r -d '' f; do
  base=$(basename "$f"); base=${base%%.ko*}
  module_path[${base//-/_}]=$f
done < <(find "$moddir" -name '*.ko' -print0 -o -name '*.ko.xz' -print0 -o -name '*.ko.zst' -print0 -o -name '*.ko.gz' -print0)

# Busybox insmod reads plain ELF only, so compressed modules are decompressed here.
plain_module() { # path -> uncompressed bytes on stdout
  case "$1" in
    *.ko) cat "$1" ;;
    *.ko.xz) command -v xz >/dev/null || die "module $1 is xz-compressed: install xz-utils"; xz -dc "$1" ;;
    *.ko.zst) command -v zstd >/dev/null || die "module $1 is zstd-compressed: install zstd"; zstd -qdc "$1" ;;
    *.ko.gz) gzip -dc "$1" ;;
  esac
}

root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,etc/acpi/PWRF,lib/modules,var/run,var/log}
declare -A loaded=()
order=()
add_module() { # name: its dependencies first, then itself
  local name=${1//-/_} deps dep
  [ -n "${loaded[$name]:-}" ] && return 0
  loaded[$name]=1
  local path=${module_path[$name]:-}
  [ -n "$path" ] || die "module $name not found under $moddir"
  plain_module "$path" > "$root/lib/modules/$name.ko"
  deps=$(tr '\0' '\n' < "$root/lib/modules/$name.ko" | sed -n 's/^depends=//p' | head -n 1)
  for dep in ${deps//,/ }; do add_module "$dep"; done
  order+=("$name")
}
for m in "${modules[@]}"; do add_module "$m"; done
printf '%s\n' "${order[@]}" > "$root/etc/modules.order"
log "modules: ${order[*]}"

cp "$busybox" "$root/bin/busybox"
while IFS= read -r applet; do
  [ "$applet" = bin/busybox ] && continue
  [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done < <("$busybox" --list-full)

cat > "$root/init" <<'INIT'
#!/bin/sh
# PID 1 of the test guest.
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o size=80m tmpfs /tmp
# No modules.dep here: stop the kernel from spawning modprobe for on-demand loads.
echo > /proc/sys/kernel/modprobe
while read -r m; do insmod "/lib/modules/$m.ko" || echo "init: insmod $m failed"; done < /etc/modules.order
# ACPI power button (QMP system_powerdown) -> clean power-off.
acpid -c /etc/acpi -a /etc/acpid.conf -l /tmp/acpid.log
port=
for i in $(seq 1 100); do
  for p in /sys/class/virtio-ports/*; do
    [ -f "$p/name" ] && [ "$(cat "$p/name")" = "@PORT@" ] && port=/dev/${p##*/}
  done
  [ -n "$port" ] && [ -c "$port" ] && break
  sleep 0.05
done
if [ -z "$port" ]; then
  echo "init: no virtio-serial port named @PORT@; powering off"
  poweroff -f
fi
echo "init: agent on $port; disks: $(ls /sys/block | tr '\n' ' ')"
/bin/agent "$port"
echo "init: agent exited; powering off"
sync
poweroff -f
INIT
sed -i "s/@PORT@/$agent_port_name/g" "$root/init"

cat > "$root/bin/agent" <<'AGENT'
#!/bin/sh
# Line agent: one command per line in, exactly one reply line out ("OK ..." or "ERR ...").
# A command may start with a tag "#<n>"; its reply then starts with the same tag, so the host can tell
# the reply to this command from a late reply to an earlier one it stopped waiting for.
#   PING                          -> OK PONG
#   LIST                          -> OK name:size-bytes:serial ... (block devices, no ram/loop)
#   WRITE dev offset length seed  -> OK sha256   (pattern written with O_DIRECT)
#   READ dev offset length        -> OK sha256   (bytes read with O_DIRECT)
#   SYNC                          -> OK
#   POWEROFF                      -> OK, then the guest powers off
# The pattern: one 512-byte record per sector s of the range, the text "seed=<seed> sector=<s>"
# left-justified and padded with spaces to 511 bytes, then a newline. Offsets and lengths are bytes,
# multiples of 512.
exec 3<>"$1"
tag=
reply() { printf '%s%s\n' "$tag" "$*" >&3; }

is_number() { case "$1" in ''|*[!0-9]*) return 1 ;; esac; return 0; }

serial_of() {
  if [ -f "/sys/block/$1/serial" ]; then
    cat "/sys/block/$1/serial"
  elif [ -f "/sys/block/$1/device/vpd_pg80" ]; then
    # VPD page 0x80: a 4-byte header, then the serial padded with spaces. (busybox tr has no [:print:].)
    dd if="/sys/block/$1/device/vpd_pg80" bs=1 skip=4 2>/dev/null | tr -cd 'A-Za-z0-9_.-'
  fi
}

# check_range dev offset length: validates and sets $bs, the largest block size (<= 1 MiB) that
# divides both offset and length, so that O_DIRECT requests stay aligned.
check_range() {
  case "$1" in ''|*[!a-z0-9]*) echo "bad device name '$1'"; return 1 ;; esac
  [ -b "/dev/$1" ] || { echo "no block device /dev/$1"; return 1; }
  is_number "$2" && is_number "$3" || { echo "offset and length must be decimal numbers"; return 1; }
  [ "$3" -gt 0 ] && [ $(($2 % 512)) -eq 0 ] && [ $(($3 % 512)) -eq 0 ] ||
    { echo "offset and length must be multiples of 512 and length > 0"; return 1; }
  size=$(( $(cat "/sys/block/$1/size") * 512 ))
  [ $(($2 + $3)) -le "$size" ] || { echo "range $2+$3 beyond the end of $1 ($size bytes)"; return 1; }
  bs=1048576
  while [ $(($2 % bs)) -ne 0 ] || [ $(($3 % bs)) -ne 0 ]; do bs=$((bs / 2)); done
  return 0
}

do_list() {
  out=
  for d in /sys/block/*; do
    [ -e "$d" ] || continue
    n=${d##*/}
    case "$n" in ram*|loop*) continue ;; esac
    # A disk being hot-removed may vanish between the glob and the read.
    sectors=$(cat "$d/size" 2>/dev/null) && is_number "$sectors" || continue
    out="$out $n:$((sectors * 512)):$(serial_of "$n")"
  done
  echo "$out"
}

do_write() { # dev offset length seed
  check_range "$1" "$2" "$3" || return 1
  case "$4" in ''|*[!A-Za-z0-9_.-]*) echo "seed must match [A-Za-z0-9_.-]+"; return 1 ;; esac
  [ ${#4} -le 64 ] || { echo "seed longer than 64 characters"; return 1; }
  awk -v seed="$4" -v first=$(($2 / 512)) -v n=$(($3 / 512)) \
    'BEGIN { for (i = 0; i < n; i++) printf "%-511s\n", "seed=" seed " sector=" (first + i) }' > /tmp/pattern
  sum=$(sha256sum < /tmp/pattern)
  if ! dd if=/tmp/pattern of="/dev/$1" bs=$bs seek=$(($2 / bs)) count=$(($3 / bs)) \
       oflag=direct conv=notrunc 2>/tmp/dd.err; then
    rm -f /tmp/pattern; tr '\n' ' ' < /tmp/dd.err; return 1
  fi
  rm -f /tmp/pattern
  echo "${sum%% *}"
}

do_read() { # dev offset length
  check_range "$1" "$2" "$3" || return 1
  sum=$(set -o pipefail; dd if="/dev/$1" bs=$bs skip=$(($2 / bs)) count=$(($3 / bs)) iflag=direct 2>/tmp/dd.err | sha256sum) ||
    { tr '\n' ' ' < /tmp/dd.err; return 1; }
  echo "${sum%% *}"
}

reply "READY $(uname -r)"
while :; do
  # read fails at end of input, which a virtio-serial port reports while the host side is closed.
  if ! IFS= read -r line <&3; then sleep 0.1; continue; fi
  line=$(printf '%s' "$line" | tr -d '\r')
  set -f; set -- $line; set +f
  tag=
  case "${1:-}" in \#*) tag="$1 "; shift ;; esac
  [ $# -gt 0 ] || continue
  cmd=$1; shift
  r=
  case "$cmd" in
    PING) reply "OK PONG" ;;
    LIST) reply "OK$(do_list)" ;;
    WRITE) if [ $# -eq 4 ] && r=$(do_write "$@"); then reply "OK $r"; else reply "ERR ${r:-usage: WRITE dev offset length seed}"; fi ;;
    READ) if [ $# -eq 3 ] && r=$(do_read "$@"); then reply "OK $r"; else reply "ERR ${r:-usage: READ dev offset length}"; fi ;;
    SYNC) sync; reply "OK" ;;
    POWEROFF) sync; reply "OK"; exit 0 ;;
    *) reply "ERR unknown command '$cmd'" ;;
  esac
done
AGENT

# busybox acpid: the power-button event (PWRF) runs /etc/acpi/PWRF/00000080.
echo "PWRF PWRF/00000080" > "$root/etc/acpid.conf"
cat > "$root/etc/acpi/PWRF/00000080" <<'POWER'
#!/bin/sh
echo "acpid: power button; powering off"
sync
poweroff -f
POWER
chmod 755 "$root/init" "$root/bin/agent" "$root/etc/acpi/PWRF/00000080"

# The bzImage decompresses itself, which takes seconds under TCG. QEMU can also boot the plain ELF
# kernel through its PVH entry point (CONFIG_PVH), so keep an uncompressed copy when one can be
# extracted: try each compressed-payload signature until one yields an ELF image with the PVH note.
extract_vmlinux() { # bzImage output
  local sig tool pos
  for sig in "xz:$(printf '\3757zXZ')" "zstd:$(printf '\050\265\057\375')" "gzip:$(printf '\037\213\010')"; do
    tool=${sig%%:*}
    command -v "$tool" >/dev/null || continue
    for pos in $(LC_ALL=C grep -abo -- "${sig#*:}" "$1" 2>/dev/null | cut -d: -f1 | head -n 5); do
      # The payload is followed by other data, so the decompressor's complaint at the end is expected.
      tail -c +$((pos + 1)) "$1" | "$tool" -dc 2>/dev/null > "$2" || true
      if [ "$(head -c 4 "$2" | od -An -c | tr -d ' ')" = '177ELF' ] && LC_ALL=C grep -q Xen "$2"; then
        return 0
      fi
    done
  done
  rm -f "$2"
  return 1
}

# --- Pack -------------------------------------------------------------------------------------
mkdir -p "$work/out"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) | gzip -9n > "$work/out/initrd.gz"
cp "$vmlinuz" "$work/out/vmlinuz"
extract_vmlinux "$vmlinuz" "$work/out/vmlinux" || log "no PVH-bootable vmlinux extracted; guests boot vmlinuz"
echo "$recipe" > "$work/out/.recipe"
rm -rf "$out"
mv "$work/out" "$out"
log "built $out ($(du -h "$out/initrd.gz" | cut -f1) initramfs)"
echo "$out"
