/**
 * Integration services this project offers but whose operations the host never
 * starts: Guest Service Interface (file copy into the guest, class
 * 34d14be3-dee4-41c8-9ae7-6b174977c192) and VSS (backup snapshots, class
 * 35fa2e29-ea23-4236-96ae-3a6ebacba440). If a guest opens one, the host
 * negotiates versions and then stays quiet; the status says whether the guest
 * ever opened it ("not supported by the guest" otherwise).
 *
 * Versions offered: VSS 3.0/4.0/5.0 (Linux hv_snapshot.c accepts 5.0 only),
 * Guest Service Interface 1.1 (Linux hv_fcopy WIN8_SRV_VERSION). Copy-VMFile and backup requests are not
 * implemented.
 */
import type {VirtualClock} from '../device.js'
import type {VmbusOffer} from '../../vmbus/vmbus-device.js'
import {IcMessageType, IcService, type IcServiceStatus, type IcVersion, v} from './ic-framework.js'

export const GUEST_SERVICE_INTERFACE_CLASS_ID = '34d14be3-dee4-41c8-9ae7-6b174977c192'
export const VSS_CLASS_ID = '35fa2e29-ea23-4236-96ae-3a6ebacba440'
export const VSS_VERSIONS = [v(3, 0), v(4, 0), v(5, 0)] as const
export const GUEST_SERVICE_INTERFACE_VERSIONS = [v(1, 1)] as const

export interface PassiveIcOptions {
  readonly offer: VmbusOffer
  readonly clock: VirtualClock
  readonly messageVersions: readonly IcVersion[]
  readonly messageType: number
}

export interface PassiveIcServiceStatus extends IcServiceStatus {
  /** False while the guest has never opened the channel: it has no driver for it. */
  readonly supportedByGuest: boolean
}

export class PassiveIcService extends IcService {
  constructor(options: PassiveIcOptions) {
    super(options)
  }

  status(): PassiveIcServiceStatus {
    return {...this.baseStatus(), supportedByGuest: this.everOpened}
  }

  protected onNegotiated(): void {}
  protected onChannelLost(): void {}
}

export function createVssService(offer: VmbusOffer, clock: VirtualClock): PassiveIcService {
  return new PassiveIcService({offer, clock, messageVersions: VSS_VERSIONS, messageType: IcMessageType.Vss})
}

export function createGuestServiceInterface(offer: VmbusOffer, clock: VirtualClock): PassiveIcService {
  return new PassiveIcService({offer, clock, messageVersions: GUEST_SERVICE_INTERFACE_VERSIONS, messageType: IcMessageType.GuestInterface})
}
