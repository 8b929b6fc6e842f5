import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { ConfigError, loadConfig, type AppConfig } from './config.js'
import { startEmbeddedDatabase, type EmbeddedDatabase } from './db/embedded.js'
import { migrate } from './db/migrate.js'

async function main (): Promise<void> {
  let config: AppConfig
  try {
    config = loadConfig()
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    console.error(err.message)
    process.exit(1)
  }

  let embedded: EmbeddedDatabase | undefined
  let databaseUrl = config.databaseUrl
  if (databaseUrl === undefined) {
    embedded = await startEmbeddedDatabase(config.dataDir, config.dbPoolMax)
    databaseUrl = embedded.url
  }
  const app = await buildApp({ ...config, databaseUrl })
  app.log.info(embedded
    ? `database: embedded PGlite in ${config.dataDir} (no DATABASE_URL set)`
    : `database: PostgreSQL at ${new URL(databaseUrl).host}`)

  // Before listen(), which readies the app: its summary fold timer starts on ready, so no fold
  // meets a table the migrations have yet to create.
  await migrate(databaseUrl, app.log, { maxFutureSkewS: config.maxFutureSkewS })

  // SHUTDOWN_TIMEOUT_S bounds the drain that starts when the listener closes; the readiness delay
  // comes on top of it, so a long READY_DRAIN_DELAY_S cannot use up the time in-flight work needs.
  const hardLimitMs = (config.readyDrainDelayS + config.shutdownTimeoutS) * 1000
  closeWithGrace({ delay: hardLimitMs, logger: app.log }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error')
    else app.log.info(`${signal} received: draining`)
    app.lifecycle.draining = true
    // Give the load balancer's health check time to see /ready fail before the listener closes.
    if (config.readyDrainDelayS > 0) await new Promise((resolve) => setTimeout(resolve, config.readyDrainDelayS * 1000))
    await app.close()
    await embedded?.close()
    app.log.info('shutdown complete')
  })

  await app.listen({ port: config.port, host: config.host })
}

await main()
