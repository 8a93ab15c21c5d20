#!/usr/bin/env bash
# make-test-iso.sh OUT.iso — builds, at test time, a small bootable ISO laid out like Arch Linux's
# archiso (arch/boot/x86_64/vmlinuz-linux + initramfs-linux.img, arch/x86_64/airootfs.sfs,
# syslinux + systemd-boot configs, El Torito BIOS and UEFI), so Bootcast's archiso recipe picks it.
#
# The kernel is Debian's d-i netboot kernel (package debian-installer-12-netboot-amd64); its initrd
# provides the NIC modules. The busybox initramfs /init:
#   - prints "BOOTCAST-E2E-INIT <cmdline>" on the serial console,
#   - brings the NIC up with DHCP (ip=dhcp, as archiso does),
#   - HTTP: fetches ${archiso_http_srv}${archisobasedir}/x86_64/marker.txt  (the parameters it was booted with),
#   - NBD (archiso_nbd_srv=HOST archiso_nbd_name=EXPORT, if nbd-client + nbd.ko, cdrom.ko, isofs.ko were
#     added via EXTRA_ROOT=DIR, see nbd-initramfs-parts.sh): attaches the export, mounts the ISO9660 it
#     holds and reads the marker file from it, then detaches ("BOOTCAST-E2E-NBD-DETACHED"),
#   - prints "BOOTCAST-E2E-OK http|nbd <marker file content>" or "BOOTCAST-E2E-FAIL <why>", then powers off.
#   - live-boot (LAYOUT=debian-live): fetches its fetch= URL (the "squashfs", here the marker file itself).
# Environment: KERNEL (override the kernel), EXTRA_ROOT (dir merged into the initramfs),
#   LAYOUT=debian-live: lay the medium out like a Debian live ISO instead (live/vmlinuz, live/initrd.img,
#     live/filesystem.squashfs, boot/grub/grub.cfg, .disk/info) with Debian's signed UEFI chain from the
#     shim-signed and grub-efi-amd64-signed packages: EFI/boot/bootx64.efi = shim, EFI/boot/grubx64.efi =
#     the CD build of GRUB (gcdx64), as Debian's own images carry them,
#   STRIP_SIGNATURE=1: boot a copy of the kernel with its Authenticode signature removed (Secure Boot refuses it).
set -euo pipefail
OUT=${1:?usage: make-test-iso.sh OUT.iso}
DI=/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64
KERNEL=${KERNEL:-$DI/linux}
for t in xorriso cpio gzip busybox; do command -v $t >/dev/null || { echo "make-test-iso: $t missing" >&2; exit 2; }; done
[ -r "$KERNEL" ] || { echo "make-test-iso: no kernel at $KERNEL (apt-get install debian-installer-12-netboot-amd64)" >&2; exit 2; }
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
R=$W/root ISO=$W/iso
mkdir -p "$R"/{bin,dev,proc,sys,tmp,etc,mnt,lib/modules} "$ISO"/arch/boot/x86_64 "$ISO"/arch/x86_64 "$ISO"/boot/syslinux "$ISO"/loader/entries
cp "$(command -v busybox)" "$R/bin/busybox"
MODS="virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net e1000 e1000e"
if [ -r "$DI/initrd.gz" ]; then
  # shellcheck disable=SC2046
  (cd "$W" && zcat "$DI/initrd.gz" | cpio -id --quiet $(for m in $MODS; do echo "*/$m.ko"; done) 2>/dev/null) || true
  find "$W/lib/modules" -name '*.ko' -exec cp {} "$R/lib/modules/" \; 2>/dev/null || true
fi
[ -n "${EXTRA_ROOT:-}" ] && cp -a "$EXTRA_ROOT"/. "$R"/
cat >"$R/etc/udhcpc.script" <<'EOF'
#!/bin/sh
case $1 in bound|renew)
  ip addr flush dev "$interface"; ip addr add "$ip/${mask:-24}" dev "$interface"
  for r in $router; do ip route add default via "$r" dev "$interface"; break; done ;;
esac
EOF
cat >"$R/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox --install -s /bin
export PATH=/bin
CMDLINE=$(cat /proc/cmdline)
say() { if [ -c /dev/ttyS0 ]; then echo "$*" >/dev/ttyS0; else echo "$*" >/dev/console; fi 2>/dev/null; }
arg() { for w in $CMDLINE; do case $w in "$1"=*) echo "${w#*=}"; return;; esac; done; }
say "BOOTCAST-E2E-INIT $CMDLINE"
for m in $(ls /lib/modules); do insmod /lib/modules/$m 2>/dev/null; done
# Modules may need others loaded first (virtio before virtio_net): a second pass settles it.
for m in $(ls /lib/modules); do insmod /lib/modules/$m 2>/dev/null; done
sleep 1; IF=$(ls /sys/class/net | grep -v '^lo$' | head -1)
ip link set lo up; ip link set "$IF" up
if ! udhcpc -i "$IF" -n -q -t 10 -T 2 -s /etc/udhcpc.script >/dev/null 2>&1; then say "BOOTCAST-E2E-FAIL no DHCP lease on $IF"; poweroff -f; fi
BASE=$(arg archisobasedir); HTTP=$(arg archiso_http_srv); NBD=$(arg archiso_nbd_srv); NAME=$(arg archiso_nbd_name); FETCH=$(arg fetch)
if [ -n "$FETCH" ]; then
  if L=$(timeout 15 wget -q -O - "$FETCH" 2>/dev/null | head -1) && [ -n "$L" ]; then
    say "BOOTCAST-E2E-OK http $L"; else say "BOOTCAST-E2E-FAIL fetch $FETCH"; fi
elif [ -n "$NBD" ]; then
  if command -v nbd-client >/dev/null; then
    # nbd.ko, cdrom.ko and isofs.ko (EXTRA_ROOT/lib/modules) were loaded by the two insmod passes
    # above; modprobe covers a kernel with NBD built in. devtmpfs creates /dev/nbd0 as nbd loads.
    [ -d /sys/module/nbd ] || modprobe nbd 2>/dev/null || insmod /lib/modules/nbd.ko 2>/dev/null
    for i in 1 2 3 4 5; do [ -b /dev/nbd0 ] && break; sleep 1; done
    # As archiso's archiso_pxe_nbd hook does it: no port (10809), the export named by the image id.
    # Failures say why on the serial console (the test prints its tail).
    if ! OUT=$(timeout 60 nbd-client "$NBD" /dev/nbd0 -N "$NAME" 2>&1); then
      say "BOOTCAST-E2E-FAIL nbd-client $NBD -N $NAME: $(echo $OUT | tail -c 300)"
    elif ! OUT=$(mount -t iso9660 -o ro /dev/nbd0 /mnt 2>&1); then
      say "BOOTCAST-E2E-FAIL mount of /dev/nbd0 ($NAME from $NBD): $(echo $OUT | tail -c 300)"
    elif ! L=$(head -1 "/mnt/$BASE/x86_64/marker.txt" 2>&1) || [ -z "$L" ]; then
      say "BOOTCAST-E2E-FAIL no /$BASE/x86_64/marker.txt on $NAME: $L"
    else
      say "BOOTCAST-E2E-OK nbd $L"
      # Detach cleanly (NBD_CMD_DISC) so the server logs the end of the connection, not a reset.
      umount /mnt && timeout 20 nbd-client -d /dev/nbd0 >/dev/null 2>&1 && say "BOOTCAST-E2E-NBD-DETACHED"
    fi
  else say "BOOTCAST-E2E-FAIL no nbd-client in this initramfs (EXTRA_ROOT from nbd-initramfs-parts.sh)"; fi
elif [ -n "$HTTP" ]; then
  # busybox 1.35's wget -T segfaults: bound it with timeout(1) instead.
  if L=$(timeout 15 wget -q -O - "${HTTP}${BASE}/x86_64/marker.txt" 2>/dev/null | head -1) && [ -n "$L" ]; then
    say "BOOTCAST-E2E-OK http $L"; else say "BOOTCAST-E2E-FAIL fetch ${HTTP}${BASE}/x86_64/marker.txt"; fi
else
  say "BOOTCAST-E2E-FAIL booted without archiso_http_srv or archiso_nbd_srv"
fi
sync; poweroff -f
EOF
chmod +x "$R/init" "$R/etc/udhcpc.script"
mknod -m 600 "$R/dev/console" c 5 1 2>/dev/null || true
if [ "${STRIP_SIGNATURE:-}" = 1 ]; then
  # Zero the PE certificate-table directory entry and cut the table off: the same kernel, unsigned.
  python3 - "$KERNEL" "$W/kernel-unsigned" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
pe = struct.unpack_from('<I', d, 0x3c)[0]
opt = pe + 24
dirs = opt + (112 if struct.unpack_from('<H', d, opt)[0] == 0x20b else 96)
off, size = struct.unpack_from('<II', d, dirs + 32)
struct.pack_into('<II', d, dirs + 32, 0, 0)
open(sys.argv[2], 'wb').write(d[:off] if off else d)
PY
  KERNEL=$W/kernel-unsigned
fi
if [ "${LAYOUT:-archiso}" = debian-live ]; then
  for f in /usr/lib/shim/shimx64.efi.signed /usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed; do
    [ -r $f ] || { echo "make-test-iso: $f missing (apt-get install shim-signed grub-efi-amd64-signed)" >&2; exit 2; }
  done
  rm -rf "$ISO"; mkdir -p "$ISO"/live "$ISO"/boot/grub "$ISO"/EFI/boot "$ISO"/.disk
  (cd "$R" && find . | cpio -o -H newc --quiet | gzip -6) >"$ISO/live/initrd.img"
  cp "$KERNEL" "$ISO/live/vmlinuz"
  cp /usr/lib/shim/shimx64.efi.signed "$ISO/EFI/boot/bootx64.efi"
  cp /usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed "$ISO/EFI/boot/grubx64.efi"
  echo 'Debian GNU/Linux 12 "Bookworm" - Bootcast e2e live amd64' >"$ISO/.disk/info"
  # Stands in for the squashfs: live-boot's fetch= downloads it; the test initramfs prints it.
  echo "marker-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$ISO/live/filesystem.squashfs"
  printf '%s\n' 'set default=0' 'menuentry "Live system (amd64)" {' '  linux /live/vmlinuz boot=live components console=ttyS0' \
    '  initrd /live/initrd.img' '}' >"$ISO/boot/grub/grub.cfg"
  xorriso -as mkisofs -quiet -iso-level 3 -R -J -V BOOTCAST_DEBLIVE -o "$OUT" "$ISO"
  cat "$ISO/live/filesystem.squashfs"
  exit 0
fi
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -6) >"$ISO/arch/boot/x86_64/initramfs-linux.img"
cp "$KERNEL" "$ISO/arch/boot/x86_64/vmlinuz-linux"
echo "bootcast-e2e-$(date +%Y.%m.%d)" >"$ISO/arch/version"
echo "marker-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$ISO/arch/x86_64/marker.txt"
head -c 2M /dev/urandom >"$ISO/arch/x86_64/airootfs.sfs"   # placeholder: not a real squashfs
(cd "$ISO/arch/x86_64" && sha512sum airootfs.sfs >airootfs.sha512)
APPEND="archisobasedir=arch archisolabel=BOOTCAST_E2E console=ttyS0"
if [ -r /usr/lib/ISOLINUX/isolinux.bin ]; then
  cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$ISO/boot/syslinux/"
fi
cat >"$ISO/boot/syslinux/syslinux.cfg" <<EOF
SERIAL 0 115200
DEFAULT arch
LABEL arch
  LINUX /arch/boot/x86_64/vmlinuz-linux
  INITRD /arch/boot/x86_64/initramfs-linux.img
  APPEND $APPEND
EOF
cat >"$ISO/loader/entries/01-archiso-x86_64-linux.conf" <<EOF
title    Bootcast e2e test medium
linux    /arch/boot/x86_64/vmlinuz-linux
initrd   /arch/boot/x86_64/initramfs-linux.img
options  $APPEND
EOF
XARGS=()
[ -r "$ISO/boot/syslinux/isolinux.bin" ] && XARGS+=(-b boot/syslinux/isolinux.bin -c boot/syslinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table)
xorriso -as mkisofs -quiet -iso-level 3 -R -J -V BOOTCAST_E2E -o "$OUT" "${XARGS[@]}" "$ISO"
echo "$(cat "$ISO/arch/x86_64/marker.txt")"
