/**
 * Bearer tokens and the sensors each may write, as configured in INGEST_TOKENS / READ_TOKENS or
 * their *_FILE variants (docs/api.md, "Tokens").
 *
 * An entry is `token` (every sensor) or `token:scope`, where scope is `*` or a comma-separated
 * list of sensor ids and inclusive ranges (`1-500,731`). Entries are separated by `;` or new
 * lines. An entry without `:` may also be a comma-separated list of fleet-wide tokens, the older
 * form of the variable (`tokA,tokB`): a token can hold none of `:`, `;`, `,` or white space, so
 * both forms read one way only.
 */

/** The sensors one token may write: every one, or a set of inclusive id ranges. */
export class SensorScope {
  static readonly all = new SensorScope(null)

  // Sorted, disjoint, non-adjacent [first, last] pairs, flattened; null: every sensor.
  private constructor (private readonly bounds: Int32Array | null) {}

  static ranges (ranges: Array<[number, number]>): SensorScope {
    const sorted = [...ranges].sort((a, b) => a[0] - b[0])
    const merged: Array<[number, number]> = []
    for (const [first, last] of sorted) {
      const prev = merged[merged.length - 1]
      if (prev !== undefined && first <= prev[1] + 1) prev[1] = Math.max(prev[1], last)
      else merged.push([first, last])
    }
    return new SensorScope(Int32Array.from(merged.flat()))
  }

  get isAll (): boolean {
    return this.bounds === null
  }

  has (sensorId: number): boolean {
    const b = this.bounds
    if (b === null) return true
    // Binary search over the ranges: a gateway may hold thousands of scattered ids.
    let lo = 0
    let hi = b.length / 2 - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (sensorId < b[2 * mid]!) hi = mid - 1
      else if (sensorId > b[2 * mid + 1]!) lo = mid + 1
      else return true
    }
    return false
  }

  toString (): string {
    const b = this.bounds
    if (b === null) return '*'
    const parts: string[] = []
    for (let i = 0; i < b.length; i += 2) parts.push(b[i] === b[i + 1] ? `${b[i]}` : `${b[i]}-${b[i + 1]}`)
    return parts.join(',')
  }
}

export interface TokenGrant {
  token: string
  sensors: SensorScope
}

/** What config accepts for a token: a grant, or a bare string meaning a fleet-wide token. */
export type TokenSpec = string | TokenGrant

export const grantOf = (spec: TokenSpec): TokenGrant =>
  typeof spec === 'string' ? { token: spec, sensors: SensorScope.all } : spec

export class TokenFormatError extends Error {
  override name = 'TokenFormatError'
}

const MAX_SENSOR_ID = 2147483647
const TOKEN = /^[^\s:;,]+$/
const ID = /^\d{1,10}$/

function sensorId (text: string, entry: number): number {
  const id = ID.test(text) ? Number(text) : NaN
  if (!(id <= MAX_SENSOR_ID)) throw new TokenFormatError(`entry ${entry}: "${text}" is not a sensor id from 0 to ${MAX_SENSOR_ID}`)
  return id
}

function parseScope (text: string, entry: number): SensorScope {
  if (text.trim() === '*') return SensorScope.all
  const ranges: Array<[number, number]> = []
  for (const part of text.split(',')) {
    const item = part.trim()
    if (item === '') throw new TokenFormatError(`entry ${entry}: an empty sensor id in the scope`)
    const dash = item.indexOf('-')
    if (dash < 0) {
      const id = sensorId(item, entry)
      ranges.push([id, id])
    } else {
      const first = sensorId(item.slice(0, dash).trim(), entry)
      const last = sensorId(item.slice(dash + 1).trim(), entry)
      if (first > last) throw new TokenFormatError(`entry ${entry}: the range ${item} runs backwards`)
      ranges.push([first, last])
    }
  }
  return SensorScope.ranges(ranges)
}

/**
 * Parses a token list (the variable's value or the file's text). Throws a TokenFormatError that
 * names the entry by its position, never the token itself: the message reaches the logs.
 */
export function parseTokenGrants (text: string): TokenGrant[] {
  const grants: TokenGrant[] = []
  const entries = text.split(/[;\n]/)
  entries.forEach((raw, i) => {
    const entry = raw.trim()
    if (entry === '' || entry.startsWith('#')) return
    const colon = entry.indexOf(':')
    if (colon < 0) {
      for (const token of entry.split(',').map((t) => t.trim()).filter((t) => t !== '')) {
        if (!TOKEN.test(token)) throw new TokenFormatError(`entry ${i + 1}: a token must not contain white space`)
        grants.push({ token, sensors: SensorScope.all })
      }
      return
    }
    const token = entry.slice(0, colon).trim()
    if (!TOKEN.test(token)) throw new TokenFormatError(`entry ${i + 1}: expected token:scope, with a token of no white space, ":", ";" or ","`)
    grants.push({ token, sensors: parseScope(entry.slice(colon + 1), i + 1) })
  })
  const seen = new Set<string>()
  grants.forEach((g, i) => {
    if (seen.has(g.token)) throw new TokenFormatError(`token ${i + 1} appears twice; give each token one scope`)
    seen.add(g.token)
  })
  return grants
}
