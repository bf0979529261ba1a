import {userInfo} from 'node:os'

import type {EventLevel, EventRecord, StoreDocument, VmRecord} from '../store/schema.js'

/** The log keeps this many newest events; older ones are dropped on append. */
export const EVENT_LOG_CAPACITY = 5000

let cachedUser: string | undefined

/** Who is acting: the OS user running the command. */
export function currentUser(): string {
  if (cachedUser === undefined) {
    try {
      cachedUser = userInfo().username
    } catch {
      cachedUser = process.env.USER ?? process.env.USERNAME ?? 'unknown'
    }
  }
  return cachedUser
}

/** Append an event inside a store update. */
export function logEvent(
  doc: StoreDocument,
  vm: Pick<VmRecord, 'id' | 'name'> | null,
  message: string,
  level: EventLevel = 'Information',
  user: string = currentUser(),
): EventRecord {
  const event: EventRecord = {
    id: doc.nextEventId++,
    timeCreated: new Date().toISOString(),
    level,
    vmId: vm?.id ?? null,
    vmName: vm?.name ?? null,
    user,
    message,
  }
  doc.events.push(event)
  if (doc.events.length > EVENT_LOG_CAPACITY) doc.events.splice(0, doc.events.length - EVENT_LOG_CAPACITY)
  return event
}
