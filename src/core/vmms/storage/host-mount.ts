/**
 * Mount-VHD and Dismount-VHD on this host: the virtual disk as a block device
 * the host can partition, format and mount. hv does it with what Linux has
 * without a driver of its own: a loop device over a fixed VHD (the disk's
 * bytes are the file's bytes before the footer, so `losetup --sizelimit`
 * exposes exactly the disk). Dynamic, differencing and VHDX images need a
 * format-aware export (qemu-nbd and the nbd module), which hv does not set
 * up: they are refused, as are hosts without root or losetup.
 *
 * Which images are mounted is read from the kernel (each loop device's
 * backing file), not kept in the store: a device detached by hand, or lost
 * at a reboot, is never reported as attached.
 */
import {spawnSync} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {InvalidStateError} from '../../errors.js'
import type {VirtualDisk} from '../../storage/index.js'
import {realPath} from '../../storage/real-path.js'

const SYS_BLOCK = '/sys/block'

export interface HostDevice {
  /** /dev/loopN */
  path: string
  /** N: Get-VHD's DiskNumber. */
  number: number
}

/** The loop device the image at `path` is mounted as, or null. */
export function mountedDevice(path: string): HostDevice | null {
  if (process.platform !== 'linux') return null
  const image = realPath(path)
  let names: string[]
  try {
    names = readdirSync(SYS_BLOCK).filter((name) => /^loop\d+$/.test(name))
  } catch {
    return null
  }
  for (const name of names) {
    let backing: string
    try {
      backing = readFileSync(join(SYS_BLOCK, name, 'loop', 'backing_file'), 'utf8').trim()
    } catch {
      continue // not bound to a file
    }
    if (backing === image) return {path: `/dev/${name}`, number: Number(name.slice(4))}
  }
  return null
}

/** Why `disk` cannot be mounted on this host, or null when it can. */
export function mountRefusal(disk: VirtualDisk): string | null {
  if (process.platform !== 'linux') return `Mount-VHD needs Linux's loop devices; this host runs ${process.platform}.`
  if (disk.format !== 'VHD' || disk.type !== 'Fixed') {
    return `hv mounts only fixed VHD images (through a loop device); '${disk.path}' is a ${disk.type.toLowerCase()} ${disk.format}, which needs a format-aware export (qemu-nbd) that hv does not set up: convert it to a fixed VHD with convert-vhd to mount it.`
  }
  if (process.getuid?.() !== 0) return 'Mount-VHD needs root on this host: only root can set up loop devices.'
  if (!hasLosetup()) return 'Mount-VHD needs losetup (util-linux), which is not installed on this host.'
  return null
}

/** Attach the fixed VHD `disk` (closed by the caller afterwards) to a free loop device. */
export function mount(disk: VirtualDisk, readOnly: boolean): HostDevice {
  const refusal = mountRefusal(disk)
  if (refusal) throw new InvalidStateError(refusal)
  const args = ['--find', '--show', '--sizelimit', String(disk.size), ...(readOnly ? ['--read-only'] : []), disk.path]
  const result = spawnSync('losetup', args, {encoding: 'utf8'})
  const device = result.stdout?.trim() ?? ''
  if (result.status !== 0 || !/^\/dev\/loop\d+$/.test(device)) {
    throw new InvalidStateError(`Mount-VHD could not attach '${disk.path}': losetup ${firstLine(result.stderr) || `exited with ${String(result.status ?? result.signal)}`}`)
  }
  return {path: device, number: Number(device.slice('/dev/loop'.length))}
}

/** Detach the loop device `device`. */
export function dismount(path: string, device: HostDevice): void {
  const result = spawnSync('losetup', ['--detach', device.path], {encoding: 'utf8'})
  if (result.status !== 0) {
    throw new InvalidStateError(`Dismount-VHD could not detach '${path}' (${device.path}): losetup ${firstLine(result.stderr) || `exited with ${String(result.status ?? result.signal)}`}`)
  }
}

function hasLosetup(): boolean {
  const result = spawnSync('losetup', ['--version'], {encoding: 'utf8'})
  return result.error === undefined && result.status === 0
}

function firstLine(text: string | undefined): string {
  return (text ?? '').trim().split('\n')[0] ?? ''
}

