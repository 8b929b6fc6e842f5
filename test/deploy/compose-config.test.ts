/* eslint-disable no-template-curly-in-string -- ${VAR} here is Compose's and the watchdog config's interpolation, not a template */
import t from 'tap'
import { parse } from 'yaml'
import {
  durationMs, envNumber, interpolatedNames, loadCompose, loadTraefikStatic, repoFile, service, withDefaults
} from './helpers/deploy-files.js'

// The invariants docker-compose.yml and traefik/ must keep; no Docker engine runs here, so the
// files themselves are what is checked.

const compose = loadCompose()
const api = service(compose, 'api')
const labels = api.labels ?? {}
const traefikStatic = loadTraefikStatic()

const label = (key: string): string => {
  const value = labels[key]
  if (value === undefined) throw new Error(`api has no label ${key}`)
  return value
}

/** The name of the load-balanced service the api's router sends to. */
const routerService = () => label('traefik.http.routers.api.service')
const healthcheck = (key: string) => label(`traefik.http.services.${routerService()}.loadbalancer.healthcheck.${key}`)

t.test('the project is named iot-sensors, so the replicas are iot-sensors-api-1..3', async (t) => {
  t.equal(compose.name, 'iot-sensors')
})

t.test('the api runs three replicas', async (t) => {
  t.equal(api.deploy?.replicas, 3)
})

t.test('the api starts after postgres is healthy and the migration has exited 0', async (t) => {
  t.same(api.depends_on, {
    postgres: { condition: 'service_healthy' },
    migrate: { condition: 'service_completed_successfully' }
  })
})

t.test('the migration is a one-shot `npm run migrate` after postgres is healthy', async (t) => {
  const migrate = service(compose, 'migrate')
  t.same(migrate.command, ['npm', 'run', 'migrate'])
  t.equal(migrate.restart, 'no')
  t.same(migrate.depends_on, { postgres: { condition: 'service_healthy' } })
})

t.test('postgres is checked with pg_isready and keeps its data in a named volume', async (t) => {
  const postgres = service(compose, 'postgres')
  t.equal(postgres.healthcheck?.test?.[1], 'pg_isready')
  const dataVolume = postgres.volumes?.find((v) => v.endsWith(':/var/lib/postgresql/data'))
  const volumeName = dataVolume?.split(':')[0] ?? ''
  t.match(volumeName, /^[a-z]/, 'a named volume, not a host path')
  t.ok(compose.volumes && volumeName in compose.volumes, 'declared under top-level volumes')
})

t.test('the api container healthcheck asks /health, like the image HEALTHCHECK', async (t) => {
  t.match(api.healthcheck?.test?.join(' ') ?? '', /\/health'/)
  const dockerfileHealthcheck = repoFile('Dockerfile').replace(/\\\n/g, ' ').split('\n').find((l) => l.startsWith('HEALTHCHECK'))
  t.match(dockerfileHealthcheck ?? '', /\/health'/)
})

t.test("the one-shot migration has the image's API healthcheck disabled", async (t) => {
  t.equal(service(compose, 'migrate').healthcheck?.disable, true)
})

t.test("the watchdog's healthcheck asks its own /health on WATCHDOG_PORT, and its state survives restarts", async (t) => {
  const watchdog = service(compose, 'watchdog')
  const test = watchdog.healthcheck?.test?.join(' ') ?? ''
  t.match(test, /process\.env\.WATCHDOG_PORT \|\| 8081\) \+ '\/health'/)
  t.equal(envNumber(watchdog, 'WATCHDOG_PORT'), 8081)
  const stateDir = watchdog.environment?.WATCHDOG_STATE_FILE?.replace(/\/[^/]+$/, '')
  const volume = watchdog.volumes?.find((v) => v.endsWith(`:${stateDir}`))?.split(':')[0] ?? ''
  t.ok(compose.volumes && volume in compose.volumes, `named volume on ${stateDir}`)
  t.match(repoFile('Dockerfile'), new RegExp(`chown node:node .*${stateDir}`), 'writable by the node user')
})

t.test('traefik routes to the api on port 3000, which the api listens on', async (t) => {
  t.equal(label('traefik.enable'), 'true')
  t.equal(label(`traefik.http.services.${routerService()}.loadbalancer.server.port`), withDefaults(api.environment?.PORT ?? ''))
  t.equal(label('traefik.http.routers.api.entrypoints'), 'web')
})

t.test('traefik health-checks every replica on /ready, at a short interval', async (t) => {
  t.equal(healthcheck('path'), '/ready')
  t.ok(durationMs(healthcheck('interval')) <= 5000, `interval ${healthcheck('interval')}`)
  t.ok(durationMs(healthcheck('timeout')) < durationMs(healthcheck('interval')))
})

t.test('the api router retries requests that never reached a replica, and sets no option that would do nothing', async (t) => {
  const middlewares = label('traefik.http.routers.api.middlewares').split(',').map((m) => m.trim())
  const retry = middlewares.find((m) => labels[`traefik.http.middlewares.${m}.retry.attempts`] !== undefined)
  t.ok(retry, `a retry middleware among ${middlewares.join(', ')}`)
  t.ok(Number(label(`traefik.http.middlewares.${retry}.retry.attempts`)) >= 2)
  const options = Object.keys(labels).filter((k) => k.startsWith(`traefik.http.middlewares.${retry}.retry.`)).map((k) => k.split('.').at(-1))
  // retrynonidempotentmethod and maxrequestbodybytes only govern retries on HTTP status codes.
  t.notOk(options.includes('status'), 'no retry on an answer: a replica answered, so the request reached it')
  t.same(options.filter((o) => o === 'retrynonidempotentmethod' || o === 'maxrequestbodybytes'), [])
})

t.test('traefik reads the Docker socket read-only', async (t) => {
  const socket = service(compose, 'traefik').volumes?.find((v) => v.startsWith('/var/run/docker.sock:'))
  t.equal(socket, '/var/run/docker.sock:/var/run/docker.sock:ro')
})

t.test('a draining replica is out of rotation before its listener closes', async (t) => {
  const drainMs = envNumber(api, 'READY_DRAIN_DELAY_S') * 1000
  const worstDetectionMs = durationMs(healthcheck('interval')) + durationMs(healthcheck('timeout'))
  t.ok(drainMs > worstDetectionMs, `READY_DRAIN_DELAY_S ${drainMs} ms > interval + timeout ${worstDetectionMs} ms`)
})

t.test('docker waits longer than the drain delay plus the shutdown limit before SIGKILL', async (t) => {
  const neededMs = (envNumber(api, 'READY_DRAIN_DELAY_S') + envNumber(api, 'SHUTDOWN_TIMEOUT_S')) * 1000
  const graceMs = durationMs(api.stop_grace_period ?? '10s')
  t.ok(graceMs > neededMs, `stop_grace_period ${graceMs} ms > ${neededMs} ms`)
})

t.test("the api's keep-alive outlasts traefik's idle connections to it", async (t) => {
  const keepAliveMs = envNumber(api, 'KEEP_ALIVE_TIMEOUT_S') * 1000
  const idle = traefikStatic.serversTransport?.forwardingTimeouts?.idleConnTimeout
  t.type(idle, 'string', 'idleConnTimeout set explicitly (Traefik defaults to 90 s)')
  t.ok(keepAliveMs > durationMs(idle), `KEEP_ALIVE_TIMEOUT_S ${keepAliveMs} ms > idleConnTimeout ${idle}`)
})

t.test('traefik: entrypoint :80, docker provider opt-in, access log, ping, no dashboard', async (t) => {
  t.equal(traefikStatic.entryPoints?.web?.address, ':80')
  t.equal(traefikStatic.providers?.docker?.exposedByDefault, false)
  t.ok(traefikStatic.accessLog, 'accessLog')
  t.ok(traefikStatic.ping, 'ping')
  t.notOk(traefikStatic.api, 'no API / dashboard')
  const traefik = service(compose, 'traefik')
  t.same(traefik.ports?.map((p) => withDefaults(p)), ['80:80'])
  t.ok(traefik.volumes?.includes('./traefik/traefik.yml:/etc/traefik/traefik.yml:ro'))
})

t.test('the stop grace of traefik covers its own lifecycle timeouts', async (t) => {
  const lifeCycle = traefikStatic.entryPoints?.web?.transport?.lifeCycle ?? {}
  const neededMs = durationMs(lifeCycle.requestAcceptGraceTimeout ?? '0s') + durationMs(lifeCycle.graceTimeOut ?? '10s')
  t.ok(durationMs(service(compose, 'traefik').stop_grace_period ?? '10s') > neededMs)
})

t.test('the watchdog runs from the same image with its example config and env-provided secrets', async (t) => {
  const watchdog = service(compose, 'watchdog')
  t.equal(watchdog.image, api.image)
  t.same(watchdog.command, ['npm', 'run', 'watchdog'])
  t.equal(watchdog.environment?.WATCHDOG_CONFIG, '/app/watchdog/watchdog.example.yml')
  t.match(watchdog.environment?.DISCORD_WEBHOOK_URL ?? '', /^\$\{DISCORD_WEBHOOK_URL[:}-]/)
  t.match(watchdog.environment?.WATCHDOG_POSTGRES_URL ?? '', /^\$\{WATCHDOG_POSTGRES_URL[:}-]/)
  t.match(repoFile('Dockerfile'), /^COPY watchdog\/watchdog\.example\.yml \.\/watchdog\/watchdog\.example\.yml$/m, 'the image holds the config')
})

t.test('every third-party image is pinned to a version, never latest', async (t) => {
  for (const [name, svc] of Object.entries(compose.services)) {
    if (svc.build !== undefined) continue
    const tag = withDefaults(svc.image ?? '').split(':')[1] ?? ''
    t.match(tag, /^v?\d+\.\d+(\.\d+)?(-[a-z0-9.]+)?$/, `${name}: ${svc.image}`)
  }
  const dockerfile = repoFile('Dockerfile')
  const args = Object.fromEntries([...dockerfile.matchAll(/^ARG (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]))
  const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]!.replace(/\$\{(\w+)\}/g, (_x, n: string) => args[n] ?? ''))
  t.ok(bases.length >= 2, 'multi-stage')
  for (const base of bases) t.match(base, /^node:\d+\.\d+\.\d+-[a-z]+-slim$/, base)
})

t.test('the app image services share one tag, built here, and none says latest', async (t) => {
  const appServices = Object.entries(compose.services).filter(([, svc]) => svc.build !== undefined)
  t.same(appServices.map(([name]) => name).sort(), ['api', 'migrate', 'watchdog'])
  for (const [name, svc] of appServices) {
    t.equal(svc.image, api.image, name)
    t.notMatch(withDefaults(svc.image ?? ''), /:latest$|^[^:]+$/, name)
  }
})

t.test('no secret is baked into the Dockerfile', async (t) => {
  const dockerfile = repoFile('Dockerfile')
  t.notMatch(dockerfile, /^(ENV|ARG)\b.*(PASSWORD|SECRET|TOKEN|WEBHOOK|DATABASE_URL)/mi)
  t.notMatch(dockerfile, /postgres(ql)?:\/\/[^\s'"]*:[^\s'"]*@/i)
})

t.test('compose takes every credential from the environment', async (t) => {
  const sensitive = /PASSWORD|SECRET|TOKEN|WEBHOOK/
  for (const [name, svc] of Object.entries(compose.services)) {
    for (const [key, value] of Object.entries(svc.environment ?? {})) {
      if (sensitive.test(key)) t.match(value, new RegExp(`^\\$\\{${key}(:-|:\\?|\\})`), `${name}.${key} comes from \${${key}}`)
      for (const url of value.match(/postgres(ql)?:\/\/\S+/g) ?? []) {
        const password = url.match(/^postgres(?:ql)?:\/\/(?:\$\{[^}]*\}|[^:@/]*):(\$\{[^}]*\}|[^@]*)@/)?.[1] ?? ''
        t.match(password, /^\$\{POSTGRES_PASSWORD(:-[^}]*)?\}$/, `${name}.${key}: password from \${POSTGRES_PASSWORD}`)
      }
    }
  }
})

t.test('every variable docker-compose.yml reads is documented in .env.example', async (t) => {
  const documented = new Set([...repoFile('.env.example').matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]!))
  const used = [...interpolatedNames(repoFile('docker-compose.yml'))]
  t.ok(used.length > 0)
  t.same(used.filter((name) => !documented.has(name)), [], 'undocumented variables')
})

t.test('.dockerignore keeps .env, data, node_modules and build output out of the image', async (t) => {
  const ignored = new Set(repoFile('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')))
  for (const entry of ['.env', '.env.*', 'data', 'node_modules', 'dist', 'test', '.git', 'coverage', '.tap']) {
    t.ok(ignored.has(entry), entry)
  }
})

t.test('every environment variable the API reads is documented in the README', async (t) => {
  const { envSchema } = await import('../../src/config.js')
  const readme = repoFile('README.md')
  const missing = Object.keys(envSchema.shape).filter((name) => !readme.includes(`\`${name}\``))
  t.same(missing, [])
})

t.test('the watchdog example config probes every replica compose starts, the entrypoint and PostgreSQL', async (t) => {
  const example = parse(repoFile('watchdog/watchdog.example.yml')) as { targets: Array<{ type: string, url: string }>, port?: number, state_file?: string }
  const urls = example.targets.map((target) => target.url)
  const replicaUrls = Array.from({ length: api.deploy?.replicas ?? 0 }, (_, i) =>
    `http://${compose.name}-api-${i + 1}:${withDefaults(api.environment?.PORT ?? '')}/ready`)
  t.same(urls.filter((url) => url.includes('-api-')), replicaUrls)
  t.ok(urls.includes('http://traefik:80/ready'), 'the Traefik entrypoint')
  t.same(example.targets.filter((target) => target.type === 'postgres').map((target) => target.url), ['${WATCHDOG_POSTGRES_URL}'])
  const watchdog = service(compose, 'watchdog')
  t.equal(example.port, envNumber(watchdog, 'WATCHDOG_PORT'))
  t.equal(example.state_file, watchdog.environment?.WATCHDOG_STATE_FILE)
})

t.test('the watchdog reads the fleet through Traefik with the read token compose passes it', async (t) => {
  const example = parse(repoFile('watchdog/watchdog.example.yml')) as { fleet?: { api_url: string, read_token: string } }
  t.equal(example.fleet?.api_url, 'http://traefik:80')
  t.equal(example.fleet?.read_token, '${WATCHDOG_READ_TOKEN:-}')
  t.equal(service(compose, 'watchdog').environment?.WATCHDOG_READ_TOKEN, '${WATCHDOG_READ_TOKEN:-}')
})
