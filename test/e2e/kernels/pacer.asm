; pacer: the countdown kernel, slower: 40 lines, each after about 100 million
; instructions of busy work that stirs a checksum through 64 KiB of memory,
; then exit status 7. Each line ends with a digest of that memory. Nothing
; depends on time, so every run prints the same, and a run is long enough to
; checkpoint it at chosen lines.
%define LINES 40
%define SPIN 0xc00000
%define DIGEST
%include "countdown.asm"
