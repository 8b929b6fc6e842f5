import { writeFile } from 'node:fs/promises'
import { ArgsError, parseLoadTestArgs, USAGE, type LoadTestOptions } from './args.js'
import { loadTest, NotStartedError } from './load-test.js'
import { formatProgress, formatSummary } from './report.js'

/** Exit statuses: 0 passed, 1 the run or its verification failed, 2 bad arguments. */
async function main (): Promise<number> {
  let options: LoadTestOptions | 'help'
  try {
    options = parseLoadTestArgs(process.argv.slice(2))
  } catch (err) {
    if (!(err instanceof ArgsError)) throw err
    console.error(`load-test: ${err.message}\n\nRun with --help for the options.`)
    return 2
  }
  if (options === 'help') {
    console.log(USAGE)
    return 0
  }

  // Ctrl-C stops sending; what was sent is still verified and summarised.
  const abort = new AbortController()
  process.once('SIGINT', () => abort.abort())

  const live = process.stderr.isTTY
  let summary
  try {
    summary = await loadTest(options, {
      signal: abort.signal,
      onProgress: live ? (p) => process.stderr.write(`\r\x1b[2K${formatProgress(p)}`) : undefined
    })
  } catch (err) {
    if (!(err instanceof NotStartedError)) throw err
    console.error(`load-test: not started: ${err.message}`)
    return 1
  } finally {
    if (live) process.stderr.write('\r\x1b[2K')
  }

  console.log(formatSummary(summary))
  if (options.jsonFile !== undefined) await writeFile(options.jsonFile, `${JSON.stringify(summary, null, 2)}\n`)
  return summary.passed ? 0 : 1
}

process.exitCode = await main()
