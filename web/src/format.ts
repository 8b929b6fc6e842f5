const number = new Intl.NumberFormat('en')
const percent = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 1 })
const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium' })

export const formatCount = (n: number): string => number.format(n)
export const formatShare = (share: number): string => percent.format(share)
export const formatDateTime = (ms: number): string => dateTime.format(ms)

/** "42 s", "5 min", "3 h 20 min", "12 d 4 h". */
export function formatDuration (ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s} s`
  const min = Math.floor(s / 60)
  if (min < 60) return `${min} min`
  const h = Math.floor(min / 60)
  if (h < 48) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`
  const d = Math.floor(h / 24)
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`
}

export function formatAgo (ms: number, now: number): string {
  return now - ms < 1000 ? 'just now' : `${formatDuration(now - ms)} ago`
}

/** A reading's value as sent, without float noise (21.499999999 → 21.5). */
export function formatValue (value: number): string {
  return Number.isInteger(value) ? number.format(value) : String(Number(value.toPrecision(6)))
}
