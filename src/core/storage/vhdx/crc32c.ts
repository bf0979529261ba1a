/**
 * CRC-32C (Castagnoli), the checksum of every VHDX header, region table and
 * log entry. It is not zlib's CRC-32: the polynomial is 0x1EDC6F41, used here
 * in its bit-reflected form 0x82F63B78, with the usual initial value and
 * final inversion (all ones).
 *
 * Eight bytes are folded per step ("slicing by 8"): TABLES[k][b] is the
 * remainder of byte b followed by k zero bytes, so the remainders of eight
 * bytes can be looked up independently and combined. A region table is
 * 64 KiB and is checked on every open.
 */

const REFLECTED_POLYNOMIAL = 0x82f63b78

const TABLES = (() => {
  const tables = Array.from({length: 8}, () => new Uint32Array(256))
  for (let byte = 0; byte < 256; byte++) {
    let remainder = byte
    for (let bit = 0; bit < 8; bit++) remainder = remainder & 1 ? (remainder >>> 1) ^ REFLECTED_POLYNOMIAL : remainder >>> 1
    tables[0]![byte] = remainder >>> 0
  }
  for (let k = 1; k < 8; k++) {
    for (let byte = 0; byte < 256; byte++) {
      const previous = tables[k - 1]![byte]!
      tables[k]![byte] = (previous >>> 8) ^ tables[0]![previous & 0xff]!
    }
  }
  return tables as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array]
})()

/**
 * The CRC-32C of `data`. Pass the result of a previous call as `previous` to
 * checksum data that arrives in pieces: crc32c(b, crc32c(a)) equals the
 * checksum of a followed by b.
 */
export function crc32c(data: Uint8Array, previous = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES
  let crc = ~previous >>> 0
  let i = 0
  for (const end = data.length - 8; i <= end; i += 8) {
    const low = (crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0
    crc =
      t7[low & 0xff]! ^
      t6[(low >>> 8) & 0xff]! ^
      t5[(low >>> 16) & 0xff]! ^
      t4[low >>> 24]! ^
      t3[data[i + 4]!]! ^
      t2[data[i + 5]!]! ^
      t1[data[i + 6]!]! ^
      t0[data[i + 7]!]!
  }
  for (; i < data.length; i++) crc = t0[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)
  return ~crc >>> 0
}

/**
 * The checksum a VHDX structure stores about itself: the CRC-32C of `data`
 * with the four bytes of the checksum field, at `fieldOffset`, taken as zero.
 * `data` is left as it was.
 */
export function structureChecksum(data: Uint8Array, fieldOffset: number): number {
  const before = crc32c(data.subarray(0, fieldOffset))
  const withZeroField = crc32c(ZERO_FIELD, before)
  return crc32c(data.subarray(fieldOffset + 4), withZeroField)
}

const ZERO_FIELD = new Uint8Array(4)
