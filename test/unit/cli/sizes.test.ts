import {describe, expect, it} from 'vitest'

import {parseSize} from '../../../src/cli/sizes.js'

describe('parseSize', () => {
  it.each([
    ['512MB', 512 * 1024 ** 2],
    ['1GB', 1024 ** 3],
    ['1gb', 1024 ** 3],
    ['1.5GB', 1.5 * 1024 ** 3],
    ['64KB', 65536],
    ['2TB', 2 * 1024 ** 4],
    ['1073741824', 1073741824],
    ['0', 0],
    [' 32 MB ', 32 * 1024 ** 2],
  ])('reads %s as %d bytes', (text, bytes) => {
    expect(parseSize(text, 'MemoryStartupBytes')).toBe(bytes)
  })

  it.each(['12XB', '-1GB', '', 'GB', '1..5GB', '1e3', 'ten'])('refuses %j naming the parameter', (text) => {
    expect(() => parseSize(text, 'MemoryStartupBytes')).toThrow(/parameter 'MemoryStartupBytes'.*Cannot convert value/)
  })

  it('refuses a size that is not a whole number of bytes', () => {
    expect(() => parseSize('1.3B', 'StartupBytes')).toThrow(/not a whole number of bytes/)
  })
})
