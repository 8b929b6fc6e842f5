import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

interface Teardown {
  teardown(fn: () => unknown): void
}

export interface FakeApiOptions {
  /** Stop answering `afterMs` after the first POST, for `forMs`: everything that arrives meanwhile waits. */
  stall?: { afterMs: number, forMs: number }
}

export interface FakeApi {
  url: string
  /** The stall, once scheduled (at the first POST), in performance.now and wall-clock time. */
  stall?: { from: number, to: number, fromWallMs: number, toWallMs: number }
  /** Requests held by the stall right now. */
  held: number
}

/**
 * A stand-in for the API, with nothing between it and the load test but loopback: it stores
 * readings in memory (so verification holds), serves `GET /sensors/{id}` and a `/metrics` page,
 * and can stall like a frozen process, every answer (the metrics too) held until the stall ends.
 */
export async function fakeApi (t: Teardown, options: FakeApiOptions = {}): Promise<FakeApi> {
  const keys = new Set<string>()
  const perSensor = new Map<number, number>()
  const api: FakeApi = { url: '', held: 0 }

  const answer = (res: ServerResponse, status: number, type: string, body: string) => {
    const send = () => res.writeHead(status, { 'content-type': type }).end(body)
    const now = performance.now()
    if (api.stall !== undefined && now >= api.stall.from && now < api.stall.to) {
      api.held++
      setTimeout(() => { api.held--; send() }, api.stall.to - now)
    } else {
      send()
    }
  }

  const post = (req: IncomingMessage, res: ServerResponse, body: string) => {
    if (api.stall === undefined && options.stall !== undefined) {
      const from = performance.now() + options.stall.afterMs
      const fromWallMs = performance.timeOrigin + from
      api.stall = { from, to: from + options.stall.forMs, fromWallMs, toWallMs: fromWallMs + options.stall.forMs }
    }
    const parsed = JSON.parse(body) as unknown
    const readings = (Array.isArray(parsed) ? parsed : [parsed]) as Array<{ sensor_id: number, timestamp: string, variable: string }>
    let inserted = 0
    for (const r of readings) {
      const key = `${r.sensor_id}|${r.timestamp}|${r.variable}`
      if (keys.has(key)) continue
      keys.add(key)
      perSensor.set(r.sensor_id, (perSensor.get(r.sensor_id) ?? 0) + 1)
      inserted++
    }
    const counts = { received: readings.length, inserted, duplicates: readings.length - inserted, conflicts: [] }
    answer(res, inserted > 0 ? 201 : 200, 'application/json', JSON.stringify(counts))
  }

  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => { body += chunk })
    req.on('end', () => {
      const sensor = /^\/sensors\/(\d+)$/.exec(req.url ?? '')
      if (req.method === 'POST' && req.url === '/readings') {
        post(req, res, body)
      } else if (req.method === 'GET' && sensor !== null) {
        const count = perSensor.get(Number(sensor[1]))
        if (count === undefined) answer(res, 404, 'application/problem+json', JSON.stringify({ type: 'https://iot.example/problems/unknown-sensor', status: 404 }))
        else answer(res, 200, 'application/json', JSON.stringify({ sensor_id: Number(sensor[1]), reading_count: count }))
      } else if (req.method === 'GET' && req.url === '/metrics') {
        answer(res, 200, 'text/plain; version=0.0.4', [
          '# TYPE process_resident_memory_bytes gauge', `process_resident_memory_bytes ${process.memoryUsage().rss}`,
          '# TYPE nodejs_eventloop_lag_max_seconds gauge', 'nodejs_eventloop_lag_max_seconds 0.002',
          '# TYPE iot_write_queue_depth gauge', `iot_write_queue_depth ${api.held}`,
          '# TYPE iot_service_info gauge', 'iot_service_info{version="0.0.0",instance_id="fake"} 1', ''
        ].join('\n'))
      } else {
        answer(res, 404, 'application/problem+json', JSON.stringify({ type: 'about:blank', status: 404 }))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) }))
  api.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  return api
}
