import {readFileSync, statSync} from 'node:fs'
import {isAbsolute} from 'node:path'

import {InvalidArgumentError} from '../errors.js'
import {builtInGuests} from '../guest-images.js'
import type {BootSource} from '../store/schema.js'
import {checkFirmwareSize} from '../worker/boot/firmware.js'
import {isLinuxImage, parseLinuxImage} from '../worker/boot/linux-boot.js'
import {parseMultibootImage} from '../worker/boot/multiboot.js'

/**
 * Check a boot source when it is configured, so that a typo is reported by
 * new-vm or set-vm rather than at start: the guest must exist, the kernel must
 * be a Multiboot image or a Linux bzImage (the only kind that takes an initrd),
 * the firmware a ROM of a usable size.
 */
export function validateBootSource(source: BootSource): void {
  switch (source.kind) {
    case 'guest': {
      const available = builtInGuests()
      if (!available.includes(source.name)) {
        throw new InvalidArgumentError(
          `There is no built-in guest named '${source.name}'. Built-in guests: ${available.join(', ') || '(none)'}.`,
        )
      }
      return
    }
    case 'kernel': {
      const image = readImage(source.path)
      if (isLinuxImage(image)) {
        parseLinuxImage(image, source.path)
        if (source.initrd !== undefined) statImage(source.initrd)
        return
      }
      parseMultibootImage(image, source.path)
      if (source.initrd !== undefined) {
        throw new InvalidArgumentError(`The boot kernel '${source.path}' is not a Linux bzImage, so it takes no --initrd.`)
      }
      return
    }
    case 'firmware':
      checkFirmwareSize(statImage(source.path), source.path)
  }
}

function statImage(path: string): number {
  if (!isAbsolute(path)) throw new InvalidArgumentError(`The path '${path}' is not an absolute path.`)
  try {
    return statSync(path).size
  } catch {
    throw new InvalidArgumentError(`Cannot find path '${path}' because it does not exist.`)
  }
}

function readImage(path: string): Uint8Array {
  statImage(path)
  try {
    return readFileSync(path)
  } catch (error) {
    throw new InvalidArgumentError(`The file '${path}' cannot be read (${(error as NodeJS.ErrnoException).code ?? error}).`)
  }
}
