#!/usr/bin/env bash
# Assemble the benchmark guests: bench/guests/NAME.asm -> bench/guests/NAME.bin.
# The images are committed so that bench:cpu runs without nasm; when nasm is
# installed the benchmark checks that they are current.
set -euo pipefail
cd "$(dirname "$0")"
for f in *.asm; do nasm -f bin -o "${f%.asm}.bin" "$f"; done
