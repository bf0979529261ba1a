import {existsSync, readdirSync, readFileSync} from 'node:fs'
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

/**
 * A built-in guest: a Multiboot kernel (`name.bin`), or a Linux guest (a folder
 * `name/` with `vmlinuz`, its `initrd.img` and the default kernel command line
 * in `cmdline`).
 */
export interface BuiltInGuest {
  kernel: string
  initrd?: string
  commandLine?: string
}

/** Names of the built-in guests (kernel images, not firmware). */
export function builtInGuests(): string[] {
  const dir = guestImagesDirectory()
  return readdirSync(dir, {withFileTypes: true})
    .filter((entry) => entry.isFile() ? entry.name.endsWith('.bin') : entry.isDirectory() && existsSync(join(dir, entry.name, 'vmlinuz')))
    .map((entry) => entry.isFile() ? entry.name.slice(0, -4) : entry.name)
    .sort()
}

export function builtInGuest(name: string): BuiltInGuest | null {
  if (!builtInGuests().includes(name)) return null
  const dir = guestImagesDirectory()
  const folder = join(dir, name)
  if (!existsSync(join(folder, 'vmlinuz'))) return {kernel: join(dir, `${name}.bin`)}
  const initrd = join(folder, 'initrd.img')
  const cmdline = join(folder, 'cmdline')
  return {
    kernel: join(folder, 'vmlinuz'),
    ...(existsSync(initrd) ? {initrd} : {}),
    ...(existsSync(cmdline) ? {commandLine: readFileSync(cmdline, 'utf8').trim()} : {}),
  }
}

/** The kernel file of a built-in guest. */
export function builtInGuestPath(name: string): string | null {
  return builtInGuest(name)?.kernel ?? null
}

export function noOperatingSystemRomPath(): string {
  return join(guestImagesDirectory(), 'no-os.rom')
}
