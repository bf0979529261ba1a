import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {importPlanFlags, importOptionsFrom} from '../cli/import-options.js'
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
    '<%= config.bin %> import-vm --compatibility-report report.json',
  ]
  static args = {path: Args.string({description: 'The export folder, or its hv-export.json.'})}
  static flags = {...importPlanFlags, ...outputFlags}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(CompareVm)
    if (args.path === undefined) throw new InvalidArgumentError('Specify the export to compare: give -Path (or the path as the first argument).')
    const report = await this.vmms.transfer.compare(args.path, importOptionsFrom(flags))
    await this.print([report], compatibilityReportView, flags)
  }
}
