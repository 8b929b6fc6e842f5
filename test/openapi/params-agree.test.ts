import t from 'tap'
import type { z } from 'zod'
import { aggregateQuery, ingestQuery } from '../../src/read/aggregate-routes.js'
import { lastSeenQuery, latestQuery } from '../../src/read/fleet-routes.js'
import { readingsQuery } from '../../src/read/readings-routes.js'
import { aggregateRoute, fleetLastSeenRoute, fleetLatestRoute, ingestStatsRoute, readingsRoute, sensorRoute, sensorsRoute, silentRoute } from '../../src/read/schemas.js'
import { listQuery, sensorPath, silentQuery } from '../../src/read/sensors-routes.js'

// Requests are validated by zod and documented by TypeBox (docs/design/openapi.md): both must name
// the same parameters, and agree on which are required.

interface Documented { properties: Record<string, unknown>, required?: string[] }

const pairs: Array<[string, z.ZodObject, Documented]> = [
  ['GET /readings query', readingsQuery, readingsRoute.querystring],
  ['GET /sensors query', listQuery, sensorsRoute.querystring],
  ['GET /sensors/silent query', silentQuery, silentRoute.querystring],
  ['GET /sensors/{id} path', sensorPath, sensorRoute.params],
  ['GET /readings/aggregate query', aggregateQuery, aggregateRoute.querystring],
  ['GET /stats/ingest query', ingestQuery, ingestStatsRoute.querystring],
  ['GET /fleet/latest query', latestQuery, fleetLatestRoute.querystring],
  ['GET /fleet/last-seen query', lastSeenQuery as unknown as z.ZodObject, fleetLastSeenRoute.querystring]
]

for (const [name, validated, documented] of pairs) {
  t.test(`${name}: zod and the document name the same parameters, required alike`, async (t) => {
    t.same(Object.keys(validated.shape).sort(), Object.keys(documented.properties).sort())
    const required = Object.keys(validated.shape).filter((key) => !(validated.shape[key] as z.ZodType).safeParse(undefined).success)
    t.same(required.sort(), [...(documented.required ?? [])].sort())
  })
}
