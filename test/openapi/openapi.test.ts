import { Validator } from '@seriousme/openapi-schema-validator'
import { Ajv2020 } from 'ajv/dist/2020.js'
import t from 'tap'
import { build } from '../helpers/build.js'

// The published document (/openapi.json) is valid OpenAPI 3.1, every example it carries matches
// the schema it sits in, and the documented example requests, sent to the app, get answers that
// match the documented response schemas.

type Json = Record<string, any>

const app = await build(t, { summaryFoldIntervalMs: 0 })
const res = await app.inject({ method: 'GET', url: '/openapi.json' })
const doc = res.json() as Json
const ajv = new Ajv2020({ strict: false, allErrors: true })

interface Example { where: string, schema: Json, value: unknown }

/**
 * Every example in the document with the schema it must match: `examples` of a schema (nested
 * ones included), and `example` / `examples` of a parameter or a media type (where
 * @fastify/swagger moves a body's or a response's top-level examples).
 */
function examplesIn (node: unknown, where: string, out: Example[] = []): Example[] {
  if (node === null || typeof node !== 'object') return out
  if (Array.isArray(node)) {
    node.forEach((item, i) => examplesIn(item, `${where}[${i}]`, out))
    return out
  }
  const object = node as Json
  if (object.schema !== undefined && 'example' in object) out.push({ where, schema: object.schema, value: object.example })
  if (object.schema !== undefined && object.examples !== null && typeof object.examples === 'object' && !Array.isArray(object.examples)) {
    for (const [name, example] of Object.entries(object.examples as Json)) out.push({ where: `${where}.examples.${name}`, schema: object.schema, value: example.value })
  }
  if (Array.isArray(object.examples)) object.examples.forEach((value: unknown, i: number) => out.push({ where: `${where}.examples[${i}]`, schema: object, value }))
  for (const [key, value] of Object.entries(object)) if (key !== 'examples' && key !== 'example') examplesIn(value, `${where}.${key}`, out)
  return out
}

/** The documented examples of a media type or a parameter. */
const documentedExamples = (holder: Json): unknown[] => [
  ...('example' in holder ? [holder.example] : []),
  ...Object.values((holder.examples ?? {}) as Json).map((e) => e.value)
]

const operations = Object.entries(doc.paths as Json).flatMap(([path, item]) =>
  Object.entries(item as Json).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation: operation as Json })))

/** The documented JSON schema of an operation's answer with this status and content type. */
function responseSchema (operation: Json, status: number, contentType: string): Json | undefined {
  const response = operation.responses[String(status)] ?? operation.responses[`${String(status)[0]}XX`]
  return response?.content?.[contentType]?.schema
}

t.test('GET /openapi.json is a valid OpenAPI 3.1 document', async (t) => {
  t.equal(res.statusCode, 200)
  t.equal(doc.openapi, '3.1.0')
  const result = await new Validator().validate(structuredClone(doc))
  t.ok(result.valid, JSON.stringify(result.errors))
})

t.test('every API route is in the document', async (t) => {
  const documented = operations.map((o) => `${o.method} ${o.path}`).sort()
  t.same(documented, [
    'GET /dashboard/events', 'GET /fleet/last-seen', 'GET /fleet/latest', 'GET /health', 'GET /metrics',
    'GET /readings', 'GET /readings/aggregate', 'GET /ready', 'GET /sensors', 'GET /sensors/silent',
    'GET /sensors/{id}', 'GET /stats/ingest', 'POST /readings'
  ])
  for (const o of operations) t.ok(Object.keys(o.operation.responses ?? {}).some((s) => s.startsWith('2')), `${o.method} ${o.path} documents its answer`)
})

t.test('every example in the document matches the schema it sits in', async (t) => {
  const found = examplesIn(doc.paths, 'paths')
  t.ok(found.length >= 20, `${found.length} examples`)
  for (const { where, schema, value } of found) {
    const validate = ajv.compile(schema)
    t.ok(validate(value), `${where}: ${JSON.stringify(validate.errors)}`)
  }
})

t.test('documented example request bodies are accepted, and the answers match the documented schema', async (t) => {
  const post = operations.find((o) => o.method === 'POST' && o.path === '/readings')!
  const bodies = documentedExamples(post.operation.requestBody.content['application/json'])
  t.ok(bodies.length >= 2)
  for (const example of bodies) {
    const answer = await app.inject({ method: 'POST', url: '/readings', payload: example as object })
    t.equal(answer.statusCode, 201, answer.body)
    const validate = ajv.compile(responseSchema(post.operation, 201, 'application/json')!)
    t.ok(validate(answer.json()), JSON.stringify(validate.errors))
  }
  const resend = await app.inject({ method: 'POST', url: '/readings', payload: bodies[0] as object })
  t.equal(resend.statusCode, 200, 'an exact resend is a duplicate')
  t.ok(ajv.compile(responseSchema(post.operation, 200, 'application/json')!)(resend.json()))
})

t.test('documented example parameters are accepted by every read, and the answers match the documented schema', async (t) => {
  for (const { path, method, operation } of operations.filter((o) => o.method === 'GET' && o.path !== '/dashboard/events')) {
    let url = path
    const query = new URLSearchParams()
    for (const parameter of (operation.parameters ?? []) as Json[]) {
      const example = documentedExamples(parameter)[0]
      if (typeof example !== 'string') continue
      if (parameter.in === 'path') url = url.replace(`{${parameter.name}}`, encodeURIComponent(example))
      else query.set(parameter.name, example)
    }
    const answer = await app.inject({ method, url: query.size > 0 ? `${url}?${query}` : url })
    t.equal(answer.statusCode, 200, `${method} ${url}?${query}: ${answer.body.slice(0, 300)}`)
    const contentType = String(answer.headers['content-type']).split(';')[0]!
    const schema = responseSchema(operation, 200, contentType)
    t.ok(schema, `${method} ${path} documents ${contentType}`)
    if (schema === undefined) continue
    if (contentType === 'text/plain') continue
    const validate = ajv.compile(schema)
    t.ok(validate(answer.json()), `${method} ${path}: ${JSON.stringify(validate.errors)}`)
  }
})

t.test('a refused request answers problem+json as documented', async (t) => {
  const get = operations.find((o) => o.method === 'GET' && o.path === '/readings')!
  const answer = await app.inject({ method: 'GET', url: '/readings?sensor_id=7&limit=0&extra=1' })
  t.equal(answer.statusCode, 400)
  const validate = ajv.compile(responseSchema(get.operation, 400, 'application/problem+json')!)
  t.ok(validate(answer.json()), JSON.stringify(validate.errors))
  t.same(answer.json().errors.map((e: { path: string }) => e.path).sort(), ['extra', 'limit'], 'extension members survive the serialiser')
})

t.test('/docs serves Swagger UI from this process, no CDN', async (t) => {
  const page = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(page.statusCode, 200)
  const sources = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
  t.ok(sources.length > 0)
  for (const source of sources) {
    t.notMatch(source, /^(https?:)?\/\//, `${source} is local`)
    const asset = await app.inject({ method: 'GET', url: new URL(source, 'http://localhost/docs/').pathname })
    t.equal(asset.statusCode, 200, source)
  }
  t.match(page.headers['content-security-policy'], /script-src 'self'/)
  t.notMatch(page.headers['content-security-policy'], /https:|validator\.swagger\.io/)
  t.equal((await app.inject({ method: 'GET', url: '/docs/json' })).statusCode, 200)
})
