import type { ReadingError } from './reading.js'

/**
 * One linear pass over a JSON or NDJSON body's bytes before JSON.parse sees it, so no body within
 * BODY_LIMIT can hold the event loop: JSON.parse spends seconds on a few megabytes of deep nesting,
 * a flat array of millions of numbers, or an object with a million keys, none of which can be a
 * batch of readings.
 *
 * It also reads what JSON.parse loses: the literal text of `sensor_id` and `timestamp` numbers, so
 * `1e-400` or `7.0000000000000001`, which only round to whole numbers, are not taken as ids or
 * instants.
 */

export interface ScanLimits {
  /** Deepest nesting of arrays and objects (a batch of readings needs 2). */
  maxDepth: number
  /** Most readings: items of a top-level array, or non-blank NDJSON lines. */
  maxItems: number
  /** Most JSON values and members in the whole body. */
  maxValues: number
}

export type ScanResult =
  | { ok: true, errors: ReadingError[] }
  | { ok: false, status: 400 | 413, slug: string, detail: string }

const QUOTE = 0x22; const BACKSLASH = 0x5c; const COMMA = 0x2c; const COLON = 0x3a; const NEWLINE = 0x0a
const OPEN_ARRAY = 0x5b; const CLOSE_ARRAY = 0x5d; const OPEN_OBJECT = 0x7b; const CLOSE_OBJECT = 0x7d
const ARRAY = 1; const OBJECT = 2

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
const isNumberByte = (c: number) => (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2b || c === 0x2d || c === 0x45 || c === 0x65

const WATCHED = ['sensor_id', 'timestamp'] as const

/** Whether a JSON number literal's exact decimal value is a whole number (`7.0`, `15e2` are; `1e-400` is not). */
export function isExactInteger (literal: string): boolean {
  const m = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal)
  if (m === null) return false
  const fraction = m[2] ?? ''
  if (fraction === '' && m[3] === undefined) return true
  const digits = (m[1]! + fraction).replace(/^0+/, '')
  if (digits === '') return true
  const shift = Number(m[3] ?? 0) - fraction.length
  const trailingZeros = digits.length - digits.replace(/0+$/, '').length
  return shift >= 0 || trailingZeros >= -shift
}

/** The key a string at [start, end) (quotes excluded) spells, if it is one of WATCHED. */
function watchedKey (body: Uint8Array, start: number, end: number): string | undefined {
  if (end - start > 64) return undefined
  if (body.subarray(start, end).includes(BACKSLASH)) {
    let key: unknown
    try {
      key = JSON.parse(Buffer.from(body.buffer, body.byteOffset + start - 1, end - start + 2).toString('utf8'))
    } catch {
      return undefined
    }
    return WATCHED.find((w) => w === key)
  }
  if (end - start !== 9) return undefined
  return WATCHED.find((w) => {
    for (let i = 0; i < 9; i++) if (body[start + i] !== w.charCodeAt(i)) return false
    return true
  })
}

/** Scans `body` (UTF-8 JSON, or NDJSON when `ndjson`) against the limits. Malformed JSON passes: JSON.parse names it. */
export function scanBody (body: Uint8Array, limits: ScanLimits, ndjson: boolean): ScanResult {
  const kinds = new Uint8Array(limits.maxDepth + 2)
  const errors: ReadingError[] = []
  let depth = 0
  let values = 0
  let items = 0
  let topLevelArray = false
  let lineHasContent = false
  let expectKey = false
  let watched: string | undefined
  const n = body.length
  for (let i = 0; i < n; i++) {
    const c = body[i]!
    if (c === QUOTE) {
      // Skip the string at native speed: find its closing quote, not escaped by an odd run of backslashes.
      const start = i + 1
      let end = start
      for (;;) {
        end = body.indexOf(QUOTE, end)
        if (end < 0) return { ok: true, errors } // unterminated: JSON.parse reports it
        let slashes = 0
        while (body[end - 1 - slashes] === BACKSLASH) slashes++
        if (slashes % 2 === 0) break
        end++
      }
      if (expectKey && depth === (ndjson || !topLevelArray ? 1 : 2) && kinds[depth] === OBJECT) {
        watched = watchedKey(body, start, end)
      }
      expectKey = false
      if (depth === 0) lineHasContent = true
      i = end
      continue
    }
    if (isSpace(c)) {
      if (c === NEWLINE && ndjson && depth === 0 && lineHasContent) {
        items++
        lineHasContent = false
        if (items > limits.maxItems) return tooManyItems(limits)
      }
      continue
    }
    if (depth === 0) lineHasContent = true
    switch (c) {
      case OPEN_ARRAY:
      case OPEN_OBJECT:
        if (++depth > limits.maxDepth) {
          return { ok: false, status: 400, slug: 'too-deep', detail: `The body nests arrays and objects deeper than ${limits.maxDepth} levels; a reading is one flat object` }
        }
        kinds[depth] = c === OPEN_ARRAY ? ARRAY : OBJECT
        if (depth === 1 && !ndjson) topLevelArray = c === OPEN_ARRAY
        if (++values > limits.maxValues) return tooManyValues(limits)
        expectKey = c === OPEN_OBJECT
        watched = undefined
        break
      case CLOSE_ARRAY:
      case CLOSE_OBJECT:
        if (depth > 0) depth--
        expectKey = false
        watched = undefined
        break
      case COMMA:
        if (++values > limits.maxValues) return tooManyValues(limits)
        if (depth === 1 && topLevelArray && ++items >= limits.maxItems) return tooManyItems(limits)
        expectKey = kinds[depth] === OBJECT
        watched = undefined
        break
      case COLON:
        break
      default: {
        if (watched !== undefined && (c === 0x2d || (c >= 0x30 && c <= 0x39))) {
          let end = i + 1
          while (end < n && isNumberByte(body[end]!)) end++
          const literal = Buffer.from(body.buffer, body.byteOffset + i, end - i).toString('latin1')
          if (!isExactInteger(literal) && errors.length < 100) {
            // items: the readings before this one (commas of the top-level array, or NDJSON lines).
            errors.push({ index: items, path: watched, message: `${literal} is not a whole number; send ${watched === 'sensor_id' ? 'ids' : 'epoch milliseconds'} without a fraction or exponent that rounds` })
          }
          i = end - 1
        }
        watched = undefined
        expectKey = false
      }
    }
  }
  return { ok: true, errors }
}

const tooManyItems = (limits: ScanLimits): ScanResult =>
  ({ ok: false, status: 413, slug: 'batch-too-large', detail: `At most ${limits.maxItems} readings per request` })

const tooManyValues = (limits: ScanLimits): ScanResult =>
  ({ ok: false, status: 413, slug: 'body-too-complex', detail: `The body holds more than ${limits.maxValues} JSON values, more than ${limits.maxItems} readings could` })
