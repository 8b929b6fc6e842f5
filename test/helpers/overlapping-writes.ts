/**
 * 60 requests of 20 readings over 5 sensors and 3 variables, overlapping on purpose: keys repeat
 * across requests (duplicates), every fourth request sends other values (conflicts), and readings
 * go back `lateMs` and twice that (late readings, older than what is stored). Readings of a key
 * are `stepMs` apart from `base`.
 */
export function overlappingRequests (base: number, stepMs: number, lateMs: number) {
  return Array.from({ length: 60 }, (_, r) => Array.from({ length: 20 }, (_, i) => {
    const n = (r * 7 + i * 13) % 90 // keys repeat across requests
    return {
      sensor_id: n % 5,
      timestamp: new Date(base + (n % 30) * stepMs - (r % 3) * lateMs).toISOString(),
      variable: ['temperature', 'humidity', 'pressure'][n % 3]!,
      value: r % 4 === 0 ? n + 0.5 : n, // every fourth request conflicts with earlier values
      unit: 'u'
    }
  }))
}
