import {resolve} from 'node:path'

import {Flags} from '@oclif/core'

import {InvalidArgumentError} from '../core/errors.js'
import type {ImportOptions} from '../core/vmms/export-import/export-import-service.js'

/** The options Import-VM and Compare-VM share: how the export becomes a VM. */
export const importPlanFlags = {
  copy: Flags.boolean({description: 'Copy the files instead of registering them in place.'}),
  register: Flags.boolean({description: 'Register the VM where its files are (the default without --copy).'}),
  'generate-new-id': Flags.boolean({description: 'Give the imported VM a new VMId (and its checkpoints new ids), copied or in place.'}),
  'virtual-machine-path': Flags.string({description: "Where --copy puts the VM's files (default: the host's VirtualMachinePath)."}),
  'snapshot-file-path': Flags.string({description: "Where --copy puts the checkpoint files (default: the VM's folder)."}),
  'vhd-destination-path': Flags.string({description: 'Where --copy puts virtual disks (checked; hv VMs have no disks yet).'}),
  'smart-paging-file-path': Flags.string({description: "The imported VM's SmartPagingFilePath."}),
}

type PlanFlags = {
  copy?: boolean
  register?: boolean
  'generate-new-id'?: boolean
  'virtual-machine-path'?: string
  'snapshot-file-path'?: string
  'vhd-destination-path'?: string
  'smart-paging-file-path'?: string
}

export function importOptionsFrom(flags: PlanFlags): ImportOptions {
  if (flags.register && flags.copy) {
    throw new InvalidArgumentError('Parameter set cannot be resolved using the specified named parameters: -Register and -Copy cannot be used together.')
  }
  const path = (value: string | undefined) => (value === undefined ? undefined : resolve(value))
  return {
    copy: flags.copy,
    register: flags.register,
    generateNewId: flags['generate-new-id'],
    smartPagingFilePath: path(flags['smart-paging-file-path']),
    virtualMachinePath: path(flags['virtual-machine-path']),
    snapshotFilePath: path(flags['snapshot-file-path']),
    vhdDestinationPath: path(flags['vhd-destination-path']),
  }
}

/**
 * A compare-vm report, as its --json printed it (one report, or an array of
 * one): the export's path, the options it was compared with, and the VM's
 * name, which the user may have edited.
 */
export async function readCompatibilityReport(file: string): Promise<{path: string; options: ImportOptions}> {
  const {readFile} = await import('node:fs/promises')
  const bad = (why: string) => new InvalidArgumentError(`Cannot bind parameter 'CompatibilityReport': '${file}' ${why}.`)
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw bad((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not a compare-vm report (not JSON)')
  }
  const report = (Array.isArray(parsed) ? parsed[0] : parsed) as Record<string, unknown> | undefined
  if (!report || report.OperationType !== 'ImportVirtualMachine' || typeof report.Path !== 'string' || typeof report.VM !== 'object' || report.VM === null) {
    throw bad('is not a compare-vm report')
  }
  const vm = report.VM as {Name?: unknown}
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined)
  const copy = report.Copy === true
  return {
    path: report.Path,
    options: {
      copy,
      generateNewId: report.GenerateNewId === true,
      virtualMachinePath: copy ? text(report.VirtualMachinePath) : undefined,
      snapshotFilePath: copy ? text(report.SnapshotPath) : undefined,
      vhdDestinationPath: copy ? text(report.VhdDestinationPath) : undefined,
      smartPagingFilePath: text((vm as {SmartPagingFilePath?: unknown}).SmartPagingFilePath),
      newName: text(vm.Name),
    },
  }
}
