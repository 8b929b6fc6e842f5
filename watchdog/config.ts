import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { postgresUrl } from '../src/config.js'
import { executeWebhookUrl } from './discord/webhook-url.js'
import { parseDuration } from './duration.js'
import { interpolateEnv, InterpolationError } from './interpolate.js'

const durationOf = (minMs: number) => z.string({ error: 'expected a duration like "10s", "15m" or "250ms"' })
  .transform((text, ctx) => {
    const ms = parseDuration(text)
    if (ms === undefined || ms < minMs) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like "10s", "15m" or "250ms", got ${JSON.stringify(text)}` })
      return z.NEVER
    }
    return ms
  })
const duration = durationOf(1)

const count = (min: number, max: number) =>
  z.number({ error: `expected a whole number from ${min} to ${max}` })
    .int({ error: `expected a whole number from ${min} to ${max}` })
    .min(min, { error: `expected a whole number from ${min} to ${max}` })
    .max(max, { error: `expected a whole number from ${min} to ${max}` })

const reminderSchema = z.strictObject({
  first: duration.optional(),
  factor: z.number().min(1, { error: 'expected a number of at least 1' }).optional(),
  max: duration.optional()
})

const flappingSchema = z.strictObject({
  window: count(4, 500).optional(),
  threshold: count(2, 500).optional(),
  stable_checks: count(1, 500).optional()
})

/** Settings a target may set itself or inherit from `defaults`. */
const checkSettings = {
  interval: duration.optional(),
  timeout: duration.optional(),
  failure_threshold: count(1, 100).optional(),
  success_threshold: count(1, 100).optional(),
  reminder: reminderSchema.optional(),
  flapping: flappingSchema.optional()
}

const name = z.string().regex(/^[\w.-]{1,64}$/, { error: 'expected 1 to 64 letters, digits, "_", "." or "-"' })

const httpUrl = z.string().refine((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), { error: 'expected an http:// or https:// URL' })

// Fields every target kind has.
const targetCommon = {
  name,
  service: name.optional(),
  depends_on: z.array(name).optional(),
  ...checkSettings
}

const httpTarget = z.strictObject({
  type: z.literal('http'),
  url: httpUrl,
  ...targetCommon,
  expected_status: z.union([count(100, 599), z.array(count(100, 599)).min(1)]).optional(),
  latency_limit: duration.optional(),
  health_json: z.boolean().optional()
})

const postgresTarget = z.strictObject({
  type: z.literal('postgres'),
  url: postgresUrl,
  ...targetCommon
})

/** Fleet rules name sensors by id or inclusive range: `731` or `"1-500"`. */
const sensorSelector = z.union([
  count(0, 2147483647),
  z.string().regex(/^\d{1,10}-\d{1,10}$/, { error: 'expected a sensor id or a range like "1-500"' })
    .refine((s) => { const [lo, hi] = s.split('-').map(Number); return lo! <= hi! && hi! <= 2147483647 }, { error: 'expected a range low-high of sensor ids' })
], { error: 'expected a sensor id or a range like "1-500"' })

const fleetRuleSchema = z.strictObject({
  name,
  variable: z.string().min(1).max(100),
  above: z.number().optional(),
  below: z.number().optional(),
  for: durationOf(0).optional(),
  clear_below: z.number().optional(),
  clear_above: z.number().optional(),
  sensors: z.array(sensorSelector).min(1).max(100).optional()
})

const fleetSchema = z.strictObject({
  api_url: httpUrl,
  read_token: z.string().optional(),
  interval: duration.optional(),
  timeout: duration.optional(),
  silence: z.strictObject({
    after: duration.optional(),
    retire_after: duration.optional(),
    per_variable: z.boolean().optional()
  }).optional(),
  blackout_share: z.number().gt(0, { error: 'expected a share above 0 and at most 1' }).max(1, { error: 'expected a share above 0 and at most 1' }).optional(),
  ingest_stall: durationOf(0).optional(),
  depends_on: z.array(name).optional(),
  rules: z.array(fleetRuleSchema).optional(),
  dashboard_url: httpUrl.optional(),
  reminder: reminderSchema.optional(),
  flapping: flappingSchema.optional()
})

const fileSchema = z.strictObject({
  discord: z.strictObject({
    webhook_url: z.string({ error: 'required (or set DISCORD_WEBHOOK_URL)' }).refine((s) => {
      try { executeWebhookUrl(s); return true } catch { return false }
    }, { error: 'expected a Discord webhook URL like https://discord.com/api/webhooks/{id}/{token}' }),
    role_id: z.string().regex(/^\d{1,25}$/, { error: 'expected a Discord role id (digits)' }).optional(),
    username: z.string().min(1).max(80).optional(),
    coalesce_window: durationOf(0).optional(),
    request_timeout: duration.optional(),
    max_backoff: duration.optional()
  }),
  defaults: z.strictObject(checkSettings).optional(),
  targets: z.array(z.discriminatedUnion('type', [httpTarget, postgresTarget], { error: 'expected type "http" or "postgres"' })).min(1, { error: 'at least one target is required' }),
  fleet: fleetSchema.optional(),
  state_file: z.string().min(1).optional(),
  port: count(0, 65535).optional(),
  host: z.string().min(1).optional(),
  heartbeat_url: httpUrl.optional(),
  log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional()
})

type FileConfig = z.infer<typeof fileSchema>

export interface ReminderPolicy { firstMs: number, factor: number, maxMs: number }
export interface FlappingPolicy { window: number, threshold: number, stableChecks: number }

export interface TargetConfig {
  name: string
  type: 'http' | 'postgres'
  url: string
  /** Targets sharing a service are judged together: some failing is degraded, all failing is down. */
  service: string
  /** Targets (by name) whose outage explains this one's failure; see the root-cause rule. */
  dependsOn: string[]
  intervalMs: number
  timeoutMs: number
  failureThreshold: number
  successThreshold: number
  reminder: ReminderPolicy
  flapping: FlappingPolicy
  /** Undefined: any 2xx. */
  expectedStatus?: number[]
  latencyLimitMs?: number
  healthJson: boolean
}

export interface DiscordConfig {
  webhookUrl: string
  roleId?: string
  username?: string
  coalesceMs: number
  requestTimeoutMs: number
  maxBackoffMs: number
}

/** A limit on one variable's latest value; `clear` is where a firing rule resolves (hysteresis). */
export interface FleetRule {
  name: string
  variable: string
  op: 'above' | 'below'
  threshold: number
  clear: number
  forMs: number
  /** Inclusive id ranges; undefined: every sensor. */
  sensors?: Array<[number, number]>
}

export interface FleetConfig {
  apiUrl: string
  readToken?: string
  intervalMs: number
  timeoutMs: number
  silence: { afterMs: number, retireAfterMs: number, perVariable: boolean }
  blackoutShare: number
  /** No reading stored fleet-wide for this long is a blackout (0: not checked). */
  ingestStallMs: number
  /** Targets whose outage suspends silence alarms (root cause first); default every target. */
  dependsOn: string[]
  rules: FleetRule[]
  dashboardUrl?: string
  reminder: ReminderPolicy
  flapping: FlappingPolicy
}

export interface WatchdogConfig {
  discord: DiscordConfig
  targets: TargetConfig[]
  fleet?: FleetConfig
  stateFile: string
  port: number
  host: string
  heartbeatUrl?: string
  logLevel: string
}

export const DEFAULTS = {
  intervalMs: 10_000,
  timeoutMs: 3000,
  failureThreshold: 3,
  successThreshold: 2,
  reminder: { firstMs: 15 * 60_000, factor: 2, maxMs: 4 * 3_600_000 },
  flapping: { window: 20, threshold: 5, stableChecks: 10 },
  coalesceMs: 5000,
  requestTimeoutMs: 10_000,
  maxBackoffMs: 5 * 60_000,
  stateFile: './watchdog-state.json',
  port: 8081,
  host: '0.0.0.0'
} as const

export class WatchdogConfigError extends Error {
  override name = 'WatchdogConfigError'
}

/** Environment variables that override the file (empty means unset). */
const ENV_OVERRIDES: Array<[string, string[], (v: string) => unknown]> = [
  ['DISCORD_WEBHOOK_URL', ['discord', 'webhook_url'], String],
  ['DISCORD_ROLE_ID', ['discord', 'role_id'], String],
  ['WATCHDOG_PORT', ['port'], (v) => /^\d+$/.test(v) ? Number(v) : v],
  ['WATCHDOG_HOST', ['host'], String],
  ['WATCHDOG_STATE_FILE', ['state_file'], String],
  ['WATCHDOG_HEARTBEAT_URL', ['heartbeat_url'], String],
  ['WATCHDOG_LOG_LEVEL', ['log_level'], String]
]

/** Reads WATCHDOG_CONFIG (JSON or YAML), applies `${VAR}` references and env overrides, validates. */
export async function loadWatchdogConfig (env: NodeJS.ProcessEnv = process.env): Promise<WatchdogConfig> {
  const file = env.WATCHDOG_CONFIG
  if (!file) throw new WatchdogConfigError('WATCHDOG_CONFIG is not set: point it at a JSON or YAML config file')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new WatchdogConfigError(`WATCHDOG_CONFIG=${file}: cannot read it (${(err as Error).message})`)
  }
  return parseWatchdogConfig(text, env, file)
}

/** Parses config text (YAML is a superset of JSON, so one parser reads both). */
export function parseWatchdogConfig (text: string, env: NodeJS.ProcessEnv = {}, source = 'config'): WatchdogConfig {
  let raw: unknown
  try {
    raw = parseYaml(text)
  } catch (err) {
    throw new WatchdogConfigError(`${source}: not valid YAML or JSON: ${(err as Error).message}`)
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new WatchdogConfigError(`${source}: expected a mapping with "discord" and "targets"`)
  }
  try {
    raw = interpolateEnv(raw, env)
  } catch (err) {
    if (err instanceof InterpolationError) throw new WatchdogConfigError(`Invalid watchdog config: ${err.message}`)
    throw err
  }
  // A missing discord section reads as an empty one, so the error names the webhook field.
  ;(raw as Record<string, unknown>).discord ??= {}
  applyEnvOverrides(raw as Record<string, unknown>, env)
  const parsed = fileSchema.safeParse(raw)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
    throw new WatchdogConfigError(`Invalid watchdog config: ${problems.join('; ')}`)
  }
  return resolve(parsed.data)
}

function applyEnvOverrides (raw: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  for (const [variable, path, convert] of ENV_OVERRIDES) {
    const value = env[variable]
    if (value === undefined || value === '') continue
    let node = raw
    for (const key of path.slice(0, -1)) {
      if (node[key] === null || typeof node[key] !== 'object') node[key] = {}
      node = node[key] as Record<string, unknown>
    }
    node[path.at(-1)!] = convert(value)
  }
}

function formatPath (path: PropertyKey[]): string {
  if (path.length === 0) return '(root)'
  return path.map((key, i) => typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`).join('')
}

function resolve (file: FileConfig): WatchdogConfig {
  const defaults = file.defaults ?? {}
  const names = new Set<string>()
  const problems: string[] = []
  const targets = file.targets.map((target, i): TargetConfig => {
    const field = `targets[${i}]`
    if (names.has(target.name)) problems.push(`${field}.name: "${target.name}" is used by another target`)
    names.add(target.name)
    const intervalMs = target.interval ?? defaults.interval ?? DEFAULTS.intervalMs
    const timeoutMs = target.timeout ?? defaults.timeout ?? DEFAULTS.timeoutMs
    if (timeoutMs >= intervalMs) problems.push(`${field}.timeout: ${timeoutMs} ms must be below the interval (${intervalMs} ms), so checks never overlap`)
    const flapping = { ...DEFAULTS.flapping, ...definedOnly({ window: defaults.flapping?.window, threshold: defaults.flapping?.threshold, stableChecks: defaults.flapping?.stable_checks }), ...definedOnly({ window: target.flapping?.window, threshold: target.flapping?.threshold, stableChecks: target.flapping?.stable_checks }) }
    if (flapping.threshold >= flapping.window) problems.push(`${field}.flapping.threshold: must be below flapping.window (${flapping.window})`)
    const reminder = { ...DEFAULTS.reminder, ...definedOnly({ firstMs: defaults.reminder?.first, factor: defaults.reminder?.factor, maxMs: defaults.reminder?.max }), ...definedOnly({ firstMs: target.reminder?.first, factor: target.reminder?.factor, maxMs: target.reminder?.max }) }
    const http = target.type === 'http' ? target : undefined
    return {
      name: target.name,
      type: target.type,
      url: target.url,
      service: target.service ?? target.name,
      dependsOn: target.depends_on ?? [],
      intervalMs,
      timeoutMs,
      failureThreshold: target.failure_threshold ?? defaults.failure_threshold ?? DEFAULTS.failureThreshold,
      successThreshold: target.success_threshold ?? defaults.success_threshold ?? DEFAULTS.successThreshold,
      reminder,
      flapping,
      expectedStatus: http?.expected_status === undefined ? undefined : [http.expected_status].flat(),
      latencyLimitMs: http?.latency_limit,
      healthJson: http?.health_json ?? true
    }
  })
  targets.forEach((target, i) => {
    target.dependsOn.forEach((dependency, j) => {
      if (!names.has(dependency)) problems.push(`targets[${i}].depends_on[${j}]: no target is named "${dependency}"`)
      if (dependency === target.name) problems.push(`targets[${i}].depends_on[${j}]: a target cannot depend on itself`)
    })
  })
  const fleet = file.fleet === undefined ? undefined : resolveFleet(file.fleet, defaults, names, problems)
  if (problems.length > 0) throw new WatchdogConfigError(`Invalid watchdog config: ${problems.join('; ')}`)
  return {
    discord: {
      webhookUrl: file.discord.webhook_url,
      roleId: file.discord.role_id,
      username: file.discord.username,
      coalesceMs: file.discord.coalesce_window ?? DEFAULTS.coalesceMs,
      requestTimeoutMs: file.discord.request_timeout ?? DEFAULTS.requestTimeoutMs,
      maxBackoffMs: file.discord.max_backoff ?? DEFAULTS.maxBackoffMs
    },
    targets,
    ...(fleet ? { fleet } : {}),
    stateFile: file.state_file ?? DEFAULTS.stateFile,
    port: file.port ?? DEFAULTS.port,
    host: file.host ?? DEFAULTS.host,
    heartbeatUrl: file.heartbeat_url,
    logLevel: file.log_level ?? 'info'
  }
}

export const FLEET_DEFAULTS = {
  intervalMs: 30_000,
  timeoutMs: 10_000,
  afterMs: 10 * 60_000,
  retireAfterMs: 7 * 86_400_000,
  blackoutShare: 0.5,
  ingestStallMs: 2 * 60_000
} as const

function resolveFleet (fleet: NonNullable<FileConfig['fleet']>, defaults: NonNullable<FileConfig['defaults']>, targetNames: Set<string>, problems: string[]): FleetConfig {
  const intervalMs = fleet.interval ?? FLEET_DEFAULTS.intervalMs
  const timeoutMs = fleet.timeout ?? Math.min(FLEET_DEFAULTS.timeoutMs, Math.max(1, intervalMs - 1))
  if (timeoutMs >= intervalMs) problems.push(`fleet.timeout: ${timeoutMs} ms must be below the interval (${intervalMs} ms)`)
  const afterMs = fleet.silence?.after ?? FLEET_DEFAULTS.afterMs
  const retireAfterMs = fleet.silence?.retire_after ?? FLEET_DEFAULTS.retireAfterMs
  if (retireAfterMs <= afterMs) problems.push('fleet.silence.retire_after: must be longer than silence.after')
  const ingestStallMs = fleet.ingest_stall ?? FLEET_DEFAULTS.ingestStallMs
  if (ingestStallMs !== 0 && ingestStallMs < 60_000) problems.push('fleet.ingest_stall: at least 1m (ingest is counted per minute), or 0s to not check it')
  const dependsOn = fleet.depends_on ?? [...targetNames]
  dependsOn.forEach((dependency, j) => {
    if (!targetNames.has(dependency)) problems.push(`fleet.depends_on[${j}]: no target is named "${dependency}"`)
  })
  const ruleNames = new Set<string>()
  const rules = (fleet.rules ?? []).flatMap((rule, i): FleetRule[] => {
    const field = `fleet.rules[${i}]`
    if (ruleNames.has(rule.name)) problems.push(`${field}.name: "${rule.name}" is used by another rule`)
    ruleNames.add(rule.name)
    if ((rule.above === undefined) === (rule.below === undefined)) {
      problems.push(`${field}: set exactly one of "above" and "below"`)
      return []
    }
    const op = rule.above !== undefined ? 'above' : 'below'
    const threshold = (rule.above ?? rule.below)!
    if (op === 'above' && rule.clear_above !== undefined) problems.push(`${field}.clear_above: goes with "below"; an "above" rule clears below clear_below`)
    if (op === 'below' && rule.clear_below !== undefined) problems.push(`${field}.clear_below: goes with "above"; a "below" rule clears above clear_above`)
    const clear = (op === 'above' ? rule.clear_below : rule.clear_above) ?? threshold
    if (op === 'above' ? clear > threshold : clear < threshold) problems.push(`${field}.clear_${op === 'above' ? 'below' : 'above'}: must not be ${op} the threshold (${threshold})`)
    return [{
      name: rule.name,
      variable: rule.variable,
      op,
      threshold,
      clear,
      forMs: rule.for ?? 0,
      ...(rule.sensors ? { sensors: rule.sensors.map((s): [number, number] => typeof s === 'number' ? [s, s] : s.split('-').map(Number) as [number, number]) } : {})
    }]
  })
  const flapping = { ...DEFAULTS.flapping, ...definedOnly({ window: defaults.flapping?.window, threshold: defaults.flapping?.threshold, stableChecks: defaults.flapping?.stable_checks }), ...definedOnly({ window: fleet.flapping?.window, threshold: fleet.flapping?.threshold, stableChecks: fleet.flapping?.stable_checks }) }
  if (flapping.threshold >= flapping.window) problems.push(`fleet.flapping.threshold: must be below flapping.window (${flapping.window})`)
  return {
    apiUrl: fleet.api_url,
    ...(fleet.read_token ? { readToken: fleet.read_token } : {}),
    intervalMs,
    timeoutMs,
    silence: { afterMs, retireAfterMs, perVariable: fleet.silence?.per_variable ?? false },
    blackoutShare: fleet.blackout_share ?? FLEET_DEFAULTS.blackoutShare,
    ingestStallMs,
    dependsOn,
    rules,
    ...(fleet.dashboard_url ? { dashboardUrl: fleet.dashboard_url.replace(/\/+$/, '') } : {}),
    reminder: { ...DEFAULTS.reminder, ...definedOnly({ firstMs: defaults.reminder?.first, factor: defaults.reminder?.factor, maxMs: defaults.reminder?.max }), ...definedOnly({ firstMs: fleet.reminder?.first, factor: fleet.reminder?.factor, maxMs: fleet.reminder?.max }) },
    flapping
  }
}

function definedOnly<T extends Record<string, unknown>> (values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>
}
