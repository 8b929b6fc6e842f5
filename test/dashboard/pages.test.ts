import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { webDir } from '../../src/paths.js'
import { buildApp } from '../../src/app.js'
import { build, testConfig } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'

// The front-end is built before the tests (`pretest`: npm run build:web).
const app = await build(t)
const assets = await readdir(join(webDir, 'assets'))
const script = assets.find((name) => name.endsWith('.js'))!

t.test('GET / redirects to the fleet page', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/' })
  t.equal(res.statusCode, 302)
  t.equal(res.headers.location, '/dashboard/')
})

t.test('the fleet page is index.html (with its counts while reads are open, so never stored)', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/dashboard/' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html/)
  t.equal(res.headers['cache-control'], 'no-store')
  t.match(res.body, new RegExp(`<script type="module" crossorigin src="/dashboard/assets/${script.replace('.', '\\.')}">`))
})

t.test('a sensor page is the same index.html; an id that is not a sensor id is a 400', async (t) => {
  const page = await app.inject({ method: 'GET', url: '/dashboard/sensors/42' })
  t.equal(page.statusCode, 200)
  t.match(page.body, /<div id="app">/)
  const bad = await app.inject({ method: 'GET', url: '/dashboard/sensors/2147483648' })
  t.equal(bad.statusCode, 400)
  t.equal(bad.headers['content-type'], 'application/problem+json; charset=utf-8')
})

t.test('pages carry a Content-Security-Policy allowing this origin only, with no inline script', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/dashboard/' })
  const csp = String(res.headers['content-security-policy'])
  t.match(csp, /default-src 'self'/)
  t.match(csp, /script-src 'self'(;|$)/)
  t.match(csp, /connect-src 'self'/)
  t.notMatch(csp, /unsafe-inline|unsafe-eval|https?:/)
  // The one script without src is the JSON data block (test/dashboard/embedded-data.test.ts), never run.
  t.notMatch(res.body, /<script(?![^>]*\bsrc=)(?![^>]*type="application\/json")[^>]*>/, 'no inline <script> in the page')
})

t.test('pages send no opener policy, which would start a new tab\'s renderer only once the page answers, and stay out of frames', async (t) => {
  for (const url of ['/dashboard/', '/dashboard/sensors/1']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.headers['cross-origin-opener-policy'], undefined, url)
    t.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/, url)
    t.equal(res.headers['cross-origin-resource-policy'], 'same-origin', url)
  }
})

t.test('hashed assets are cached for a year and sent compressed to browsers that accept it', async (t) => {
  const res = await app.inject({ method: 'GET', url: `/dashboard/assets/${script}`, headers: { 'accept-encoding': 'br, gzip' } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable')
  t.equal(res.headers['content-encoding'], 'br')
  t.match(res.headers['content-type'], /javascript/)
  const plain = await app.inject({ method: 'GET', url: `/dashboard/assets/${script}` })
  t.equal(plain.headers['content-encoding'], undefined)
})

t.test('an asset that is not in the build is a 404', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/dashboard/assets/index-00000000.js' })
  t.equal(res.statusCode, 404)
})

t.test('the API keeps its own headers: the dashboard\'s policy stays on the dashboard', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/sensors' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-security-policy'], undefined)
})

t.test('without a build, the dashboard says how to make one', async (t) => {
  const empty = await mkdtemp(join(tmpdir(), 'iot-dashboard-'))
  t.teardown(() => rm(empty, { recursive: true, force: true }))
  const bare = await buildApp(testConfig((await freshDatabase(t)).url), { logger: false, webRoot: empty })
  t.teardown(() => bare.close())
  const res = await bare.inject({ method: 'GET', url: '/dashboard/' })
  t.equal(res.statusCode, 404)
  t.match(res.json(), { detail: /npm run build/ })
})
