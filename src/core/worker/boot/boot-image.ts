import {readFileSync} from 'node:fs'

import {InvalidArgumentError} from '../../errors.js'
import {builtInGuest, noOperatingSystemRomPath} from '../../guest-images.js'
import type {VmRecord} from '../../store/schema.js'
import {isLinuxImage} from './linux-boot.js'

/** A firmware ROM or kernel that will be (re)loaded at every boot. */
export type BootImage =
  | {kind: 'multiboot'; image: Uint8Array; fileName: string; commandLine?: string}
  | {kind: 'linux'; image: Uint8Array; fileName: string; commandLine?: string; initrd?: Uint8Array; initrdName?: string}
  | {kind: 'firmware'; image: Uint8Array; fileName: string}

/**
 * What a VM boots, read once when its worker starts: a built-in guest or a
 * kernel (Multiboot, or a Linux bzImage told by its setup header), a firmware ROM, or, with nothing configured, the
 * firmware that says no operating system was loaded.
 */
export function readBootImage(vm: VmRecord): BootImage {
  const source = vm.bootSource
  const read = (path: string, what: string) => {
    try {
      return new Uint8Array(readFileSync(path))
    } catch (error) {
      throw new InvalidArgumentError(`The ${what} '${path}' cannot be read (${(error as NodeJS.ErrnoException).code ?? error}).`)
    }
  }
  if (source === null) return {kind: 'firmware', image: read(noOperatingSystemRomPath(), 'firmware'), fileName: 'no-os.rom'}
  switch (source.kind) {
    case 'guest': {
      const guest = builtInGuest(source.name)
      if (!guest) throw new InvalidArgumentError(`There is no built-in guest named '${source.name}'.`)
      const image = read(guest.kernel, 'built-in guest')
      if (isLinuxImage(image)) {
        // A set-vm --kernel-command-line replaces the guest's default one.
        const commandLine = source.commandLine ?? guest.commandLine
        const initrd = guest.initrd === undefined ? undefined : read(guest.initrd, 'initrd')
        return {kind: 'linux', image, fileName: source.name, commandLine, initrd, initrdName: guest.initrd}
      }
      return {kind: 'multiboot', image, fileName: source.name, commandLine: source.commandLine}
    }
    case 'kernel': {
      const image = read(source.path, 'boot kernel')
      if (isLinuxImage(image)) {
        const initrd = source.initrd === undefined ? undefined : read(source.initrd, 'initrd')
        return {kind: 'linux', image, fileName: source.path, commandLine: source.commandLine, initrd, initrdName: source.initrd}
      }
      if (source.initrd !== undefined) throw new InvalidArgumentError(`The boot kernel '${source.path}' is not a Linux bzImage, so it takes no --initrd.`)
      return {kind: 'multiboot', image, fileName: source.path, commandLine: source.commandLine}
    }
    case 'firmware':
      return {kind: 'firmware', image: read(source.path, 'firmware image'), fileName: source.path}
  }
}
