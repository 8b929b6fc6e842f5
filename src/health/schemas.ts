import { Type } from 'typebox'

// /health and /ready answer application/health+json (draft-inadarei-api-health-check).

const Identity = {
  version: Type.String(),
  serviceId: Type.String(),
  instance_id: Type.String(),
  uptime_s: Type.Integer({ minimum: 0 })
}

const Check = Type.Object({
  componentType: Type.String(),
  status: Type.Union([Type.Literal('pass'), Type.Literal('fail')]),
  time: Type.String(),
  output: Type.Optional(Type.String()),
  observedValue: Type.Optional(Type.Number()),
  observedUnit: Type.Optional(Type.String())
})

const health = (schema: ReturnType<typeof Type.Object>) => ({ content: { 'application/health+json': { schema } } })

export const Health = Type.Object({ status: Type.Literal('pass'), ...Identity }, {
  examples: [{ status: 'pass', version: '0.1.0', serviceId: 'iot-sensors-service', instance_id: 'api-1', uptime_s: 3600 }]
})

export const Ready = Type.Object({
  status: Type.Union([Type.Literal('pass'), Type.Literal('fail')]),
  ...Identity,
  checks: Type.Object({
    'postgres:connection': Type.Array(Check),
    'instance:draining': Type.Array(Check)
  })
}, {
  examples: [{
    status: 'pass',
    version: '0.1.0',
    serviceId: 'iot-sensors-service',
    instance_id: 'api-1',
    uptime_s: 3600,
    checks: {
      'postgres:connection': [{ componentType: 'datastore', status: 'pass', time: '2024-05-01T12:00:00.000Z', observedValue: 1, observedUnit: 'ms' }],
      'instance:draining': [{ componentType: 'system', status: 'pass', time: '2024-05-01T12:00:00.000Z' }]
    }
  }]
})

export const healthRoute = {
  tags: ['operations'],
  summary: 'Liveness: the process answers',
  response: { 200: health(Health) }
}

export const readyRoute = {
  tags: ['operations'],
  summary: 'Readiness: the database answers within DB_CONNECT_TIMEOUT_MS and the instance is not draining',
  response: { 200: health(Ready), 503: health(Ready) }
}

export const metricsRoute = {
  tags: ['operations'],
  summary: 'Prometheus metrics of this instance (text exposition format)',
  produces: ['text/plain'],
  response: { 200: { description: 'Prometheus text', content: { 'text/plain': { schema: Type.String() } } } }
}
