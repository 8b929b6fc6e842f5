/* eslint-disable no-template-curly-in-string -- ${VAR} here is Compose's and the watchdog config's interpolation, not a template */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { loadWatchdogConfig, parseWatchdogConfig } from '../../watchdog/config.js'
import { executeWebhookUrl } from '../../watchdog/discord/webhook-url.js'
import { formatDuration, parseDuration } from '../../watchdog/duration.js'

const webhook = 'https://discord.com/api/webhooks/111/tok-en_2'
const minimal = (targets: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ discord: { webhook_url: webhook }, targets, ...extra })
const http = (extra: Record<string, unknown> = {}) => ({ name: 'api-1', type: 'http', url: 'http://api-1:3000/ready', ...extra })

t.test('durations: ms, s, m, h, d and decimals', async (t) => {
  t.equal(parseDuration('250ms'), 250)
  t.equal(parseDuration('10s'), 10_000)
  t.equal(parseDuration('1.5m'), 90_000)
  t.equal(parseDuration('15m'), 900_000)
  t.equal(parseDuration('4h'), 14_400_000)
  t.equal(parseDuration('1d'), 86_400_000)
  t.equal(parseDuration('10'), undefined)
  t.equal(parseDuration('ten seconds'), undefined)
  t.equal(formatDuration(252_000), '4m 12s')
  t.equal(formatDuration(3_630_000), '1h')
  t.equal(formatDuration(90_061_000), '1d 1h')
})

t.test('YAML with defaults applied per target', async (t) => {
  const config = parseWatchdogConfig(`
discord:
  webhook_url: ${webhook}
defaults:
  interval: 30s
targets:
  - { name: api-1, type: http, url: "http://api-1:3000/ready", service: api, expected_status: 200, latency_limit: 1s }
  - { name: db, type: postgres, url: "postgres://watchdog@db:5432/iot", failure_threshold: 5 }
`)
  const [api, db] = config.targets
  t.match(api, { name: 'api-1', service: 'api', intervalMs: 30_000, timeoutMs: 3000, failureThreshold: 3, successThreshold: 2, expectedStatus: [200], latencyLimitMs: 1000, healthJson: true })
  t.match(db, { name: 'db', service: 'db', type: 'postgres', failureThreshold: 5 })
  t.same(api!.reminder, { firstMs: 900_000, factor: 2, maxMs: 14_400_000 })
  t.same(config.discord, { webhookUrl: webhook, roleId: undefined, username: undefined, coalesceMs: 5000, requestTimeoutMs: 10_000, maxBackoffMs: 300_000 })
  t.equal(config.port, 8081)
})

t.test('JSON is read too', async (t) => {
  t.equal(parseWatchdogConfig(minimal([http()])).targets[0]!.name, 'api-1')
})

t.test('${VAR} references take values from the environment', async (t) => {
  const config = parseWatchdogConfig(minimal([{ name: 'db', type: 'postgres', url: '${PG_URL}' }, http({ url: 'http://${HOST:-api-1}:3000/ready' })]), { PG_URL: 'postgres://u:secret@db/iot' })
  t.equal(config.targets[0]!.url, 'postgres://u:secret@db/iot')
  t.equal(config.targets[1]!.url, 'http://api-1:3000/ready')
})

t.test('a reference to an unset variable names the field and the variable', async (t) => {
  t.throws(() => parseWatchdogConfig(minimal([{ name: 'db', type: 'postgres', url: '${WATCHDOG_POSTGRES_URL}' }]), {}),
    { name: 'WatchdogConfigError', message: /targets\[0\]\.url: environment variable WATCHDOG_POSTGRES_URL is not set/ })
})

t.test('environment variables override the file', async (t) => {
  const other = 'https://discord.com/api/webhooks/222/other'
  const config = parseWatchdogConfig(minimal([http()]), {
    DISCORD_WEBHOOK_URL: other, DISCORD_ROLE_ID: '999', WATCHDOG_PORT: '9000', WATCHDOG_STATE_FILE: '/tmp/s.json', WATCHDOG_HEARTBEAT_URL: 'http://hc/ping', WATCHDOG_LOG_LEVEL: 'warn'
  })
  t.equal(config.discord.webhookUrl, other)
  t.equal(config.discord.roleId, '999')
  t.equal(config.port, 9000)
  t.equal(config.stateFile, '/tmp/s.json')
  t.equal(config.heartbeatUrl, 'http://hc/ping')
  t.equal(config.logLevel, 'warn')
})

t.test('the webhook may come from DISCORD_WEBHOOK_URL alone', async (t) => {
  const config = parseWatchdogConfig(JSON.stringify({ targets: [http()] }), { DISCORD_WEBHOOK_URL: webhook })
  t.equal(config.discord.webhookUrl, webhook)
})

const errors: Array<[string, string, RegExp]> = [
  ['a bad duration', minimal([http({ interval: '10 seconds' })]), /targets\[0\]\.interval: expected a duration like "10s"/],
  ['a number where a duration goes', minimal([http({ timeout: 3 })]), /targets\[0\]\.timeout: expected a duration/],
  ['a timeout not below the interval', minimal([http({ interval: '5s', timeout: '5s' })]), /targets\[0\]\.timeout: 5000 ms must be below the interval \(5000 ms\)/],
  ['a threshold of zero', minimal([http({ failure_threshold: 0 })]), /targets\[0\]\.failure_threshold: expected a whole number from 1 to 100/],
  ['an unknown target type', minimal([http({ type: 'tcp' })]), /targets\[0\]\.type: expected type "http" or "postgres"/],
  ['a non-http URL', minimal([http({ url: 'ftp://x' })]), /targets\[0\]\.url: expected an http:\/\/ or https:\/\/ URL/],
  ['a non-postgres URL', minimal([{ name: 'db', type: 'postgres', url: 'mysql://x' }]), /targets\[0\]\.url: expected a postgres:\/\/ or postgresql:\/\/ URL/],
  ['a misspelt field', minimal([http({ intervall: '10s' })]), /targets\[0\]: Unrecognized key: "intervall"/],
  ['a duplicate name', minimal([http(), http()]), /targets\[1\]\.name: "api-1" is used by another target/],
  ['an unknown dependency', minimal([http({ depends_on: ['pg'] })]), /targets\[0\]\.depends_on\[0\]: no target is named "pg"/],
  ['no targets', minimal([]), /targets: at least one target is required/],
  ['no webhook', JSON.stringify({ targets: [http()] }), /discord\.webhook_url: required \(or set DISCORD_WEBHOOK_URL\)/],
  ['a webhook that is not one', JSON.stringify({ discord: { webhook_url: 'https://example.com/hook' }, targets: [http()] }), /discord\.webhook_url: expected a Discord webhook URL/],
  ['a bad role id', JSON.stringify({ discord: { webhook_url: webhook, role_id: '@everyone' }, targets: [http()] }), /discord\.role_id: expected a Discord role id/],
  ['a bad port', minimal([http()], { port: 70000 }), /port: expected a whole number from 0 to 65535/],
  ['YAML that does not parse', 'targets: [unclosed', /not valid YAML or JSON/]
]
for (const [what, text, message] of errors) {
  t.test(`${what} is refused with an error naming the field`, async (t) => {
    t.throws(() => parseWatchdogConfig(text), { name: 'WatchdogConfigError', message })
  })
}

t.test('WATCHDOG_CONFIG must be set and readable', async (t) => {
  await t.rejects(loadWatchdogConfig({}), { message: /WATCHDOG_CONFIG is not set/ })
  await t.rejects(loadWatchdogConfig({ WATCHDOG_CONFIG: '/nonexistent/watchdog.yml' }), { message: /WATCHDOG_CONFIG=\/nonexistent\/watchdog.yml: cannot read it/ })
})

t.test('the example config for the deployment loads', async (t) => {
  const config = await loadWatchdogConfig({
    WATCHDOG_CONFIG: join(import.meta.dirname, '../../watchdog/watchdog.example.yml'),
    DISCORD_WEBHOOK_URL: webhook,
    WATCHDOG_POSTGRES_URL: 'postgres://watchdog:pw@postgres:5432/iot'
  })
  t.same(config.targets.map((x) => [x.name, x.service, x.url]), [
    ['postgres', 'postgres', 'postgres://watchdog:pw@postgres:5432/iot'],
    ['api-1', 'api', 'http://iot-sensors-api-1:3000/ready'],
    ['api-2', 'api', 'http://iot-sensors-api-2:3000/ready'],
    ['api-3', 'api', 'http://iot-sensors-api-3:3000/ready'],
    ['traefik', 'traefik', 'http://traefik:80/ready']
  ])
  t.ok(config.targets.slice(1).every((x) => x.dependsOn.includes('postgres')))
})

t.test('a config file on disk is read from WATCHDOG_CONFIG', async (t) => {
  const file = join(t.testdir(), 'watchdog.json')
  await writeFile(file, minimal([http()]))
  t.equal((await loadWatchdogConfig({ WATCHDOG_CONFIG: file })).targets.length, 1)
})

t.test('the webhook URL Discord hands out is rewritten to v10 with wait=true', async (t) => {
  t.equal(executeWebhookUrl(webhook).toString(), 'https://discord.com/api/v10/webhooks/111/tok-en_2?wait=true')
  t.equal(executeWebhookUrl('https://discordapp.com/api/v9/webhooks/1/x?thread_id=5').toString(), 'https://discordapp.com/api/v10/webhooks/1/x?thread_id=5&wait=true')
  t.throws(() => executeWebhookUrl('https://discord.com/api/channels/1'))
})

t.test('the fleet section with the issue\'s key names, durations and rules', async (t) => {
  const config = parseWatchdogConfig(`
discord:
  webhook_url: ${webhook}
targets:
  - { name: api-1, type: http, url: "http://api-1:3000/ready" }
fleet:
  api_url: http://traefik:80
  read_token: \${READ_TOKEN:-}
  interval: 30s
  silence:
    after: 10m
    retire_after: 7d
    per_variable: true
  blackout_share: 0.5
  rules:
    - name: overheating
      variable: temperature
      above: 80
      for: 5m
      clear_below: 75
      sensors: ["1-500", 731]
    - { name: freezing, variable: temperature, below: 0 }
  dashboard_url: https://ops.example.com/dashboard/
`, { READ_TOKEN: 's3cret' })
  t.match(config.fleet, {
    apiUrl: 'http://traefik:80',
    readToken: 's3cret',
    intervalMs: 30_000,
    silence: { afterMs: 600_000, retireAfterMs: 604_800_000, perVariable: true },
    blackoutShare: 0.5,
    ingestStallMs: 120_000,
    dependsOn: ['api-1'],
    dashboardUrl: 'https://ops.example.com/dashboard'
  })
  t.same(config.fleet!.rules, [
    { name: 'overheating', variable: 'temperature', op: 'above', threshold: 80, clear: 75, forMs: 300_000, sensors: [[1, 500], [731, 731]] },
    { name: 'freezing', variable: 'temperature', op: 'below', threshold: 0, clear: 0, forMs: 0 }
  ])
  t.equal(parseWatchdogConfig(minimal([http()], { fleet: { api_url: 'http://api:3000', read_token: '' } })).fleet!.readToken, undefined, 'an empty token is none')
})

t.test('a bad fleet section is refused naming the field', async (t) => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ api_url: 'ftp://x' }, /fleet\.api_url/],
    [{ api_url: 'http://api', blackout_share: 1.5 }, /fleet\.blackout_share/],
    [{ api_url: 'http://api', silence: { after: '10 minutes' } }, /fleet\.silence\.after/],
    [{ api_url: 'http://api', silence: { after: '1d', retire_after: '1h' } }, /fleet\.silence\.retire_after/],
    [{ api_url: 'http://api', rules: [{ name: 'r', variable: 't' }] }, /fleet\.rules\[0\]: set exactly one of "above" and "below"/],
    [{ api_url: 'http://api', rules: [{ name: 'r', variable: 't', above: 80, clear_below: 85 }] }, /fleet\.rules\[0\]\.clear_below/],
    [{ api_url: 'http://api', rules: [{ name: 'r', variable: 't', below: 0, clear_below: 1 }] }, /fleet\.rules\[0\]\.clear_below/],
    [{ api_url: 'http://api', rules: [{ name: 'r', variable: 't', above: 1, sensors: ['9-2'] }] }, /fleet\.rules\[0\]\.sensors\[0\]/],
    [{ api_url: 'http://api', depends_on: ['nope'] }, /fleet\.depends_on\[0\]/],
    [{ api_url: 'http://api', ingest_stall: '10s' }, /fleet\.ingest_stall/],
    [{ api_url: 'http://api', unknown: 1 }, /fleet/]
  ]
  for (const [fleet, message] of bad) t.throws(() => parseWatchdogConfig(minimal([http()], { fleet })), message, JSON.stringify(fleet))
})
