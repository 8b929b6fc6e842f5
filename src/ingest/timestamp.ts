/** A timestamp as sent to PostgreSQL, and its instant as numbers that compare exactly, whatever the offset. */
export interface ParsedTimestamp {
  /** ISO 8601 text with an offset and at most 6 fractional digits: PostgreSQL parses it exactly. */
  text: string
  /** Epoch milliseconds (floor) of the instant. */
  epochMs: number
  /** Microseconds past epochMs, 0 to 999. */
  microsInMs: number
}

/** Orders two instants: by epoch milliseconds, then by microseconds within them. */
export const compareInstants = (a: Pick<ParsedTimestamp, 'epochMs' | 'microsInMs'>, b: Pick<ParsedTimestamp, 'epochMs' | 'microsInMs'>): number =>
  a.epochMs - b.epochMs || a.microsInMs - b.microsInMs

export type TimestampResult = { ok: true, value: ParsedTimestamp } | { ok: false, message: string }

// PostgreSQL handles far more, but 0001..9999 keeps every instant printable as plain ISO 8601.
const MIN_EPOCH_MS = -62135596800000 // 0001-01-01T00:00:00Z
const MAX_EPOCH_MS = 253402300799999 // 9999-12-31T23:59:59.999Z

const fail = (message: string): TimestampResult => ({ ok: false, message })

function fromEpochMs (ms: number): TimestampResult {
  if (!Number.isSafeInteger(ms)) return fail('epoch milliseconds must be a whole number')
  if (ms < MIN_EPOCH_MS || ms > MAX_EPOCH_MS) return fail('timestamp is outside the years 0001 to 9999')
  return { ok: true, value: { text: new Date(ms).toISOString(), epochMs: ms, microsInMs: 0 } }
}

const ISO_FORMAT = 'expected ISO 8601 with an offset, like 2024-05-01T12:00:00.123456Z or 2024-05-01T14:00:00+02:00, or epoch milliseconds'

/** The number written by `len` ASCII digits at `at`, or -1. */
function digitsAt (s: string, at: number, len: number): number {
  let n = 0
  for (let i = at; i < at + len; i++) {
    const d = s.charCodeAt(i) - 48
    if (d < 0 || d > 9) return -1
    n = n * 10 + d
  }
  return n
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil (year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

// Hand-parsed rather than with a RegExp and a Date: this runs once per reading, 100k+ times a second.
function fromIso (s: string): TimestampResult {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)
  const year = digitsAt(s, 0, 4); const month = digitsAt(s, 5, 2); const day = digitsAt(s, 8, 2)
  const hour = digitsAt(s, 11, 2); const minute = digitsAt(s, 14, 2); const second = digitsAt(s, 17, 2)
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 ||
      s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':') return fail(ISO_FORMAT)
  let i = 19
  let micros = 0
  if (s[i] === '.') {
    const start = ++i
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++
    const digits = i - start
    if (digits === 0) return fail(ISO_FORMAT)
    if (digits > 6) return fail('timestamp is finer than a microsecond; send at most 6 fractional digits')
    micros = digitsAt(s, start, digits) * 10 ** (6 - digits)
  }
  let offsetMinutes = 0
  if (s[i] === 'Z' && i + 1 === s.length) {
    // UTC
  } else if ((s[i] === '+' || s[i] === '-') && i + 6 === s.length && s[i + 3] === ':') {
    const oh = digitsAt(s, i + 1, 2); const om = digitsAt(s, i + 4, 2)
    if (oh < 0 || om < 0) return fail(ISO_FORMAT)
    if (oh > 15 || om > 59) return fail('UTC offset is out of range')
    offsetMinutes = (s[i] === '-' ? -1 : 1) * (oh * 60 + om)
  } else {
    return fail(ISO_FORMAT)
  }
  if (year < 1) return fail('timestamp is outside the years 0001 to 9999')
  if (hour > 23 || minute > 59 || second > 59) return fail('time of day is out of range')
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!)) {
    return fail('no such calendar date')
  }
  const epochMs = daysFromCivil(year, month, day) * 86_400_000 +
    ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + Math.floor(micros / 1000)
  if (epochMs < MIN_EPOCH_MS || epochMs > MAX_EPOCH_MS) return fail('timestamp is outside the years 0001 to 9999')
  return { ok: true, value: { text: s, epochMs, microsInMs: micros % 1000 } }
}

/** ISO 8601 UTC with six fractional digits (as PostgreSQL prints it through isoUtc). */
export function isoUtcFromParts (epochMs: number, microsInMs: number): string {
  return new Date(epochMs).toISOString().replace('Z', `${String(microsInMs).padStart(3, '0')}Z`)
}

/** Parses a reading's `timestamp`: ISO 8601 with an offset (up to microseconds) or epoch milliseconds. */
export function parseTimestamp (input: unknown): TimestampResult {
  if (typeof input === 'number') return fromEpochMs(input)
  if (typeof input === 'string') return fromIso(input)
  return fail('expected an ISO 8601 string or epoch milliseconds')
}
