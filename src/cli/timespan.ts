import {InvalidArgumentError} from '../core/errors.js'

const TIME_SPAN = /^\s*(-)?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?\s*$/
const WHOLE_DAYS = /^\s*(-)?(\d+)\s*$/

/**
 * A TimeSpan parameter as PowerShell converts a string to one: `hh:mm`,
 * `hh:mm:ss`, `hh:mm:ss.fffffff`, with a `d.` day part in front, or a whole
 * number of days. `24:00:00` is taken as 24 hours (the way scripts write
 * Set-VMHost's maximum). Returns seconds, negative for a negative span;
 * whether it is in range is the caller's concern.
 */
export function parseTimeSpan(text: string, parameter: string): number {
  const days = WHOLE_DAYS.exec(text)
  if (days) return sign(days[1]) * Number(days[2]) * 86_400
  const match = TIME_SPAN.exec(text)
  const [hours, minutes, seconds] = match ? [Number(match[3]), Number(match[4]), Number(match[5] ?? 0)] : []
  const wholeDay = match && match[2] === undefined && hours === 24 && minutes === 0 && seconds === 0 && !match[6]
  if (!match || (!wholeDay && (hours! > 23 || minutes! > 59 || seconds! > 59))) {
    throw new InvalidArgumentError(
      `Cannot bind parameter '${parameter}'. Cannot convert value "${text}" to type "System.TimeSpan": use hh:mm:ss, d.hh:mm:ss or a number of days (for example 01:30:00).`,
    )
  }
  const fraction = match[6] ? Number(`0.${match[6]}`) : 0
  return sign(match[1]) * (Number(match[2] ?? 0) * 86_400 + hours! * 3600 + minutes! * 60 + seconds! + fraction)
}

function sign(minus: string | undefined): number {
  return minus ? -1 : 1
}
