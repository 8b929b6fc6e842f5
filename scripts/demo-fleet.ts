import { request } from 'undici'

export interface DemoFleetOptions {
  sensors: number
  /** How far back the history goes. */
  days: number
  intervalMin: number
  /** The server's clock (epoch ms); newest readings are just before it. */
  now: number
}

interface DemoReading { sensor_id: number, timestamp: string, variable: string, value: number, unit: string }

/**
 * A plausible fleet: temperature and humidity following a daily cycle with some noise, every
 * sensor but a few reporting up to now (every ninth went quiet a while ago).
 */
export function * demoReadings (opts: DemoFleetOptions): Generator<DemoReading> {
  const step = opts.intervalMin * 60_000
  const end = Math.floor(opts.now / step) * step
  for (let s = 1; s <= opts.sensors; s++) {
    const quietFor = s % 9 === 0 ? (20 + s * 7) * 60_000 : 0
    const phase = s * 0.7
    for (let t = end - opts.days * 86_400_000; t <= end - quietFor; t += step) {
      const day = (t / 86_400_000) * 2 * Math.PI + phase
      const noise = Math.sin(t / 7_777_777 + s) * 0.4
      const timestamp = new Date(t).toISOString()
      yield { sensor_id: s, timestamp, variable: 'temperature', value: round(19 + (s % 5) + 3.5 * Math.sin(day) + noise, 2), unit: 'C' }
      yield { sensor_id: s, timestamp, variable: 'humidity', value: round(48 - 9 * Math.sin(day) + noise * 3, 1), unit: '%' }
    }
  }
}

function round (value: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

/** POSTs the demo fleet to a running API in batches, through the ordinary ingest path. */
export async function postDemoFleet (origin: string, opts: DemoFleetOptions, batch = 5000): Promise<number> {
  let sent = 0
  let pending: DemoReading[] = []
  const flush = async () => {
    const res = await request(`${origin}/readings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(pending) })
    const text = await res.body.text()
    if (res.statusCode >= 300) throw new Error(`POST /readings answered ${res.statusCode}: ${text}`)
    sent += pending.length
    pending = []
  }
  for (const reading of demoReadings(opts)) {
    pending.push(reading)
    if (pending.length === batch) await flush()
  }
  if (pending.length > 0) await flush()
  return sent
}
