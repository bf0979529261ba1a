import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {InvalidArgumentError} from '../core/errors.js'

export default class TestVhd extends HvCommand {
  static summary = 'Check that virtual hard disk files are usable (Test-VHD).'
  static description = 'True when the image and each parent in its differencing chain open and agree (headers, checksums, tables inside the file, the parent where the child says and still the one it was made from); False otherwise, with the reason as a warning.'
  static examples = ['<%= config.bin %> test-vhd /srv/vms/web01.vhdx', '<%= config.bin %> test-vhd a.vhdx b.vhd --json']
  static strict = false
  static args = {path: Args.string({description: 'Image files.'})}
  static flags = {json: Flags.boolean({description: 'Print the results as a JSON array of booleans.'})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(TestVhd)
    const paths = this.names(argv)
    if (paths.length === 0) throw new InvalidArgumentError('Cannot process command because of one or more missing mandatory parameters: Path.')
    const results = paths.map((path) => this.vmms.disks.test(path))
    for (const result of results) if (result.problem) await this.warning(result.problem)
    process.stdout.write(flags.json ? `${JSON.stringify(results.map((r) => r.valid))}\n` : results.map((r) => (r.valid ? 'True' : 'False')).join('\n') + '\n')
  }
}
