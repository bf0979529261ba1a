import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {enumFlag, outputFlags, vmIdFlag} from '../cli/flags.js'
import {vmKvpView} from '../cli/views/vm-kvp.js'
import {KVP_POOLS, type KvpItem, type KvpPoolName} from '../core/vmms/index.js'

const POOLS = Object.keys(KVP_POOLS) as KvpPoolName[]

export default class GetVmKvp extends HvCommand {
  static summary = "Read key-value pairs from a running guest's Key-Value Pair Exchange pools (an hv command)."
  static description = `The pools are those of Msvm_KvpExchangeComponent: Auto (GuestIntrinsicExchangeItems: what the guest reports about itself, such as FullyQualifiedDomainName, OSName and OSVersion), Guest (GuestExchangeItems: what software in the guest published) and External (what the host wrote with set-vmkvp). Without --pool, all three.`
  static examples = ['<%= config.bin %> get-vmkvp demo', '<%= config.bin %> get-vmkvp demo --pool Auto --json']
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed).'})}
  static flags = {...vmIdFlag, pool: enumFlag('Pool', POOLS, 'The pool to read'), ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(GetVmKvp)
    const vms = await this.vmms.getVms(this.selector(argv, flags.id, 'VMName'))
    const pools: KvpPoolName[] = flags.pool ? [flags.pool] : ['Auto', 'Guest', 'External']
    const items: KvpItem[] = []
    for (const vm of vms) items.push(...(await this.vmms.guestServices.kvpRead(vm, pools)))
    await this.print(items, vmKvpView, flags)
  }
}
