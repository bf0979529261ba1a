export type {BlockMedium} from './block-medium.js'
