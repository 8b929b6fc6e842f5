import { join } from 'node:path'
import t from 'tap'
import type { TokenGrant } from '../src/auth/token-grants.js'
import { ConfigError, loadConfig } from '../src/config.js'

t.test('defaults apply when the environment is empty', async (t) => {
  const config = loadConfig({})
  t.equal(config.port, 3000)
  t.equal(config.databaseUrl, undefined)
  t.equal(config.dataDir, './data')
  t.equal(config.maxBatch, 10_000)
  t.equal(config.bodyLimit, 10 * 1024 * 1024)
  t.equal(config.maxFutureSkewS, 300)
  t.same(config.ingestTokens, [])
})

t.test('a bad value is named with what was expected', async (t) => {
  t.throws(() => loadConfig({ PORT: 'abc' }), { name: 'ConfigError', message: /PORT="abc": expected a whole number from 0 to 65535/ })
})

t.test('every bad variable is reported at once', async (t) => {
  const err = t.throws(() => loadConfig({ PORT: '70000', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' })) as ConfigError
  t.match(err.message, /PORT/)
  t.match(err.message, /LOG_LEVEL/)
  t.match(err.message, /DATABASE_URL/)
})

t.test('an empty variable counts as unset', async (t) => {
  t.equal(loadConfig({ PORT: '' }).port, 3000)
})

const tokensOf = (config: { ingestTokens: unknown[] }) =>
  config.ingestTokens.map((g) => { const { token, sensors } = g as TokenGrant; return `${token}:${sensors.toString()}` })

t.test('a plain comma-separated token list still means fleet-wide tokens', async (t) => {
  t.same(tokensOf(loadConfig({ INGEST_TOKENS: 'a, b,,c' })), ['a:*', 'b:*', 'c:*'])
})

t.test('ingest tokens carry sensor scopes: ids and ranges, entries separated by ;', async (t) => {
  t.same(tokensOf(loadConfig({ INGEST_TOKENS: 'tokA:1-500,731;tokB:*; tokC : 9, 3-4 ' })), ['tokA:1-500,731', 'tokB:*', 'tokC:3-4,9'])
})

t.test('INGEST_TOKENS_FILE holds one entry per line, with comments and blank lines', async (t) => {
  const dir = t.testdir({ tokens: '# gateways\ngw1:1-100\n\ngw2:101-200,5000\nadmin\n' })
  t.same(tokensOf(loadConfig({ INGEST_TOKENS_FILE: join(dir, 'tokens') })), ['gw1:1-100', 'gw2:101-200,5000', 'admin:*'])
})

t.test('READ_TOKENS_FILE is read like INGEST_TOKENS_FILE', async (t) => {
  const dir = t.testdir({ tokens: 'r1\nr2:*\n' })
  t.same(loadConfig({ READ_TOKENS_FILE: join(dir, 'tokens') }).readTokens.map((g) => (g as TokenGrant).token), ['r1', 'r2'])
})

t.test('bad token lists stop start-up without repeating the secret', async (t) => {
  const bad = [
    { INGEST_TOKENS: 's3cret:1-x' },
    { INGEST_TOKENS: 's3cret:5-1' },
    { INGEST_TOKENS: 's3cret:1,,2' },
    { INGEST_TOKENS: 's3cret:2147483648' },
    { INGEST_TOKENS: 's3cret:1;s3cret:2' },
    { INGEST_TOKENS: 'a b:1' },
    { READ_TOKENS: 's3cret:1-5' },
    { INGEST_TOKENS: 's3cret', INGEST_TOKENS_FILE: '/nonexistent' },
    { INGEST_TOKENS_FILE: '/nonexistent/s3cret-file' }
  ]
  for (const env of bad) {
    const err = t.throws(() => loadConfig(env), { name: 'ConfigError' }, JSON.stringify(env)) as ConfigError
    t.notMatch(err.message, /s3cret[^-]/, `${JSON.stringify(env)}: ${err.message}`)
  }
})

t.test('write concurrency must leave the pool a spare connection', async (t) => {
  t.throws(() => loadConfig({ DB_POOL_MAX: '4', WRITE_CONCURRENCY: '4' }), { message: /WRITE_CONCURRENCY=4 must be below DB_POOL_MAX=4/ })
})

t.test('SUMMARY_FOLD_INTERVAL_MS defaults to a second, and 0 turns the timer off', async (t) => {
  t.equal(loadConfig({}).summaryFoldIntervalMs, 1000)
  t.equal(loadConfig({ SUMMARY_FOLD_INTERVAL_MS: '0' }).summaryFoldIntervalMs, 0)
  t.throws(() => loadConfig({ SUMMARY_FOLD_INTERVAL_MS: '-1' }), { message: /SUMMARY_FOLD_INTERVAL_MS/ })
})

t.test('summary fold chunks and the read wait have defaults and bounds', async (t) => {
  t.match(loadConfig({}), { summaryFoldChunkDeltas: 1000, summaryFoldChunkPairs: 50_000, summaryReadWaitMs: 500 })
  t.match(loadConfig({ SUMMARY_FOLD_CHUNK_DELTAS: '1', SUMMARY_FOLD_CHUNK_PAIRS: '1', SUMMARY_READ_WAIT_MS: '0' }),
    { summaryFoldChunkDeltas: 1, summaryFoldChunkPairs: 1, summaryReadWaitMs: 0 })
  t.throws(() => loadConfig({ SUMMARY_FOLD_CHUNK_DELTAS: '0' }), { message: /SUMMARY_FOLD_CHUNK_DELTAS/ })
  t.throws(() => loadConfig({ SUMMARY_FOLD_CHUNK_PAIRS: '1.5' }), { message: /SUMMARY_FOLD_CHUNK_PAIRS/ })
  t.throws(() => loadConfig({ SUMMARY_READ_WAIT_MS: '60001' }), { message: /SUMMARY_READ_WAIT_MS/ })
})

t.test('ROLLUP_FOLD_DELAY_MS is 60 s by default, 0 to an hour', async (t) => {
  t.equal(loadConfig({}).rollupFoldDelayMs, 60_000)
  t.equal(loadConfig({ ROLLUP_FOLD_DELAY_MS: '0' }).rollupFoldDelayMs, 0)
  t.throws(() => loadConfig({ ROLLUP_FOLD_DELAY_MS: '3600001' }), { message: /ROLLUP_FOLD_DELAY_MS/ })
})

t.test('PARTITION_INTERVAL is hours or days, a week by default; RETENTION_DAYS unset keeps everything', async (t) => {
  t.equal(loadConfig({}).partitionIntervalS, 7 * 86_400)
  t.equal(loadConfig({ PARTITION_INTERVAL: '6h' }).partitionIntervalS, 6 * 3600)
  t.equal(loadConfig({ PARTITION_INTERVAL: '1d' }).partitionIntervalS, 86_400)
  for (const bad of ['0d', '1w', '1.5d', 'd', '1 d']) {
    t.throws(() => loadConfig({ PARTITION_INTERVAL: bad }), { message: /PARTITION_INTERVAL=.*expected hours or days/ }, bad)
  }
  t.equal(loadConfig({}).retentionDays, undefined)
  t.equal(loadConfig({ RETENTION_DAYS: '90' }).retentionDays, 90)
  t.throws(() => loadConfig({ RETENTION_DAYS: '0' }), { message: /RETENTION_DAYS/ })
})
