#!/bin/sh
# Assemble the firmware ROM images into guests/images/ (needs nasm).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../images"
mkdir -p "$out"
nasm -f bin -o "$out/no-os.rom" "$here/no-os.asm"
size=$(wc -c < "$out/no-os.rom")
if [ "$size" -ne 65536 ]; then
  echo "no-os.rom is $size bytes, expected 65536" >&2
  exit 1
fi
echo "built $out/no-os.rom"
