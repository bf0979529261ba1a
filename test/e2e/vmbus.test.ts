import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {hv, hvJson, tempHome} from '../helpers/hv.js'
import {eventually} from '../helpers/tools.js'

let home: string
let cleanup: () => void
const run = (...args: string[]) => hv(args, {home, timeoutMs: 60_000})
const json = <T = Record<string, any>[]>(...args: string[]) => hvJson<T>(args, {home})
const consoleOf = async (name: string) => (await run('get-vmconsole', name)).stdout
const type = async (name: string, text: string) => {
  const result = await hv(['connect-vm', name], {home, input: text, timeoutMs: 60_000})
  expect(result.code, result.stderr).toBe(0)
  return result.stdout.replace(/\r\n/g, '\n')
}
const channels = async (name: string) => (await json('get-vmbus', name))[0].Channels as Record<string, any>[]
const channel = async (name: string, service: string) => (await channels(name)).find((c) => c.Name === service)!
const IC_NAMES = ['Heartbeat', 'Key-Value Pair Exchange', 'Shutdown', 'Time Synchronization']

beforeEach(() => {
  ;({home, cleanup} = tempHome('hv-vmbus-'))
})
afterEach(async () => {
  const vms = await json('get-vm').catch(() => [])
  for (const vm of vms) if (vm.WorkerProcessId) await run('stop-vm', '--id', vm.VMId, '--turn-off')
  cleanup()
})

describe('VMBus and the integration services with the enlightened guest', () => {
  it('connects, beats, lists its channels, exchanges key-value pairs and shuts down through the Shutdown service', async () => {
    expect((await run('new-vm', 'e', '--guest', 'tinyos-hv', '-Generation', '2', '-MemoryStartupBytes', '64MB')).code).toBe(0)
    expect((await run('start-vm', 'e')).code).toBe(0)
    const waited = await run('wait-vm', 'e', '--for', 'heartbeat', '--timeout', '10')
    expect(waited.code, waited.stderr).toBe(0)
    await eventually(async () => (await consoleOf('e')).includes('vmbus: connected, version 5.3, 4 channels open'), 'the guest connecting')

    const [bus] = await json('get-vmbus', 'e')
    expect(bus).toMatchObject({VMName: 'e', Connected: true, Version: '5.3'})
    for (const name of IC_NAMES) {
      const c = bus.Channels.find((x: any) => x.Name === name)
      expect(c, name).toMatchObject({State: 'Open', RingBytesToHost: expect.any(Number), RingBytesToGuest: expect.any(Number)})
      expect(c.ConnectionId).toBeGreaterThan(0)
      expect(c.PacketsToGuest, name).toBeGreaterThan(0)
      expect(c.PacketsToHost, name).toBeGreaterThan(0)
    }
    expect(bus.Channels.find((x: any) => x.Name === 'VSS').State).toBe('Offered')
    const table = (await run('get-vmbus', 'e')).stdout
    expect(table).toMatch(/^VMName\s+Name\s+InterfaceType\s+InstanceId\s+RelId\s+ConnId\s+State/m)
    expect(table).toMatch(/e\s+Heartbeat\s+57164f39-9115-4e78-ab55-382f3bd5422d\s+\S+\s+1\s+0x2001\s+Open/)

    const [vm] = await json('get-vm', 'e')
    expect(vm.Heartbeat).toMatch(/^Ok/)
    expect(vm.IntegrationServicesState).toBe('Up to date')
    const services = await json('get-vmintegrationservice', 'e')
    expect(services.map((s) => [s.Name, s.Enabled, s.PrimaryStatusDescription])).toEqual([
      ['Guest Service Interface', false, ''],
      ['Heartbeat', true, 'OK'],
      ['Key-Value Pair Exchange', true, 'OK'],
      ['Shutdown', true, 'OK'],
      ['Time Synchronization', true, 'OK'],
      ['VSS', true, 'No Contact'],
    ])

    // Key-value pairs: the guest's own report, and what the host writes.
    const auto = await json('get-vmkvp', 'e', '--pool', 'Auto')
    expect(auto).toContainEqual({VMName: 'e', Pool: 'Auto', Name: 'FullyQualifiedDomainName', Data: 'tinyos-hv'})
    expect(auto.find((i) => i.Name === 'OSName')?.Data).toBe('tinyos')
    expect((await run('set-vmkvp', 'e', '--name', 'Environment', '--value', 'staging')).code).toBe(0)
    expect(await json('get-vmkvp', 'e', '--pool', 'External')).toEqual([{VMName: 'e', Pool: 'External', Name: 'Environment', Data: 'staging'}])
    expect(await type('e', 'kvp\r')).toContain('Environment')
    expect((await run('remove-vmkvp', 'e', '--name', 'Environment')).code).toBe(0)
    expect(await json('get-vmkvp', 'e', '--pool', 'External')).toEqual([])

    // A graceful stop: the guest is asked, says so, and powers off.
    const stopped = await run('stop-vm', 'e')
    expect(stopped.code, stopped.stderr).toBe(0)
    expect((await json('get-vm', 'e'))[0].State).toBe('Off')
    expect(await consoleOf('e')).toContain('shutdown requested by the host')
    const [event] = await json('get-vmevent', 'e', '--max-events', '1')
    expect(event.Message).toBe("Virtual machine 'e' stopped: The guest shut down as the host asked.")
  })

  it('rescinds and offers channels as services are disabled and enabled on the running VM, and resumes mid-conversation after save', async () => {
    await run('new-vm', 'e', '--guest', 'tinyos-hv', '-Generation', '2', '-MemoryStartupBytes', '64MB')
    await run('start-vm', 'e')
    expect((await run('wait-vm', 'e', '--for', 'heartbeat', '--timeout', '10')).code).toBe(0)

    expect((await run('disable-vmintegrationservice', 'e', '--name', 'Heartbeat')).code).toBe(0)
    await eventually(async () => (await channels('e')).every((c) => c.Name !== 'Heartbeat' || c.State === 'Rescinded'), 'the rescind')
    expect((await json('get-vm', 'e'))[0].Heartbeat).toBe('Disabled')
    const disabled = (await json('get-vmintegrationservice', 'e', '--name', 'Heart*'))[0]
    expect(disabled).toMatchObject({Name: 'Heartbeat', Enabled: false, PrimaryStatusDescription: ''})
    // Stop without a heartbeat is still possible: Shutdown is its own service.
    expect((await run('enable-vmintegrationservice', 'e', '--name', 'heartbeat')).code).toBe(0)
    await eventually(async () => (await channel('e', 'Heartbeat'))?.State === 'Open', 'the guest opening the new offer')
    expect((await run('wait-vm', 'e', '--for', 'heartbeat', '--timeout', '10')).code).toBe(0)

    // Saved with open channels: after restore the same conversation goes on (no new handshake).
    const contacts = (await json('get-vmbus', 'e'))[0].MessagesReceived.INITIATE_CONTACT
    expect((await run('save-vm', 'e')).code).toBe(0)
    expect((await run('start-vm', 'e')).code).toBe(0)
    const before = (await channel('e', 'Heartbeat')).PacketsToHost
    await eventually(async () => (await channel('e', 'Heartbeat')).PacketsToHost > before + 1, 'heartbeats after the restore')
    const [bus] = await json('get-vmbus', 'e')
    expect(bus.MessagesReceived.INITIATE_CONTACT).toBe(contacts) // the guest did not reconnect: it carried on
    expect(await type('e', 'vmbus\r')).toMatch(/Heartbeat\s+relid \d+\s+conn \d+\s+open/)

    // A checkpoint of the running VM keeps the conversation too: applied later, the guest carries on.
    expect((await run('set-vm', 'e', '-CheckpointType', 'Standard')).code).toBe(0)
    expect((await run('checkpoint-vm', 'e', 'talking')).code).toBe(0)
    expect((await run('stop-vm', 'e', '--turn-off')).code).toBe(0)
    expect((await run('restore-vmcheckpoint', 'e', 'talking', '--force')).code).toBe(0)
    expect((await run('start-vm', 'e')).code).toBe(0)
    const restored = (await channel('e', 'Heartbeat')).PacketsToHost
    await eventually(async () => (await channel('e', 'Heartbeat')).PacketsToHost > restored + 1, 'heartbeats after applying the checkpoint')
    expect((await json('get-vmbus', 'e'))[0].MessagesReceived.INITIATE_CONTACT).toBe(contacts)
  })

  it('the Windows-flavoured guest identifies itself as Windows, and the unaware guest has no shutdown service', async () => {
    await run('new-vm', 'w', '--guest', 'tinyos-hv-win', '-MemoryStartupBytes', '64MB')
    await run('new-vm', 'u', '--guest', 'tinyos', '-MemoryStartupBytes', '32MB')
    await run('start-vm', 'w')
    await run('start-vm', 'u')
    expect((await run('wait-vm', 'w', '--for', 'heartbeat', '--timeout', '10')).code).toBe(0)
    expect(await consoleOf('w')).toMatch(/guest OS ID 0x0001040a[0-9a-f]{8} \(Microsoft Windows NT 10\.0/)
    expect((await json('get-vmkvp', 'w', '--pool', 'Auto')).find((i) => i.Name === 'OSName')?.Data).toMatch(/^Windows/)

    await eventually(async () => (await consoleOf('u')).endsWith('tinyos> '), 'the unaware guest')
    const refused = await run('stop-vm', 'u')
    expect(refused.code).toBe(4)
    expect(refused.stderr).toContain("could not be shut down: no shutdown integration service is running in the guest")
    expect((await json('get-vm', 'u'))[0].State).toBe('Running')
    expect((await json('get-vm', 'u'))[0].Heartbeat).toBe('NoContact')
    const waited = await run('wait-vm', 'u', '--for', 'heartbeat', '--timeout', '1')
    expect(waited.code).toBe(8)
    const bus = await run('get-vmbus', 'u')
    expect(bus.stderr).toContain("The guest in 'u' has not connected to VMBus")

    // Bad input: one line naming what was wrong.
    const unknown = await run('enable-vmintegrationservice', 'u', '--name', 'Coffee')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1)
    expect(unknown.stderr).toContain("There is no integration service named 'Coffee'")
    const offKvp = await run('get-vmkvp', 'nobody')
    expect(offKvp.code).not.toBe(0)
  })
})
