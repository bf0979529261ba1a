import {describe, expect, it} from 'vitest'

import {normalizeArgv, type ParameterTable} from '../../../src/cli/powershell-args.js'

const table: ParameterTable = {
  flags: {
    'memory-startup-bytes': {type: 'option'},
    generation: {type: 'option'},
    force: {type: 'boolean'},
    confirm: {type: 'option', bareMeansTrue: true},
    'automatic-checkpoints-enabled': {type: 'option'},
    id: {type: 'option', aliases: ['vm-id']},
    json: {type: 'boolean'},
  },
  args: {name: {}},
}

describe('normalizeArgv', () => {
  it('maps PowerShell parameter names to kebab-case flags, case-insensitively', () => {
    expect(normalizeArgv(['web01', '-MemoryStartupBytes', '1GB', '-generation', '2'], table)).toEqual([
      'web01', '--memory-startup-bytes', '1GB', '--generation', '2',
    ])
    expect(normalizeArgv(['-MEMORYSTARTUPBYTES', '1GB'], table)).toEqual(['--memory-startup-bytes', '1GB'])
  })

  it('binds -Name to the positional argument wherever it appears', () => {
    expect(normalizeArgv(['-MemoryStartupBytes', '1GB', '-Name', 'web01'], table)).toEqual([
      'web01', '--memory-startup-bytes', '1GB',
    ])
    expect(normalizeArgv(['--name', 'web01'], table)).toEqual(['web01'])
  })

  it('reads -Flag:value and $true/$false', () => {
    expect(normalizeArgv(['-Confirm:$false'], table)).toEqual(['--confirm=false'])
    expect(normalizeArgv(['-AutomaticCheckpointsEnabled', '$false'], table)).toEqual([
      '--automatic-checkpoints-enabled', 'false',
    ])
  })

  it('treats a bare -Confirm as true, a switch as present, and a [bool] parameter as taking its value', () => {
    expect(normalizeArgv(['-Confirm', '-Force'], table)).toEqual(['--confirm=true', '--force'])
    expect(normalizeArgv(['-Confirm', 'false'], table)).toEqual(['--confirm', 'false'])
    expect(normalizeArgv(['-AutomaticCheckpointsEnabled', 'maybe'], table)).toEqual(['--automatic-checkpoints-enabled', 'maybe'])
    expect(normalizeArgv(['-Force:$false', 'web01'], table)).toEqual(['web01'])
  })

  it('resolves aliases and leaves unknown or short flags for oclif to judge', () => {
    expect(normalizeArgv(['-VMId', 'abc'], table)).toEqual(['--id', 'abc'])
    expect(normalizeArgv(['-Bogus', 'x', '-f'], table)).toEqual(['-Bogus', 'x', '-f'])
    expect(normalizeArgv(['--json'], table)).toEqual(['--json'])
  })

  it('passes everything after -- through as positionals', () => {
    expect(normalizeArgv(['--', '-Weird-Name'], table)).toEqual(['-Weird-Name'])
  })

  it('keeps negative numbers as values', () => {
    expect(normalizeArgv(['-Generation', '-1'], table)).toEqual(['--generation', '-1'])
  })
})
