#!/bin/sh
# Assembles the end-to-end test kernels (Debian's nasm). The .bin files are
# committed, so the tests run without nasm; a test checks they match.
set -e
cd "$(dirname "$0")"
for source in countdown triple garbage touch pacer com2echo memsize; do
  nasm -f bin -o "$source.bin" "$source.asm"
done
