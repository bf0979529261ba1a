#!/bin/sh
# Builds diskbench (tools/diskbench.c) for the Linux guest: a static i386 program
# with no C library, into images/linux/diskbench (or OUT=dir), with the versions
# of the compiler and linker that built it in diskbench.toolchain. The committed
# binary is what guests/linux/build.sh puts in the initramfs (as /usr/bin/diskbench),
# so building the guest needs no compiler.
#
#   sh guests/linux/tools/build.sh
#
# Needs gcc with -m32 (gcc-multilib) and GNU ld. Nothing from the build's path,
# date or environment reaches the binary, so the same toolchain gives the same bytes.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE/../../images/linux}
mkdir -p "$OUT"
cd "$HERE"
gcc -m32 -march=i686 -static -nostdlib -ffreestanding -fno-pic -no-pie -fno-stack-protector \
  -fno-asynchronous-unwind-tables -fcf-protection=none -fno-ident -ffile-prefix-map="$HERE"=. -O2 -Wall -Wextra \
  -Wl,--build-id=none -Wl,-e,_start -s -o "$OUT/diskbench" diskbench.c
{
  echo "# The toolchain that built diskbench. Another compiler version makes other, equally valid code."
  echo "cc: $(gcc --version | head -n 1)"
  echo "ld: $(ld --version | head -n 1)"
} > "$OUT/diskbench.toolchain"
echo "built $OUT/diskbench: $(wc -c < "$OUT/diskbench") bytes"
