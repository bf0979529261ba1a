import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, whatIfFlag} from '../cli/flags.js'
import {vmView} from '../cli/views/vm.js'
import {importOptionsFrom, importPlanFlags, readCompatibilityReport} from '../cli/import-options.js'
import {InvalidArgumentError} from '../core/errors.js'

export default class ImportVm extends HvCommand {
  static summary = 'Import an exported virtual machine with its checkpoints (Import-VM).'
  static description =
    'PATH is an export folder (PATH/hv-export.json) or its manifest, or a compare-vm report gives it (--compatibility-report). Every file is checked against the manifest first: a partial or altered export is refused naming the file. Without --copy the VM is registered in place (it keeps its VMId and uses the files where they are); --copy copies them into the host\'s VM folder (or --virtual-machine-path), and --generate-new-id gives the copy a new VMId. A VMId that is already registered is a conflict (exit 5). Prints the imported VM, as Import-VM does.'
  static examples = [
    '<%= config.bin %> import-vm /backups/demo',
    '<%= config.bin %> import-vm /backups/demo/hv-export.json --copy --generate-new-id',
    '<%= config.bin %> Import-VM -Path /backups/demo -Copy -GenerateNewId -VirtualMachinePath /srv/vms -SnapshotFilePath /srv/checkpoints',
    '<%= config.bin %> import-vm --compatibility-report report.json',
  ]
  static args = {path: Args.string({description: 'The export folder, or its hv-export.json.'})}
  static flags = {
    ...importPlanFlags,
    'compatibility-report': Flags.string({
      description: 'Import as a compare-vm report (its --json, saved to this file) says: its path, options and VM name.',
      exclusive: Object.keys(importPlanFlags),
    }),
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ImportVm)
    const planned = flags['compatibility-report'] === undefined ? undefined : await readCompatibilityReport(flags['compatibility-report'])
    const path = planned?.path ?? args.path
    if (path === undefined) throw new InvalidArgumentError('Specify the export to import: give -Path (or the path as the first argument).')
    if (planned && args.path !== undefined) throw new InvalidArgumentError('Give either -Path or -CompatibilityReport, not both.')
    const options = planned?.options ?? importOptionsFrom(flags)
    if (!(await this.shouldProcess('Import-VM', path, flags, false))) return
    const progress = this.progress(`Importing '${path}'`)
    let vm
    try {
      vm = await this.vmms.transfer.importVm(path, {...options, onProgress: (d, t) => progress.update(d, t)})
    } finally {
      progress.end()
    }
    await this.print(await this.withStatus([vm], false), vmView, flags)
  }
}
