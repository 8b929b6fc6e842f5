import t from 'tap'
import type { Pool } from 'pg'
import { SummaryFolder } from '../../src/summary/folder.js'

/** A folder whose folds end (or fail) when the test says, numbered in the order they start. */
class ControlledFolder extends SummaryFolder {
  readonly started: Array<{ resolve: (deltas: number) => void, reject: (err: Error) => void }> = []

  constructor () {
    super(undefined as unknown as Pool) // fold() below never reaches a pool
  }

  override fold (): Promise<number> {
    return new Promise((resolve, reject) => this.started.push({ resolve, reject }))
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

t.test('a call with no fold running starts one at once', async (t) => {
  const folder = new ControlledFolder()
  const answer = folder.foldShared()
  t.equal(folder.started.length, 1)
  folder.started[0]!.resolve(4)
  t.equal(await answer, 4)
})

t.test('callers while a fold runs wait for one that starts after it, which they share', async (t) => {
  const folder = new ControlledFolder()
  const first = folder.foldShared()
  const later = Promise.all([folder.foldShared(), folder.foldShared()])
  t.equal(folder.started.length, 1, 'the next fold waits for the running one')
  folder.started[0]!.resolve(1)
  t.equal(await first, 1)
  await tick()
  t.equal(folder.started.length, 2, 'then one fold starts for both later callers')
  folder.started[1]!.resolve(2)
  t.same(await later, [2, 2])
})

t.test('a failed fold fails its callers, and the next call starts a new one', async (t) => {
  const folder = new ControlledFolder()
  const failing = folder.foldShared()
  folder.started[0]!.reject(new Error('database down'))
  await t.rejects(failing, { message: 'database down' })
  const next = folder.foldShared()
  t.equal(folder.started.length, 2)
  folder.started[1]!.resolve(3)
  t.equal(await next, 3)
})

t.test('idle() waits for the running and the queued fold', async (t) => {
  const folder = new ControlledFolder()
  void folder.foldShared()
  void folder.foldShared()
  let idle = false
  const waiting = folder.idle().then(() => { idle = true })
  folder.started[0]!.resolve(0)
  await tick()
  t.equal(idle, false, 'the queued fold still runs')
  folder.started[1]!.resolve(0)
  await waiting
  t.equal(idle, true)
})
