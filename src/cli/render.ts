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

/** Format-Table: header, a dashed rule under each header, one row per item. */
export async function renderTable<T>(items: readonly T[], columns: readonly Column<T>[]): Promise<string> {
  const {default: Table} = await import('cli-table3')
  const none = {
    top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '',
    'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: ' ',
  }
  const table = new Table({chars: none, style: {head: [], border: [], 'padding-left': 0, 'padding-right': 0}})
  table.push(columns.map((c) => ({content: c.header, hAlign: c.align ?? 'left'})))
  table.push(columns.map((c) => ({content: '-'.repeat(c.header.length), hAlign: c.align ?? 'left'})))
  for (const item of items) {
    table.push(columns.map((c) => ({content: formatValue(c.value(item)), hAlign: c.align ?? 'left'})))
  }
  const lines = table.toString().split('\n').map((line) => line.trimEnd())
  return `\n${lines.join('\n')}\n\n`
}

/** How PowerShell shows a value in a table or list. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (Array.isArray(value)) return `{${value.map(formatValue).join(', ')}}`
  return String(value)
}

/** TimeSpan's default text form: [d.]hh:mm:ss. */
export function formatTimeSpan(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds))
  const days = Math.floor(whole / 86400)
  const two = (n: number) => String(n).padStart(2, '0')
  const clock = `${two(Math.floor((whole % 86400) / 3600))}:${two(Math.floor((whole % 3600) / 60))}:${two(whole % 60)}`
  return days ? `${days}.${clock}` : clock
}

/** DateTime as PowerShell shows it in en-US: 11/23/2026 7:12:11 PM. */
export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString('en-US').replace(',', '')
}
