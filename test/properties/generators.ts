import fc from 'fast-check'

/** Any text at all: every code point (lone surrogates, NUL and control characters too), short or long. */
export const junk: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'binary', minLength: 90, maxLength: 400 }),
  fc.constantFrom('', ' ', '\u0000', '%00', '-1', '-0', '+1', ' 1', '1 ', '1e3', '0x10', '1.5', 'NaN', 'Infinity', 'null', 'true', '[]', '{}',
    '9'.repeat(17), '9'.repeat(40), '\ud800', 'a\u0000b', 'é'.repeat(101), '\u007f', '\u0085'),
  fc.integer().map(String),
  fc.bigInt().map(String),
  fc.double().map(String)
)

/** Mostly `valid`, else `invalid`: requests need all their parameters right to get past validation. */
export const mostly = <T>(valid: fc.Arbitrary<T>, ...invalid: Array<fc.Arbitrary<T>>): fc.Arbitrary<T> =>
  fc.oneof({ weight: 3 * invalid.length, arbitrary: valid }, ...invalid.map((arbitrary) => ({ weight: 1, arbitrary })))

/** A whole number in a query string: mostly small, else near the limits, or anything. */
export const integerLike: fc.Arbitrary<string> = mostly(
  fc.integer({ min: 0, max: 5 }).map(String),
  fc.integer({ min: -3, max: 20 }).map(String),
  fc.integer({ min: 2_147_483_640, max: 2_147_483_660 }).map(String),
  fc.nat().map(String),
  junk
)

const pad = (n: number, width: number) => String(n).padStart(width, '0')

/** ISO 8601 text with every part in or out of its range: dates that do not exist, years 0 and 10000, bad offsets. */
export const isoLike: fc.Arbitrary<string> = fc.record({
  year: fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.constantFrom(0, 1, 1970, 2024, 9999, 10_000)),
  month: fc.integer({ min: 0, max: 13 }),
  day: fc.integer({ min: 0, max: 32 }),
  hour: fc.integer({ min: 0, max: 25 }),
  minute: fc.integer({ min: 0, max: 61 }),
  second: fc.integer({ min: 0, max: 61 }),
  fraction: fc.option(fc.stringMatching(/^\d{0,9}$/), { nil: undefined }),
  offset: fc.oneof(fc.constant('Z'), fc.constant(''), fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 70 }))
    .map(([sign, h, m]) => `${sign}${pad(h, 2)}:${pad(m, 2)}`), junk)
}).map((p) => `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)}T${pad(p.hour, 2)}:${pad(p.minute, 2)}:${pad(p.second, 2)}` +
  `${p.fraction === undefined ? '' : `.${p.fraction}`}${p.offset}`)

const instant = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true })

/** An instant as the API prints it (six fractional digits, UTC). */
export const isoMicros: fc.Arbitrary<string> = fc.tuple(instant, fc.integer({ min: 0, max: 999 }))
  .map(([d, micros]) => d.toISOString().replace('Z', `${pad(micros, 3)}Z`))

/** Shaped as the API prints instants (six fractional digits, Z), every part in or out of its range. */
export const isoMicrosLike: fc.Arbitrary<string> = fc.record({
  year: fc.integer({ min: 0, max: 9999 }),
  month: fc.integer({ min: 0, max: 13 }),
  day: fc.integer({ min: 0, max: 32 }),
  hour: fc.integer({ min: 0, max: 25 }),
  minute: fc.integer({ min: 0, max: 61 }),
  second: fc.integer({ min: 0, max: 61 }),
  micros: fc.integer({ min: 0, max: 999_999 })
}).map((p) => `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)}T${pad(p.hour, 2)}:${pad(p.minute, 2)}:${pad(p.second, 2)}.${pad(p.micros, 6)}Z`)

/** An instant as the reads take one: ISO 8601, epoch milliseconds of any size, or anything. */
export const timestampLike: fc.Arbitrary<string> = mostly(
  fc.oneof(isoMicros, instant.map((d) => String(d.getTime()))),
  isoLike,
  fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }).map(String),
  junk
)

/** A variable name: a real one, or text of any length and content. */
export const variableLike: fc.Arbitrary<string> = mostly(fc.constantFrom('temperature', 'humidity'), fc.string({ unit: 'grapheme', maxLength: 110 }), junk)

/** Any JSON value, objects and arrays nested. */
export const anyJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3 })

/**
 * A cursor: base64url JSON of an object with the given fields (each generated, some left out,
 * some extra), of any JSON value, or text that is no cursor at all.
 */
export function cursorLike (fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<string> {
  const position = mostly(
    fc.record(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, mostly(v, anyJson)]))),
    fc.record(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, fc.oneof(v, anyJson)])), { requiredKeys: [] })
  )
  const withExtra = fc.tuple(position, fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 2 })).map(([p, extra]) => ({ ...extra, ...p }))
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value) ?? '', 'utf8').toString('base64url')
  return mostly(position.map(encode), withExtra.map(encode), anyJson.map(encode), junk, fc.string({ unit: 'binary', maxLength: 60 }).map((s) => Buffer.from(s).toString('base64url')))
}

/**
 * A query string made of the given parameters (each left out unless `required`, given once or repeated) and some
 * unknown ones, percent-encoded; sometimes with raw bytes no URL encoding would produce.
 */
export function queryOf (params: Record<string, fc.Arbitrary<string>>, required: string[] = []): fc.Arbitrary<string> {
  const onceOrTwice = (v: fc.Arbitrary<string>) => mostly(v.map((value) => [value]), fc.array(v, { minLength: 2, maxLength: 2 }))
  const given = fc.record(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, onceOrTwice(v)])), { requiredKeys: required })
  const unknown = fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 10 }), junk), { maxLength: 2 })
  const raw = fc.oneof(fc.constant(''), fc.constantFrom('&%', '&x=%zz', '&%00=1', '&a=%E0%A4%A', '&=&&', '&limit'))
  return fc.tuple(given, fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: unknown }), fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: raw }))
    .map(([known, extra, tail]) => {
      const search = new URLSearchParams()
      for (const [name, values] of Object.entries(known)) for (const value of values as string[]) search.append(name, value)
      for (const [name, value] of extra) search.append(name, value)
      const text = search.toString() + tail
      return text === '' ? '' : `?${text}`
    })
}

/** Every UTF-8 byte percent-encoded but unreserved ASCII (a lone surrogate as U+FFFD, as URLSearchParams does). */
const percentEncoded = (s: string): string =>
  [...Buffer.from(s, 'utf8')].map((b) => /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')

/** A path segment: percent-encoded, or raw text that may not decode. */
export function segmentOf (value: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof({ weight: 4, arbitrary: value.map(percentEncoded) }, { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '..', '%2F', 'a%2Fb') })
}

/** An aggregated read's `bucket`: a width it offers, `auto`, or anything. */
export const bucketLike: fc.Arbitrary<string> = mostly(fc.constantFrom('1m', '5m', '15m', '1h', '6h', '1d', 'auto'), fc.constantFrom('2m', '1w', '60', 'AUTO', ''), junk)
