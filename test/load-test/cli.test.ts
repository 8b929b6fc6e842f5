import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { listeningApp } from './helpers.js'

// Every run has its own sensor ids, so the runs of this file share one API and database.
const { url } = await listeningApp(t)

interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs `tsx load-test/cli.ts ...args`, as `npm run load-test -- ...args` does. */
function cli (...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'load-test/cli.ts', ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr })
    })
  })
}

t.test('nonsense arguments: exit 2 with a message naming each one', async (t) => {
  const r = await cli('--rate', '-1', '--batch', '0')
  t.equal(r.code, 2)
  t.match(r.stderr, /--rate -1: must be a number of readings per second above zero\n--batch 0: must be a whole number from 1 to 10000/)
  t.equal(r.stdout, '')
})

t.test('a passing run prints the summary, writes --json and --report, and exits 0', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'load-test-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'summary.json')
  const report = join(dir, 'report.html')

  const r = await cli('--url', url, '--readings', '100', '--duration', '1s', '--interval', '250ms', '--json', file, '--report', report)

  t.equal(r.code, 0, r.stdout + r.stderr)
  t.match(r.stdout, /^readings sent: +100 in 100 requests/m)
  t.match(r.stdout, /^latency: +from the schedule \(what a sensor waits\): p50 [\d.]+ ms/m)
  t.match(r.stdout, /^service time: +from the send: p50 [\d.]+ ms/m)
  t.match(r.stdout, /^server: +http:\/\/127\.0\.0\.1:\d+ \(instance test\): memory [\d.]+ MB at start, peak [\d.]+ MB, [\d.]+ MB at end/m)
  t.match(r.stdout, /^verification: +holds: stored 100 for 100 acknowledged unique readings: lost: 0, duplicated: 0$/m)
  t.match(r.stdout, /^result: +PASSED$/m)
  // Not a terminal: no timeline printed as it goes.
  t.equal(r.stderr, '')
  const command = `npm run load-test -- --url ${url} --readings 100 --duration 1s --interval 250ms --json ${file} --report ${report}`
  const summary = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>
  t.match(summary, {
    passed: true, reasons: [], command, readings: { sent: 100, acknowledgedNew: 100 }, verification: { lost: 0, duplicated: 0 }, timeline: { intervalS: 0.25 }
  })
  t.ok((summary.timeline as { rows: unknown[] }).rows.length >= 4)
  const html = await readFile(report, 'utf8')
  t.match(html, /^<!doctype html>/)
  t.match(html, /<h1>Load test <span class="passed">PASSED<\/span><\/h1>/)
  t.ok(html.includes(`<pre class="command">${command}</pre>`))
})

t.test('a p99 above --max-p99 fails the run: exit 1 with the reason', async (t) => {
  const r = await cli('--url', url, '--max', '--readings', '50', '--max-p99', '0.001')
  t.equal(r.code, 1, r.stdout + r.stderr)
  t.match(r.stdout, /^result: +FAILED\n {2}- p99 latency [\d.]+ ms is above --max-p99 0\.001 ms$/m)
})

t.test('in a paced run --max-p99 applies to the latency from the schedule', async (t) => {
  const r = await cli('--url', url, '--readings', '20', '--duration', '200ms', '--max-p99', '0.001')
  t.equal(r.code, 1, r.stdout + r.stderr)
  t.match(r.stdout, /^ {2}- p99 latency \(from the schedule\) [\d.]+ ms is above --max-p99 0\.001 ms$/m)
})
