import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, rename, rm, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { packageRoot } from '../../../src/paths.js'
import { testRuntimeDir } from '../../helpers/test-runtime.js'

interface Teardown {
  teardown(fn: () => unknown): void
}

const START_TIMEOUT_MS = 30_000

/**
 * The Docker image's runtime layout: dist/ compiled with tsconfig.build.json (what `npm run build`
 * makes), package.json, and this checkout's migrations/ and node_modules/, in `.test-runtime/`
 * inside the checkout (git-ignored). Built by the first test file of a run that needs it and
 * shared by the others: each builds in a private folder and renames it into place, so none ever
 * reads a half-written dist/, and a file that loses the race uses the winner's identical build.
 * tap's before and after scripts (test/helpers/test-runtime.ts) remove it, so every run builds
 * from its own sources and nothing outlives the run or is shared with another checkout.
 */
export async function buildRuntime (): Promise<string> {
  const root = join(testRuntimeDir, 'runtime')
  if (existsSync(root)) return root
  await mkdir(testRuntimeDir, { recursive: true })
  const staging = await mkdtemp(join(testRuntimeDir, 'staging-'))
  try {
    const tsc = join(packageRoot, 'node_modules', 'typescript', 'bin', 'tsc')
    await promisify(execFile)(process.execPath, [tsc, '-p', join(packageRoot, 'tsconfig.build.json'), '--outDir', join(staging, 'dist')], { cwd: packageRoot })
    await cp(join(packageRoot, 'package.json'), join(staging, 'package.json'))
    await symlink(join(packageRoot, 'migrations'), join(staging, 'migrations'))
    await symlink(join(packageRoot, 'node_modules'), join(staging, 'node_modules'))
    await rename(staging, root)
  } catch (err) {
    if (!existsSync(root)) throw err
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
  return root
}

export interface LogLine {
  msg?: string
  [key: string]: unknown
}

export interface Replica {
  /** http://127.0.0.1:PORT */
  url: string
  port: number
  child: ChildProcess
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>
  /** Resolves with the first log line, past or future, whose msg matches. */
  logged(pattern: RegExp): Promise<LogLine>
  /** Everything logged so far (stdout lines) and written to stderr: diagnostics for a failed assertion. */
  output(): { logs: LogLine[], stderr: string }
}

/**
 * Starts `node dist/src/server.js` from a runtime folder, as the image's CMD does, with only the
 * given environment (plus PATH), listening on a free loopback port. Killed on teardown if still running.
 */
export async function startReplica (t: Teardown, runtime: string, env: Record<string, string>): Promise<Replica> {
  const child = spawn(process.execPath, [join(runtime, 'dist', 'src', 'server.js')], {
    cwd: runtime,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })

  const lines: LogLine[] = []
  const waiters: Array<{ pattern: RegExp, resolve: (line: LogLine) => void }> = []
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: LogLine
    try {
      line = JSON.parse(text) as LogLine
    } catch {
      line = { msg: text }
    }
    lines.push(line)
    for (const waiter of waiters.filter((w) => w.pattern.test(line.msg ?? ''))) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve(line)
    }
  })

  const logged = (pattern: RegExp): Promise<LogLine> => {
    const seen = lines.find((line) => pattern.test(line.msg ?? ''))
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      waiters.push({ pattern, resolve })
      void exited.then((code) => reject(new Error(`replica exited (${code}) before logging ${pattern}: ${stderr}`)))
    })
  }

  let timer: NodeJS.Timeout | undefined
  const tooSlow = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`replica not listening within ${START_TIMEOUT_MS} ms: ${stderr}`)), START_TIMEOUT_MS)
  })
  let listening: LogLine
  try {
    listening = await Promise.race([logged(/^Server listening at http:\/\/127\.0\.0\.1:\d+$/), tooSlow])
  } finally {
    clearTimeout(timer)
  }
  const url = listening.msg!.replace('Server listening at ', '')
  return { url, port: Number(new URL(url).port), child, exited, logged, output: () => ({ logs: lines, stderr }) }
}
