import {describe, expect, it} from 'vitest'

import {HvError} from '../../../../src/core/errors.js'
import {defaultVideo} from '../../../../src/core/store/schema.js'
import {secureBootTemplateName, templateIdById, templateIdByName} from '../../../../src/core/vmms/firmware/secure-boot.js'
import {applyVideoChanges} from '../../../../src/core/vmms/firmware/video.js'
import {compareVersions, hostSupportedVersions} from '../../../../src/core/vmms/host-versions.js'
import {DEFAULT_VM_VERSION, SUPPORTED_VM_VERSIONS} from '../../../../src/core/vmms/host.js'

function message(action: () => unknown): string {
  try {
    action()
  } catch (error) {
    expect(error).toBeInstanceOf(HvError)
    expect((error as HvError).kind).toBe('invalid-argument')
    return (error as HvError).message
  }
  throw new Error('expected an error')
}

describe('Secure Boot templates', () => {
  it('resolve names case-insensitively and IDs with or without braces to the same template', () => {
    const id = templateIdByName('microsoftuefICertificateAuthority')
    expect(id).toBe('272e7447-90a4-4563-a4b9-8e4ab00526ce')
    expect(templateIdById('{272E7447-90A4-4563-A4B9-8E4AB00526CE}')).toBe(id)
    expect(secureBootTemplateName(id)).toBe('MicrosoftUEFICertificateAuthority')
    expect(secureBootTemplateName(templateIdByName('OpenSourceShieldedVM'))).toBe('OpenSourceShieldedVM')
  })

  it('refuse unknown names, malformed GUIDs and GUIDs of no template', () => {
    expect(message(() => templateIdByName('Linux'))).toMatch(/^The secure boot template 'Linux' is not valid\. Valid templates: MicrosoftWindows, /)
    expect(message(() => templateIdById('not-a-guid'))).toMatch(/Cannot convert value "not-a-guid" to type "System.Guid"/)
    expect(message(() => templateIdById('00000000-0000-0000-0000-000000000000'))).toMatch(/is not valid/)
  })
})

describe('video settings', () => {
  it('change only what is given and keep the rest', () => {
    expect(applyVideoChanges('v', defaultVideo(), {horizontalResolution: 1920})).toEqual({resolutionType: 'Maximum', horizontalResolution: 1920, verticalResolution: 768})
    expect(applyVideoChanges('v', defaultVideo(), {resolutionType: 'Single', horizontalResolution: 1280, verticalResolution: 720}))
      .toEqual({resolutionType: 'Single', horizontalResolution: 1280, verticalResolution: 720})
  })

  it('keep each resolution within the limits and make Single name both', () => {
    expect(message(() => applyVideoChanges('v', defaultVideo(), {horizontalResolution: 639}))).toMatch(/parameter 'HorizontalResolution'.*minimum allowed range of 640/)
    expect(message(() => applyVideoChanges('v', defaultVideo(), {verticalResolution: 4321}))).toMatch(/parameter 'VerticalResolution'.*maximum allowed range of 4320/)
    expect(message(() => applyVideoChanges('v', defaultVideo(), {resolutionType: 'Single', horizontalResolution: 800}))).toMatch(/Single needs both/)
  })
})

describe('host supported versions', () => {
  it('list every supported version, oldest first, with exactly the default marked', () => {
    const all = hostSupportedVersions()
    expect(all.map((v) => v.version)).toEqual([...SUPPORTED_VM_VERSIONS])
    expect(all.filter((v) => v.isDefault).map((v) => v.version)).toEqual([DEFAULT_VM_VERSION])
    expect(all.every((v) => v.name.startsWith('Microsoft Windows'))).toBe(true)
    expect(hostSupportedVersions(true)).toEqual([{name: 'Microsoft Windows Server 2022', version: '10.0', isDefault: true}])
  })

  it('compare versions by number, not text', () => {
    expect(compareVersions('10.0', '9.3')).toBeGreaterThan(0)
    expect(compareVersions('8.0', '8.3')).toBeLessThan(0)
    expect(compareVersions('5.0', '5.0')).toBe(0)
  })
})
