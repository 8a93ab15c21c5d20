#!/usr/bin/env bash
# nbd-initramfs-parts.sh OUTDIR — fills OUTDIR with what the e2e test ISO's busybox initramfs needs to
# attach an NBD export and mount the ISO9660 on it; pass OUTDIR to make-test-iso.sh as EXTRA_ROOT.
#
#   lib/modules/nbd.ko, cdrom.ko, isofs.ko
#       The d-i netboot kernel has NBD and ISO9660 as modules (CONFIG_BLK_DEV_NBD=m, CONFIG_ISO9660_FS=m)
#       and its initrd carries neither (nor cdrom.ko, which isofs.ko depends on). They come from the
#       linux-image-<version> package of exactly that kernel build (vermagic must match), fetched with
#       `apt-get download` once and cached.
#   bin/nbd-client + the shared libraries ldd lists (under their own paths) + the ELF interpreter
#       Debian's busybox-static is built without the nbd-client applet, so the initramfs gets Debian's
#       nbd-client (package nbd-client), which is dynamically linked (gnutls, libnl).
#
# Environment: KERNEL (default: the d-i netboot kernel), CACHE (where the .deb is kept,
# default ${XDG_CACHE_HOME:-$HOME/.cache}/bootcast). Needs: file, apt-get, dpkg-deb, tar, ldd;
# root only for the final chroot self-check (skipped otherwise).
set -euo pipefail
OUT=${1:?usage: nbd-initramfs-parts.sh OUTDIR}
DI=/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64
KERNEL=${KERNEL:-$DI/linux}
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bootcast}
die() { echo "nbd-initramfs-parts: $*" >&2; exit 2; }

for t in file apt-get dpkg-deb tar ldd; do command -v "$t" >/dev/null || die "$t missing"; done
[ -r "$KERNEL" ] || die "no kernel at $KERNEL (apt-get install debian-installer-12-netboot-amd64)"

# "Linux kernel x86 boot executable bzImage, version 6.1.0-50-amd64 (debian-kernel@…) #1 SMP …"
VERSION=$(file -bL "$KERNEL" | sed -n 's/.*, version \([^ ]*\) .*/\1/p')
[ -n "$VERSION" ] || die "cannot read the kernel version of $KERNEL from: $(file -bL "$KERNEL")"

mkdir -p "$CACHE" "$OUT/lib/modules" "$OUT/bin"
DEB=$(ls "$CACHE"/linux-image-"$VERSION"_*.deb 2>/dev/null | head -1 || true)
if [ -z "$DEB" ]; then
  # apt-get download writes into the current directory; as root it warns that _apt cannot write there.
  (cd "$CACHE" && apt-get download -q "linux-image-$VERSION" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2) \
    || die "apt-get download linux-image-$VERSION failed (is the matching Debian archive in sources.list, and apt-get update done?)"
  DEB=$(ls "$CACHE"/linux-image-"$VERSION"_*.deb 2>/dev/null | head -1 || true)
  [ -n "$DEB" ] || die "apt-get download linux-image-$VERSION produced no .deb in $CACHE"
fi

W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
# Exact member names (modules may be .ko or, in later Debian releases, .ko.xz).
mapfile -t MEMBERS < <(dpkg-deb --fsys-tarfile "$DEB" | tar -t | grep -E '/kernel/(drivers/block/nbd|drivers/cdrom/cdrom|fs/isofs/isofs)\.ko(\.xz)?$')
[ "${#MEMBERS[@]}" -eq 3 ] || die "$DEB: expected nbd, cdrom and isofs modules, found: ${MEMBERS[*]:-none}"
dpkg-deb --fsys-tarfile "$DEB" | tar -x -C "$W" "${MEMBERS[@]}"
for m in "${MEMBERS[@]}"; do
  f="$W/$m"
  case $f in *.xz) xz -d "$f"; f=${f%.xz} ;; esac
  # (not `strings | grep -q`: with pipefail, grep -q closing early makes strings fail with SIGPIPE)
  VM=$(strings "$f" | grep '^vermagic=' || true)
  case $VM in "vermagic=$VERSION "*) ;; *) die "$(basename "$f") was not built for $VERSION: ${VM:-no vermagic}" ;; esac
  cp "$f" "$OUT/lib/modules/"
done

if busybox --list 2>/dev/null | grep -qx nbd-client; then
  echo "busybox has an nbd-client applet: the initramfs's busybox --install provides it"
else
  NBDC=$(command -v nbd-client || true)
  [ -n "$NBDC" ] || NBDC=/usr/sbin/nbd-client
  [ -x "$NBDC" ] || die "busybox has no nbd-client applet and Debian's nbd-client is not installed (apt-get install nbd-client)"
  cp "$NBDC" "$OUT/bin/nbd-client"
  # "libx.so => /lib/x86_64-linux-gnu/libx.so (0x…)" and "/lib64/ld-linux-x86-64.so.2 (0x…)"
  ldd "$NBDC" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | while read -r lib; do
    mkdir -p "$OUT$(dirname "$lib")"
    cp -L "$lib" "$OUT$lib"
  done
fi

# Self-check: does nbd-client start with only what OUTDIR holds? (chroot needs root)
if [ "$(id -u)" = 0 ] && [ -x "$OUT/bin/nbd-client" ] && command -v busybox >/dev/null; then
  C=$W/chroot; mkdir -p "$C"; cp -a "$OUT"/. "$C"/
  HELP=$(chroot "$C" /bin/nbd-client --help 2>&1 || true)
  if ! echo "$HELP" | grep -q 'nbd-client version'; then
    die "nbd-client does not run from $OUT alone: $(echo "$HELP" | head -3)"
  fi
fi

echo "kernel $VERSION: $(cd "$OUT" && find . -type f | sort | tr '\n' ' ')"
