import {existsSync, readdirSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

/**
 * The guest images that ship with hv (guests/images): multiboot kernels a VM
 * can boot by name (`new-vm --guest tinyos`), and the firmware ROM that tells
 * a VM with nothing to boot that it has nothing to boot.
 */
export function guestImagesDirectory(): string {
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url))
  for (let dir = here; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'guests', 'images')
    if (existsSync(candidate)) return candidate
  }
  throw new Error('the guests/images folder of this hv installation is missing')
}

/** Names of the built-in guests (kernel images, not firmware). */
export function builtInGuests(): string[] {
  return readdirSync(guestImagesDirectory())
    .filter((file) => file.endsWith('.bin'))
    .map((file) => file.slice(0, -4))
    .sort()
}

export function builtInGuestPath(name: string): string | null {
  return builtInGuests().includes(name) ? join(guestImagesDirectory(), `${name}.bin`) : null
}

export function noOperatingSystemRomPath(): string {
  return join(guestImagesDirectory(), 'no-os.rom')
}
