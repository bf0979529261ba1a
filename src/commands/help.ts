import {Args, Command, loadHelpClass} from '@oclif/core'

export default class Help extends Command {
  static summary = 'Show help for hv or for one command.'
  static examples = ['<%= config.bin %> help', '<%= config.bin %> help new-vm']
  static strict = false
  static args = {command: Args.string({description: 'The command to explain.'})}

  async run(): Promise<void> {
    const {argv} = await this.parse(Help)
    const HelpClass = await loadHelpClass(this.config)
    await new HelpClass(this.config, {all: false}).showHelp(argv as string[])
  }
}
