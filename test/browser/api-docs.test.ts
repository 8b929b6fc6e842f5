import t from 'tap'
import { launchBrowser, noChromium } from '../helpers/browser.js'
import { build } from '../helpers/build.js'
import { serve } from '../helpers/dashboard.js'

t.test('/docs renders the API reference from this origin alone, within its Content-Security-Policy', { skip: noChromium }, async (t) => {
  const browser = await launchBrowser(t)
  const origin = await serve(await build(t))
  const page = await browser.newPage()
  const foreign: string[] = []
  const violations: string[] = []
  page.on('request', (request) => { if (!request.url().startsWith(origin) && !request.url().startsWith('data:')) foreign.push(request.url()) })
  page.on('console', (message) => { if (/Content.Security.Policy|Refused to/i.test(message.text())) violations.push(message.text()) })

  await page.goto(`${origin}/docs/`)
  await page.getByText('/sensors/silent', { exact: true }).first().waitFor({ timeout: 30_000 })
  t.ok(await page.getByText('POST', { exact: true }).count() >= 1, 'the ingest operation is listed')
  t.same(foreign, [], 'nothing fetched from elsewhere')
  t.same(violations, [], 'no CSP violation')
})
