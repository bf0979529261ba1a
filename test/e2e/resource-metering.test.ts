import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {REPO_ROOT} from '../helpers/hv.js'
import {hvSession} from '../helpers/session.js'
import {eventually} from '../helpers/tools.js'

/** Busy forever, printing a line now and then: a guest that computes. */
const COUNTER = join(REPO_ROOT, 'guests', 'images', 'counter.bin')
const MB = 1024 * 1024

const {home, run, json, ok, refused, storeText} = hvSession({prefix: 'hv-metering-', timeoutMs: 60_000})
const storedMetering = (name: string) => JSON.parse(storeText()).vms.find((vm: {name: string}) => vm.name === name).resourceMetering

/** A TimeSpan as the JSON shows it ([d.]hh:mm:ss[.fffffff]), in seconds. */
function seconds(span: string): number {
  const match = /^(?:(\d+)\.)?(\d\d):(\d\d):(\d\d)(?:\.(\d{7}))?$/.exec(span)
  if (!match) throw new Error(`not a TimeSpan: ${span}`)
  return Number(match[1] ?? 0) * 86400 + Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4]) + Number(`0.${match[5] ?? 0}`)
}

async function measure(name: string): Promise<Record<string, any>> {
  const [report] = await json('measure-vm', name)
  return report
}

/** Poll measure-vm until the VM has been metered for more than `atLeast` seconds. */
async function meteredBeyond(name: string, atLeast: number): Promise<Record<string, any>> {
  let report: Record<string, any> = {}
  await eventually(async () => {
    report = await measure(name)
    return report.MeteringDuration !== null && seconds(report.MeteringDuration) > atLeast
  }, `${name} metered beyond ${atLeast} s`, 30_000)
  return report
}

describe('resource metering of a running guest', () => {
  it('measures a computing guest, keeps the figures across save and start, resets and disables', async () => {
    await ok('new-vm', 'calc', '-MemoryStartupBytes', '32MB', '--boot-kernel', COUNTER)
    expect((await json('get-vm', 'calc'))[0].ResourceMeteringEnabled).toBe(false)
    await refused(4, /Resource metering is not enabled for the virtual machine 'calc'/, 'measure-vm', 'calc')

    // Enabled while Off: nothing is metered until the VM runs.
    expect(await ok('Enable-VMResourceMetering', '-VMName', 'calc')).toBe('')
    expect((await json('get-vm', 'calc'))[0].ResourceMeteringEnabled).toBe(true)
    expect(await measure('calc')).toMatchObject({VMName: 'calc', MeteringDuration: null, AvgCPU: null, AvgRAM: null, TotalDisk: 0, NetworkMeteredTrafficReport: [], HardDiskMetrics: []})

    await ok('start-vm', 'calc')
    const running = await meteredBeyond('calc', 0.5)
    const [vm] = await json('get-vm', 'calc')
    expect(running.AvgCPU).toBeGreaterThan(0)
    expect(running.AverageProcessorUsage).toBe(running.AvgCPU)
    expect(running.AvgRAM).toBe(vm.MemoryAssigned / MB)
    expect([running.MinRAM, running.MaxRAM]).toEqual([32, 32])
    expect(running.VMId).toBe(vm.VMId)
    const table = await ok('measure-vm', 'calc')
    expect(table).toMatch(/^VMName\s+AvgCPU\(MHz\)\s+AvgRAM\(M\)\s+MaxRAM\(M\)\s+MinRAM\(M\)\s+TotalDisk\(M\)\s+NetworkInbound\(M\)\s+NetworkOutbound\(M\)$/m)
    expect(table).toMatch(/^calc\s+\d+\s+32\s+32\s+32\s+0\s+0\s+0$/m)

    // Saved: the figures stay, and time spent saved is not metered.
    await ok('save-vm', 'calc')
    const saved = await measure('calc')
    expect(seconds(saved.MeteringDuration)).toBeGreaterThanOrEqual(seconds(running.MeteringDuration))
    expect(saved.AvgCPU).toBeGreaterThan(0)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect((await measure('calc')).MeteringDuration).toBe(saved.MeteringDuration)

    // A new worker goes on from there.
    await ok('start-vm', 'calc')
    const resumed = await meteredBeyond('calc', seconds(saved.MeteringDuration))
    expect(resumed.AvgCPU).toBeGreaterThan(0)
    expect(resumed.AvgRAM).toBe(32)

    // Off after a stop: kept, then a fresh start adds to them again.
    await ok('stop-vm', 'calc', '--turn-off')
    const stopped = await measure('calc')
    expect(seconds(stopped.MeteringDuration)).toBeGreaterThanOrEqual(seconds(resumed.MeteringDuration))
    await ok('start-vm', 'calc')
    await meteredBeyond('calc', seconds(stopped.MeteringDuration))

    // Reset: back to zero, and metering goes on.
    await ok('Reset-VMResourceMetering', '-VMName', 'calc')
    const reset = await measure('calc')
    expect(reset.MeteringDuration === null || seconds(reset.MeteringDuration) < seconds(stopped.MeteringDuration)).toBe(true)
    expect((await meteredBeyond('calc', 0.2)).AvgRAM).toBe(32)

    // Disable: the figures are gone and measure-vm refuses, as Measure-VM does.
    await ok('disable-vmresourcemetering', 'calc')
    expect((await json('get-vm', 'calc'))[0].ResourceMeteringEnabled).toBe(false)
    await refused(4, /Resource metering is not enabled for the virtual machine 'calc'/, 'measure-vm', 'calc', '--json')
    expect(storedMetering('calc')).toBeNull()
  })

  it('a worker saves its figures at the host save interval, so a killed worker loses only the last interval', async () => {
    await ok('set-vmhost', '-ResourceMeteringSaveInterval', '00:00:01')
    expect((await json('get-vmhost'))[0].ResourceMeteringSaveInterval).toBe('00:00:01')
    await ok('new-vm', 'crash', '-MemoryStartupBytes', '32MB', '--boot-kernel', COUNTER)
    await ok('enable-vmresourcemetering', 'crash')
    await ok('start-vm', 'crash')
    // No command asks for the figures: the worker writes them to the store by itself, once a second.
    await eventually(async () => storedMetering('crash').meteredMs > 1500, 'two saves by the worker', 30_000)
    const [vm] = await json('get-vm', 'crash')
    process.kill(vm.WorkerProcessId, 'SIGKILL')
    const report = await measure('crash')
    expect(seconds(report.MeteringDuration)).toBeGreaterThan(1.5)
    expect(report.AvgCPU).toBeGreaterThan(0)
    expect(report.AvgRAM).toBe(32)
  })
})

describe('resource metering commands', () => {
  it('take several VMs and wildcards; -WhatIf changes nothing; measure-vm reports the metered and refuses the rest', async () => {
    for (const name of ['web1', 'web2', 'db']) await ok('new-vm', name, '-MemoryStartupBytes', '32MB')
    const before = storeText()
    expect(await ok('enable-vmresourcemetering', 'web*', '-WhatIf')).toMatch(/What if: .*Enable-VMResourceMetering.*web1/)
    expect(storeText()).toBe(before)
    await ok('enable-vmresourcemetering', 'web*')
    expect((await json('get-vm')).map((vm) => [vm.Name, vm.ResourceMeteringEnabled])).toEqual([['db', false], ['web1', true], ['web2', true]])
    expect((await json('measure-vm', 'web*')).map((r) => r.VMName)).toEqual(['web1', 'web2'])
    const [db] = await json('get-vm', 'db')
    await ok('enable-vmresourcemetering', '-VM', db.VMId)
    expect((await json('measure-vm', '*')).map((r) => r.VMName)).toEqual(['db', 'web1', 'web2'])

    await ok('disable-vmresourcemetering', 'db')
    const mixed = await run('measure-vm', 'db,web1', '--json')
    expect(mixed.code).toBe(4)
    expect(JSON.parse(mixed.stdout).map((r: {VMName: string}) => r.VMName)).toEqual(['web1'])
    expect(mixed.stderr).toMatch(/^measure-vm: Resource metering is not enabled for the virtual machine 'db'/)
  })

  it('the figures travel with export-vm and import-vm, as they live in the VM configuration', async () => {
    await ok('new-vm', 'mover', '-MemoryStartupBytes', '32MB', '--boot-kernel', COUNTER)
    await ok('enable-vmresourcemetering', 'mover')
    await ok('start-vm', 'mover')
    await meteredBeyond('mover', 0.2)
    await ok('stop-vm', 'mover', '--turn-off')
    const before = await measure('mover')
    await ok('export-vm', 'mover', '--path', join(home(), 'exports'))
    await ok('remove-vm', 'mover', '--force')
    await ok('import-vm', join(home(), 'exports', 'mover'))
    expect(await measure('mover')).toEqual(before)
  })

  it('refuse bad input with one line, the documented exit code, and the store unchanged', async () => {
    await ok('new-vm', 'a', '-MemoryStartupBytes', '32MB')
    await refused(3, /unable to find a virtual machine with name "nope"/, 'enable-vmresourcemetering', 'nope')
    await refused(3, /unable to find a virtual machine with name "nope"/, 'measure-vm', 'nope')
    await refused(3, /unable to find a virtual machine with name "nope"/, 'reset-vmresourcemetering', 'a', 'nope')
    await refused(2, /Specify the virtual machine/, 'disable-vmresourcemetering')
    for (const bad of ['1.00:00:01', '2', '00:00:00', '-01:00:00', '00:00:00.5']) {
      await refused(2, /'ResourceMeteringSaveInterval'.*out of range/, 'set-vmhost', '-ResourceMeteringSaveInterval', bad)
    }
    for (const bad of ['soon', '1h', '00:61:00', '25:00:00']) {
      await refused(2, /'ResourceMeteringSaveInterval'.*"System.TimeSpan"/, 'set-vmhost', '-ResourceMeteringSaveInterval', bad)
    }
    expect((await json('get-vmhost'))[0].ResourceMeteringSaveInterval).toBe('01:00:00')
    await ok('set-vmhost', '-ResourceMeteringSaveInterval', '24:00:00')
    expect((await json('get-vmhost'))[0].ResourceMeteringSaveInterval).toBe('1.00:00:00')
  })

  it('have help with examples', async () => {
    for (const command of ['enable-vmresourcemetering', 'disable-vmresourcemetering', 'reset-vmresourcemetering', 'measure-vm']) {
      expect(await ok('help', command), command).toMatch(/EXAMPLES[\s\S]*\$ hv /)
    }
  })
})
