import { writeFile } from 'node:fs/promises'
import { ArgsError, commandLine, parseLoadTestArgs, USAGE, type LoadTestOptions } from './args.js'
import { renderReport } from './html-report.js'
import { loadTest, NotStartedError } from './load-test.js'
import { formatSummary, formatTimelineRow, TIMELINE_HEADER } from './report.js'

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

  // The timeline as it goes, in a terminal only: a log file gets it in --json and --report.
  const live = process.stderr.isTTY
  let rowsPrinted = 0
  let summary
  try {
    summary = await loadTest(options, {
      signal: abort.signal,
      command: commandLine(process.argv.slice(2)),
      onInterval: live ? (row) => process.stderr.write(`${rowsPrinted++ === 0 ? `${TIMELINE_HEADER}\n` : ''}${formatTimelineRow(row)}\n`) : undefined
    })
  } catch (err) {
    if (!(err instanceof NotStartedError)) throw err
    console.error(`load-test: not started: ${err.message}`)
    return 1
  }

  console.log(formatSummary(summary))
  if (options.jsonFile !== undefined) await writeFile(options.jsonFile, `${JSON.stringify(summary, null, 2)}\n`)
  if (options.reportFile !== undefined) await writeFile(options.reportFile, renderReport(summary))
  return summary.passed ? 0 : 1
}

process.exitCode = await main()
