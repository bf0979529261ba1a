import {HV_STATUS} from './hvdef.js'

/**
 * The receiving ends of HvPostMessage and HvSignalEvent: a connection id a
 * partition may use, bound (by the root, on the guest's behalf) to a port that
 * accepts messages or events. The root's VMBus server registers its message
 * and event connections here.
 */
export interface MessagePort {
  kind: 'message'
  /** Returns an HV_STATUS. `payload` is a copy the receiver may keep. */
  deliver(messageType: number, payload: Uint8Array): number
}

export interface EventPort {
  kind: 'event'
  /** Returns an HV_STATUS. */
  signal(flagNumber: number): number
}

export type Port = MessagePort | EventPort

export class ConnectionTable {
  private readonly connections = new Map<number, Port>()

  connect(connectionId: number, port: Port): void {
    this.connections.set(connectionId >>> 0, port)
  }

  disconnect(connectionId: number): void {
    this.connections.delete(connectionId >>> 0)
  }

  postMessage(connectionId: number, messageType: number, payload: Uint8Array): number {
    const port = this.connections.get(connectionId >>> 0)
    if (!port || port.kind !== 'message') return HV_STATUS.INVALID_CONNECTION_ID
    return port.deliver(messageType, payload)
  }

  signalEvent(connectionId: number, flagNumber: number): number {
    const port = this.connections.get(connectionId >>> 0)
    if (!port || port.kind !== 'event') return HV_STATUS.INVALID_CONNECTION_ID
    return port.signal(flagNumber)
  }
}
