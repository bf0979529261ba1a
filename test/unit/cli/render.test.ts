import {describe, expect, it} from 'vitest'

import {formatTimeSpan, formatValue, renderItems, renderList, type View} from '../../../src/cli/render.js'

interface Row {
  name: string
  size: number
  on: boolean
}

const view: View<Row, {Name: string; Size: number; On: boolean}> = {
  object: (r) => ({Name: r.name, Size: r.size, On: r.on}),
  columns: [
    {header: 'Name', value: (r) => r.name},
    {header: 'Size(M)', value: (r) => r.size, align: 'right'},
    {header: 'On', value: (r) => r.on},
  ],
}

const rows: Row[] = [
  {name: 'a', size: 512, on: true},
  {name: 'longer-name', size: 4, on: false},
]

describe('renderItems', () => {
  it('prints a PowerShell-style table: headers, dashes, right-aligned numbers', async () => {
    const text = await renderItems(rows, view, 'table')
    expect(text).toBe(
      ['', 'Name        Size(M) On', '----        ------- --', 'a               512 True', 'longer-name       4 False', '', ''].join('\n'),
    )
  })

  it('prints JSON arrays with PascalCase names, even for one item and for none', async () => {
    expect(JSON.parse(await renderItems(rows.slice(0, 1), view, 'json'))).toEqual([{Name: 'a', Size: 512, On: true}])
    expect(JSON.parse(await renderItems([], view, 'json'))).toEqual([])
  })

  it('prints nothing for an empty table', async () => {
    expect(await renderItems([], view, 'table')).toBe('')
  })

  it('prints Format-List blocks with aligned colons', () => {
    expect(renderList([{Name: 'a', LongerKey: 1}])).toBe('\nName      : a\nLongerKey : 1\n\n')
  })
})

describe('value formatting', () => {
  it('formats TimeSpans like .NET', () => {
    expect(formatTimeSpan(0)).toBe('00:00:00')
    expect(formatTimeSpan(3725)).toBe('01:02:05')
    expect(formatTimeSpan(90061)).toBe('1.01:01:01')
    expect(formatTimeSpan(12.25)).toBe('00:00:12.2500000')
  })

  it('formats booleans, nulls and arrays like PowerShell', () => {
    expect(formatValue(true)).toBe('True')
    expect(formatValue(null)).toBe('')
    expect(formatValue(['1.0', '2.0'])).toBe('{1.0, 2.0}')
  })
})
