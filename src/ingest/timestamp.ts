/** A timestamp as sent to PostgreSQL, and its instant in a form that compares exactly. */
export interface ParsedTimestamp {
  /** ISO 8601 text with an offset and at most 6 fractional digits: PostgreSQL parses it exactly. */
  text: string
  /** Epoch milliseconds (floor) of the instant, for range and skew checks. */
  epochMs: number
  /** `${epochMs}.${microsecondsWithinMs}`: equal exactly when the instants are equal, whatever the offset. */
  instant: string
}

export type TimestampResult = { ok: true, value: ParsedTimestamp } | { ok: false, message: string }

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/

// PostgreSQL handles far more, but 0001..9999 keeps every instant printable as plain ISO 8601.
const MIN_EPOCH_MS = -62135596800000 // 0001-01-01T00:00:00Z
const MAX_EPOCH_MS = 253402300799999 // 9999-12-31T23:59:59.999Z

const fail = (message: string): TimestampResult => ({ ok: false, message })

function fromEpochMs (ms: number): TimestampResult {
  if (!Number.isSafeInteger(ms)) return fail('epoch milliseconds must be a whole number')
  if (ms < MIN_EPOCH_MS || ms > MAX_EPOCH_MS) return fail('timestamp is outside the years 0001 to 9999')
  return { ok: true, value: { text: new Date(ms).toISOString(), epochMs: ms, instant: `${ms}.0` } }
}

function fromIso (s: string): TimestampResult {
  const m = ISO_8601.exec(s)
  if (m === null) {
    return fail('expected ISO 8601 with an offset, like 2024-05-01T12:00:00.123456Z or 2024-05-01T14:00:00+02:00, or epoch milliseconds')
  }
  const [, y, mo, d, h, mi, sec, frac = '', zone, sign, oh, om] = m
  if (frac.length > 6) return fail('timestamp is finer than a microsecond; send at most 6 fractional digits')
  const year = Number(y); const month = Number(mo); const day = Number(d)
  const hour = Number(h); const minute = Number(mi); const second = Number(sec)
  if (year < 1) return fail('timestamp is outside the years 0001 to 9999')
  if (hour > 23 || minute > 59 || second > 59) return fail('time of day is out of range')
  let offsetMinutes = 0
  if (zone !== 'Z') {
    if (Number(oh) > 15 || Number(om) > 59) return fail('UTC offset is out of range')
    offsetMinutes = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om))
  }
  const micros = frac.padEnd(6, '0')
  // setUTCFullYear, unlike Date.UTC, does not map years 0..99 to 1900..1999.
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return fail('no such calendar date')
  date.setUTCHours(hour, minute - offsetMinutes, second, Number(micros.slice(0, 3)))
  const epochMs = date.getTime()
  if (epochMs < MIN_EPOCH_MS || epochMs > MAX_EPOCH_MS) return fail('timestamp is outside the years 0001 to 9999')
  return { ok: true, value: { text: s, epochMs, instant: `${epochMs}.${Number(micros.slice(3))}` } }
}

/** Parses a reading's `timestamp`: ISO 8601 with an offset (up to microseconds) or epoch milliseconds. */
export function parseTimestamp (input: unknown): TimestampResult {
  if (typeof input === 'number') return fromEpochMs(input)
  if (typeof input === 'string') return fromIso(input)
  return fail('expected an ISO 8601 string or epoch milliseconds')
}
