import t from 'tap'
import { launchBrowser, noChromium } from '../helpers/browser.js'

t.test('headless Chromium renders a page and runs its script', { skip: noChromium }, async (t) => {
  const browser = await launchBrowser(t)
  const page = await browser.newPage()
  await page.setContent('<title>x</title><p id="out"></p><script>document.getElementById("out").textContent = String(6 * 7)</script>')
  t.equal(await page.textContent('#out'), '42')
})
