const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/

/** "10s", "1.5m", "250ms", "1h" → milliseconds; undefined when the text is not a duration. */
export function parseDuration (text: string): number | undefined {
  const match = DURATION.exec(text.trim())
  if (!match) return undefined
  return Math.round(Number(match[1]) * UNIT_MS[match[2]!]!)
}

/** 252000 → "4m 12s": the largest two units, for humans reading a message. */
export function formatDuration (ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000))
  const parts: Array<[number, string]> = [
    [Math.floor(total / 86_400), 'd'],
    [Math.floor(total / 3600) % 24, 'h'],
    [Math.floor(total / 60) % 60, 'm'],
    [total % 60, 's']
  ]
  const first = parts.findIndex(([n]) => n > 0)
  if (first === -1) return '0s'
  return parts.slice(first, first + 2).filter(([n]) => n > 0).map(([n, u]) => `${n}${u}`).join(' ')
}
