import { readFileSync } from 'node:fs'
import t from 'tap'
import { renderMessage } from '../../watchdog/discord/render.js'
import type { Notification, NotificationKind, TargetSummary } from '../../watchdog/notification.js'

// The Discord messages the watchdog posts, one per incident kind, as snapshot fixtures
// (tap-snapshots/test/watchdog/messages.test.ts.test.cjs; `tap --snapshot` rewrites them after a
// deliberate change). docs/watchdog.md shows two of them; the last test keeps those in step.

const options = { roleId: '123456789012345678', username: 'iot-sensors watchdog' }
const since = Date.parse('2026-11-23T14:02:10.000Z')
const at = (iso: string) => Date.parse(iso)

const traefik = (state: TargetSummary['state'], failedChecks: number): TargetSummary => ({
  name: 'traefik',
  url: 'http://traefik:80/ready',
  state,
  failedChecks,
  since,
  ...(state === 'up' ? {} : { error: 'timeout: no answer within 3000 ms' })
})

const replica = (n: number, state: TargetSummary['state'], error?: string, failedChecks = 0): TargetSummary => ({
  name: `api-${n}`,
  url: `http://iot-sensors-api-${n}:3000/ready`,
  state,
  failedChecks,
  ...(error === undefined ? {} : { error, since })
})

const dbRefused = 'HTTP 503: postgres:connection: connect ECONNREFUSED 172.18.0.2:5432'

/** A message about `service`'s incident opened at `since`, posted at `postedAt`, saying what the last argument holds. */
const incident = (service: string, kind: NotificationKind, postedAt: string, { ping, ...shown }: Pick<Notification, 'ping' | 'targets'> & Partial<Notification>): Notification => ({
  key: `${service}#${since}`,
  kind,
  service,
  createdAt: at(postedAt),
  ping,
  since,
  ...shown
})

/** The three api replicas, all up but the second, which is `second`. */
const apiWithSecond = (second: TargetSummary) => [replica(1, 'up'), second, replica(3, 'up')]

const traefikDown = incident('traefik', 'down', '2026-11-23T14:02:30.000Z', { ping: true, failedChecks: 3, targets: [traefik('down', 3)] })
const apiDegraded = (postedAt: string) => incident('api', 'degraded', postedAt,
  { ping: false, failedChecks: 3, targets: apiWithSecond(replica(2, 'down', 'connect ECONNREFUSED 172.18.0.5:3000', 3)) })

const messages: Record<string, Notification[]> = {
  down: [traefikDown],
  reminder: [incident('traefik', 'reminder', '2026-11-23T14:17:30.000Z',
    { ping: false, durationMs: (15 * 60 + 20) * 1000, failedChecks: 93, reminderNumber: 1, targets: [traefik('down', 93)] })],
  resolved: [incident('traefik', 'resolved', '2026-11-23T14:23:40.000Z',
    { ping: false, durationMs: (21 * 60 + 30) * 1000, failedChecks: 127, targets: [traefik('up', 0)] })],
  degraded: [apiDegraded('2026-11-23T14:02:30.000Z')],
  flapping: [incident('api', 'flapping', '2026-11-23T14:04:40.000Z',
    { ping: false, failedChecks: 9, targets: apiWithSecond(replica(2, 'flapping', 'HTTP 502: Bad Gateway', 9)) })],
  'root cause': [incident('postgres', 'down', '2026-11-23T14:02:30.000Z', {
    ping: true,
    failedChecks: 3,
    targets: [{ name: 'postgres', url: 'postgres://watchdog:***@postgres:5432/iot', state: 'down', failedChecks: 3, since, error: 'connect ECONNREFUSED 172.18.0.2:5432' }],
    affected: [replica(1, 'down', dbRefused), replica(2, 'down', dbRefused), replica(3, 'down', dbRefused),
      { name: 'traefik', url: 'http://traefik:80/ready', state: 'down', failedChecks: 3, error: dbRefused }]
  })],
  'two incidents coalesced': [traefikDown, apiDegraded('2026-11-23T14:02:31.000Z')],
  started: [{
    key: 'watchdog-started',
    kind: 'started',
    service: 'watchdog',
    createdAt: since,
    ping: false,
    text: 'Watching 5 targets: **postgres**, **api** (api-1, api-2, api-3), **traefik**. No open incidents.',
    targets: []
  }]
}

for (const [name, batch] of Object.entries(messages)) {
  t.test(`${name}: the JSON posted to the webhook`, async (t) => {
    t.matchSnapshot(renderMessage(batch, options), name!)
  })
}

t.test('docs/watchdog.md shows messages exactly as the watchdog renders them', async (t) => {
  const doc = readFileSync(new URL('../../docs/watchdog.md', import.meta.url), 'utf8')
  // Each example is a bold heading naming a fixture, then a ```json block.
  const examples = [...doc.matchAll(/^\*\*Example: ([^*]+)\*\*\n```json\n([\s\S]*?)\n```/gm)]
  t.ok(examples.length >= 1, 'the page shows at least one message')
  for (const [, name, json] of examples) {
    const batch = messages[name!]
    t.ok(batch, `"${name}" is one of the fixtures`)
    if (batch !== undefined) t.same(JSON.parse(json!), renderMessage(batch, options), name!)
  }
})
