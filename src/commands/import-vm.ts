import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, whatIfFlag} from '../cli/flags.js'
import {progressLine} from '../cli/progress.js'
import {vmView} from '../cli/views/vm.js'
import {InvalidArgumentError} from '../core/errors.js'

export default class ImportVm extends HvCommand {
  static summary = 'Import an exported virtual machine with its checkpoints (Import-VM).'
  static description =
    'PATH is an export folder (PATH/hv-export.json) or its manifest. Every file is checked against the manifest first: a partial or altered export is refused naming the file. Without --copy the VM is registered in place (it keeps its VMId and uses the files where they are); --copy copies them into the host\'s VM folder (or --virtual-machine-path), and --generate-new-id gives the copy a new VMId. A VMId that is already registered is a conflict (exit 5). Prints the imported VM, as Import-VM does.'
  static examples = [
    '<%= config.bin %> import-vm /backups/demo',
    '<%= config.bin %> import-vm /backups/demo/hv-export.json --copy --generate-new-id',
  ]
  static args = {path: Args.string({description: 'The export folder, or its hv-export.json.'})}
  static flags = {
    copy: Flags.boolean({description: 'Copy the files instead of registering them in place.'}),
    'generate-new-id': Flags.boolean({description: 'Give the imported VM a new VMId (with --copy).'}),
    'virtual-machine-path': Flags.string({description: 'Where --copy puts the VM\'s files (default: the host\'s VirtualMachinePath).'}),
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ImportVm)
    if (args.path === undefined) throw new InvalidArgumentError('Specify the export to import: give -Path (or the path as the first argument).')
    if (!(await this.shouldProcess('Import-VM', args.path, flags, false))) return
    const progress = progressLine(`Importing '${args.path}'`)
    let vm
    try {
      vm = await this.vmms.transfer.importVm(args.path, {
        copy: flags.copy, generateNewId: flags['generate-new-id'], virtualMachinePath: flags['virtual-machine-path'],
        onProgress: (d, t) => progress.update(d, t),
      })
    } finally {
      progress.end()
    }
    await this.print(await this.withStatus([vm], false), vmView, flags)
  }
}
