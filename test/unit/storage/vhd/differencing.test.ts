/** Differencing images: the parent shows through, the child's writes override it, and the chain is found and checked. */
import {closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync} from 'node:fs'
import {basename, join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {InvalidStateError} from '../../../../src/core/errors.js'
import {DiskFormatError} from '../../../../src/core/storage/virtual-disk.js'
import {decodeDynamicHeader, encodeDynamicHeader, type DynamicHeader} from '../../../../src/core/storage/vhd/dynamic-header.js'
import {decodeFooter} from '../../../../src/core/storage/vhd/footer.js'
import {createVhd, openVhd} from '../../../../src/core/storage/vhd/index.js'
import {toVhdTimestamp} from '../../../../src/core/storage/vhd/timestamp.js'
import {DiskModel, KIB, MIB, pattern, useTempDir} from './helpers.js'

const tempDir = useTempDir()
const BLOCK = 512 * KIB
const SIZE = 4 * MIB

function utf16le(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf16le')
}

function headerOf(path: string): DynamicHeader {
  return decodeDynamicHeader(new Uint8Array(readFileSync(path)).subarray(512, 1536), path)
}

function rewriteHeader(path: string, change: (header: DynamicHeader) => DynamicHeader): void {
  const bytes = encodeDynamicHeader(change(headerOf(path)))
  const fd = openSync(path, 'r+')
  writeSync(fd, bytes, 0, bytes.length, 512)
  closeSync(fd)
}

function readAll(path: string): Uint8Array {
  const disk = openVhd(path, {readOnly: true})
  const all = new Uint8Array(disk.size)
  disk.read(0, all)
  disk.close()
  return all
}

/** A parent of either kind with data in some blocks, and a model of it. */
function makeParent(dir: string, type: 'Fixed' | 'Dynamic', name = 'parent.vhd') {
  const path = join(dir, name)
  const disk = createVhd({path, type, size: SIZE, blockSize: BLOCK})
  const model = new DiskModel(SIZE)
  for (const [offset, length, seed] of [[0, BLOCK, 1], [BLOCK + 4096, 8192, 2], [3 * BLOCK - 512, 1024, 3]]) {
    const data = pattern(offset, length, seed)
    disk.write(offset, data)
    model.write(offset, data)
  }
  disk.close()
  return {path, model}
}

function expectOpenToFail(path: string, message: string | RegExp): DiskFormatError {
  let error: unknown
  try {
    openVhd(path).close()
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(DiskFormatError)
  expect((error as Error).message).toMatch(message)
  return error as DiskFormatError
}

describe.each(['Fixed', 'Dynamic'] as const)('a differencing image of a %s parent', (parentType) => {
  it("reads its parent's data until it writes its own, then keeps the parent as it was", () => {
    const dir = tempDir()
    const parent = makeParent(dir, parentType)
    const parentBytes = readFileSync(parent.path)
    const childPath = join(dir, 'child.vhd')
    const child = createVhd({path: childPath, type: 'Differencing', parentPath: parent.path, size: 123 * MIB})
    expect(child).toMatchObject({type: 'Differencing', size: SIZE, blockSize: 2 * MIB, parentPath: parent.path})
    expect(child.parent).toMatchObject({path: parent.path, readOnly: true, type: parentType})

    const all = new Uint8Array(SIZE)
    child.read(0, all)
    expect(Buffer.compare(all, parent.model.bytes)).toBe(0)

    const model = new DiskModel(SIZE, parent.model.bytes)
    // Partial blocks (sectors present here next to sectors from the parent), across a block boundary, whole blocks.
    for (const [offset, length, seed] of [[512, 512, 11], [BLOCK + 2048, 4096, 12], [2 * MIB - 1024, 4096, 13], [3 * MIB, MIB, 14]]) {
      const data = pattern(offset, length, seed)
      child.write(offset, data)
      model.write(offset, data)
    }
    child.read(0, all)
    expect(Buffer.compare(all, model.bytes)).toBe(0)
    child.close()

    expect(Buffer.compare(readAll(childPath), model.bytes)).toBe(0)
    expect(Buffer.compare(readFileSync(parent.path), parentBytes)).toBe(0)
  })
})

describe('a differencing image', () => {
  it("records its parent: size, geometry, unique ID, modification time, name and both locators", () => {
    const dir = tempDir()
    const parent = makeParent(dir, 'Dynamic')
    const childPath = join(dir, 'child.vhd')
    createVhd({path: childPath, type: 'Differencing', parentPath: parent.path}).close()

    const parentFooter = decodeFooter(new Uint8Array(readFileSync(parent.path)).subarray(0, 512), parent.path)
    const childBytes = new Uint8Array(readFileSync(childPath))
    const childFooter = decodeFooter(childBytes.subarray(childBytes.length - 512), childPath)
    expect(childFooter).toMatchObject({diskType: 'Differencing', currentSize: SIZE, geometry: parentFooter.geometry, dataOffset: 512n})
    expect(childFooter.uniqueId).not.toBe(parentFooter.uniqueId)

    const header = headerOf(childPath)
    expect(header.parentUniqueId).toBe(parentFooter.uniqueId)
    expect(header.parentTimestamp).toBe(toVhdTimestamp(statSync(parent.path).mtime))
    expect(header.parentName).toBe('parent.vhd')
    const [absolute, relative, ...rest] = header.locators
    expect(absolute).toMatchObject({platformCode: 'W2ku', dataLength: parent.path.length * 2, dataSpace: 4096})
    expect(relative).toMatchObject({platformCode: 'W2ru', dataLength: './parent.vhd'.length * 2, dataSpace: 4096})
    expect(rest.every((locator) => locator.platformCode === '\0\0\0\0')).toBe(true)
    const dataOf = (locator: typeof absolute) => childBytes.subarray(Number(locator.dataOffset), Number(locator.dataOffset) + locator.dataLength)
    expect(utf16le(dataOf(absolute))).toBe(parent.path)
    expect(utf16le(dataOf(relative))).toBe('./parent.vhd')
    // The locators' data follows the BAT, each in whole sectors.
    expect(Number(absolute.dataOffset)).toBe(1536 + 512)
    expect(Number(relative.dataOffset)).toBe(1536 + 512 + 4096)
  })

  it('records a relative path that climbs out of its folder when the parent lives elsewhere', () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'base'))
    mkdirSync(join(dir, 'diffs'))
    const parent = makeParent(join(dir, 'base'), 'Dynamic')
    const childPath = join(dir, 'diffs', 'child.vhd')
    createVhd({path: childPath, type: 'Differencing', parentPath: parent.path}).close()
    const relative = headerOf(childPath).locators[1]
    const bytes = new Uint8Array(readFileSync(childPath))
    expect(utf16le(bytes.subarray(Number(relative.dataOffset), Number(relative.dataOffset) + relative.dataLength))).toBe('../base/parent.vhd')
  })

  it('stacks: a chain of three reads through every level', () => {
    const dir = tempDir()
    const base = makeParent(dir, 'Dynamic', 'base.vhd')
    const model = new DiskModel(SIZE, base.model.bytes)
    let parentPath = base.path
    for (const [name, seed] of [['c1.vhd', 21], ['c2.vhd', 22], ['c3.vhd', 23]] as const) {
      const path = join(dir, name)
      const disk = createVhd({path, type: 'Differencing', parentPath})
      const offset = seed % 4 * BLOCK + 1024
      disk.write(offset, pattern(offset, 2048, seed))
      model.write(offset, pattern(offset, 2048, seed))
      disk.close()
      parentPath = path
    }
    const top = openVhd(join(dir, 'c3.vhd'))
    expect(top.parent?.parent?.parent?.path).toBe(base.path)
    expect(top.parent?.parent?.parent?.parent).toBeNull()
    const all = new Uint8Array(SIZE)
    top.read(0, all)
    expect(Buffer.compare(all, model.bytes)).toBe(0)
    top.close()
    // Closing the child closed its parents.
    expect(() => top.parent?.read(0, new Uint8Array(512))).toThrow(InvalidStateError)
  })

  it('finds its parent through the relative locator after the chain moves to another folder', () => {
    const dir = tempDir()
    const parent = makeParent(dir, 'Dynamic')
    createVhd({path: join(dir, 'child.vhd'), type: 'Differencing', parentPath: parent.path}).close()
    const moved = join(tempDir(), 'moved')
    renameSync(dir, moved)
    const child = openVhd(join(moved, 'child.vhd'))
    expect(child.parent?.path).toBe(join(moved, 'parent.vhd'))
    // parentPath is where the locators led, not the stale absolute path the image records.
    expect(child.parentPath).toBe(join(moved, 'parent.vhd'))
    const all = new Uint8Array(SIZE)
    child.read(0, all)
    expect(Buffer.compare(all, parent.model.bytes)).toBe(0)
    child.close()
  })

  it('falls back to the absolute locator when the child moves away from its parent', () => {
    const dir = tempDir()
    const parent = makeParent(dir, 'Dynamic')
    createVhd({path: join(dir, 'child.vhd'), type: 'Differencing', parentPath: parent.path}).close()
    const elsewhere = join(tempDir(), 'child.vhd')
    renameSync(join(dir, 'child.vhd'), elsewhere)
    const child = openVhd(elsewhere)
    expect(child.parent?.path).toBe(parent.path)
    child.close()
  })

  it('accepts Windows separators in the locators', () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'sub'))
    const parent = makeParent(join(dir, 'sub'), 'Dynamic')
    const childPath = join(dir, 'child.vhd')
    createVhd({path: childPath, type: 'Differencing', parentPath: parent.path}).close()
    const windowsRelative = Buffer.from('.\\sub\\parent.vhd', 'utf16le')
    rewriteHeader(childPath, (header) => {
      const locators = [...header.locators]
      locators[0] = {...locators[0], platformCode: 'W2ku', dataLength: Buffer.byteLength('C:\\VMs\\parent.vhd', 'utf16le')}
      locators[1] = {...locators[1], dataLength: windowsRelative.length}
      return {...header, locators}
    })
    const fd = openSync(childPath, 'r+')
    const header = headerOf(childPath)
    writeSync(fd, Buffer.from('C:\\VMs\\parent.vhd', 'utf16le'), 0, undefined, Number(header.locators[0].dataOffset))
    writeSync(fd, windowsRelative, 0, undefined, Number(header.locators[1].dataOffset))
    closeSync(fd)
    const child = openVhd(childPath)
    expect(child.parent?.path).toBe(parent.path)
    expect(child.parentPath).toBe(parent.path)
    child.close()
  })

  it('names the paths it looked for when the parent is missing', () => {
    const dir = tempDir()
    const parent = makeParent(dir, 'Dynamic')
    const childPath = join(dir, 'child.vhd')
    createVhd({path: childPath, type: 'Differencing', parentPath: parent.path}).close()
    renameSync(parent.path, join(dir, 'renamed.vhd'))
    const error = expectOpenToFail(childPath, 'the parent image was not found')
    expect(error.path).toBe(childPath)
    expect(error.message).toContain(`${parent.path} (relative locator "./parent.vhd")`)
    expect(error.message).toContain(`${parent.path} (absolute locator "${parent.path}")`)
  })

  it('refuses a parent that is not the one it was made from', () => {
    const dir = tempDir()
    const parent = makeParent(dir, 'Dynamic')
    const childPath = join(dir, 'child.vhd')
    createVhd({path: childPath, type: 'Differencing', parentPath: parent.path}).close()
    renameSync(parent.path, join(dir, 'original.vhd'))
    createVhd({path: parent.path, type: 'Dynamic', size: SIZE}).close()
    expectOpenToFail(childPath, /has unique ID .* not the .* this image was made from/)
    renameSync(parent.path, join(dir, 'impostor.vhd'))
    createVhd({path: parent.path, type: 'Dynamic', size: 2 * SIZE}).close()
    expectOpenToFail(childPath, `is ${2 * SIZE} bytes but this differencing image is ${SIZE}`)
  })

  it('refuses a chain that loops back on itself', () => {
    const dir = tempDir()
    const parent = makeParent(dir, 'Dynamic')
    const childPath = join(dir, 'child.vhd')
    createVhd({path: childPath, type: 'Differencing', parentPath: parent.path}).close()
    // Replace the parent by a differencing image of the child: child -> parent -> child.
    const loopPath = join(dir, 'loop.vhd')
    createVhd({path: loopPath, type: 'Differencing', parentPath: childPath}).close()
    renameSync(loopPath, parent.path)
    expectOpenToFail(childPath, 'the chain loops')
  })

  it('refuses an image with no usable locator, or with locator data outside the file', () => {
    const dir = tempDir()
    const parent = makeParent(dir, 'Dynamic')
    const childPath = join(dir, 'child.vhd')
    createVhd({path: childPath, type: 'Differencing', parentPath: parent.path}).close()
    const original = headerOf(childPath)
    rewriteHeader(childPath, (header) => ({...header, locators: header.locators.map((locator) => ({...locator, platformCode: 'MacX'}))}))
    expectOpenToFail(childPath, 'has no W2ru or W2ku parent locator')
    rewriteHeader(childPath, () => ({...original, locators: original.locators.map((locator, i) => (i === 1 ? {...locator, dataOffset: 1n << 50n} : locator))}))
    expectOpenToFail(childPath, 'parent locator 1 (W2ru) data at offset 1125899906842624 runs past the end')
    rewriteHeader(childPath, () => ({...original, locators: original.locators.map((locator, i) => (i === 0 ? {...locator, dataLength: 0x7fffffff} : locator))}))
    expectOpenToFail(childPath, 'parent locator 0 (W2ku) data length 2147483647 is more than a path can take')
  })

  it('reports its own allocated blocks only', () => {
    const dir = tempDir()
    const parent = makeParent(dir, 'Dynamic')
    const child = createVhd({path: join(dir, 'child.vhd'), type: 'Differencing', parentPath: parent.path, blockSize: BLOCK})
    expect(child.allocatedBlocks()).toEqual([])
    child.write(5 * BLOCK, pattern(5 * BLOCK, 512, 1))
    expect(child.allocatedBlocks().map((block) => block.virtualOffset)).toEqual([5 * BLOCK])
    expect(child.parent?.allocatedBlocks().length).toBe(4)
    expect(basename(child.parent?.path ?? '')).toBe('parent.vhd')
    child.close()
  })
})
