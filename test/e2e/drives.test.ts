/**
 * Controllers and drives in a VM's configuration, through `node bin/run.js`:
 * the defaults New-VM gives each generation, Add/Get/Set/Remove-VMHardDiskDrive
 * with Hyper-V's slot rules, SCSI controllers, DVD and floppy drives, New-VM
 * -NewVHDPath and -VHDPath, and a checkpoint that keeps the drives.
 */
import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {hv, hvJson, tempHome} from '../helpers/hv.js'

const {home, cleanup} = tempHome('hv-drives-')
afterAll(() => cleanup())
const run = (...args: string[]) => hv(args, {home})
const json = (...args: string[]) => hvJson<Record<string, any>[]>(args, {home})
const ok = async (...args: string[]) => {
  const result = await run(...args)
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result
}
const disks = join(home, 'disks')
mkdirSync(disks, {recursive: true})

async function newDisk(name: string): Promise<string> {
  const path = join(disks, name)
  await ok('new-vhd', path, '-SizeBytes', '8MB')
  return path
}

/** A file with an ISO 9660 primary volume descriptor's signature, as Add-VMDvdDrive checks. */
function isoImage(name: string): string {
  const path = join(disks, name)
  const bytes = Buffer.alloc(0x9000)
  bytes[0x8000] = 1
  bytes.write('CD001', 0x8001, 'latin1')
  bytes[0x8006] = 1
  writeFileSync(path, bytes)
  return path
}

const slots = (rows: Record<string, any>[]) => rows.map((r) => `${r.ControllerType} ${r.ControllerNumber}:${r.ControllerLocation} ${r.Path}`)

describe('controllers and drives', () => {
  it('a new VM has Hyper-V\'s: Generation 1 two IDE controllers and an empty DVD drive at IDE 1:0, Generation 2 one SCSI controller', async () => {
    await ok('new-vm', 'g1')
    await ok('new-vm', 'g2', '-Generation', '2')
    expect((await json('get-vmidecontroller', 'g1')).map((c) => [c.ControllerNumber, c.Drives])).toEqual([[0, []], [1, ['DVD Drive on IDE controller number 1 at location 0']]])
    expect(await json('get-vmscsicontroller', 'g1')).toEqual([])
    expect(await json('get-vmdvddrive', 'g1')).toMatchObject([{VMName: 'g1', ControllerType: 'IDE', ControllerNumber: 1, ControllerLocation: 0, DvdMediaType: 'None', Path: ''}])
    expect(await json('get-vmidecontroller', 'g2')).toEqual([])
    expect((await json('get-vmscsicontroller', 'g2')).map((c) => c.ControllerNumber)).toEqual([0])
    expect(await json('get-vmdvddrive', 'g2')).toEqual([])
  })

  it('add-vmharddiskdrive takes the first free slot (IDE, then SCSI on Generation 1) or the one given, one VM per disk', async () => {
    await ok('new-vm', 'a1')
    const paths = await Promise.all(['a.vhdx', 'b.vhdx', 'c.vhd', 'd.vhdx', 'e.vhdx'].map(newDisk))
    for (const path of paths.slice(0, 3)) await ok('add-vmharddiskdrive', 'a1', '-Path', path)
    expect(slots(await json('get-vmharddiskdrive', 'a1'))).toEqual([`IDE 0:0 ${paths[0]}`, `IDE 0:1 ${paths[1]}`, `IDE 1:1 ${paths[2]}`])
    const full = await run('add-vmharddiskdrive', 'a1', '-Path', paths[3]!)
    expect(full.code).toBe(2)
    expect(full.stderr).toContain('no free location')
    await ok('add-vmscsicontroller', 'a1')
    const [added] = JSON.parse((await ok('add-vmharddiskdrive', 'a1', '-Path', paths[3]!, '--passthru', '--json')).stdout)
    expect(added).toMatchObject({ControllerType: 'SCSI', ControllerNumber: 0, ControllerLocation: 0, Name: 'Hard Drive on SCSI controller number 0 at location 0'})
    expect(added.Id).toMatch(/^Microsoft:[0-9A-F-]{36}\\[0-9A-F-]{36}\\0\\0\\D$/)

    await ok('new-vm', 'a2', '-Generation', '2')
    const taken = await run('add-vmharddiskdrive', 'a2', '-Path', paths[0]!)
    expect([taken.code, taken.stderr]).toEqual([2, expect.stringContaining("already attached to 'a1'")])
    const ide = await run('add-vmharddiskdrive', 'a2', '-ControllerType', 'IDE', '-Path', paths[4]!)
    expect([ide.code, ide.stderr]).toEqual([2, expect.stringContaining('no IDE controllers')])
    await ok('add-vmharddiskdrive', 'a2', '-ControllerType', 'SCSI', '-ControllerNumber', '0', '-ControllerLocation', '63', '-Path', paths[4]!)
    const clash = await run('add-vmharddiskdrive', 'a2', '-ControllerNumber', '0', '-ControllerLocation', '63', '-Path', await newDisk('f.vhdx'))
    expect(clash.code).toBe(2)
    const nowhere = await run('add-vmharddiskdrive', 'a2', '-ControllerType', 'SCSI', '-ControllerNumber', '3', '-Path', await newDisk('g.vhdx'))
    expect(nowhere.code).toBe(3)
    const notDisk = join(disks, 'not.vhdx')
    writeFileSync(notDisk, 'not a disk')
    expect((await run('add-vmharddiskdrive', 'a2', '-Path', notDisk)).code).toBe(2)
  })

  it('set-vmharddiskdrive moves a drive or changes its image; remove-vmharddiskdrive detaches it, keeping the file', async () => {
    await ok('new-vm', 's1', '-Generation', '2')
    const [one, two] = [await newDisk('s1.vhdx'), await newDisk('s2.vhdx')]
    await ok('add-vmharddiskdrive', 's1', '-Path', one)
    await ok('set-vmharddiskdrive', 's1', '-ControllerType', 'SCSI', '-ControllerNumber', '0', '-ControllerLocation', '0', '-ToControllerLocation', '5')
    await ok('set-vmharddiskdrive', 's1', '-ControllerType', 'SCSI', '-ControllerNumber', '0', '-ControllerLocation', '5', '-Path', two)
    expect(slots(await json('get-vmharddiskdrive', 's1'))).toEqual([`SCSI 0:5 ${two}`])
    const missing = await run('remove-vmharddiskdrive', 's1', '-ControllerType', 'SCSI', '-ControllerNumber', '0', '-ControllerLocation', '0')
    expect(missing.code).toBe(3)
    await ok('remove-vmharddiskdrive', 's1', '-ControllerType', 'SCSI', '-ControllerNumber', '0', '-ControllerLocation', '5')
    expect(await json('get-vmharddiskdrive', 's1')).toEqual([])
    expect((await json('get-vhd', two))[0].Path).toBe(two)
    const absent = await run('remove-vmscsicontroller', 's1', '-ControllerNumber', '1')
    expect(absent.code).toBe(3)
    await ok('remove-vmscsicontroller', 's1', '-ControllerNumber', '0')
    expect(await json('get-vmscsicontroller', 's1')).toEqual([])
  })

  it('DVD drives take ISO images and empty again; the floppy drive is Generation 1\'s', async () => {
    await ok('new-vm', 'd1')
    const iso = isoImage('debian.iso')
    await ok('set-vmdvddrive', 'd1', '-Path', iso)
    expect(await json('get-vmdvddrive', 'd1')).toMatchObject([{DvdMediaType: 'ISO', Path: iso}])
    await ok('set-vmdvddrive', 'd1', '-Path', '')
    expect(await json('get-vmdvddrive', 'd1')).toMatchObject([{DvdMediaType: 'None', Path: ''}])
    expect((await run('set-vmdvddrive', 'd1', '-Path', await newDisk('x.vhdx'))).code).toBe(2) // not an ISO image
    await ok('new-vm', 'd2', '-Generation', '2')
    expect((await run('add-vmdvddrive', 'd2', '-ControllerType', 'IDE')).code).toBe(2)
    await ok('add-vmdvddrive', 'd2', '-Path', iso)
    expect(slots(await json('get-vmdvddrive', 'd2'))).toEqual([`SCSI 0:0 ${iso}`])

    const floppy = join(disks, 'a.vfd')
    writeFileSync(floppy, Buffer.alloc(1_474_560))
    await ok('set-vmfloppydiskdrive', 'd1', '-Path', floppy)
    expect(await json('get-vmfloppydiskdrive', 'd1')).toMatchObject([{VMName: 'd1', Path: floppy}])
    expect((await run('set-vmfloppydiskdrive', 'd2', '-Path', floppy)).code).toBe(2)
  })

  it('new-vm -NewVHDPath makes the disk (relative paths under the host\'s VirtualHardDiskPath) on the boot controller; -VHDPath attaches one', async () => {
    const [vm] = await json('new-vm', 'n1', '-Generation', '2', '-NewVHDPath', 'n1.vhdx', '-NewVHDSizeBytes', '16MB')
    const [host] = await json('get-vmhost')
    const made = join(host.VirtualHardDiskPath, 'n1.vhdx')
    expect(slots(await json('get-vmharddiskdrive', '--id', vm.VMId))).toEqual([`SCSI 0:0 ${made}`])
    expect((await json('get-vhd', made))[0]).toMatchObject({VhdFormat: 'VHDX', VhdType: 'Dynamic', Size: 16 * 1024 * 1024})
    const existing = await newDisk('n2.vhdx')
    await ok('new-vm', 'n2', '-VHDPath', existing)
    expect(slots(await json('get-vmharddiskdrive', 'n2'))).toEqual([`IDE 0:0 ${existing}`])
    expect((await run('new-vm', 'n3', '-NewVHDPath', 'n3.vhdx')).code).toBe(2) // no size
    expect((await run('new-vm', 'n4', '-NoVHD', '-VHDPath', existing)).code).toBe(2)
  })

  it('export-vm carries the disks (a differencing one with its parent); import-vm uses them in place or copies them', async () => {
    await ok('new-vm', 'x1', '-Generation', '2')
    const base = await newDisk('x1-base.vhdx')
    const child = join(disks, 'x1-child.vhdx')
    await ok('new-vhd', child, '-ParentPath', base, '-Differencing')
    await ok('add-vmharddiskdrive', 'x1', '-Path', child)
    const exports = join(home, 'exports')
    mkdirSync(exports)
    await ok('export-vm', 'x1', '--path', exports)
    const folder = join(exports, 'x1')
    const copies = join(home, 'copies')
    mkdirSync(copies)
    const [copied] = JSON.parse((await ok('import-vm', folder, '-Copy', '-GenerateNewId', '-VhdDestinationPath', copies, '--json')).stdout)
    expect(slots(await json('get-vmharddiskdrive', '--id', copied.VMId))).toEqual([`SCSI 0:0 ${join(copies, 'x1-child.vhdx')}`])
    expect((await json('get-vhd', join(copies, 'x1-base.vhdx')))[0].VhdType).toBe('Dynamic')
    await ok('remove-vm', 'x1', '--force')
    await ok('import-vm', folder)
    const [inPlace] = (await json('get-vm', 'x1'))
    const path = join(folder, 'Virtual Hard Disks', 'x1-child.vhdx')
    expect(slots(await json('get-vmharddiskdrive', '--id', inPlace.VMId))).toEqual([`SCSI 0:0 ${path}`])
    expect((await json('get-vhd', path))[0].VhdType).toBe('Differencing')
    // A second copy into the same folder would overwrite the first one's disks: refused, nothing imported.
    const again = await run('import-vm', folder, '-Copy', '-GenerateNewId', '-VhdDestinationPath', copies)
    expect(again.code).toBe(5)
    expect(again.stderr).toContain('already exists')
  })

  it('drives change only while the VM is off; a checkpoint keeps them and their disks, as differencing children', async () => {
    await ok('new-vm', 'c1', '--guest', 'tinyos', '-MemoryStartupBytes', '32MB')
    await ok('set-vm', 'c1', '-AutomaticCheckpointsEnabled', '$false')
    const disk = await newDisk('c1.vhdx')
    await ok('add-vmharddiskdrive', 'c1', '-Path', disk)
    const childOf = async (parent: string) => {
      const [drive] = await json('get-vmharddiskdrive', 'c1')
      expect(drive.Path).toMatch(/c1_[0-9a-f-]{36}\.avhdx$/)
      expect((await json('get-vhd', drive.Path))[0]).toMatchObject({VhdType: 'Differencing', ParentPath: parent})
      return drive.Path as string
    }
    // The checkpoint takes the disk as it is; the VM writes to a child of it from now on.
    await ok('checkpoint-vm', 'c1', 'with-disk')
    const [checkpoint] = await json('get-vmcheckpoint', 'c1')
    const afterCheckpoint = await childOf(disk)
    expect(afterCheckpoint).toContain(checkpoint.Id)
    // Applying it gives the VM a fresh child of the checkpoint's disk; the state it discards goes.
    await ok('restore-vmcheckpoint', 'c1', 'with-disk', '--force')
    expect(await childOf(disk)).not.toBe(afterCheckpoint)
    expect(existsSync(afterCheckpoint)).toBe(false)
    // A drive removed after the checkpoint comes back with it.
    await ok('remove-vmharddiskdrive', 'c1', '-ControllerType', 'IDE', '-ControllerNumber', '0', '-ControllerLocation', '0')
    await ok('restore-vmcheckpoint', 'c1', 'with-disk', '--force')
    const afterApply = await childOf(disk)
    // With the checkpoint gone, the child merges back and the drive is on its own disk again.
    await ok('remove-vmcheckpoint', 'c1', 'with-disk')
    expect(slots(await json('get-vmharddiskdrive', 'c1'))).toEqual([`IDE 0:0 ${disk}`])
    expect(existsSync(afterApply)).toBe(false)
    await ok('start-vm', 'c1')
    try {
      const running = await run('add-vmscsicontroller', 'c1')
      expect(running.code).toBe(4)
      expect(running.stderr).toContain('while the virtual machine is off')
    } finally {
      await run('stop-vm', 'c1', '--turn-off')
    }
  })
})
