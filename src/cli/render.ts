import {lazyImport} from './lazy-import.js'

/**
 * Output in the three shapes the cmdlets' users know: a Format-Table view with the
 * cmdlet's default columns, a Format-List view of every property, and JSON with
 * the PascalCase property names (always an array from get-* commands).
 */

export type OutputFormat = 'table' | 'list' | 'json'

export interface Column<T> {
  header: string
  value: (item: T) => unknown
  /** PowerShell right-aligns numbers. */
  align?: 'left' | 'right'
}

export interface View<T, O extends object> {
  /** The cmdlet's output object: what JSON and the list view show. */
  object: (item: T) => O
  /** The default table columns. */
  columns: Column<T>[]
  /** How the cmdlet shows its objects when no format is asked for (a table unless it says list, as Get-VHD does). */
  defaultFormat?: 'table' | 'list'
}

export async function renderItems<T, O extends object>(items: readonly T[], view: View<T, O>, format: OutputFormat): Promise<string> {
  if (format === 'json') return `${JSON.stringify(items.map(view.object), null, 2)}\n`
  if (items.length === 0) return ''
  if (format === 'list') return renderList(items.map(view.object))
  return renderTable(items, view.columns)
}

/** Format-List: `Name : value` blocks with aligned colons, a blank line around each. */
export function renderList(objects: readonly object[]): string {
  const blocks = objects.map((object) => {
    const entries = Object.entries(object)
    const width = Math.max(...entries.map(([key]) => key.length))
    return entries.map(([key, value]) => `${key.padEnd(width)} : ${formatValue(value)}`).join('\n')
  })
  return `\n${blocks.join('\n\n')}\n\n`
}

/**
 * Format-Table: header, a dashed rule under each header, one row per item.
 * On a terminal, columns are fitted to its width the way PowerShell truncates
 * (cli-table3 does the fitting); elsewhere every value is printed whole, with a
 * plain formatter that costs nothing to load.
 */
export async function renderTable<T>(items: readonly T[], columns: readonly Column<T>[]): Promise<string> {
  const cells = items.map((item) => columns.map((c) => formatValue(c.value(item))))
  const width = process.stdout.isTTY ? process.stdout.columns : undefined
  const lines = width ? await fittedTable(columns, cells, width) : plainTable(columns, cells)
  return `\n${lines.join('\n')}\n\n`
}

function plainTable<T>(columns: readonly Column<T>[], cells: string[][]): string[] {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i].length)))
  const line = (values: string[]) =>
    values
      .map((value, i) => (columns[i].align === 'right' ? value.padStart(widths[i]) : value.padEnd(widths[i])))
      .join(' ')
      .trimEnd()
  return [line(columns.map((c) => c.header)), line(columns.map((c) => '-'.repeat(c.header.length))), ...cells.map(line)]
}

async function fittedTable<T>(columns: readonly Column<T>[], cells: string[][], terminalWidth: number): Promise<string[]> {
  const {default: Table} = await lazyImport<{default: typeof import('cli-table3')}>('cli-table3')
  const natural = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i].length)))
  // Give every column its natural width until the terminal is full; the rest are cut with an ellipsis.
  let room = terminalWidth - 1
  const colWidths = natural.map((w) => {
    const given = Math.max(Math.min(w, room), 3)
    room -= given + 1
    return given
  })
  const none = {
    top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '',
    'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: ' ',
  }
  const table = new Table({chars: none, colWidths, style: {head: [], border: [], 'padding-left': 0, 'padding-right': 0}})
  const row = (values: string[]) => values.map((content, i) => ({content, hAlign: columns[i].align ?? 'left'}))
  table.push(row(columns.map((c) => c.header)), row(columns.map((c) => '-'.repeat(c.header.length))), ...cells.map(row))
  return table.toString().split('\n').map((line) => line.trimEnd())
}

/** How PowerShell shows a value in a table or list. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (Array.isArray(value)) return `{${value.map(formatValue).join(', ')}}`
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/** TimeSpan's default text form: [d.]hh:mm:ss[.fffffff]. */
export function formatTimeSpan(seconds: number): string {
  // .NET TimeSpan counts 100 ns ticks and shows seven fractional digits when there are any.
  const ticks = Math.max(0, Math.floor(seconds * 1e7))
  const whole = Math.floor(ticks / 1e7)
  const fraction = ticks % 1e7
  const days = Math.floor(whole / 86400)
  const two = (n: number) => String(n).padStart(2, '0')
  const clock = `${two(Math.floor((whole % 86400) / 3600))}:${two(Math.floor((whole % 3600) / 60))}:${two(whole % 60)}`
  return `${days ? `${days}.` : ''}${clock}${fraction ? `.${String(fraction).padStart(7, '0')}` : ''}`
}

/** DateTime as PowerShell shows it in en-US: 11/23/2026 7:12:11 PM. */
export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString('en-US').replace(',', '')
}
