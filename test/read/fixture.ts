import type { Test } from 'tap'
import { build } from '../helpers/build.js'

export type App = Awaited<ReturnType<typeof build>>

/**
 * One app and database for the whole test file (a fresh database per test is slow on embedded
 * PGlite), emptied before each test so every test starts from an empty fleet.
 */
export async function appPerFile (t: Test, overrides: Parameters<typeof build>[1] = {}): Promise<App> {
  const app = await build(t, overrides)
  t.beforeEach(async () => {
    await app.pg.query('TRUNCATE readings, sensor_variable_summary, sensor_summary_deltas')
  })
  return app
}
