import { parseArgs } from 'node:util'
import { benchDatabase } from './database.js'
import { runDashboardBench } from './dashboard.js'

// npm run bench:dashboard [-- --duration 5 --rounds 4 --viewers 3 --feed-only --readings 10000000 --sensors 10000 --loads 5 --skip-cost --skip-speed]:
// the dashboard scenarios of `npm run bench` alone (docs/benchmarks.md).
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '4' },
    viewers: { type: 'string', default: '3' },
    readings: { type: 'string', default: '10000000' },
    sensors: { type: 'string', default: '10000' },
    loads: { type: 'string', default: '5' },
    'feed-only': { type: 'boolean', default: false },
    'skip-cost': { type: 'boolean', default: false },
    'skip-speed': { type: 'boolean', default: false }
  }
})
const number = (name: keyof typeof values, min = 1) => {
  const n = Number(values[name])
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number of at least ${min}`)
  return n
}

const db = await benchDatabase()
try {
  console.log(`database: ${db.kind}`)
  await runDashboardBench({
    databaseUrl: db.url,
    log: console.log,
    durationS: number('duration'),
    rounds: number('rounds'),
    viewers: number('viewers', 0),
    feedOnly: values['feed-only'],
    readings: number('readings'),
    sensors: number('sensors'),
    loads: number('loads'),
    skipCost: values['skip-cost'],
    skipSpeed: values['skip-speed']
  })
} finally {
  await db.drop()
}
