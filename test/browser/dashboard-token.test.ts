import t from 'tap'
import { launchBrowser, noChromium } from '../helpers/browser.js'
import { build } from '../helpers/build.js'
import { postReadings, reading, serve, textOf } from '../helpers/dashboard.js'

const TOKEN = 'read-token-0123456789'

t.test('with READ_TOKENS, the page asks for a token once per tab and sends it as Bearer', { skip: noChromium }, async (t) => {
  const browser = await launchBrowser(t)
  const app = await build(t, { readTokens: [TOKEN] })
  await postReadings(app, [reading(1, 1), reading(2, 1)])
  const origin = await serve(app)
  const context = await browser.newContext()
  const page = await context.newPage()
  const requests: Array<{ url: string, authorization?: string }> = []
  page.on('request', (request) => requests.push({ url: request.url(), authorization: request.headers().authorization }))
  await page.goto(`${origin}/dashboard/`)

  t.test('a wrong token is refused, and says so', async (t) => {
    await page.getByLabel('Read token').fill('not-the-token')
    await page.getByRole('button', { name: 'Open the dashboard' }).click()
    t.match(await textOf(page, 'token-error'), /That token was refused/)
    t.equal(await page.getByTestId('sensor-count').count(), 0, 'no fleet shown')
  })

  t.test('the right token opens the dashboard', async (t) => {
    await page.getByLabel('Read token').fill(TOKEN)
    await page.getByRole('button', { name: 'Open the dashboard' }).click()
    t.equal(await textOf(page, 'sensor-count'), '2')
    await page.getByTestId('live-status').getByText('Live').waitFor()
  })

  t.test('the tab keeps it: another page of the dashboard asks no more', async (t) => {
    await page.goto(`${origin}/dashboard/sensors/1`)
    t.equal(await textOf(page, 'latest-temperature'), '21.5')
    t.equal(await page.getByTestId('token-form').count(), 0)
  })

  t.test('the token travels in the Authorization header, never in a URL', async (t) => {
    const apiRequests = requests.filter((r) => !new URL(r.url).pathname.startsWith('/dashboard/') || r.url.includes('/dashboard/events'))
    t.ok(apiRequests.length >= 3, `${apiRequests.length} API requests seen`)
    t.notOk(requests.some((r) => r.url.includes(TOKEN)), 'no URL holds the token')
    t.ok(apiRequests.filter((r) => r.authorization === `Bearer ${TOKEN}`).length >= 2, 'reads and the feed sent it as Bearer')
    t.notOk(page.url().includes(TOKEN))
  })

  t.test('a new tab (a new session) asks again', async (t) => {
    const other = await browser.newPage()
    await other.goto(`${origin}/dashboard/`)
    await other.getByTestId('token-form').waitFor()
    t.pass('the prompt is shown')
  })

  t.test('a sensor page opened first asks for the token, then shows the whole sensor', async (t) => {
    const tab = await browser.newPage()
    await tab.goto(`${origin}/dashboard/sensors/1`)
    await tab.getByLabel('Read token').fill(TOKEN)
    await tab.getByRole('button', { name: 'Open the dashboard' }).click()
    t.equal(await textOf(tab, 'latest-temperature'), '21.5')
    await tab.getByTestId('chart-temperature').waitFor()
    t.equal(await tab.locator('[data-testid="raw-readings"] tbody tr').count(), 1, 'the newest readings')
    t.equal(await tab.getByTestId('token-form').count(), 0, 'asked once')
  })
})
