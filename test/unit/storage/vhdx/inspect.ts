/**
 * Reading an image's structures from the test side, through the library's
 * own parsers: the current header, and BAT entries.
 */
import {BatGeometry, Bat} from '../../../../src/core/storage/vhdx/bat.js'
import {readCurrentHeader, type VhdxHeader} from '../../../../src/core/storage/vhdx/headers.js'
import {ImageFile} from '../../../../src/core/storage/vhdx/image-file.js'
import {readMetadata} from '../../../../src/core/storage/vhdx/metadata.js'
import {readRegionTable, type Extent} from '../../../../src/core/storage/vhdx/region-table.js'

export interface Inspection {
  header: VhdxHeader
  headerSlot: 0 | 1
  bat: Bat
  batRegion: Extent
  metadataRegion: Extent
}

/** The structures of the image at `path`, read without replaying its log. */
export function inspect(path: string): Inspection {
  const file = ImageFile.open(path, true)
  try {
    const {header, slot} = readCurrentHeader(file, false)
    const regions = readRegionTable(file, {offset: header.logOffset, length: header.logLength})
    const metadata = readMetadata(file, regions.metadata)
    const geometry = new BatGeometry(metadata.virtualSize, metadata.blockSize, metadata.logicalSectorSize, metadata.hasParent)
    const bytes = new Uint8Array(geometry.byteLength)
    file.read(regions.bat.offset, bytes)
    return {header, headerSlot: slot, bat: new Bat(bytes, geometry), batRegion: regions.bat, metadataRegion: regions.metadata}
  } finally {
    file.close()
  }
}
