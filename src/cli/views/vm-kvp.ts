import type {KvpItem} from '../../core/vmms/index.js'
import type {View} from '../render.js'

/** One key-value pair of a guest pool (an Msvm_KvpExchangeDataItem: Name, Data, Source). */
export const vmKvpView: View<KvpItem, KvpItem> = {
  object: (item) => item,
  columns: [
    {header: 'VMName', value: (item) => item.VMName},
    {header: 'Pool', value: (item) => item.Pool},
    {header: 'Name', value: (item) => item.Name},
    {header: 'Data', value: (item) => item.Data},
  ],
}
