import {existsSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

import {hvSession} from '../helpers/session.js'

const KERNELS = join(dirname(fileURLToPath(import.meta.url)), 'kernels')
const TOUCH = join(KERNELS, 'touch.bin')

const {home, run, json, ok, refused, storeText} = hvSession()

describe('get-vmfirmware and set-vmfirmware (Generation 2)', () => {
  it('show Hyper-V\'s defaults, with hv\'s boot source as the first File entry, and record every setting', async () => {
    await ok('new-vm', 'g2', '-Generation', '2', '-MemoryStartupBytes', '64MB', '--boot-kernel', TOUCH)
    const [firmware] = await json('get-vmfirmware', 'g2')
    expect(firmware).toMatchObject({
      VMName: 'g2', SecureBoot: 'On', SecureBootTemplate: 'MicrosoftWindows', SecureBootTemplateId: '1734c6e8-3154-4dda-ba5f-a874cc483422',
      PreferredNetworkBootProtocol: 'IPv4', ConsoleMode: 'Default', PauseAfterBootFailure: 'Off',
    })
    expect(firmware.BootOrder).toEqual([{VMName: 'g2', VMId: firmware.VMId, BootType: 'File', Device: null, Description: 'hv boot kernel', FirmwarePath: TOUCH}])
    const table = await ok('get-vmfirmware', 'g2')
    expect(table).toMatch(/^VMName\s+SecureBoot\s+SecureBootTemplate\s+PreferredNetworkBootProtocol\s+BootOrder$/m)
    expect(table).toMatch(/^g2\s+On\s+MicrosoftWindows\s+IPv4\s+\{File\}$/m)

    expect(await ok('set-vmfirmware', 'g2', '-EnableSecureBoot', 'Off', '-SecureBootTemplate', 'MicrosoftUEFICertificateAuthority', '-ConsoleMode', 'COM1',
      '-PauseAfterBootFailure', 'On', '-PreferredNetworkBootProtocol', 'IPv6', '-FirstBootDevice', 'File')).toBe('')
    const [changed] = await json('get-vmfirmware', 'g2')
    expect(changed).toMatchObject({SecureBoot: 'Off', SecureBootTemplate: 'MicrosoftUEFICertificateAuthority', ConsoleMode: 'COM1', PauseAfterBootFailure: 'On', PreferredNetworkBootProtocol: 'IPv6'})
    const [byId] = await json('set-vmfirmware', 'g2', '-SecureBootTemplateId', '{4292AE2B-EE2C-42B5-A969-DD8F8689F6F3}', '-BootOrder', 'File', '--passthru')
    expect(byId).toMatchObject({SecureBootTemplate: 'OpenSourceShieldedVM', SecureBootTemplateId: '4292ae2b-ee2c-42b5-a969-dd8f8689f6f3'})
    expect(byId.BootOrder.map((e: {BootType: string}) => e.BootType)).toEqual(['File'])
    // A --firmware ROM replaces the firmware and is no boot entry; without a boot source the list is empty.
    await ok('set-vm', 'g2', '--no-boot-source')
    expect((await json('get-vmfirmware', 'g2'))[0].BootOrder).toEqual([])
  })

  it('refuse a Generation 1 VM as Hyper-V does, and leave the store alone', async () => {
    await ok('new-vm', 'g1')
    const gen1 = /The Generation 1 virtual machine or snapshot "g1" does not support the VMFirmware cmdlets\. Use Get-VMBios and Set-VMBios instead\./
    await refused(2, gen1, 'get-vmfirmware', 'g1')
    await refused(2, gen1, 'set-vmfirmware', 'g1', '-EnableSecureBoot', 'Off')
  })

  it('refuse bad values of every parameter with one line and exit 2, changing nothing', async () => {
    await ok('new-vm', 'g2', '-Generation', '2', '--guest', 'tinyos')
    await refused(2, /Cannot bind parameter 'EnableSecureBoot'.*On, Off/, 'set-vmfirmware', 'g2', '-EnableSecureBoot', 'Maybe')
    await refused(2, /The secure boot template 'Linux' is not valid/, 'set-vmfirmware', 'g2', '-SecureBootTemplate', 'Linux')
    await refused(2, /"System\.Guid"/, 'set-vmfirmware', 'g2', '-SecureBootTemplateId', '1234')
    await refused(2, /The secure boot template with ID '00000000-0000-0000-0000-000000000000' is not valid/, 'set-vmfirmware', 'g2', '-SecureBootTemplateId', '00000000-0000-0000-0000-000000000000')
    await refused(2, /The device 'DvdDrive:SCSI:0:1' is not attached to the virtual machine 'g2'/, 'set-vmfirmware', 'g2', '-FirstBootDevice', 'DvdDrive:SCSI:0:1')
    await refused(2, /The device 'HardDiskDrive:SCSI:0:0' is not attached/, 'set-vmfirmware', 'g2', '-BootOrder', 'File,HardDiskDrive:SCSI:0:0')
    await refused(2, /Cannot bind parameter 'BootOrder'\. 'cdrom' does not name a boot device/, 'set-vmfirmware', 'g2', '-BootOrder', 'cdrom')
    await refused(2, /Cannot bind parameter 'ConsoleMode'/, 'set-vmfirmware', 'g2', '-ConsoleMode', 'COM3')
    await refused(2, /Cannot bind parameter 'PauseAfterBootFailure'/, 'set-vmfirmware', 'g2', '-PauseAfterBootFailure', 'yes')
    await refused(2, /Cannot bind parameter 'PreferredNetworkBootProtocol'/, 'set-vmfirmware', 'g2', '-PreferredNetworkBootProtocol', 'IPX')
    // A bad value anywhere refuses the whole change: the valid part is not written either.
    await refused(2, /is not valid/, 'set-vmfirmware', 'g2', '-EnableSecureBoot', 'Off', '-SecureBootTemplate', 'Linux')
    await refused(3, /unable to find a virtual machine with name "nope"/, 'set-vmfirmware', 'nope', '-EnableSecureBoot', 'Off')
  })

  it('show examples in help', async () => {
    const help = await ok('help', 'set-vmfirmware')
    expect(help).toMatch(/EXAMPLES/)
    expect(help).toMatch(/set-vmfirmware web01 -EnableSecureBoot Off/)
    expect(await ok('help', 'get-vmfirmware')).toMatch(/get-vmfirmware web01/)
  })
})

describe('get-vmbios and set-vmbios (Generation 1)', () => {
  it('show the default startup order and NumLock, and change them', async () => {
    await ok('new-vm', 'g1')
    expect(await json('get-vmbios', 'g1')).toEqual([
      {VMName: 'g1', VMId: expect.any(String), StartupOrder: ['CD', 'IDE', 'LegacyNetworkAdapter', 'Floppy'], NumLockEnabled: false},
    ])
    expect(await ok('get-vmbios', 'g1')).toMatch(/^g1\s+\{CD, IDE, LegacyNetworkAdapter, Floppy\}\s+False$/m)
    expect(await ok('set-vmbios', 'g1', '-StartupOrder', '@("Floppy", "LegacyNetworkAdapter", "CD", "IDE")', '-EnableNumLock')).toBe('')
    const [bios] = await json('set-vmbios', 'g1', '-DisableNumLock', '--passthru')
    expect(bios).toMatchObject({StartupOrder: ['Floppy', 'LegacyNetworkAdapter', 'CD', 'IDE'], NumLockEnabled: false})
    expect((await json('get-vmbios', 'g1'))[0]).toEqual(bios)
    expect(await ok('help', 'set-vmbios')).toMatch(/set-vmbios web01 -StartupOrder Floppy,LegacyNetworkAdapter,CD,IDE/)
  })

  it('refuse Generation 2, incomplete orders and unknown devices, changing nothing', async () => {
    await ok('new-vm', 'g1')
    await ok('new-vm', 'g2', '-Generation', '2')
    const gen2 = /The Generation 2 virtual machine or snapshot "g2" does not support the VMBios cmdlets\. Use Get-VMFirmware and Set-VMFirmware instead\./
    await refused(2, gen2, 'get-vmbios', 'g2')
    await refused(2, gen2, 'set-vmbios', 'g2', '-EnableNumLock')
    await refused(2, /The startup order 'CD, IDE' is not valid: it must name each of CD, IDE, LegacyNetworkAdapter, Floppy exactly once\./, 'set-vmbios', 'g1', '-StartupOrder', 'CD,IDE')
    await refused(2, /exactly once/, 'set-vmbios', 'g1', '-StartupOrder', 'CD,CD,IDE,Floppy')
    await refused(2, /Cannot bind parameter 'StartupOrder'\. Cannot convert value "USB"/, 'set-vmbios', 'g1', '-StartupOrder', 'CD,IDE,USB,Floppy')
    // oclif's own wording for exclusive flags (the usage exit code).
    await refused(2, /^set-vmbios: /, 'set-vmbios', 'g1', '-EnableNumLock', '-DisableNumLock')
  })
})

describe('new-vm -BootDevice', () => {
  it('puts the device first in a Generation 1 startup order, as New-VM reads VHD and NetworkAdapter', async () => {
    const cases = [['CD', 'CD'], ['Floppy', 'Floppy'], ['IDE', 'IDE'], ['VHD', 'IDE'], ['LegacyNetworkAdapter', 'LegacyNetworkAdapter'], ['NetworkAdapter', 'LegacyNetworkAdapter']]
    for (const [device, first] of cases) {
      await ok('new-vm', `b-${device}`, '-Generation', '1', '-BootDevice', device)
      const [bios] = await json('get-vmbios', `b-${device}`)
      expect(bios.StartupOrder[0], device).toBe(first)
      expect([...bios.StartupOrder].sort()).toEqual(['CD', 'Floppy', 'IDE', 'LegacyNetworkAdapter'])
    }
  })

  it('takes CD, VHD and NetworkAdapter on Generation 2 and refuses the Generation 1 devices', async () => {
    await ok('new-vm', 'cd', '-Generation', '2', '-BootDevice', 'CD')
    // The DVD drive comes with storage; until then the boot order has no entry for it.
    expect((await json('get-vmfirmware', 'cd'))[0].BootOrder).toEqual([])
    await ok('new-vm', 'placeholder')
    await refused(2, /Generation 2 virtual machines do not support the boot device 'Floppy'/, 'new-vm', 'f', '-Generation', '2', '-BootDevice', 'Floppy')
    await refused(2, /Cannot bind parameter 'BootDevice'/, 'new-vm', 'u', '-BootDevice', 'USB')
  })
})

describe('get-vmvideo and set-vmvideo', () => {
  it('record the resolution type and size, within the limits', async () => {
    await ok('new-vm', 'v')
    expect(await json('get-vmvideo', 'v')).toEqual([{VMName: 'v', VMId: expect.any(String), ResolutionType: 'Maximum', HorizontalResolution: 1024, VerticalResolution: 768}])
    expect(await ok('get-vmvideo', 'v')).toMatch(/^VMName\s+ResolutionType\s+HorizontalResolution\s+VerticalResolution\n.*\nv\s+Maximum\s+1024\s+768$/m)
    const [video] = await json('set-vmvideo', 'v', '-ResolutionType', 'Single', '-HorizontalResolution', '1920', '-VerticalResolution', '1080', '--passthru')
    expect(video).toMatchObject({ResolutionType: 'Single', HorizontalResolution: 1920, VerticalResolution: 1080})
    expect((await json('get-vmvideo', 'v'))[0]).toEqual(video)
    await refused(2, /parameter 'HorizontalResolution'.*minimum allowed range of 640/, 'set-vmvideo', 'v', '-HorizontalResolution', '320')
    await refused(2, /parameter 'VerticalResolution'.*maximum allowed range of 4320/, 'set-vmvideo', 'v', '-VerticalResolution', '5000')
    await refused(2, /Single needs both/, 'set-vmvideo', 'v', '-ResolutionType', 'Single', '-HorizontalResolution', '800')
    await refused(2, /Cannot bind parameter 'ResolutionType'/, 'set-vmvideo', 'v', '-ResolutionType', 'Huge')
    await refused(2, /Cannot bind parameter 'HorizontalResolution'.*not a whole number/, 'set-vmvideo', 'v', '-HorizontalResolution', 'wide')
    expect(await ok('help', 'set-vmvideo')).toMatch(/set-vmvideo web01 -HorizontalResolution 1920 -VerticalResolution 1200/)
  })
})

describe('configuration versions', () => {
  it('get-vmhostsupportedversion lists the versions, -Default the default', async () => {
    const all = await json('get-vmhostsupportedversion')
    expect(all[0]).toEqual({Name: 'Microsoft Windows 8.1/Server 2012 R2', Version: '5.0', IsDefault: false})
    expect(all.filter((v) => v.IsDefault)).toEqual([{Name: 'Microsoft Windows Server 2022', Version: '10.0', IsDefault: true}])
    expect(await json('get-vmhostsupportedversion', '-Default')).toEqual([{Name: 'Microsoft Windows Server 2022', Version: '10.0', IsDefault: true}])
    expect(await ok('get-vmhostsupportedversion')).toMatch(/^Name\s+Version\s+IsDefault$/m)
  })

  it('update-vmversion confirms, upgrades the VM and its checkpoints, and refuses a VM already at the newest version', async () => {
    await ok('new-vm', 'old', '-Version', '8.0')
    await ok('checkpoint-vm', 'old', 'before')
    await refused(2, /Update-VMVersion on "old" needs confirmation.*--force/, 'update-vmversion', 'old')
    const [vm] = await json('update-vmversion', 'old', '-Force', '--passthru')
    expect(vm.Version).toBe('10.0')
    expect((await json('get-vm', 'old'))[0].Version).toBe('10.0')
    // Applying the checkpoint cannot take the VM back to the version it left.
    await ok('restore-vmcheckpoint', 'old', 'before', '--force')
    expect((await json('get-vm', 'old'))[0].Version).toBe('10.0')
    await refused(4, /The configuration version of 'old' \(10\.0\) is already the highest version this host supports/, 'update-vmversion', 'old', '-Confirm:$false')
    expect(await ok('help', 'update-vmversion')).toMatch(/update-vmversion old01/)
  })
})

describe('a running and a saved VM', () => {
  it('refuse firmware, BIOS, video and version changes while running; remove-vmsavedstate discards a saved state and its files', async () => {
    await ok('new-vm', 'r', '-MemoryStartupBytes', '64MB', '-Version', '9.0', '--boot-kernel', TOUCH)
    await ok('set-vm', 'r', '-AutomaticCheckpointsEnabled', '$false')
    await refused(4, /'r' failed to remove its saved state: .*\(Off\)/, 'remove-vmsavedstate', 'r')
    await ok('start-vm', 'r')
    const running = /'r' failed to be reconfigured: .*\(Running\)/
    await refused(4, running, 'set-vmbios', 'r', '-EnableNumLock')
    await refused(4, running, 'set-vmvideo', 'r', '-HorizontalResolution', '800')
    await refused(4, /'r' failed to upgrade its configuration version: .*\(Running\)/, 'update-vmversion', 'r', '--force')
    await refused(4, /\(Running\)/, 'remove-vmsavedstate', 'r')
    await ok('save-vm', 'r')
    const saved = JSON.parse(storeText()).vms[0].savedState
    expect(existsSync(saved.memoryFile)).toBe(true)
    await refused(4, /'r' failed to be reconfigured: .*\(Saved\)/, 'set-vmbios', 'r', '-EnableNumLock')
    const [vm] = await json('remove-vmsavedstate', 'r', '--passthru')
    expect(vm.State).toBe('Off')
    expect(JSON.parse(storeText()).vms[0].savedState).toBeNull()
    expect(existsSync(saved.directory)).toBe(false)
    await refused(4, /'r' failed to remove its saved state: .*\(Off\)/, 'remove-vmsavedstate', 'r')
    expect(await ok('help', 'remove-vmsavedstate')).toMatch(/remove-vmsavedstate web01/)
  })
})

describe('firmware settings travel with the VM', () => {
  it('a checkpoint keeps them and applying it restores them; export and import carry them', async () => {
    await ok('new-vm', 'c2', '-Generation', '2', '-MemoryStartupBytes', '64MB', '--boot-kernel', TOUCH)
    await ok('set-vm', 'c2', '-AutomaticCheckpointsEnabled', '$false')
    await ok('set-vmfirmware', 'c2', '-EnableSecureBoot', 'Off', '-ConsoleMode', 'COM2')
    await ok('set-vmvideo', 'c2', '-HorizontalResolution', '1280', '-VerticalResolution', '1024')
    await ok('checkpoint-vm', 'c2', 'configured')
    await ok('set-vmfirmware', 'c2', '-EnableSecureBoot', 'On', '-ConsoleMode', 'None')
    await ok('set-vmvideo', 'c2', '-ResolutionType', 'Default')
    await ok('restore-vmcheckpoint', 'c2', 'configured', '--force')
    const [firmware] = await json('get-vmfirmware', 'c2')
    expect(firmware).toMatchObject({SecureBoot: 'Off', ConsoleMode: 'COM2'})
    const [video] = await json('get-vmvideo', 'c2')
    expect(video).toMatchObject({ResolutionType: 'Maximum', HorizontalResolution: 1280, VerticalResolution: 1024})

    // Run it once, so the VM has a folder of its own to export.
    await ok('start-vm', 'c2')
    await refused(4, /'c2' failed to be reconfigured: .*\(Running\)/, 'set-vmfirmware', 'c2', '-EnableSecureBoot', 'On')
    await ok('stop-vm', 'c2', '--turn-off')
    const out = join(home(), 'exports')
    await ok('export-vm', 'c2', '--path', out)
    await ok('remove-vm', 'c2', '--force')
    await ok('import-vm', join(out, 'c2'))
    expect((await json('get-vmfirmware', 'c2'))[0]).toEqual(firmware)
    expect((await json('get-vmvideo', 'c2'))[0]).toEqual(video)
  })
})
