import {resolve} from 'node:path'

import {Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {boolFlag, bootSourceFlags, bootSourceFrom, enumFlag, integerFlag, outputFlags, passthruFlag, sizeFlag, vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'
import {vmView} from '../cli/views/vm.js'
import {InvalidArgumentError} from '../core/errors.js'
import {
  AUTOMATIC_CRITICAL_ERROR_ACTIONS, ENHANCED_SESSION_TRANSPORT_TYPES, ON_OFF_STATES, TIME_MODES, TRIPLE_FAULT_ACTIONS,
} from '../core/store/schema.js'
import {AUTOMATIC_START_ACTIONS, AUTOMATIC_STOP_ACTIONS, CHECKPOINT_TYPES} from '../core/vmms/index.js'

export default class SetVm extends HvCommand {
  static summary = 'Change the configuration of virtual machines (Set-VM).'
  static description =
    'Processor count and memory sizes can change only while the VM is off; names, notes and automatic actions at any time.'
  static examples = [
    '<%= config.bin %> set-vm web01 -ProcessorCount 2 -MemoryStartupBytes 2GB',
    '<%= config.bin %> set-vm web01 --dynamic-memory --memory-minimum-bytes 512MB --memory-maximum-bytes 4GB',
    "<%= config.bin %> set-vm 'web*' -AutomaticStopAction ShutDown -Notes 'front end'",
    '<%= config.bin %> set-vm -VMName web01 -SnapshotFileLocation /srv/checkpoints -LowMemoryMappedIoSpace 512MB',
  ]
  static strict = false
  static args = {name: vmNameArg('VM names (wildcards allowed).')}
  static flags = {
    ...vmIdFlag,
    'new-vm-name': Flags.string({description: 'Rename the VM.'}),
    'processor-count': integerFlag('ProcessorCount', 'Number of virtual processors.'),
    'memory-startup-bytes': sizeFlag('MemoryStartupBytes', 'Memory at start.'),
    'dynamic-memory': Flags.boolean({description: 'Enable dynamic memory.', exclusive: ['static-memory']}),
    'static-memory': Flags.boolean({description: 'Disable dynamic memory.'}),
    'memory-minimum-bytes': sizeFlag('MemoryMinimumBytes', 'Dynamic memory minimum.'),
    'memory-maximum-bytes': sizeFlag('MemoryMaximumBytes', 'Dynamic memory maximum.'),
    'automatic-start-action': enumFlag('AutomaticStartAction', AUTOMATIC_START_ACTIONS, 'What to do when the host starts'),
    'automatic-stop-action': enumFlag('AutomaticStopAction', AUTOMATIC_STOP_ACTIONS, 'What to do when the host stops'),
    'automatic-start-delay': integerFlag('AutomaticStartDelay', 'Seconds to wait before the automatic start.'),
    'checkpoint-type': enumFlag('CheckpointType', CHECKPOINT_TYPES, 'Kind of checkpoint to take'),
    'automatic-checkpoints-enabled': boolFlag('AutomaticCheckpointsEnabled', 'Take a checkpoint at each start.'),
    notes: Flags.string({description: 'Free text kept with the VM.'}),
    ...bootSourceFlags,
    'no-boot-source': Flags.boolean({description: 'Remove the boot source: the VM reports that nothing was loaded.', exclusive: ['guest', 'boot-kernel', 'firmware']}),
    'time-mode': enumFlag('TimeMode', TIME_MODES, 'Guest time: the host clock, or deterministic'),
    'triple-fault-action': enumFlag('TripleFaultAction', TRIPLE_FAULT_ACTIONS, 'What a triple fault does to the VM'),
    'snapshot-file-location': Flags.string({description: 'Folder for checkpoint files (its <VMId>/checkpoints/); not while the VM has checkpoints.', aliases: ['checkpoint-file-location']}),
    'smart-paging-file-path': Flags.string({description: 'Folder for the smart paging file (recorded).'}),
    'allow-unverified-paths': Flags.boolean({description: 'Take -SnapshotFileLocation and -SmartPagingFilePath without checking that they exist.'}),
    'automatic-critical-error-action': enumFlag('AutomaticCriticalErrorAction', AUTOMATIC_CRITICAL_ERROR_ACTIONS, 'What a critical storage error does (recorded)'),
    'automatic-critical-error-action-timeout': integerFlag('AutomaticCriticalErrorActionTimeout', 'Minutes to wait in the paused critical state (recorded).'),
    'lock-on-disconnect': enumFlag('LockOnDisconnect', ON_OFF_STATES, 'Lock the guest session when the console disconnects (recorded)'),
    'guest-controlled-cache-types': boolFlag('GuestControlledCacheTypes', 'Let the guest control memory cache types (recorded; VM off).'),
    'low-memory-mapped-io-space': sizeFlag('LowMemoryMappedIoSpace', 'Size of the MMIO gap below 4 GiB, 128MB-3.5GB (VM off).'),
    'high-memory-mapped-io-space': sizeFlag('HighMemoryMappedIoSpace', 'Size of the MMIO space above 4 GiB (recorded; VM off).'),
    'enhanced-session-transport-type': enumFlag('EnhancedSessionTransportType', ENHANCED_SESSION_TRANSPORT_TYPES, 'Transport of enhanced sessions (recorded)'),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(SetVm)
    const changes = {
      newName: flags['new-vm-name'],
      processorCount: flags['processor-count'],
      memoryStartupBytes: flags['memory-startup-bytes'],
      dynamicMemory: flags['dynamic-memory'] ? true : flags['static-memory'] ? false : undefined,
      memoryMinimumBytes: flags['memory-minimum-bytes'],
      memoryMaximumBytes: flags['memory-maximum-bytes'],
      automaticStartAction: flags['automatic-start-action'],
      automaticStopAction: flags['automatic-stop-action'],
      automaticStartDelay: flags['automatic-start-delay'],
      checkpointType: flags['checkpoint-type'],
      automaticCheckpointsEnabled: flags['automatic-checkpoints-enabled'],
      notes: flags.notes,
      bootSource: flags['no-boot-source'] ? null : bootSourceFrom(flags),
      timeMode: flags['time-mode'],
      tripleFaultAction: flags['triple-fault-action'],
      settings: {
        snapshotFileLocation: flags['snapshot-file-location'] === undefined ? undefined : resolve(flags['snapshot-file-location']),
        smartPagingFilePath: flags['smart-paging-file-path'] === undefined ? undefined : resolve(flags['smart-paging-file-path']),
        automaticCriticalErrorAction: flags['automatic-critical-error-action'],
        automaticCriticalErrorActionTimeout: flags['automatic-critical-error-action-timeout'],
        lockOnDisconnect: flags['lock-on-disconnect'],
        guestControlledCacheTypes: flags['guest-controlled-cache-types'],
        lowMemoryMappedIoSpace: flags['low-memory-mapped-io-space'],
        highMemoryMappedIoSpace: flags['high-memory-mapped-io-space'],
        enhancedSessionTransportType: flags['enhanced-session-transport-type'],
      },
      allowUnverifiedPaths: flags['allow-unverified-paths'],
    }
    const selector = this.selector(argv, flags.id)
    if (changes.newName !== undefined && (await this.vmms.getVms(selector)).length > 1) {
      throw new InvalidArgumentError('-NewVMName renames one virtual machine; the names given select several.')
    }
    const vms = await this.actOnVms(selector, 'Set-VM', flags, (ids) => this.vmms.setVm({ids}, changes))
    if (flags.passthru) await this.print(await this.withStatus(vms, false), vmView, flags)
  }
}
