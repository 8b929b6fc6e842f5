import t from 'tap'
import { isoMicros, randomSensorBase, ReadingGenerator, VARIABLES, type ReadingBody } from '../../load-test/readings.js'

const readingsOf = (body: string): ReadingBody[] => {
  const parsed = JSON.parse(body) as ReadingBody | ReadingBody[]
  return Array.isArray(parsed) ? parsed : [parsed]
}

const generator = (overrides: Partial<ConstructorParameters<typeof ReadingGenerator>[0]> = {}) =>
  new ReadingGenerator({ sensorBase: 1_500_000_000, sensors: 10, batch: 1, duplicates: 0, ...overrides })

t.test('with no duplicates every reading has its own (sensor_id, timestamp, variable) key', async (t) => {
  // A frozen clock: timestamps must still differ per sensor.
  const g = generator({ batch: 5, nowMicros: () => 1_700_000_000_000_000 })
  const keys = new Set<string>()
  for (let i = 0; i < 200; i++) {
    for (const r of readingsOf(g.next().body)) keys.add(`${r.sensor_id}|${r.timestamp}|${r.variable}`)
  }
  t.equal(keys.size, 1000)
})

t.test('readings spread over the run\'s sensor ids, with realistic values and units', async (t) => {
  const g = generator({ sensors: 3, sensorBase: 2_000_000_000 })
  const seen = new Map<string, ReadingBody[]>()
  for (let i = 0; i < 300; i++) {
    const [r] = readingsOf(g.next().body)
    seen.set(r!.variable, [...(seen.get(r!.variable) ?? []), r!])
  }
  t.same([...seen.keys()].sort(), VARIABLES.map((v) => v.variable).sort())
  for (const spec of VARIABLES) {
    for (const r of seen.get(spec.variable)!) {
      t.equal(r.unit, spec.unit)
      t.ok(r.value >= spec.min && r.value <= spec.max, `${spec.variable} ${r.value} within ${spec.min}..${spec.max}`)
      t.ok([2_000_000_000, 2_000_000_001, 2_000_000_002].includes(r.sensor_id))
    }
  }
  t.equal(seen.get('temperature')![0]!.unit, '°C')
  t.equal(seen.get('humidity')![0]!.unit, '%')
  t.equal(seen.get('pressure')![0]!.unit, 'hPa')
})

t.test('the duplicates fraction of requests resend an earlier batch byte for byte', async (t) => {
  const g = generator({ batch: 3, duplicates: 0.2 })
  const originals = new Map<number, string>()
  let resends = 0
  for (let i = 0; i < 100; i++) {
    const b = g.next()
    if (b.resend) {
      resends++
      t.equal(b.body, originals.get(b.index), `resend of batch ${b.index} is exact`)
    } else {
      originals.set(b.index, b.body)
    }
  }
  t.equal(resends, 20)
  t.equal(g.batches, 80)
})

t.test('a run of N readings cuts its last batch short', async (t) => {
  const g = generator({ batch: 4, maxReadings: 10 })
  t.same([g.next(), g.next(), g.next()].map((b) => readingsOf(b.body).length), [4, 4, 2])
})

t.test('a batch of one is sent as a single object, larger batches as an array', async (t) => {
  t.notOk(Array.isArray(JSON.parse(generator().next().body)))
  t.ok(Array.isArray(JSON.parse(generator({ batch: 2 }).next().body)))
})

t.test('timestamps are ISO 8601 UTC with microseconds', async (t) => {
  t.equal(isoMicros(1_700_000_000_123_456), '2023-11-14T22:13:20.123456Z')
  t.equal(isoMicros(1_700_000_000_000_007), '2023-11-14T22:13:20.000007Z')
})

t.test('a run\'s sensor ids fit in int4, in the upper range', async (t) => {
  for (let i = 0; i < 100; i++) {
    const base = randomSensorBase(1000)
    t.ok(base >= 1_000_000_000 && base + 999 <= 2_147_483_647)
  }
})
