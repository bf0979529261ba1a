export {loadDeviceKind} from './load-device-kind.js'
export {createPluginDevice, parsePluginConfig, pluginBoardName, type PluginDeviceSpec} from './plugin-device.js'
