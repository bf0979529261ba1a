#!/bin/sh
# Build the multiboot test kernels (needs nasm, gcc-multilib, ld).
# Output goes beside the sources, or into the directory given as $1.
set -eu
src=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "${1:-$src}" && cd "${1:-$src}" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src" # relative source names keep the symbol table free of host paths
nasm -f bin -o "$out/aout.bin" aout.asm
nasm -f elf32 -o "$tmp/start.o" start.asm
gcc -m32 -march=i386 -ffreestanding -fno-pic -fno-stack-protector -fno-asynchronous-unwind-tables \
  -fno-builtin -nostdlib -O2 -Wall -Wextra -c -o "$tmp/elf.o" elf.c
ld -m elf_i386 -static -nostdlib --build-id=none -z noexecstack \
  -T link.ld -o "$out/elf.elf" "$tmp/start.o" "$tmp/elf.o"
echo "built $out/aout.bin $out/elf.elf"
