import {lazyImport} from './lazy-import.js'

/**
 * Colour for people, never for pipes: escape codes only on a terminal and only
 * when NO_COLOR is unset. chalk is loaded only when colour will be used.
 */
export function colorEnabled(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !noColor()
}

/** NO_COLOR counts when it is set to anything but the empty string (no-color.org). */
export function noColor(): boolean {
  return (process.env.NO_COLOR ?? '') !== ''
}

export async function paint(stream: NodeJS.WriteStream, kind: 'error' | 'warning' | 'heading', text: string): Promise<string> {
  if (!colorEnabled(stream)) return text
  const {Chalk} = await lazyImport<typeof import('chalk')>('chalk')
  // hv decides (a terminal, no NO_COLOR); chalk's own guess would turn colour off under CI=true.
  const chalk = new Chalk({level: 1})
  if (kind === 'error') return chalk.red(text)
  if (kind === 'warning') return chalk.yellow(text)
  return chalk.bold(text)
}
