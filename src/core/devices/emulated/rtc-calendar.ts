/**
 * The MC146818's date and time, held in binary, and the conversions to and from
 * the register formats status register B selects (BCD or binary; 12- or 24-hour).
 */
export interface RtcCalendar {
  second: number
  minute: number
  /** 0-23. */
  hour: number
  /** 1-7, Sunday = 1. */
  dayOfWeek: number
  dayOfMonth: number
  month: number
  /** 0-99 within the century. */
  year: number
  century: number
}

const MS_PER_DAY = 86_400_000

export function calendarFromDate(date: Date): RtcCalendar {
  return {
    second: date.getUTCSeconds(),
    minute: date.getUTCMinutes(),
    hour: date.getUTCHours(),
    dayOfWeek: date.getUTCDay() + 1,
    dayOfMonth: date.getUTCDate(),
    month: date.getUTCMonth() + 1,
    year: date.getUTCFullYear() % 100,
    century: Math.floor(date.getUTCFullYear() / 100),
  }
}

function toEpochMs(calendar: RtcCalendar): number {
  const fullYear = calendar.century * 100 + calendar.year
  const date = new Date(0)
  date.setUTCFullYear(fullYear, calendar.month - 1, calendar.dayOfMonth)
  date.setUTCHours(calendar.hour, calendar.minute, calendar.second, 0)
  return date.getTime()
}

/**
 * The calendar `seconds` later. Values a guest wrote out of range are carried
 * the way calendar arithmetic carries them; the day of the week advances on its
 * own, as on the chip, so a guest-set weekday keeps its offset.
 */
export function advanceCalendar(calendar: RtcCalendar, seconds: number): RtcCalendar {
  const before = toEpochMs(calendar)
  if (!Number.isFinite(before)) return {...calendar}
  const after = before + seconds * 1000
  const next = calendarFromDate(new Date(after))
  const daysCrossed = Math.floor(after / MS_PER_DAY) - Math.floor(before / MS_PER_DAY)
  const weekday = (((calendar.dayOfWeek - 1 + daysCrossed) % 7) + 7) % 7
  return {...next, dayOfWeek: weekday + 1}
}

export function toBcd(value: number): number {
  return ((Math.floor(value / 10) % 10) << 4) | value % 10
}

export function fromBcd(value: number): number {
  return (value >> 4) * 10 + (value & 0x0f)
}

export interface RegisterFormat {
  binary: boolean
  twentyFourHour: boolean
}

export function encodeField(value: number, format: RegisterFormat): number {
  return format.binary ? value & 0xff : toBcd(value)
}

export function decodeField(raw: number, format: RegisterFormat): number {
  return format.binary ? raw : fromBcd(raw)
}

/** Hours register: in 12-hour mode 1-12 with bit 7 set for PM. */
export function encodeHour(hour: number, format: RegisterFormat): number {
  if (format.twentyFourHour) return encodeField(hour, format)
  const twelve = hour % 12 === 0 ? 12 : hour % 12
  return encodeField(twelve, format) | (hour >= 12 ? 0x80 : 0)
}

export function decodeHour(raw: number, format: RegisterFormat): number {
  if (format.twentyFourHour) return decodeField(raw, format)
  const twelve = decodeField(raw & 0x7f, format) % 12
  return raw & 0x80 ? twelve + 12 : twelve
}
