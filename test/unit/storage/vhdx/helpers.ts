/**
 * Shared by the VHDX tests: temporary directories, deterministic data,
 * whole-disk reads, and the qemu tools used as an independent reader.
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {VirtualDisk} from '../../../../src/core/storage/virtual-disk.js'
import {hasTool} from '../../../helpers/tools.js'

export const KiB = 1024
export const MiB = 1024 * KiB

export const hasQemuImg = hasTool('qemu-img', ['--version'])
export const hasQemuIo = hasTool('qemu-io', ['--version'])

/** A private directory under the OS temporary directory, and its removal. */
export function tempDir(prefix = 'hv-vhdx-'): {dir: string; cleanup: () => void} {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return {dir, cleanup: () => rmSync(dir, {recursive: true, force: true})}
}

/** `length` bytes that depend on `seed` and on their position, never all zero. */
export function pattern(length: number, seed: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(length / 4))
  let state = (seed * 2654435761 + 1) >>> 0 || 1
  for (let i = 0; i < words.length; i++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    words[i] = (state >>> 0) | 0x01010101
  }
  return new Uint8Array(words.buffer, 0, length)
}

/** The whole virtual disk, as `read` gives it. */
export function readAll(disk: VirtualDisk): Uint8Array {
  const all = new Uint8Array(disk.size)
  const piece = 8 * MiB
  for (let offset = 0; offset < disk.size; offset += piece) disk.read(offset, all.subarray(offset, Math.min(disk.size, offset + piece)))
  return all
}

export interface ToolResult {
  status: number | null
  stdout: string
  stderr: string
}

export function run(command: string, args: string[]): ToolResult {
  const result = spawnSync(command, args, {encoding: 'utf8'})
  if (result.error) throw result.error
  return {status: result.status, stdout: result.stdout, stderr: result.stderr}
}

/** `qemu-img check -f vhdx` (with `-r all` when `repair`). */
export function qemuCheck(path: string, repair = false): ToolResult {
  return run('qemu-img', ['check', '-f', 'vhdx', ...(repair ? ['-r', 'all'] : []), path])
}

/** What `qemu-img info --output=json` says of the image. */
export function qemuInfo(path: string): {format: string; 'virtual-size': number} {
  const result = run('qemu-img', ['info', '--output=json', '-f', 'vhdx', path])
  if (result.status !== 0) throw new Error(`qemu-img info ${path}: ${result.stderr}`)
  return JSON.parse(result.stdout) as {format: string; 'virtual-size': number}
}

/** The virtual disk as `qemu-img convert -f vhdx -O raw` gives it. */
export function qemuRaw(path: string, scratch: string): Buffer {
  const raw = `${scratch}/convert-${process.pid}.raw`
  const result = run('qemu-img', ['convert', '-f', 'vhdx', '-O', 'raw', path, raw])
  if (result.status !== 0) throw new Error(`qemu-img convert ${path}: ${result.stderr}`)
  try {
    return readFileSync(raw)
  } finally {
    rmSync(raw, {force: true})
  }
}

/** Whether two byte arrays are equal, without vitest printing megabytes when they are not. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0
}

/** The first offset where two byte arrays differ, or -1. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i
  return a.length === b.length ? -1 : length
}
