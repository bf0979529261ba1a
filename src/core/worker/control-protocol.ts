import type {ErrorKind} from '../errors.js'
import type {IntegrationServiceRow} from '../devices/synthetic/index.js'
import type {StopRecord} from '../store/schema.js'
import type {VmbusStatistics} from '../vmbus/index.js'
import type {CheckpointPlan} from '../vmms/checkpoints/take.js'

/**
 * The VM worker's control channel: newline-delimited JSON over a local socket.
 * The VMMS sends one request per line and gets one response per line with the
 * same id; `attach` turns the connection into a console stream instead.
 */
export type ControlRequest =
  | {id: number; op: 'status'}
  | {id: number; op: 'pause'}
  | {id: number; op: 'resume'}
  | {id: number; op: 'save'}
  /** Take a checkpoint of the running VM; answers with the registered CheckpointRecord. */
  | {id: number; op: 'checkpoint'; plan: CheckpointPlan}
  | {id: number; op: 'turn-off'}
  | {id: number; op: 'shutdown'; force: boolean}
  /** Offer (enabled) or rescind an integration service's channel on the running VM. */
  | {id: number; op: 'integration-service'; name: string; enabled: boolean}
  | {id: number; op: 'kvp-set'; key: string; value: string}
  | {id: number; op: 'kvp-delete'; key: string}
  /** The guest's key-value pools, by pool number (0 External: what the host wrote; 1 Guest; 2 Auto). */
  | {id: number; op: 'kvp-read'; pools: number[]}
  | {id: number; op: 'reset'}
  /** Resource metering was enabled or reset (a new epoch) or disabled (null): gather afresh from now. */
  | {id: number; op: 'metering'; epoch: string | null}
  /** Add the resource-metering figures gathered since the last save to the store now (Measure-VM). */
  | {id: number; op: 'metering-save'}
  /** Resolves when the VM has powered off (guest power-off, turn-off, save, crash), with why. */
  | {id: number; op: 'wait-for-stop'}
  /** Connect COM `number` to `path` (a stored COM port Path: '', 'hv:console' or a socket path) on the running VM. */
  | {id: number; op: 'com-port'; number: 1 | 2; path: string}
  /** Streams console output as `{console: base64}` lines and accepts `{input: base64}` lines. */
  | {id: number; op: 'attach'}

export type ControlResponse =
  | {id: number; ok: true; result: unknown}
  | {id: number; ok: false; error: {kind: ErrorKind; message: string}}

/** How a VM stopped, as the worker reports it. */
export interface StopReport {
  reason: StopRecord['reason']
  /** The value the guest wrote to the test-exit port; 0 for a clean power-off; 255 for a crash. */
  exitStatus: number
  message: string
}

/** Live figures for get-vm and the counters. */
export interface WorkerStatus {
  state: string
  uptimeSeconds: number
  /** Percent of one host core used by the VM over the last sampling interval. */
  cpuUsage: number
  memoryAssigned: number
  instructions: number
  /** Resets since the worker started (guest reboots, triple faults, restart-vm). */
  resets: number
  /** Heartbeat as get-vm shows it: NoContact, OkApplicationsUnknown, LostCommunication, ... */
  heartbeat: string
  integrationServices: IntegrationServiceRow[]
  integrationServicesState: string | null
  /** get-vmbus: the negotiated version and every channel with its traffic. */
  vmbus: VmbusStatistics
  counters: Record<string, unknown>
}

export const MAX_LINE_BYTES = 1 << 20
