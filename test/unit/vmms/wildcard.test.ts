import {describe, expect, it} from 'vitest'

import {isWildcardPattern, nameMatches} from '../../../src/core/vmms/wildcard.js'

describe('PowerShell wildcards', () => {
  it.each([
    ['web*', 'web01', true],
    ['web*', 'WEB01', true],
    ['web*', 'db01', false],
    ['web0?', 'web01', true],
    ['web0?', 'web010', false],
    ['web0[12]', 'web02', true],
    ['web0[12]', 'web03', false],
    ['web0[1-3]', 'web03', true],
    ['*', 'anything at all', true],
    ['a.b', 'a.b', true],
    ['a.b', 'axb', false],
    ['a`*', 'a*', true],
    ['a`*', 'ab', false],
  ])('%s matches %s: %s', (pattern, name, expected) => {
    expect(nameMatches(pattern, name)).toBe(expected)
  })

  it('knows plain names from patterns', () => {
    expect(isWildcardPattern('web01')).toBe(false)
    expect(isWildcardPattern('web*')).toBe(true)
    expect(isWildcardPattern('a`*')).toBe(false)
  })
})
