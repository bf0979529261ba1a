import {InvalidArgumentError} from '../../errors.js'
import {MICROSOFT_WINDOWS_TEMPLATE_ID} from '../../store/schema.js'

/**
 * The Secure Boot templates a Hyper-V host offers, by name and ID. hv has no
 * UEFI: the template is recorded and shown, never enforced.
 */
export const SECURE_BOOT_TEMPLATES = [
  {name: 'MicrosoftWindows', id: MICROSOFT_WINDOWS_TEMPLATE_ID},
  {name: 'MicrosoftUEFICertificateAuthority', id: '272e7447-90a4-4563-a4b9-8e4ab00526ce'},
  {name: 'OpenSourceShieldedVM', id: '4292ae2b-ee2c-42b5-a969-dd8f8689f6f3'},
] as const

export function secureBootTemplateName(id: string): string {
  return SECURE_BOOT_TEMPLATES.find((t) => t.id === id)?.name ?? id
}

/** -SecureBootTemplate: a template name, matched case-insensitively. Returns its ID. */
export function templateIdByName(name: string): string {
  const found = SECURE_BOOT_TEMPLATES.find((t) => t.name.toLowerCase() === name.trim().toLowerCase())
  if (!found) {
    throw new InvalidArgumentError(
      `The secure boot template '${name}' is not valid. Valid templates: ${SECURE_BOOT_TEMPLATES.map((t) => t.name).join(', ')}.`,
    )
  }
  return found.id
}

/** -SecureBootTemplateId: a GUID (braces allowed) of one of the host's templates. */
export function templateIdById(text: string): string {
  const id = text.trim().replace(/^\{(.*)\}$/, '$1').toLowerCase()
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) {
    throw new InvalidArgumentError(
      `Cannot bind parameter 'SecureBootTemplateId'. Cannot convert value "${text}" to type "System.Guid".`,
    )
  }
  if (!SECURE_BOOT_TEMPLATES.some((t) => t.id === id)) {
    throw new InvalidArgumentError(
      `The secure boot template with ID '${id}' is not valid. Valid templates: ${SECURE_BOOT_TEMPLATES.map((t) => `${t.name} (${t.id})`).join(', ')}.`,
    )
  }
  return id
}
