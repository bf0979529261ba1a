import {spawnSync} from 'node:child_process'

/**
 * Whether a Debian tool a test needs (nasm, qemu, gcc, script...) is installed
 * and runs: `command args` exits 0. Tests that need one skip cleanly without it.
 */
export function hasTool(command: string, args: string[] = ['--version']): boolean {
  const result = spawnSync(command, args, {stdio: 'ignore'})
  return result.error === undefined && result.status === 0
}

/** Poll until `check` passes; fail naming `what` after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
