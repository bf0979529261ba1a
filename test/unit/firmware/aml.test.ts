import {describe, expect, it} from 'vitest'

import {
  buffer,
  device,
  eisaId,
  integer,
  method,
  name,
  nameSeg,
  nameString,
  pkg,
  pkgLength,
  returnValue,
  scope,
  string,
} from '../../../src/core/firmware/acpi/aml.js'
import {dwordMemory, endTag, ioPorts, irqNoFlags, qwordMemory, resourceTemplate} from '../../../src/core/firmware/acpi/aml-resources.js'

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

describe('AML encoder', () => {
  it('encodes PkgLength in one to four bytes, counting its own bytes', () => {
    expect([...pkgLength(0)]).toEqual([0x01])
    expect([...pkgLength(62)]).toEqual([0x3f])
    // 63 body bytes + 2 length bytes = 65 = 0x41: low nibble 1, then 0x04.
    expect([...pkgLength(63)]).toEqual([0x41, 0x04])
    expect([...pkgLength(0xffd)]).toEqual([0x4f, 0xff])
    // 0xFFE + 3 = 0x1001.
    expect([...pkgLength(0xffe)]).toEqual([0x81, 0x00, 0x01])
    expect(pkgLength(0x100000).length).toBe(4)
    expect(() => pkgLength(0x10000000)).toThrow(RangeError)
  })

  it('pads name segments with underscores and rejects invalid ones', () => {
    expect(String.fromCharCode(...nameSeg('_S5'))).toBe('_S5_')
    expect(() => nameSeg('5ABC')).toThrow(RangeError)
    expect(() => nameSeg('ABCDE')).toThrow(RangeError)
    expect(() => nameSeg('abc')).toThrow(RangeError)
  })

  it('encodes name strings with root, parent, dual and multi prefixes', () => {
    expect(hex(nameString('VMOD'))).toBe('564d4f44')
    expect(hex(nameString('\\_SB'))).toBe('5c5f53425f')
    expect(hex(nameString('\\_SB.VMOD'))).toBe('5c2e5f53425f564d4f44')
    expect(hex(nameString('\\_SB.VMOD.VMBS'))).toBe('5c2f035f53425f564d4f44564d4253')
    expect(hex(nameString('^^PWRB'))).toBe('5e5e50575242')
    expect(hex(nameString('\\'))).toBe('5c00')
  })

  it('encodes integers in their shortest form', () => {
    expect(hex(integer(0))).toBe('00')
    expect(hex(integer(1))).toBe('01')
    expect(hex(integer(5))).toBe('0a05')
    expect(hex(integer(0x1234))).toBe('0b3412')
    expect(hex(integer(0xfec00000))).toBe('0c0000c0fe')
    expect(hex(integer(0x100000000))).toBe('0e0000000001000000')
    expect(hex(integer(0xffffffffffffffffn))).toBe('0effffffffffffffff')
    expect(() => integer(-1)).toThrow(RangeError)
  })

  it('encodes strings, EISA IDs, buffers and packages', () => {
    expect(hex(string('VMBUS'))).toBe('0d564d42555300')
    // EisaId("PNP0C0C") is the DWord 0x0C0CD041.
    expect(hex(eisaId('PNP0C0C'))).toBe('0c41d00c0c')
    expect(hex(buffer(Uint8Array.of(0x79, 0x00)))).toBe('11050a027900')
    expect(hex(pkg([integer(0), integer(0)]))).toBe('1204020000')
  })

  it('encodes Name, Scope, Device, Method and Return', () => {
    expect(hex(name('_UID', integer(0)))).toBe('085f55494400')
    expect(hex(scope('\\_SB', []))).toBe('10065c5f53425f')
    expect(hex(device('VMBS', []))).toBe('5b8205564d4253')
    // Method(_STA, 0, NotSerialized) { Return (0x0F) }
    expect(hex(method('_STA', [returnValue(integer(0x0f))]))).toBe('14095f535441' + '00' + 'a40a0f')
    expect(method('_X', [], {argumentCount: 2, serialized: true})[6]).toBe(0x0a)
  })
})

describe('resource descriptors', () => {
  it('encodes IRQNoFlags, IO and the end tag', () => {
    expect(hex(irqNoFlags([5]))).toBe('222000')
    expect(hex(irqNoFlags([9, 15]))).toBe('220082')
    expect(() => irqNoFlags([16])).toThrow(RangeError)
    expect(hex(ioPorts(0x600, 0x600, 1, 16))).toBe('47010006000601' + '10')
    expect(hex(endTag())).toBe('7900')
  })

  it('encodes DWord and QWord memory ranges with fixed ends', () => {
    const dword = dwordMemory({base: 0xf8000000, length: 0x06c00000})
    expect(dword.length).toBe(26)
    expect(hex(dword.subarray(0, 6))).toBe('871700' + '00' + '0d' + '01')
    const view = new DataView(dword.buffer)
    expect(view.getUint32(10, true)).toBe(0xf8000000)
    expect(view.getUint32(14, true)).toBe(0xfebfffff)
    expect(view.getUint32(22, true)).toBe(0x06c00000)
    const qword = qwordMemory({base: 0x100000000n, length: 0x40000000})
    expect(qword.length).toBe(46)
    expect(qword[0]).toBe(0x8a)
    expect(new DataView(qword.buffer).getBigUint64(14, true)).toBe(0x100000000n)
    expect(() => dwordMemory({base: 0xffff0000, length: 0x20000})).toThrow(RangeError)
  })

  it('wraps descriptors in a buffer ending with the end tag', () => {
    expect(hex(resourceTemplate([irqNoFlags([5])]))).toBe('11080a05' + '222000' + '7900')
  })
})
