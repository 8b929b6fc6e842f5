import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { z } from 'zod'
import { parseTokenGrants, TokenFormatError, type TokenGrant, type TokenSpec } from './auth/token-grants.js'
import { DEFAULT_ROLLUP_FOLDING } from './summary/folder.js'

const int = (min: number, max: number) =>
  z.coerce
    .number({ error: `expected a whole number from ${min} to ${max}` })
    .int({ error: `expected a whole number from ${min} to ${max}` })
    .min(min, { error: `expected a whole number from ${min} to ${max}` })
    .max(max, { error: `expected a whole number from ${min} to ${max}` })

/** A postgres:// or postgresql:// URL (shared with the watchdog's config). */
export const postgresUrl = z
  .string()
  .refine((s) => /^postgres(ql)?:\/\//.test(s) && URL.canParse(s), {
    error: 'expected a postgres:// or postgresql:// URL'
  })

/** Every environment variable the API reads, with its default. */
export const envSchema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: postgresUrl.optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DB_POOL_MAX: int(2, 1000).default(10),
  DB_CONNECT_TIMEOUT_MS: int(100, 60_000).default(1000),
  DB_STATEMENT_TIMEOUT_MS: int(100, 600_000).default(10_000),
  MAX_BATCH: int(1, 1_000_000).default(10_000),
  BODY_LIMIT: int(1024, 1024 ** 3).default(10 * 1024 * 1024),
  MAX_FUTURE_SKEW_S: int(0, 10 * 365 * 24 * 3600).default(300),
  WRITE_QUEUE_MAX: int(1, 10_000_000).default(100_000),
  FLUSH_MAX_ROWS: int(1, 100_000).default(10_000),
  WRITE_CONCURRENCY: int(1, 1000).default(1),
  WRITE_TIMEOUT_MS: int(100, 600_000).default(2000),
  SHUTDOWN_TIMEOUT_S: int(1, 3600).default(30),
  READY_DRAIN_DELAY_S: int(0, 3600).default(0),
  KEEP_ALIVE_TIMEOUT_S: int(1, 3600).default(75),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Parsed in loadConfig (parseTokenGrants), whose messages never repeat a token.
  INGEST_TOKENS: z.string().optional(),
  INGEST_TOKENS_FILE: z.string().optional(),
  READ_TOKENS: z.string().optional(),
  READ_TOKENS_FILE: z.string().optional(),
  SILENT_CACHE_MS: int(0, 60_000).default(1000),
  SUMMARY_FOLD_INTERVAL_MS: int(0, 3_600_000).default(1000),
  SUMMARY_FOLD_CHUNK_DELTAS: int(1, 100_000).default(1000),
  SUMMARY_FOLD_CHUNK_PAIRS: int(1, 10_000_000).default(50_000),
  SUMMARY_READ_WAIT_MS: int(0, 60_000).default(500),
  ROLLUP_FOLD_DELAY_MS: int(0, 3_600_000).default(DEFAULT_ROLLUP_FOLDING.delayMs),
  INSTANCE_ID: z.string().min(1).default(hostname()),
  // Time partitions of readings (docs/design/partitions.md): width as hours or days, e.g. 6h, 1d, 7d.
  PARTITION_INTERVAL: z.string().regex(/^[1-9][0-9]{0,3}[hd]$/, { error: 'expected hours or days, like 6h, 1d or 7d' }).default('7d'),
  RETENTION_DAYS: int(1, 100_000).optional(),
  // Slow and hostile clients (docs/api.md).
  HEADERS_TIMEOUT_S: int(1, 3600).default(10),
  REQUEST_TIMEOUT_S: int(1, 3600).default(30),
  INFLIGHT_BODY_LIMIT: int(1024, 64 * 1024 ** 3).default(256 * 1024 * 1024)
})

export interface AppConfig {
  port: number
  host: string
  /** Absent means: start the embedded PGlite database in dataDir. */
  databaseUrl?: string
  dataDir: string
  dbPoolMax: number
  dbConnectTimeoutMs: number
  dbStatementTimeoutMs: number
  maxBatch: number
  bodyLimit: number
  maxFutureSkewS: number
  writeQueueMax: number
  flushMaxRows: number
  writeConcurrency: number
  writeTimeoutMs: number
  shutdownTimeoutS: number
  readyDrainDelayS: number
  keepAliveTimeoutS: number
  logLevel: string
  /** Ingest tokens and the sensors each may write (a bare string: every sensor). */
  ingestTokens: TokenSpec[]
  /** Read tokens; reads are fleet-wide. */
  readTokens: TokenSpec[]
  /** How long a GET /sensors/silent answer is reused (0: never). */
  silentCacheMs: number
  /** How often this replica folds summary deltas into the summary (0: only when reads ask). */
  summaryFoldIntervalMs: number
  /** One fold transaction takes at most this many delta rows (flushes)... */
  summaryFoldChunkDeltas: number
  /** ...holding at most this many (sensor, variable) pairs, and always one row at least. */
  summaryFoldChunkPairs: number
  /** How long a /sensors read waits for pending deltas to be folded before it answers marked as of an older point. */
  summaryReadWaitMs: number
  /** How long folded deltas wait in the rollups' queue, so one rollup fold takes many flushes. */
  rollupFoldDelayMs: number
  instanceId: string
  /** PARTITION_INTERVAL in seconds: the width of one time partition of readings. */
  partitionIntervalS: number
  /** Partitions entirely older than this many days are dropped; undefined keeps everything. */
  retentionDays?: number
  /** A request whose headers have not all arrived by then is answered 408 and closed. */
  headersTimeoutMs: number
  /** Likewise for the whole request, body included; at least headersTimeoutMs. */
  requestTimeoutMs: number
  /** Bytes all request bodies in flight may hold at once, after decompression; beyond it 503. */
  inflightBodyLimit: number
  /** Test seam: the clock GET /fleet/* answers with as `now` (default Date.now). */
  now?: () => number
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** A token list from `name` or from the file `${name}_FILE` names (one entry per line), not both. */
function tokensFrom (name: string, value: string | undefined, file: string | undefined): TokenGrant[] {
  if (value !== undefined && file !== undefined) throw new ConfigError(`Invalid configuration: set ${name} or ${name}_FILE, not both`)
  let text = value ?? ''
  if (file !== undefined) {
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      throw new ConfigError(`Invalid configuration: ${name}_FILE=${JSON.stringify(file)}: ${(err as Error).message}`)
    }
  }
  try {
    return parseTokenGrants(text)
  } catch (err) {
    // The value itself is never repeated: it holds secrets.
    if (err instanceof TokenFormatError) throw new ConfigError(`Invalid configuration: ${file === undefined ? name : `${name}_FILE`}: ${err.message}`)
    throw err
  }
}

/** Reads and validates the environment; throws a ConfigError naming every bad variable. */
export function loadConfig (env: NodeJS.ProcessEnv = process.env): AppConfig {
  // An empty variable means "not set", as in most shells' `FOO= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = envSchema.safeParse(present)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0])
      return `${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`
    })
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`)
  }
  const e = parsed.data
  if (e.WRITE_CONCURRENCY >= e.DB_POOL_MAX) {
    throw new ConfigError(
      `Invalid configuration: WRITE_CONCURRENCY=${e.WRITE_CONCURRENCY} must be below DB_POOL_MAX=${e.DB_POOL_MAX} so reads and health checks keep a connection`
    )
  }
  if (e.HEADERS_TIMEOUT_S > e.REQUEST_TIMEOUT_S) {
    throw new ConfigError(`Invalid configuration: HEADERS_TIMEOUT_S=${e.HEADERS_TIMEOUT_S} must not exceed REQUEST_TIMEOUT_S=${e.REQUEST_TIMEOUT_S}`)
  }
  const ingestTokens = tokensFrom('INGEST_TOKENS', e.INGEST_TOKENS, e.INGEST_TOKENS_FILE)
  const readTokens = tokensFrom('READ_TOKENS', e.READ_TOKENS, e.READ_TOKENS_FILE)
  if (readTokens.some((g) => !g.sensors.isAll)) {
    throw new ConfigError('Invalid configuration: READ_TOKENS: read tokens read the whole fleet; give them no scope (or *)')
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    dbPoolMax: e.DB_POOL_MAX,
    dbConnectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
    dbStatementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
    maxBatch: e.MAX_BATCH,
    bodyLimit: e.BODY_LIMIT,
    maxFutureSkewS: e.MAX_FUTURE_SKEW_S,
    writeQueueMax: e.WRITE_QUEUE_MAX,
    flushMaxRows: e.FLUSH_MAX_ROWS,
    writeConcurrency: e.WRITE_CONCURRENCY,
    writeTimeoutMs: e.WRITE_TIMEOUT_MS,
    shutdownTimeoutS: e.SHUTDOWN_TIMEOUT_S,
    readyDrainDelayS: e.READY_DRAIN_DELAY_S,
    keepAliveTimeoutS: e.KEEP_ALIVE_TIMEOUT_S,
    logLevel: e.LOG_LEVEL,
    ingestTokens,
    readTokens,
    silentCacheMs: e.SILENT_CACHE_MS,
    summaryFoldIntervalMs: e.SUMMARY_FOLD_INTERVAL_MS,
    summaryFoldChunkDeltas: e.SUMMARY_FOLD_CHUNK_DELTAS,
    summaryFoldChunkPairs: e.SUMMARY_FOLD_CHUNK_PAIRS,
    summaryReadWaitMs: e.SUMMARY_READ_WAIT_MS,
    rollupFoldDelayMs: e.ROLLUP_FOLD_DELAY_MS,
    instanceId: e.INSTANCE_ID,
    partitionIntervalS: Number(e.PARTITION_INTERVAL.slice(0, -1)) * (e.PARTITION_INTERVAL.endsWith('d') ? 86_400 : 3600),
    retentionDays: e.RETENTION_DAYS,
    headersTimeoutMs: e.HEADERS_TIMEOUT_S * 1000,
    requestTimeoutMs: e.REQUEST_TIMEOUT_S * 1000,
    inflightBodyLimit: e.INFLIGHT_BODY_LIMIT
  }
}
