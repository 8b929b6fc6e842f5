// The server's clock, as the live feed last told it: silence is judged by it, not by this device's.
let offsetMs = 0

export function syncClock (serverNowMs: number): void {
  offsetMs = serverNowMs - Date.now()
}

export function serverNow (): number {
  return Date.now() + offsetMs
}
