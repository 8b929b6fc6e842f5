import t from 'tap'
import type { Pool } from 'pg'
import { SummaryFolder, type ChunkLimits, type ChunkResult } from '../../src/summary/folder.js'

/** A folder whose chunks end (or fail) when the test says, in the order they start, with the limits they were given. */
class ControlledFolder extends SummaryFolder {
  readonly started: Array<{ limits: ChunkLimits, end: (nextId?: number, deltas?: number, durationS?: number) => void, fail: (err: Error) => void }> = []

  constructor (limits?: ChunkLimits) {
    super(undefined as unknown as Pool, limits) // foldChunk() below never reaches a pool
  }

  override foldChunk (limits: ChunkLimits = this.chunkLimits): Promise<ChunkResult> {
    return new Promise((resolve, reject) => this.started.push({
      limits,
      end: (nextId, deltas = 1, durationS = 0) => resolve({ deltas, pairs: deltas, readings: deltas, durationS, nextId: nextId === undefined ? undefined : BigInt(nextId) }),
      fail: reject
    }))
  }

  // The rollup queue is empty here (test/read/aggregate.test.ts folds real ones).
  override async foldRollupChunk (): Promise<bigint | undefined> {
    return undefined
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))
const timedOut = () => Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' })

t.test('drain() folds chunk after chunk until one takes all it sees, and resolves with the deltas folded', async (t) => {
  const folder = new ControlledFolder()
  const drained = folder.drain()
  folder.started[0]!.end(7, 3)
  await tick()
  t.equal(folder.started.length, 2, 'a chunk that hit its limits is followed by another')
  folder.started[1]!.end(undefined, 2)
  t.equal(await drained, 5)
  t.equal(folder.started.length, 2)
})

t.test('callers while a loop runs share it', async (t) => {
  const folder = new ControlledFolder()
  const first = folder.drain()
  const second = folder.drain()
  t.equal(folder.started.length, 1)
  folder.started[0]!.end(undefined, 4)
  t.same(await Promise.all([first, second]), [4, 4])
})

t.test('foldPast() waits for a chunk started after it that leaves nothing at or below the horizon', async (t) => {
  const folder = new ControlledFolder()
  const running = folder.drain()
  let answer: boolean | undefined
  void folder.foldPast(10n, 60_000).then((done) => { answer = done })
  folder.started[0]!.end(undefined)
  await tick()
  t.equal(answer, undefined, 'a chunk that started before the call may not have seen what the read saw')
  t.equal(folder.started.length, 2, 'so the loop folds once more')
  folder.started[1]!.end(5)
  await tick()
  t.equal(answer, undefined, 'delta 5 is at or below the horizon: not yet')
  folder.started[2]!.end(11)
  await tick()
  t.equal(answer, true, 'the oldest delta left is past the horizon')
  folder.started[3]!.end(undefined)
  await running
})

t.test('foldPast() answers false after its wait, and folding goes on', async (t) => {
  const folder = new ControlledFolder()
  t.equal(await folder.foldPast(3n, 10), false)
  t.equal(folder.started.length, 1, 'the chunk it started is still running')
  folder.started[0]!.end(undefined)
  await folder.drain()
})

t.test('a chunk cut by statement_timeout halves the limits and is tried again; they grow back chunk by chunk', async (t) => {
  const folder = new ControlledFolder({ deltas: 1000, pairs: 20_000 })
  const drained = folder.drain()
  folder.started[0]!.fail(timedOut())
  await tick()
  t.same(folder.started[1]!.limits, { deltas: 500, pairs: 10_000 })
  folder.started[1]!.fail(timedOut())
  await tick()
  t.same(folder.started[2]!.limits, { deltas: 250, pairs: 5000 })
  folder.started[2]!.end(9)
  await tick()
  t.same(folder.started[3]!.limits, { deltas: 313, pairs: 6250 })
  folder.started[3]!.end(undefined)
  t.equal(await drained, 2)
})

t.test('a timeout on a chunk of one delta row, or any other failure, fails the loop and its waiters', async (t) => {
  const folder = new ControlledFolder({ deltas: 1, pairs: 10 })
  const waiting = folder.foldPast(1n, 60_000)
  const drained = folder.drain()
  folder.started[0]!.fail(timedOut())
  await t.rejects(drained, { code: '57014' })
  t.equal(await waiting, false)
  const next = folder.drain()
  t.equal(folder.started.length, 2, 'the next call starts a new loop')
  folder.started[1]!.end(undefined)
  await next
})

t.test('close() ends the loop after its chunk and answers waiting reads at once', async (t) => {
  const folder = new ControlledFolder()
  const drained = folder.drain()
  const waiting = folder.foldPast(100n, 60_000)
  let closed = false
  const closing = folder.close().then(() => { closed = true })
  t.equal(await waiting, false)
  await tick()
  t.equal(closed, false, 'the chunk in progress is waited for')
  folder.started[0]!.end(50)
  await closing
  t.equal(await drained, 1)
  t.equal(folder.started.length, 1, 'no chunk after close')
  t.equal(await folder.drain(), 0)
  t.equal(await folder.foldPast(1n, 60_000), false)
})

t.test('foldPast() answers false at once when the running loop\'s pace cannot reach the horizon in time', async (t) => {
  const folder = new ControlledFolder()
  const drained = folder.drain()
  folder.started[0]!.end(101, 100, 0.2) // 100 delta rows in 0.2 s, the oldest left is 101
  await tick()
  t.equal(await folder.foldPast(1000n, 500), false, '9 more such chunks would take 1.8 s')
  let near: boolean | undefined
  void folder.foldPast(250n, 500).then((done) => { near = done })
  await tick()
  t.equal(near, undefined, '2 more would take 0.4 s: it waits')
  folder.started[1]!.end(201, 100, 0.2)
  await tick()
  folder.started[2]!.end(undefined, 50, 0.1)
  await tick()
  t.equal(near, true)
  await drained
})

/** Also its rollup chunks end when the test says. */
class RollupControlledFolder extends ControlledFolder {
  readonly rollups: Array<(nextId?: number) => void> = []

  override foldRollupChunk (): Promise<bigint | undefined> {
    return new Promise((resolve) => this.rollups.push((nextId) => resolve(nextId === undefined ? undefined : BigInt(nextId))))
  }
}

t.test('rollup chunks run between summary rounds, and a read that comes meanwhile gets a summary chunk first', async (t) => {
  const folder = new RollupControlledFolder()
  const drained = folder.drain()
  await tick()
  folder.started[0]!.end()
  await tick()
  t.equal(folder.rollups.length, 1, 'the summary drained, a rollup chunk follows')
  const waited = folder.foldPast(5n, 60_000)
  folder.rollups[0]!(7)
  await tick()
  t.equal(folder.started.length, 2, 'more is queued for the rollups, but the waiting read gets a summary chunk first')
  t.equal(folder.rollups.length, 1)
  folder.started[1]!.end()
  t.equal(await waited, true, 'the read is answered')
  await tick()
  t.equal(folder.rollups.length, 2, 'then the rollups go on')
  folder.rollups[1]!()
  t.equal(await drained, 2, 'until their queue is empty; drain() counts summary deltas')
})
