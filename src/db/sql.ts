/** SQL rendering a timestamptz as ISO 8601 UTC with all six fractional digits, e.g. 2024-05-01T12:00:00.000001Z. */
export const isoUtc = (expression: string): string =>
  `to_char((${expression}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
