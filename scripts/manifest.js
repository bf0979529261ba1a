// Writes oclif.manifest.json from the built commands, so that a run loads only
// the command it executes instead of importing every command file to list them.
import {rm, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {Config} from '@oclif/core'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const file = join(root, 'oclif.manifest.json')
await rm(file, {force: true})
const config = await Config.load({root})
const plugin = config.plugins.get(config.pjson.name)
if (!plugin) throw new Error('the root plugin did not load')
const manifest = plugin.manifest
// PowerShell's common parameters are on every command (HvCommand.baseFlags): parsing takes them from the
// command's class, so the manifest, which every run reads, names them once in each description instead of
// carrying their definitions 60 times over (a third of its size, and of its start-up cost).
const COMMON = 'COMMON PARAMETERS'
const commonNote = 'It also takes the PowerShell common parameters: -ErrorAction, -WarningAction, -InformationAction, -ProgressAction, -Verbose, -Debug, -ErrorVariable, -WarningVariable, -InformationVariable, -OutVariable, -PipelineVariable, -OutBuffer (see the README).'
for (const command of Object.values(manifest.commands)) {
  const common = Object.entries(command.flags).filter(([, flag]) => flag.helpGroup === COMMON)
  if (common.length === 0) continue
  for (const [name] of common) delete command.flags[name]
  command.description = command.description ? `${command.description}\n\n${commonNote}` : commonNote
}
await writeFile(file, `${JSON.stringify(manifest)}\n`)
console.log(`oclif.manifest.json: ${Object.keys(manifest.commands).length} commands`)
