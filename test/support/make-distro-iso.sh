#!/usr/bin/env bash
# make-distro-iso.sh KIND OUT.iso — builds, at test time, an ISO whose boot components are a
# distribution's real ones, for the real-initramfs e2e matrix (test/e2e/distros.test.ts):
#
#   live-boot  Debian Live layout: /live/vmlinuz, /live/initrd.img made by Debian's mkinitramfs
#              (initramfs-tools) with live-boot + live-boot-initramfs-tools, /live/filesystem.squashfs,
#              isolinux + GRUB configs as live-build writes them.
#   live-boot-layers  the same initramfs, the root in two squashfs layers listed in /live/Tails.module
#              and the boot entry naming module=Tails (as Tails after an incremental upgrade): the
#              marker file is only in the upper layer, so it proves both were stacked.
#   dracut     Fedora/RHEL live layout: /LiveOS/squashfs.img (holding LiveOS/rootfs.img, ext4),
#              /images/pxeboot/{vmlinuz,initrd.img} made by Debian's dracut (dracut-core, dracut-live,
#              dracut-network: dmsquash-live, livenet, network-legacy), isolinux + GRUB configs with
#              root=live:CDLABEL=… and rd.live.check as those media have.
#   d-i        Debian installer netinst layout: /install.amd/{vmlinuz,initrd.gz} from Debian's netboot
#              installer (debian-installer-12-netboot-amd64), isolinux + GRUB configs as debian-cd writes.
#
# The kernel is Debian's d-i netboot kernel; its modules come from the linux-image .deb of the same
# build. Live roots are busybox-static trees whose /sbin/init prints
# "BOOTCAST-DISTRO-OK <kind> <marker>" on ttyS0 and powers off. The last line of output is the marker.
#
# Nothing is installed on the host: the .debs are fetched with `apt-get download` into CACHE and
# unpacked; mkinitramfs/dracut run in a private mount namespace (unshare -m) in which /usr, /etc and
# /boot are overlays of the host's with the unpacked packages on top. Needs root (unshare, overlay).
# Environment: CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/bootcast).
set -euo pipefail
KIND=${1:?usage: make-distro-iso.sh live-boot|live-boot-layers|dracut|d-i OUT.iso}
OUT=${2:?usage: make-distro-iso.sh KIND OUT.iso}
DI=/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64
KERNEL=$DI/linux
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bootcast}
die() { echo "make-distro-iso: $*" >&2; exit 2; }
for t in xorriso cpio gzip busybox mksquashfs mkfs.ext4 apt-get dpkg-deb unshare file; do command -v $t >/dev/null || die "$t missing"; done
[ -r "$KERNEL" ] || die "no kernel at $KERNEL (apt-get install debian-installer-12-netboot-amd64)"
VERSION=$(file -bL "$KERNEL" | sed -n 's/.*, version \([^ ]*\) .*/\1/p')
[ -n "$VERSION" ] || die "cannot read the kernel version of $KERNEL"

W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
ISO=$W/iso
MARKER="marker-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"

# Packages whose files build the initramfs, unpacked into one tree (usr-merged like the host, so the
# overlay does not hide the host's /lib → usr/lib symlink). Cached by package list.
toolroot() {
  local pkgs=("linux-image-$VERSION" kmod libkmod2 udev libudev1 "$@")
  local key; key=$(printf '%s\n' "${pkgs[@]}" | sha256sum | cut -c1-12)
  TR=$CACHE/toolroot-$key
  if [ ! -e "$TR/.done" ]; then
    mkdir -p "$CACHE/debs"
    for p in "${pkgs[@]}"; do
      ls "$CACHE/debs/${p}_"*.deb >/dev/null 2>&1 && continue
      (cd "$CACHE/debs" && apt-get download -q "$p" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2) || die "apt-get download $p failed (apt-get update done?)"
    done
    rm -rf "$TR"; mkdir -p "$TR"
    for p in "${pkgs[@]}"; do dpkg-deb -x "$(ls "$CACHE/debs/${p}_"*.deb | head -1)" "$TR"; done
    for d in lib bin sbin; do
      if [ -d "$TR/$d" ] && [ ! -L "$TR/$d" ]; then mkdir -p "$TR/usr/$d"; tar -C "$TR/$d" -cf - . | tar -C "$TR/usr/$d" -xf -; rm -rf "${TR:?}/$d"; fi
    done
    mkdir -p "$TR/usr" "$TR/etc" "$TR/boot"
    touch "$TR/.done"
  fi
}

# Runs a script with the tool root overlaid on /usr, /etc and /boot, visible to that script only.
in_toolroot() {
  local script=$1 d
  {
    echo 'set -e'
    for d in usr etc boot; do
      mkdir -p "$W/upper/$d" "$W/work/$d"
      echo "mount -t overlay bootcast-toolroot -o lowerdir=$TR/$d:/$d,upperdir=$W/upper/$d,workdir=$W/work/$d /$d"
    done
    echo "depmod -a $VERSION"
    cat "$script"
  } >"$W/run.sh"
  unshare -m --propagation private bash "$W/run.sh"
}

# A root file system that proves the initramfs handed over to it: its init prints the marker.
# MARKER_IN=DIR: the marker file goes into DIR (another layer) instead of the root tree.
live_tree() {
  local r=$1
  mkdir -p "$r"/{bin,sbin,dev,proc,sys,tmp,run,etc,root,usr/bin,usr/sbin}
  cp "$(command -v busybox)" "$r/bin/busybox"
  mkdir -p "${MARKER_IN:-$r}/etc"
  echo "$MARKER" >"${MARKER_IN:-$r}/etc/bootcast-marker"
  cat >"$r/sbin/init" <<EOF
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc 2>/dev/null
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "BOOTCAST-DISTRO-OK $KIND \$(/bin/busybox cat /etc/bootcast-marker) root=\$(/bin/busybox awk '\$2 == "/" {print \$1 " " \$3}' /proc/mounts | /bin/busybox tail -1)" >/dev/ttyS0
/bin/busybox sync
/bin/busybox poweroff -f
EOF
  chmod +x "$r/sbin/init"
  ln -s busybox "$r/bin/sh"
}

isolinux() {
  mkdir -p "$ISO/isolinux"
  cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$ISO/isolinux/"
}

make_iso() {
  xorriso -as mkisofs -quiet -iso-level 3 -R -J -V "$1" -o "$OUT" \
    -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table "$ISO"
}

case $KIND in
live-boot|live-boot-layers)
  mkdir -p "$ISO/live" "$ISO/boot/grub" "$ISO/.disk"
  # One initramfs for both live-boot kinds, cached by this script's content and the kernel.
  INITRD=$CACHE/initrd-live-boot-$(sha256sum "$0" | cut -c1-12)-$VERSION.img
  if [ ! -s "$INITRD" ]; then
    toolroot initramfs-tools initramfs-tools-core klibc-utils libklibc live-boot live-boot-initramfs-tools
    # initramfs-tools' own configuration, with the module list a live system needs on virtual hardware
    # (MODULES=list keeps the image small; udev in the initramfs loads the NIC driver by modalias;
    # isofs, which live-build's MODULES=most brings, mounts a fetch=…iso).
    cat >"$W/build.sh" <<EOF
cp -a /etc/initramfs-tools "$W/conf"
sed -i 's/^MODULES=.*/MODULES=list/; s/^COMPRESS=.*/COMPRESS=gzip/' "$W/conf/initramfs.conf"
printf '%s\n' e1000 virtio_pci virtio_net squashfs overlay loop isofs >>"$W/conf/modules"
mkinitramfs -d "$W/conf" -o "$W/initrd.img" $VERSION
EOF
    in_toolroot "$W/build.sh" >&2
    mv "$W/initrd.img" "$INITRD.$$" && mv "$INITRD.$$" "$INITRD"
  fi
  cp "$INITRD" "$ISO/live/initrd.img"
  cp "$KERNEL" "$ISO/live/vmlinuz"
  APPEND="boot=live components console=ttyS0"
  if [ "$KIND" = live-boot-layers ]; then
    # Tails' own entries pass live-media=removable and module=Tails; Tails.module lists the layers
    # bottom up (the release's filesystem.squashfs, then each upgrade's).
    MARKER_IN=$W/upgrade live_tree "$W/rootfs"
    mksquashfs "$W/rootfs" "$ISO/live/filesystem.squashfs" -quiet -noappend -comp xz >/dev/null
    mksquashfs "$W/upgrade" "$ISO/live/upgrade-1.squashfs" -quiet -noappend -comp xz >/dev/null
    printf '%s\n' filesystem.squashfs upgrade-1.squashfs >"$ISO/live/Tails.module"
    APPEND="boot=live components live-media=removable nopersistence noprompt module=Tails console=ttyS0"
  else
    live_tree "$W/rootfs"
    mksquashfs "$W/rootfs" "$ISO/live/filesystem.squashfs" -quiet -noappend -comp xz >/dev/null
  fi
  echo "Debian GNU/Linux 12 \"Bookworm\" - Bootcast $KIND test amd64 LIVE Binary $(date +%Y%m%d)" >"$ISO/.disk/info"
  isolinux
  cat >"$ISO/isolinux/isolinux.cfg" <<EOF
default live-amd64
label live-amd64
  menu label ^Live system (amd64)
  menu default
  linux /live/vmlinuz
  initrd /live/initrd.img
  append $APPEND
label live-amd64-failsafe
  menu label Live system (amd64 fail-safe mode)
  linux /live/vmlinuz
  initrd /live/initrd.img
  append $APPEND memtest noapic noapm nodma nomce nolapic nosmp nosplash vga=788
EOF
  cat >"$ISO/boot/grub/grub.cfg" <<EOF
menuentry "Live system (amd64)" {
  linux /live/vmlinuz $APPEND
  initrd /live/initrd.img
}
EOF
  make_iso BOOTCAST_LIVE
  ;;
dracut)
  toolroot dracut-core dracut-live dracut-network iputils-arping kpartx
  mkdir -p "$ISO/LiveOS" "$ISO/images/pxeboot" "$ISO/boot/grub2"
  # Not --hostonly: the initramfs must not depend on this machine. network-legacy uses the host's
  # dhclient (isc-dhcp-client), livenet fetches root=live:<url> with curl. Without the storage
  # drivers (kernel-modules) a live system needs none of, the image is a third smaller.
  cat >"$W/build.sh" <<EOF
dracut --force --no-hostonly --no-hostonly-cmdline --kver $VERSION --gzip \
  --modules "base bash dm dmsquash-live livenet network network-legacy url-lib img-lib udev-rules rootfs-block terminfo" \
  --omit "systemd systemd-initrd systemd-networkd network-manager plymouth i18n kernel-modules kernel-modules-extra qemu qemu-net" \
  --add-drivers "e1000 virtio_pci virtio_net squashfs overlay loop iso9660 ext4 dm_mod dm_snapshot" \
  "$ISO/images/pxeboot/initrd.img"
EOF
  in_toolroot "$W/build.sh" >&2
  cp "$KERNEL" "$ISO/images/pxeboot/vmlinuz"
  # The squashfs holds LiveOS/rootfs.img, an ext4 image (RHEL/Rocky/Alma live, Fedora before 35):
  # dmsquash-live puts a device-mapper snapshot over it. (Fedora 35+ squash the root directly and
  # rely on systemd in the initramfs to mount the overlay, which this initramfs leaves out.)
  live_tree "$W/rootfs"
  mkdir -p "$W/squash/LiveOS"
  mkfs.ext4 -q -L Anaconda -d "$W/rootfs" "$W/squash/LiveOS/rootfs.img" 32M
  mksquashfs "$W/squash" "$ISO/LiveOS/squashfs.img" -quiet -noappend -comp xz >/dev/null
  isolinux
  APPEND="root=live:CDLABEL=Bootcast-Live rd.live.image console=ttyS0 rd.live.check"
  cat >"$ISO/isolinux/isolinux.cfg" <<EOF
default linux
label linux
  menu label ^Start Bootcast Live
  kernel /images/pxeboot/vmlinuz
  append initrd=/images/pxeboot/initrd.img $APPEND
EOF
  cat >"$ISO/boot/grub2/grub.cfg" <<EOF
menuentry 'Start Bootcast Live' --class fedora {
  linux /images/pxeboot/vmlinuz $APPEND
  initrd /images/pxeboot/initrd.img
}
EOF
  make_iso Bootcast-Live
  ;;
d-i)
  mkdir -p "$ISO/install.amd" "$ISO/boot/grub" "$ISO/.disk"
  cp "$KERNEL" "$ISO/install.amd/vmlinuz"
  cp "$DI/initrd.gz" "$ISO/install.amd/initrd.gz"
  echo "Debian GNU/Linux 12 \"Bookworm\" - Bootcast netboot-initrd test amd64 NETINST $(date +%Y%m%d)" >"$ISO/.disk/info"
  echo "$MARKER" >"$ISO/.disk/bootcast-marker"
  isolinux
  cat >"$ISO/isolinux/isolinux.cfg" <<EOF
default install
label install
  menu label ^Install
  kernel /install.amd/vmlinuz
  append vga=788 initrd=/install.amd/initrd.gz console=ttyS0,115200n8 --- quiet
EOF
  cat >"$ISO/boot/grub/grub.cfg" <<EOF
menuentry --hotkey=i 'Install' {
  linux /install.amd/vmlinuz vga=788 console=ttyS0,115200n8 --- quiet
  initrd /install.amd/initrd.gz
}
EOF
  make_iso "Debian 12 amd64 n"
  ;;
*) die "unknown kind $KIND (live-boot, live-boot-layers, dracut, d-i)" ;;
esac
echo "$MARKER"
