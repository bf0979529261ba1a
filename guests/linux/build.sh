#!/bin/sh
# Builds the built-in Linux guest from Debian's own i386 packages, by name:
#   images/linux/vmlinuz     Debian's kernel (linux-image-$KERNEL_ABI-686), unmodified
#   images/linux/initrd.img  an initramfs: busybox-static, the kernel's Hyper-V modules,
#                            hv_kvp_daemon (hyperv-daemons) and the libc it needs, and rootfs/
#   images/linux/packages    the package versions (and licences) it was built from
# The initramfs also gets /usr/bin/diskbench, the disk benchmark's program, from
# images/linux/diskbench (built from tools/diskbench.c by tools/build.sh and committed).
#
#   sh guests/linux/build.sh              build into guests/images/linux (or OUT=dir)
#   sh guests/linux/build.sh --check      say whether the pinned versions are still Debian's current ones
#
# Needs: apt-get (with `dpkg --add-architecture i386` done and the lists updated), dpkg-deb, cpio, gzip.
# The output is reproducible: file times are SOURCE_DATE_EPOCH, names sorted, gzip -n.
set -eu

KERNEL_ABI=6.1.0-57
PACKAGES="linux-image-$KERNEL_ABI-686:i386=6.1.192-3
busybox-static:i386=1:1.35.0-4+deb12u1+b1
hyperv-daemons:i386=6.1.192-3
libc6:i386=2.36-9+deb12u14"
# The modules the guest loads, in dependency order (insmod has no modprobe to find
# them): VMBus and the integration services; SCSI with hv_storvsc, sd (and the
# CRC implementations its T10 protection code asks the crypto API for) and sr;
# ext4, which mounts ext2; libata with ata_piix and ata_generic for the emulated IDE.
MODULES="drivers/hv/hv_vmbus.ko drivers/hv/hv_utils.ko
drivers/scsi/scsi_common.ko drivers/scsi/scsi_mod.ko drivers/scsi/scsi_transport_fc.ko drivers/scsi/hv_storvsc.ko
crypto/crct10dif_common.ko crypto/crct10dif_generic.ko lib/crc-t10dif.ko
lib/crc64.ko crypto/crc64_rocksoft_generic.ko lib/crc64-rocksoft.ko block/t10-pi.ko drivers/scsi/sd_mod.ko
drivers/cdrom/cdrom.ko drivers/scsi/sr_mod.ko
lib/crc16.ko fs/mbcache.ko fs/jbd2/jbd2.ko crypto/crc32c_generic.ko fs/ext4/ext4.ko
drivers/ata/libata.ko drivers/ata/ata_piix.ko drivers/ata/ata_generic.ko"

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE/../images/linux}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
export SOURCE_DATE_EPOCH

if [ "${1:-}" = "--check" ]; then
  stale=0
  for spec in $PACKAGES; do
    name=${spec%%=*}; pinned=${spec#*=}
    candidate=$(apt-cache policy "$name" 2>/dev/null | sed -n 's/^ *Candidate: //p')
    if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then
      echo "$name: not in the apt lists (run dpkg --add-architecture i386 && apt-get update)"; stale=2
    elif [ "$candidate" != "$pinned" ]; then
      echo "$name: built from $pinned, Debian now has $candidate"; [ $stale -eq 0 ] && stale=1
    else
      echo "$name: $pinned is current"
    fi
  done
  exit $stale
fi

WORK=$(mktemp -d)
chmod 755 "$WORK" # apt downloads as _apt where it can
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/debs" "$WORK/pkg" "$WORK/root"
cd "$WORK/debs"
for spec in $PACKAGES; do apt-get download -q "$spec" >/dev/null 2>"$WORK/apt.log" || { cat "$WORK/apt.log" >&2; exit 1; }; done
for deb in *.deb; do dpkg-deb -x "$deb" "$WORK/pkg"; done

P=$WORK/pkg
R=$WORK/root
mkdir -p "$R/bin" "$R/sbin" "$R/usr/bin" "$R/etc" "$R/proc" "$R/sys" "$R/dev" "$R/tmp" "$R/run" "$R/root" \
  "$R/var/lib/hyperv" "$R/usr/sbin" "$R/lib/modules" "$R/lib/i386-linux-gnu"
cp "$P/bin/busybox" "$R/bin/busybox"
for module in $MODULES; do cp "$P/lib/modules/$KERNEL_ABI-686/kernel/$module" "$R/lib/modules/"; done
cp "$P/usr/sbin/hv_kvp_daemon" "$R/usr/sbin/"
cp "$HERE/../images/linux/diskbench" "$R/usr/bin/diskbench"
chmod 755 "$R/usr/bin/diskbench"
cp "$P/lib/ld-linux.so.2" "$R/lib/"
cp "$P/lib/i386-linux-gnu/libc.so.6" "$R/lib/i386-linux-gnu/"
cp -R "$HERE/rootfs/." "$R/"
chmod 755 "$R/etc/rc"
ln -s bin/busybox "$R/init"
# busybox's applets, as links, so that /sbin/poweroff (which the kernel's orderly
# shutdown runs) and the rest exist before init starts.
for applet in $("$P/bin/busybox" --list-full 2>/dev/null || true); do
  [ -e "$R/$applet" ] || ln -s /bin/busybox "$R/$applet"
done

mkdir -p "$OUT"
cp "$P/boot/vmlinuz-$KERNEL_ABI-686" "$OUT/vmlinuz"
find "$R" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(cd "$R" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9 -n > "$OUT/initrd.img"
{
  echo "# The Debian i386 packages images/linux/ was built from (sh guests/linux/build.sh)."
  for deb in "$WORK"/debs/*.deb; do
    dpkg-deb -f "$deb" Package Version Source | tr '\n' ' '; echo
  done
  echo "# Licences: the kernel and its modules GPL-2.0 (linux), busybox GPL-2.0, hv_kvp_daemon GPL-2.0 (linux),"
  echo "# glibc LGPL-2.1+. Their sources are Debian's source packages of the versions above."
} > "$OUT/packages"
echo "built $OUT: vmlinuz $(wc -c < "$OUT/vmlinuz") bytes, initrd.img $(wc -c < "$OUT/initrd.img") bytes"
