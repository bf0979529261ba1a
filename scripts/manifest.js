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
await writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`)
console.log(`oclif.manifest.json: ${Object.keys(manifest.commands).length} commands`)
