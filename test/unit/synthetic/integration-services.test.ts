import {describe, expect, it} from 'vitest'
import {ManualClock} from '../../../src/core/devices/clock.js'
import {
  INTEGRATION_SERVICES,
  createIntegrationServices,
  defaultIntegrationServiceSettings,
  integrationServiceInfo,
  integrationServiceInstanceId,
  integrationServiceRows,
} from '../../../src/core/devices/synthetic/integration-services.js'
import {FakeEndpoint, OFF, incoming, linuxAnswer, msgType, openAndNegotiate, put64, u16, u64} from './ic-harness.js'

const VM = '6f0c1d0e-2a3b-4c5d-8e9f-0a1b2c3d4e5f'

describe('integration services catalogue', () => {
  it('lists the six cmdlet names with their class GUIDs and Hyper-V defaults', () => {
    expect(INTEGRATION_SERVICES.map((s) => s.name)).toEqual(['Guest Service Interface', 'Heartbeat', 'Key-Value Pair Exchange', 'Shutdown', 'Time Synchronization', 'VSS'])
    expect(integrationServiceInfo('heartbeat')?.classId).toBe('57164f39-9115-4e78-ab55-382f3bd5422d')
    expect(integrationServiceInfo('VSS')?.classId).toBe('35fa2e29-ea23-4236-96ae-3a6ebacba440')
    expect(integrationServiceInfo('Guest Service Interface')?.classId).toBe('34d14be3-dee4-41c8-9ae7-6b174977c192')
    expect(integrationServiceInfo('nope')).toBeUndefined()
    expect(defaultIntegrationServiceSettings()).toEqual({
      'Guest Service Interface': false,
      Heartbeat: true,
      'Key-Value Pair Exchange': true,
      Shutdown: true,
      'Time Synchronization': true,
      VSS: true,
    })
  })

  it('derives stable, distinct, version-5 instance GUIDs per VM and service', () => {
    const hb = integrationServiceInstanceId(VM, '57164f39-9115-4e78-ab55-382f3bd5422d')
    expect(hb).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(integrationServiceInstanceId(VM.toUpperCase(), '57164f39-9115-4e78-ab55-382f3bd5422d')).toBe(hb)
    expect(integrationServiceInstanceId(VM, '0e0b6031-5213-4934-818b-38d90ced39db')).not.toBe(hb)
    expect(integrationServiceInstanceId('another-vm', '57164f39-9115-4e78-ab55-382f3bd5422d')).not.toBe(hb)
    expect(() => integrationServiceInstanceId(VM, 'not-a-guid')).toThrow(/GUID/)
  })

  it('creates the devices of a VM with matching offers and offers only the enabled ones', () => {
    const services = createIntegrationServices({vmId: VM, clock: new ManualClock()})
    for (const {info, device} of services.entries()) {
      expect(device.offer).toEqual({name: info.name, classId: info.classId, instanceId: integrationServiceInstanceId(VM, info.classId)})
    }
    expect(services.offeredDevices().map((d) => d.offer.name)).toEqual(['Heartbeat', 'Key-Value Pair Exchange', 'Shutdown', 'Time Synchronization', 'VSS'])
    expect(services.offeredDevices({'Guest Service Interface': true, VSS: false}).map((d) => d.offer.name)).toEqual(['Guest Service Interface', 'Heartbeat', 'Key-Value Pair Exchange', 'Shutdown', 'Time Synchronization'])
    const saved = services.saveState()
    expect(Object.keys(saved)).toHaveLength(6)
    expect(saved.Heartbeat.version).toBe(1)
  })

  it('gives get-vmintegrationservice columns that follow the services', () => {
    const clock = new ManualClock()
    const services = createIntegrationServices({vmId: VM, clock, hostTimeNs: () => 0n})
    const row = (name: string) => integrationServiceRows(services, {running: true}).find((r) => r.Name === name)!

    expect(integrationServiceRows(services, {running: false}).every((r) => r.PrimaryStatusDescription === '')).toBe(true)
    expect(integrationServiceRows(null, {running: true})[1]).toEqual({Name: 'Heartbeat', Enabled: true, PrimaryStatusDescription: '', SecondaryStatusDescription: ''})
    expect(row('Guest Service Interface')).toMatchObject({Enabled: false, PrimaryStatusDescription: ''})
    expect(row('VSS')).toEqual({Name: 'VSS', Enabled: true, PrimaryStatusDescription: 'No Contact', SecondaryStatusDescription: 'Not supported by the guest'})
    expect(row('Heartbeat').PrimaryStatusDescription).toBe('No Contact')

    const endpoint = openAndNegotiate(services.heartbeat, [[3, 0]])
    expect(row('Heartbeat').PrimaryStatusDescription).toBe('No Contact')
    const [beat] = endpoint.take()
    services.heartbeat.receive(incoming(linuxAnswer(beat!.payload, 0, (buf) => put64(buf, OFF.body, u64(buf, OFF.body) + 1n)), beat!.transactionId))
    expect(row('Heartbeat')).toMatchObject({PrimaryStatusDescription: 'OK'})
    clock.advanceBy(10e9)
    expect(row('Heartbeat').PrimaryStatusDescription).toBe('Lost Communication')

    openAndNegotiate(services.shutdown, [[3, 2]])
    expect(row('Shutdown').PrimaryStatusDescription).toBe('OK')
    services.shutdown.closed()
    expect(row('Shutdown').PrimaryStatusDescription).toBe('Lost Communication')

    openAndNegotiate(services.timeSync, [[9, 0]])
    expect(row('Time Synchronization').PrimaryStatusDescription).toBe('No Contact')
    expect(row('Time Synchronization').SecondaryStatusDescription).toMatch(/Protocol version mismatch/)
  })
})

describe('Guest Service Interface and VSS', () => {
  it('negotiate when a guest opens them and then stay quiet', () => {
    const clock = new ManualClock()
    const services = createIntegrationServices({vmId: VM, clock})
    expect(services.vss.status().supportedByGuest).toBe(false)
    const endpoint = new FakeEndpoint()
    services.vss.opened(endpoint)
    const [negotiate] = endpoint.take()
    expect(msgType(negotiate!)).toBe(0)
    // Framework 1.0, 3.0 then VSS 3.0, 4.0, 5.0.
    expect(u16(negotiate!.payload, OFF.body + 2)).toBe(3)
    expect(services.vss.status()).toMatchObject({supportedByGuest: true, negotiation: 'Negotiating'})

    const ep = openAndNegotiate(services.vss, [[5, 0]])
    expect(services.vss.status()).toMatchObject({negotiation: 'Negotiated', messageVersion: '5.0'})
    clock.advanceBy(60e9)
    expect(ep.take()).toHaveLength(0)

    openAndNegotiate(services.guestServiceInterface, [[1, 1]])
    expect(services.guestServiceInterface.status()).toMatchObject({negotiation: 'Negotiated', messageVersion: '1.1'})
  })
})
