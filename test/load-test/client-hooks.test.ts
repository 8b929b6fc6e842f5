import { createServer, type Server } from 'node:http'
import autocannon from 'autocannon'
import t from 'tap'
import { assertHookable, hookClient, type ClientHooks, type RequestTimes } from '../../load-test/client-hooks.js'
import { EvenPacer } from '../../load-test/pacer.js'

// The load test reaches into autocannon's HTTP client (lib/httpClient.js). These tests run the
// real autocannon with the hooks: after an autocannon upgrade that changed what they hook, they
// fail here, naming the change, rather than leaving an unpaced or mismeasured run.

interface Served {
  url: string
  received: number
}

/** A server answering 200; `onRequest` may destroy the socket instead (returns true). */
async function server (t: { teardown(fn: () => unknown): void }, onRequest: (n: number) => boolean = () => false): Promise<Served> {
  const served: Served = { url: '', received: 0 }
  const s: Server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      if (onRequest(++served.received)) req.socket.destroy()
      else res.end('{}')
    })
  })
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => { s.closeAllConnections(); s.close(resolve) }))
  served.url = `http://127.0.0.1:${(s.address() as { port: number }).port}`
  return served
}

/** autocannon with the hooks on every client; resolves with what the hooks saw. */
async function run (url: string, options: { amount: number, connections: number }, hooks: Partial<ClientHooks> = {}) {
  const seen = { sent: [] as RequestTimes[], answered: [] as Array<{ times: RequestTimes, status: number, at: number }>, lost: [] as RequestTimes[] }
  await new Promise<void>((resolve, reject) => {
    autocannon({
      url,
      ...options,
      pipelining: 1,
      timeout: 5,
      setupClient: (client: unknown) => hookClient(client, {
        stopping: () => false,
        onSent: (times) => seen.sent.push(times),
        onAnswered: (times, status, at) => seen.answered.push({ times, status, at }),
        onLost: (times) => seen.lost.push(times),
        ...hooks
      })
    }, (err) => err ? reject(err) : resolve())
  })
  return seen
}

t.test('the members the hooks use are checked, and a client without them is refused by name', async (t) => {
  t.throws(() => assertHookable({ _doRequest () {}, destroy () {}, on () {}, destroyed: false, reqsMade: 0, timeout: 10_000 }), {
    name: 'AutocannonChangedError',
    message: "autocannon's HTTP client no longer has _connect (function): load-test/client-hooks.ts must be updated for this autocannon version"
  })
  t.throws(() => hookClient({}, { stopping: () => false }), { message: /_doRequest \(function\), _connect \(function\), destroy \(function\), on \(function\), destroyed \(boolean\), reqsMade \(number\), timeout \(number\)/ })
})

t.test('every request of a real autocannon run goes through the hooks, sent once and answered once', async (t) => {
  const api = await server(t)
  const seen = await run(api.url, { amount: 40, connections: 4 })
  t.equal(api.received, 40)
  t.equal(seen.sent.length, 40)
  t.equal(seen.answered.length, 40)
  t.same(seen.lost, [])
  t.ok(seen.answered.every((a) => a.status === 200 && a.at >= a.times.sentAt && a.times.dueAt === a.times.sentAt), 'unpaced: due when sent')
})

t.test('paced: each request leaves at its slot or later, and carries that slot as its due time', async (t) => {
  const api = await server(t)
  const pacer = new EvenPacer(5)
  const seen = await run(api.url, { amount: 30, connections: 3 }, { pacer })
  t.equal(api.received, 30)
  const due = seen.sent.map((s) => s.dueAt).sort((a, b) => a - b)
  const first = due[0]!
  t.same(due.map((d) => Math.round(d - first)), Array.from({ length: 30 }, (_, i) => i * 5), 'the slots, one per request')
  t.ok(seen.sent.every((s) => s.sentAt >= s.dueAt), 'none leaves before its slot')
})

t.test('a connection lost with a request in flight is reported, and the client goes on', async (t) => {
  const api = await server(t, (n) => n === 3)
  const seen = await run(api.url, { amount: 6, connections: 1 })
  t.equal(seen.lost.length, 1)
  t.equal(seen.sent.length, seen.answered.length + seen.lost.length)
  t.equal(api.received, seen.sent.length)
})

t.test('a stopping run ends each client after its answer, with nothing left in flight', async (t) => {
  const api = await server(t)
  const seen = await run(api.url, { amount: 1000, connections: 2 }, { stopping: () => api.received >= 10, pacer: new EvenPacer(2) })
  t.ok(seen.sent.length >= 10 && seen.sent.length < 1000, `sent ${seen.sent.length}`)
  t.equal(seen.answered.length, seen.sent.length)
  t.equal(api.received, seen.sent.length)
})
