/**
 * PowerShell wildcard patterns, case-insensitive: * any run, ? one character,
 * [abc] and [a-z] one of a set, and a backtick escapes the next character.
 */
export function isWildcardPattern(pattern: string): boolean {
  return /(^|[^`])[*?[]/.test(pattern)
}

export function wildcardToRegExp(pattern: string): RegExp {
  let source = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === '`' && i + 1 < pattern.length) {
      source += escapeRegExp(pattern[++i])
    } else if (c === '*') {
      source += '[\\s\\S]*'
    } else if (c === '?') {
      source += '[\\s\\S]'
    } else if (c === '[') {
      const close = pattern.indexOf(']', i + 1)
      if (close < 0) {
        source += '\\['
      } else {
        const set = pattern.slice(i + 1, close).replace(/[\\\]^]/g, '\\$&')
        source += `[${set}]`
        i = close
      }
    } else {
      source += escapeRegExp(c)
    }
  }
  return new RegExp(`^${source}$`, 'i')
}

/** Exact names compare case-insensitively, as Hyper-V's do. */
export function nameMatches(pattern: string, name: string): boolean {
  if (!isWildcardPattern(pattern)) return pattern.replace(/`(.)/g, '$1').toLowerCase() === name.toLowerCase()
  return wildcardToRegExp(pattern).test(name)
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}
