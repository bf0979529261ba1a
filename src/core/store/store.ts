import {mkdir} from 'node:fs/promises'
import {join} from 'node:path'

import {Low} from 'lowdb'

import {StoreError} from '../errors.js'
import {AtomicJsonFile, corrupt} from './atomic-json-file.js'
import {withLock} from './interprocess-lock.js'
import {LAST_GOOD_FILE, LOCK_FILE, STORE_FILE} from './paths.js'
import {describeShapeProblem, emptyDocument, MIGRATIONS, SCHEMA_VERSION, type StoreDocument} from './schema.js'

/**
 * The store: one lowdb JSON document under the hv home, plus blob files beside it.
 * Reads take no lock (the document is only ever replaced whole, by rename);
 * every read-modify-write holds the inter-process lock from its read to its
 * write, so commands run in parallel from a shell lose nothing.
 */
export class Store {
  readonly file: string
  readonly lastGoodFile: string
  readonly lockFile: string
  private readonly adapter: AtomicJsonFile<StoreDocument>

  constructor(readonly home: string) {
    this.file = join(home, STORE_FILE)
    this.lastGoodFile = join(home, LAST_GOOD_FILE)
    this.lockFile = join(home, LOCK_FILE)
    // Only update() writes, and it holds the store lock while it does.
    this.adapter = new AtomicJsonFile(this.file, this.lastGoodFile, true)
  }

  /** The current document, migrated to the current schema in memory. */
  async read(): Promise<StoreDocument> {
    const db = new Low<StoreDocument>(this.adapter, emptyDocument())
    await db.read()
    return this.upgrade(db.data)
  }

  /**
   * Run `mutate` on the freshest document under the lock and write the result.
   * If `mutate` throws, nothing is written.
   */
  async update<T>(mutate: (doc: StoreDocument) => T | Promise<T>): Promise<T> {
    await this.ensureHome()
    return withLock(this.lockFile, async () => {
      const db = new Low<StoreDocument>(this.adapter, emptyDocument())
      await db.read()
      db.data = this.upgrade(db.data)
      const result = await mutate(db.data)
      await db.write()
      return result
    })
  }

  private async ensureHome(): Promise<void> {
    try {
      await mkdir(this.home, {recursive: true})
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error)
      throw new StoreError(`Cannot create the hv home directory ${this.home} (${code}).`)
    }
  }

  private upgrade(raw: unknown): StoreDocument {
    const problem = describeShapeProblem(raw)
    if (problem) throw corrupt(this.file, this.lastGoodFile, problem)
    let doc = raw as Record<string, unknown>
    const version = doc.schemaVersion as number
    if (version > SCHEMA_VERSION) {
      throw new StoreError(
        `The hv store ${this.file} was written by a newer hv (schema ${version}; this hv reads up to ${SCHEMA_VERSION}). ` +
          'Upgrade hv to use it; nothing was changed.',
      )
    }
    for (let v = version; v < SCHEMA_VERSION; v++) doc = MIGRATIONS[v](doc)
    const migratedProblem = describeShapeProblem(doc)
    if (migratedProblem) throw corrupt(this.file, this.lastGoodFile, migratedProblem)
    return doc as unknown as StoreDocument
  }
}
