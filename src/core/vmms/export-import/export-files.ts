import {mkdir, open, readFile, stat} from 'node:fs/promises'
import {dirname} from 'node:path'

import {createSha256} from '../../sha256.js'
import {checkWriteBudget} from '../checkpoints/pack-file.js'

/**
 * The files of an exported VM: a manifest (hv-export.json) lists every other
 * file with its size and SHA-256, and carries its own checksum, so a partial
 * or altered export is refused naming the file.
 */
export const EXPORT_MANIFEST = 'hv-export.json'
export const EXPORT_FORMAT = 'hv-vm-export'
export const EXPORT_FORMAT_VERSION = 1
export const CONFIG_FILE = 'config.json'
export const CONFIG_FORMAT = 'hv-vm-configuration'

export interface ExportedFile {
  /** Relative to the export folder, with forward slashes. */
  path: string
  bytes: number
  sha256: string
}

export interface ExportManifest {
  format: typeof EXPORT_FORMAT
  version: number
  exportedAt: string
  vmId: string
  vmName: string
  files: ExportedFile[]
  /** SHA-256 of this document's JSON without this field. */
  sha256: string
}

export type Progress = (doneBytes: number, totalBytes: number) => void

const CHUNK = 8 * 1024 * 1024

/** Copy `from` to `to` in chunks, hashing as it goes; returns size and SHA-256. */
export async function copyHashed(from: string, to: string, onBytes?: (n: number) => void): Promise<{bytes: number; sha256: string}> {
  await mkdir(dirname(to), {recursive: true})
  const source = await open(from, 'r')
  try {
    const target = await open(to, 'w')
    try {
      const hash = createSha256()
      const buffer = Buffer.alloc(CHUNK)
      let bytes = 0
      for (;;) {
        const {bytesRead} = await source.read(buffer, 0, CHUNK, null)
        if (bytesRead === 0) break
        const piece = buffer.subarray(0, bytesRead)
        hash.update(piece)
        checkWriteBudget(bytesRead)
        await target.write(piece)
        bytes += bytesRead
        onBytes?.(bytesRead)
      }
      await target.datasync()
      return {bytes, sha256: hash.digest('hex')}
    } finally {
      await target.close()
    }
  } finally {
    await source.close()
  }
}

export async function hashFile(path: string, onBytes?: (n: number) => void): Promise<{bytes: number; sha256: string}> {
  const handle = await open(path, 'r')
  try {
    const hash = createSha256()
    const buffer = Buffer.alloc(CHUNK)
    let bytes = 0
    for (;;) {
      const {bytesRead} = await handle.read(buffer, 0, CHUNK, null)
      if (bytesRead === 0) break
      hash.update(buffer.subarray(0, bytesRead))
      bytes += bytesRead
      onBytes?.(bytesRead)
    }
    return {bytes, sha256: hash.digest('hex')}
  } finally {
    await handle.close()
  }
}

export function sealManifest(manifest: Omit<ExportManifest, 'sha256'>): ExportManifest {
  return {...manifest, sha256: createSha256().update(JSON.stringify(manifest)).digest('hex')}
}

/** Read a manifest and check its format, version and own checksum; problems name the file. */
export async function readManifest(path: string): Promise<ExportManifest> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(`the export manifest '${path}' cannot be read (${error.code ?? error})`)
  })
  let manifest: ExportManifest
  try {
    manifest = JSON.parse(text) as ExportManifest
  } catch {
    throw new Error(`the export manifest '${path}' is not valid JSON`)
  }
  if (manifest.format !== EXPORT_FORMAT) throw new Error(`'${path}' is not an hv export manifest`)
  if (manifest.version > EXPORT_FORMAT_VERSION) {
    throw new Error(`the export '${path}' was written by a newer hv (format version ${manifest.version}; this hv reads ${EXPORT_FORMAT_VERSION})`)
  }
  const {sha256, ...rest} = manifest
  if (createSha256().update(JSON.stringify(rest)).digest('hex') !== sha256 || !Array.isArray(manifest.files)) {
    throw new Error(`the export manifest '${path}' was altered (its checksum does not match)`)
  }
  for (const file of manifest.files) {
    if (typeof file.path !== 'string' || file.path.split('/').includes('..') || file.path.startsWith('/')) {
      throw new Error(`the export manifest '${path}' names a file outside the export folder`)
    }
  }
  return manifest
}

export async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false)
}
