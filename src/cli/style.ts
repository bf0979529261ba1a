import {lazyImport} from './lazy-import.js'

/**
 * Colour for people, never for pipes: escape codes only on a terminal and only
 * when NO_COLOR is unset. chalk is loaded only when colour will be used.
 */
export function colorEnabled(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && process.env.NO_COLOR === undefined
}

export async function paint(stream: NodeJS.WriteStream, kind: 'error' | 'warning' | 'heading', text: string): Promise<string> {
  if (!colorEnabled(stream)) return text
  const {default: chalk} = await lazyImport<typeof import('chalk')>('chalk')
  if (kind === 'error') return chalk.red(text)
  if (kind === 'warning') return chalk.yellow(text)
  return chalk.bold(text)
}
