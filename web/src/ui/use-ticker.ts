import { useEffect, useState } from 'preact/hooks'

/** Re-renders every `intervalMs`, so "5 min ago" and silence follow the clock between events. */
export function useTicker (intervalMs: number): number {
  const [tick, setTick] = useState(0)
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), intervalMs)
    return () => clearInterval(timer)
  }, [intervalMs])
  return tick
}
