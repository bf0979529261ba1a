import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {importOptionsFrom, importPlanFlags, readCompatibilityReport} from '../cli/import-options.js'
import {outputFlags} from '../cli/flags.js'
import {compatibilityReportView} from '../cli/views/vm-compatibility-report.js'
import {InvalidArgumentError} from '../core/errors.js'

export default class CompareVm extends HvCommand {
  static summary = 'Check whether an export can be imported (Compare-VM).'
  static description =
    "Checks the export as import-vm would (every file against its manifest) and prints the compatibility report: the VM that import-vm with the same options would register, and the incompatibilities in its way (an ID already registered, a configuration version, processor count or memory this host cannot give). Nothing is changed. Save the report with --json and give it to import-vm --compatibility-report; its VM.Name may be edited first to import under another name."
  static examples = [
    '<%= config.bin %> compare-vm /backups/demo',
    '<%= config.bin %> Compare-VM -Path /backups/demo -Copy -GenerateNewId --json > report.json',
    '<%= config.bin %> compare-vm --compatibility-report report.json',
    '<%= config.bin %> import-vm --compatibility-report report.json',
  ]
  static args = {path: Args.string({description: 'The export folder, or its hv-export.json.'})}
  static flags = {
    ...importPlanFlags,
    'compatibility-report': Flags.string({
      description: 'Check a saved report again (after its VM.Name was edited, or the host changed): its path and options.',
      exclusive: Object.keys(importPlanFlags),
    }),
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(CompareVm)
    const planned = flags['compatibility-report'] === undefined ? undefined : await readCompatibilityReport(flags['compatibility-report'])
    if (planned && args.path !== undefined) throw new InvalidArgumentError('Give either -Path or -CompatibilityReport, not both.')
    const path = planned?.path ?? args.path
    if (path === undefined) throw new InvalidArgumentError('Specify the export to compare: give -Path (or the path as the first argument).')
    const report = await this.vmms.transfer.compare(path, planned?.options ?? importOptionsFrom(flags))
    await this.print([report], compatibilityReportView, flags)
  }
}
