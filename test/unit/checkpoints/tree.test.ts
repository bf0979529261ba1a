import {describe, expect, it} from 'vitest'

import {NotFoundError} from '../../../src/core/errors.js'
import {emptyDocument, type CheckpointRecord, type StoreDocument, type VmRecord} from '../../../src/core/store/schema.js'
import {defaultCheckpointName, MAX_CHECKPOINT_NAME, validateCheckpointName} from '../../../src/core/vmms/checkpoints/naming.js'
import {
  addCheckpoint, findCheckpoints, findOneCheckpoint, removeCheckpoints, renameCheckpoint, subtree,
} from '../../../src/core/vmms/checkpoints/tree.js'

function vm(id = 'vm-1', name = 'demo'): VmRecord {
  return {id, name, parentCheckpointId: null, parentCheckpointName: null} as unknown as VmRecord
}

/** Take a checkpoint named `name` of `v`, as the VMMS registers one. */
function take(doc: StoreDocument, v: VmRecord, name: string, snapshotType: 'Standard' | 'Production' = 'Standard'): CheckpointRecord {
  const record = {
    id: `${name}-id`, vmId: v.id, name, snapshotType, creationTime: new Date().toISOString(),
    parentCheckpointId: v.parentCheckpointId, automatic: false, state: 'Off', configuration: {} as never, capture: null,
  } as CheckpointRecord
  addCheckpoint(doc, v, record)
  return record
}

function setup() {
  const doc = emptyDocument()
  const v = vm()
  doc.vms.push(v)
  // A -> B -> C, then the VM goes back to A and takes D: A has children B and D.
  const a = take(doc, v, 'A')
  const b = take(doc, v, 'B')
  const c = take(doc, v, 'C')
  v.parentCheckpointId = a.id
  const d = take(doc, v, 'D', 'Production')
  return {doc, v, a, b, c, d}
}

describe('the checkpoint tree', () => {
  it('links each new checkpoint to what the VM derived from, and the VM to the new one', () => {
    const {v, a, b, c, d} = setup()
    expect([a.parentCheckpointId, b.parentCheckpointId, c.parentCheckpointId, d.parentCheckpointId]).toEqual([null, a.id, b.id, a.id])
    expect([v.parentCheckpointId, v.parentCheckpointName]).toEqual([d.id, 'D'])
  })

  it('finds by name (wildcards), child-of, parent-of and type; a plain unknown name is the cmdlet error', () => {
    const {doc, v} = setup()
    const names = (q: Parameters<typeof findCheckpoints>[2]) => findCheckpoints(doc, v, q).map((c) => c.name)
    expect(names({})).toEqual(['A', 'B', 'C', 'D'])
    expect(names({names: ['[BC]']})).toEqual(['B', 'C'])
    expect(names({childOf: 'A'})).toEqual(['B', 'D'])
    expect(names({parentOf: 'C'})).toEqual(['B'])
    expect(names({snapshotType: 'Production'})).toEqual(['D'])
    expect(names({names: ['Z*']})).toEqual([])
    expect(() => names({names: ['Z']})).toThrow(NotFoundError)
    expect(() => names({names: ['Z']})).toThrow('Unable to find a snapshot matching the given criteria.')
    expect(() => names({childOf: 'nope'})).toThrow(/Unable to find a snapshot/)
    expect(findOneCheckpoint(doc, v, 'c').name).toBe('C') // names compare case-insensitively, as in PowerShell
    expect(names({ids: ['b-ID']})).toEqual(['B'])
    expect(() => names({ids: ['nope-id']})).toThrow(/Unable to find a snapshot/)
  })

  it('removing a middle checkpoint hands its children to its parent', () => {
    const {doc, v, a, b, c} = setup()
    expect(removeCheckpoints(doc, v, [b], false).map((x) => x.name)).toEqual(['B'])
    expect(c.parentCheckpointId).toBe(a.id)
    expect(doc.checkpoints.map((x) => x.name)).toEqual(['A', 'C', 'D'])
  })

  it('removing with the children removes the subtree, and the VM moves up when it derived from it', () => {
    const {doc, v, a} = setup()
    expect(subtree(doc, a).map((x) => x.name)).toEqual(['A', 'B', 'D', 'C'])
    const removed = removeCheckpoints(doc, v, [a], true)
    expect(removed.map((x) => x.name).sort()).toEqual(['A', 'B', 'C', 'D'])
    expect(doc.checkpoints).toEqual([])
    expect([v.parentCheckpointId, v.parentCheckpointName]).toEqual([null, null])
  })

  it('removing the checkpoint the VM derives from makes its parent the VM\'s parent', () => {
    const {doc, v, a, d} = setup()
    removeCheckpoints(doc, v, [d], false)
    expect([v.parentCheckpointId, v.parentCheckpointName]).toEqual([a.id, 'A'])
  })

  it('leaves other VMs\' checkpoints alone', () => {
    const {doc, v, a} = setup()
    const other = vm('vm-2', 'other')
    doc.vms.push(other)
    const x = take(doc, other, 'X')
    removeCheckpoints(doc, v, [a], true)
    expect(doc.checkpoints).toEqual([x])
    expect(findCheckpoints(doc, other).map((c) => c.name)).toEqual(['X'])
  })

  it('renaming keeps the VM\'s ParentCheckpointName in step', () => {
    const {doc, v, d} = setup()
    renameCheckpoint(doc, d, 'production one')
    expect(v.parentCheckpointName).toBe('production one')
  })
})

describe('checkpoint names', () => {
  it('default to the VM name and the time, as Hyper-V names them', () => {
    expect(defaultCheckpointName('demo', new Date(2026, 10, 23, 21, 15, 2))).toBe('demo - (11/23/2026 - 9:15:02 PM)')
    expect(defaultCheckpointName('demo', new Date(2026, 0, 5, 0, 7, 9))).toBe('demo - (1/5/2026 - 12:07:09 AM)')
    expect(defaultCheckpointName('demo', new Date(2026, 0, 5, 12, 0, 0))).toBe('demo - (1/5/2026 - 12:00:00 PM)')
  })

  it('are cut to 100 characters by shortening the VM name', () => {
    const name = defaultCheckpointName('v'.repeat(100), new Date(2026, 10, 23, 21, 15, 2))
    expect(name).toHaveLength(MAX_CHECKPOINT_NAME)
    expect(name.endsWith(' - (11/23/2026 - 9:15:02 PM)')).toBe(true)
  })

  it.each([
    ['', /parameter 'SnapshotName'. The argument is null or empty/],
    ['   ', /null or empty/],
    ['x'.repeat(101), /too long: it has 101 characters; the maximum is 100/],
    ['a\nb', /cannot contain control characters/],
  ])('refuse %j', (name, message) => {
    expect(() => validateCheckpointName(name)).toThrow(message)
  })

  it('accept 100 characters and punctuation', () => {
    expect(() => validateCheckpointName('x'.repeat(100))).not.toThrow()
    expect(() => validateCheckpointName('before update (v2.1): "safe"')).not.toThrow()
  })
})
