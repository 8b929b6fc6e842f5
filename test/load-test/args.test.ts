import t from 'tap'
import { ArgsError, commandLine, parseLoadTestArgs } from '../../load-test/args.js'

const rejects = (args: string[], message: RegExp) =>
  t.test(`rejects ${args.join(' ')}`, async (t) => {
    t.throws(() => parseLoadTestArgs(args), { name: 'ArgsError', message })
  })

t.test('no arguments give the documented defaults: 5,000 readings evenly over 60 s', async (t) => {
  t.same(parseLoadTestArgs([]), {
    url: 'http://localhost:3000',
    urls: ['http://localhost:3000'],
    pace: { kind: 'paced', readings: 5000, readingsPerSecond: 5000 / 60 },
    connections: 10,
    batch: 1,
    sensors: 100,
    duplicates: 0,
    token: undefined,
    jsonFile: undefined,
    reportFile: undefined,
    intervalS: 1,
    maxP99Ms: undefined
  })
})

t.test('every option is read', async (t) => {
  t.same(parseLoadTestArgs([
    '--url', 'https://api.example.test/base/', '--readings', '1000', '--duration', '2m', '--connections', '4',
    '--batch', '50', '--sensors', '7', '--duplicates', '0.25', '--token', 'secret', '--json', 'out.json', '--max-p99', '250',
    '--report', 'run.html', '--interval', '5s'
  ]), {
    url: 'https://api.example.test/base',
    urls: ['https://api.example.test/base'],
    pace: { kind: 'paced', readings: 1000, readingsPerSecond: 1000 / 120 },
    connections: 4,
    batch: 50,
    sensors: 7,
    duplicates: 0.25,
    token: 'secret',
    jsonFile: 'out.json',
    reportFile: 'run.html',
    intervalS: 5,
    maxP99Ms: 250
  })
})

t.test('--url given again adds a target; the first one is where reads and verification go', async (t) => {
  const o = parseLoadTestArgs(['--url', 'http://a.test:3000', '--url', 'http://b.test:3000/'])
  t.match(o, { url: 'http://a.test:3000', urls: ['http://a.test:3000', 'http://b.test:3000'] })
})

t.test('the timeline interval defaults to a round value giving about 60 intervals, at least 1 s', async (t) => {
  const interval = (...args: string[]) => (parseLoadTestArgs(args) as { intervalS: number }).intervalS
  t.equal(interval('--rate', '200', '--readings', '3000'), 1)
  t.equal(interval('--readings', '5000', '--duration', '5m'), 5)
  t.equal(interval('--readings', '300000', '--duration', '1h'), 60)
  t.equal(interval('--max'), 1)
  t.equal(interval('--max', '--duration', '30m'), 30)
})

t.test('durations take ms, s, m, h or plain seconds', async (t) => {
  const rate = (duration: string) => {
    const o = parseLoadTestArgs(['--readings', '600', '--duration', duration])
    return o !== 'help' && o.pace.kind === 'paced' ? o.pace.readingsPerSecond : undefined
  }
  t.equal(rate('500ms'), 1200)
  t.equal(rate('60'), 10)
  t.equal(rate('60s'), 10)
  t.equal(rate('1.5m'), 600 / 90)
  t.equal(rate('1h'), 600 / 3600)
})

t.test('--rate overrides the pacing of --duration', async (t) => {
  const o = parseLoadTestArgs(['--rate', '250', '--duration', '10s'])
  t.same(o !== 'help' && o.pace, { kind: 'paced', readings: 5000, readingsPerSecond: 250 })
})

t.test('--max alone sends the default 5,000 readings as fast as it goes', async (t) => {
  const o = parseLoadTestArgs(['--max'])
  t.same(o !== 'help' && o.pace, { kind: 'max', readings: 5000 })
})

t.test('--max with --duration runs for that long, with --readings too for whichever ends first', async (t) => {
  const o1 = parseLoadTestArgs(['--max', '--duration', '10s'])
  t.same(o1 !== 'help' && o1.pace, { kind: 'max', readings: undefined, durationS: 10 })
  const o2 = parseLoadTestArgs(['--max', '--duration', '10s', '--readings', '300'])
  t.same(o2 !== 'help' && o2.pace, { kind: 'max', readings: 300, durationS: 10 })
})

t.test('--help asks for the usage', async (t) => {
  t.equal(parseLoadTestArgs(['--help']), 'help')
  t.equal(parseLoadTestArgs(['-h']), 'help')
})

rejects(['--rate', '-1'], /^--rate -1: must be a number of readings per second above zero$/)
rejects(['--rate', '0'], /--rate 0: must be a number of readings per second above zero/)
rejects(['--rate', 'fast'], /--rate fast: expected a number of readings per second above zero, got "fast"/)
rejects(['--batch', '0'], /^--batch 0: must be a whole number from 1 to 10000$/)
rejects(['--batch', '2.5'], /--batch 2.5: must be a whole number/)
rejects(['--readings', '-5'], /--readings -5: must be a whole number from 1/)
rejects(['--connections', '0'], /--connections 0: must be a whole number from 1/)
rejects(['--sensors', '0'], /--sensors 0: must be a whole number from 1/)
rejects(['--sensors', '100001'], /--sensors 100001: must be a whole number from 1 to 100000/)
rejects(['--duplicates', '2'], /^--duplicates 2: must be a fraction from 0 up to \(not including\) 1$/)
rejects(['--duplicates', '-0.1'], /--duplicates -0.1: must be a fraction/)
rejects(['--duration', '0s'], /--duration 0s: expected a duration above zero/)
rejects(['--duration', 'soon'], /--duration soon: expected a duration above zero such as 60s/)
rejects(['--url', 'localhost:3000'], /--url localhost:3000: expected an http:\/\/ or https:\/\/ URL/)
rejects(['--max-p99', '-3'], /--max-p99 -3: must be a number of milliseconds above zero/)
rejects(['--max', '--rate', '100'], /--max: cannot be combined with --rate/)
rejects(['--url', 'http://a.test', '--url', 'b.test'], /^--url b\.test: expected an http:\/\/ or https:\/\/ URL$/)
rejects(['--url', 'http://a.test', '--url', 'http://b.test', '--connections', '1'], /^--connections 1: must be at least the number of --url \(2\), so each gets a connection$/)
rejects(['--interval', '50ms'], /^--interval 50ms: must be at least 100ms$/)
rejects(['--report', ''], /^--report : expected a file name$/)
rejects(['--bogus'], /Unknown option '--bogus'/)
rejects(['--readings'], /--readings <value>' argument missing/)
rejects(['5000'], /Unexpected argument '5000'/)

t.test('the command line for the report hides the token and quotes what a shell would split', async (t) => {
  t.equal(commandLine(['--rate', '200', '--token', 's3cret', '--url', 'http://a.test']), "npm run load-test -- --rate 200 --token '***' --url http://a.test")
  t.equal(commandLine(['--token=s3cret', '--json', 'my run.json']), "npm run load-test -- '--token=***' --json 'my run.json'")
  t.equal(commandLine([]), 'npm run load-test')
})

t.test('every bad option is named at once', async (t) => {
  const err = t.throws(() => parseLoadTestArgs(['--rate', '-1', '--batch', '0'])) as ArgsError
  t.match(err.message, /--rate -1: .*\n--batch 0: /)
})
