import closeWithGrace from 'close-with-grace'
import pino from 'pino'
import { loadWatchdogConfig, WatchdogConfigError, type WatchdogConfig } from './config.js'
import { startHealthServer } from './health-server.js'
import { Watchdog } from './watchdog.js'

let config: WatchdogConfig
try {
  config = await loadWatchdogConfig(process.env)
} catch (err) {
  if (!(err instanceof WatchdogConfigError)) throw err
  console.error(err.message)
  process.exit(1)
}

const logger = pino({ level: config.logLevel, name: 'watchdog' })
const watchdog = new Watchdog(config, { logger })
await watchdog.init()
const server = await startHealthServer(watchdog, config.port, config.host)
logger.info({ port: config.port, targets: config.targets.map((t) => t.name), stateFile: config.stateFile }, 'watchdog started')
watchdog.start()

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'watchdog crashed; saving state')
  else logger.info({ signal }, 'watchdog stopping')
  await server.close()
  await watchdog.stop()
})
