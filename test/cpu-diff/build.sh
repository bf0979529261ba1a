#!/usr/bin/env bash
# Assemble the differential test programs and record QEMU's output for them.
#
#   test/cpu-diff/build.sh            assemble every program, regenerate golden files
#   test/cpu-diff/build.sh NAME...    only these programs
#
# Needs nasm and qemu-system-i386. Writes images/NAME.bin, golden/NAME.txt (the
# serial output) and golden/NAME.exit (the status written to the debug-exit port).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
mkdir -p images golden

if [ "$#" -gt 0 ]; then
  names=("$@")
else
  names=()
  for f in programs/*.asm; do names+=("$(basename "$f" .asm)"); done
fi

for name in "${names[@]}"; do
  nasm -f bin -I programs/ -o "images/$name.bin" "programs/$name.asm"
  out="$(mktemp)"
  set +e
  timeout 20 qemu-system-i386 -kernel "images/$name.bin" -display none \
    -serial "file:$out" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -m 32 -no-reboot -nodefaults -accel tcg
  rc=$?
  set -e
  if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ] || [ $((rc & 1)) -eq 0 ]; then
    echo "$name: qemu did not finish through the debug-exit port (exit code $rc)" >&2
    cat "$out" >&2
    rm -f "$out"
    exit 1
  fi
  cat "$out" > "golden/$name.txt"
  rm -f "$out"
  echo $(((rc - 1) / 2)) > "golden/$name.exit"
  echo "$name: status $(((rc - 1) / 2)), $(wc -l < "golden/$name.txt") lines"
done
