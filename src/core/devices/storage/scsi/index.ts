export * from './sense.js'
export * from './scsi-target.js'
export * from './scsi-disk.js'
export * from './scsi-dvd.js'
