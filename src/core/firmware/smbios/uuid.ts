/**
 * The System UUID field (SMBIOS 2.6+ section 7.2.1): a GUID string such as
 * Hyper-V's BIOSGUID stored with its first three fields little-endian (the
 * Windows GUID layout) and the last eight bytes in order, so that OSes that
 * decode it that way print the same GUID back.
 */
const GUID_PATTERN = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i

export function smbiosUuidBytes(guid: string): Uint8Array {
  const match = GUID_PATTERN.exec(guid.trim())
  if (!match) throw new RangeError(`not a GUID: "${guid}"`)
  const hex = (text: string) => Array.from({length: text.length / 2}, (_, i) => parseInt(text.slice(2 * i, 2 * i + 2), 16))
  return Uint8Array.from([
    ...hex(match[1]).reverse(),
    ...hex(match[2]).reverse(),
    ...hex(match[3]).reverse(),
    ...hex(match[4]),
    ...hex(match[5]),
  ])
}
