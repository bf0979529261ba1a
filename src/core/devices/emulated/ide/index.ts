export {IdeController, IDE_CHANNELS, type IdeControllerOptions, type IdeDriveConfig} from './ide-controller.js'
export {AtaCommand} from './ata-constants.js'
export type {GuestMemoryAccess} from './bus-master.js'
