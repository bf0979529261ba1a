/**
 * PowerShell spelling for every command, in one place: `-MemoryStartupBytes 1GB`
 * becomes `--memory-startup-bytes 1GB` (parameter names compare case-insensitively
 * and without dashes, aliases included), `-Name web01` becomes the positional
 * argument it is bound to, `-Confirm:$false` becomes `--confirm=false`, and
 * `$true`/`$false` become true/false, and `-VM x` (object input, which a shell
 * passes as a VMId or a name) becomes `--id x` or the name it is. What it does
 * not recognise it leaves for oclif, which then reports the unknown flag.
 */

export interface FlagLike {
  type: 'boolean' | 'option'
  aliases?: string[]
  char?: string
  /**
   * A PowerShell switch that also takes a value (`-Confirm`, `-Confirm:$false`,
   * `--confirm false`): bare means true; the next word is its value only if it is true or false.
   */
  bareMeansTrue?: boolean
  /** The VMId flag of a command that also takes `-VM` objects: a VMId goes here, a name to the first positional. */
  vmObjectInput?: boolean
}

export interface ArgLike {
  /** Other names the positional parameter is bound by (`-VMName` for a cmdlet's `-Name`). */
  aliases?: string[]
}

export interface ParameterTable {
  flags: Record<string, FlagLike>
  args: Record<string, ArgLike>
}

const GUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i

const squash = (name: string): string => name.replace(/-/g, '').toLowerCase()

function psValue(value: string): string {
  const lower = value.toLowerCase()
  if (lower === '$true') return 'true'
  if (lower === '$false') return 'false'
  return value
}

export function normalizeArgv(argv: readonly string[], table: ParameterTable): string[] {
  const byName = new Map<string, string>()
  for (const [name, flag] of Object.entries(table.flags)) {
    byName.set(squash(name), name)
    for (const alias of flag.aliases ?? []) byName.set(squash(alias), name)
  }
  const argNames = new Set<string>()
  for (const [name, arg] of Object.entries(table.args)) {
    argNames.add(squash(name))
    for (const alias of arg.aliases ?? []) argNames.add(squash(alias))
  }
  const vmIdFlag = Object.entries(table.flags).find(([, flag]) => flag.vmObjectInput)?.[0]

  // Values of -Name-style parameters go first, as the positionals they are bound to;
  // every other token keeps its place.
  const positionalFromNames: string[] = []
  const rest: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]
    if (token === '--') {
      rest.push(...argv.slice(i + 1))
      break
    }
    const parsed = parseParameterToken(token)
    if (!parsed) {
      rest.push(psValue(token))
      continue
    }
    const key = squash(parsed.name)
    const flagName = byName.get(key)
    if (flagName) {
      const flag = table.flags[flagName]
      if (flag.type === 'boolean') {
        // A switch: `-Force`, `-Force:$true`; `-Force:$false` means not given.
        if (parsed.value === undefined || psValue(parsed.value) === 'true') rest.push(`--${flagName}`)
        continue
      }
      if (parsed.value !== undefined) {
        rest.push(`--${flagName}=${psValue(parsed.value)}`)
      } else if (flag.bareMeansTrue && (i + 1 >= argv.length || !isBooleanWord(argv[i + 1]))) {
        rest.push(`--${flagName}=true`)
      } else if (i + 1 < argv.length) {
        rest.push(`--${flagName}`, psValue(argv[++i]))
      } else {
        rest.push(`--${flagName}`)
      }
      continue
    }
    if (vmIdFlag && key === 'vm' && !byName.has('vm')) {
      // `-VM $vm`: a VirtualMachine object reaches hv as its VMId or its name.
      const value = parsed.value ?? (i + 1 < argv.length ? argv[++i] : undefined)
      if (value === undefined) {
        rest.push(token)
        continue
      }
      for (const one of value.split(',').map((v) => v.trim()).filter(Boolean)) {
        if (GUID.test(one)) rest.push(`--${vmIdFlag}`, one.replace(/[{}]/g, ''))
        else positionalFromNames.push(one)
      }
      continue
    }
    if (argNames.has(key)) {
      // `-Name a,b`, `-Name a` or `--name a`: bound to the positional parameter.
      if (parsed.value !== undefined) positionalFromNames.push(psValue(parsed.value))
      else if (i + 1 < argv.length) positionalFromNames.push(psValue(argv[++i]))
      continue
    }
    rest.push(token)
  }
  return [...positionalFromNames, ...rest]
}

function isBooleanWord(token: string): boolean {
  return /^(\$?true|\$?false|1|0)$/i.test(token)
}

/** `--kebab-name[=v]`, or `-PowerShellName[:v]` (two or more characters, starting with a letter). */
function parseParameterToken(token: string): {name: string; value?: string} | null {
  if (token.startsWith('--') && token.length > 2) {
    const eq = token.indexOf('=')
    return eq < 0 ? {name: token.slice(2)} : {name: token.slice(2, eq), value: token.slice(eq + 1)}
  }
  const ps = /^-([A-Za-z][A-Za-z0-9-]+)(?::(.*))?$/s.exec(token)
  if (ps) return {name: ps[1], value: ps[2]}
  return null
}
