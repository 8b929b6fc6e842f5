import t, { type Test } from 'tap'
import { fitPayload, LIMITS, type WebhookPayload } from '../../watchdog/discord/limits.js'
import { startHarness } from './helpers/harness.js'
import { SwitchableTarget } from './helpers/switchable-target.js'

/** Every Discord size rule a message must meet. */
function assertValidSize (t: Test, payload: WebhookPayload) {
  t.ok((payload.content ?? '').length <= LIMITS.content, 'content within 2000')
  t.ok(payload.embeds.length <= LIMITS.embeds, 'at most 10 embeds')
  let total = 0
  for (const embed of payload.embeds) {
    t.ok(embed.title.length <= LIMITS.title, 'title within 256')
    t.ok((embed.description ?? '').length <= LIMITS.description, 'description within 4096')
    t.ok(embed.fields.length <= LIMITS.fields, 'at most 25 fields')
    for (const field of embed.fields) {
      t.ok(field.name.length > 0 && field.name.length <= LIMITS.fieldName, 'field name within 256')
      t.ok(field.value.length > 0 && field.value.length <= LIMITS.fieldValue, 'field value within 1024')
    }
    total += embed.title.length + (embed.description ?? '').length + (embed.footer?.text.length ?? 0) +
      embed.fields.reduce((sum, f) => sum + f.name.length + f.value.length, 0)
  }
  t.ok(total <= LIMITS.total, `total ${total} within 6000`)
}

t.test('an oversized error from a target is truncated to valid sizes with @everyone and @here neutralised', async (t) => {
  const target = await SwitchableTarget.start(t, 'dbfail')
  target.failureText = '@everyone look: ' + 'x'.repeat(20_000) + ' @here'
  const h = await startHarness(t, { discord: { role_id: '42' }, targets: [{ name: 'api-1', type: 'http', url: target.url, timeout: '500ms' }] })
  await h.rounds(3)
  await h.deliver()
  t.equal(h.discord.tooManyRequests, 0)
  const message = h.discord.delivered.find((m: any) => m.embeds.some((e: any) => e.title.startsWith('🔴 DOWN')))
  assertValidSize(t, message)
  const text = JSON.stringify(message)
  t.notMatch(text, /@everyone|@here/, 'no live mass mention anywhere')
  t.match(message.embeds[0].fields[0].value, /^http:\/\/127\.0\.0\.1:\d+\/ready\nError: HTTP 503: postgres:connection: @\u200beveryone look: x+…$/)
  t.same(message.allowed_mentions, { parse: [], roles: ['42'] })
})

t.test('fitPayload brings every part of an absurd payload within the limits', async (t) => {
  const long = (n: number) => '@here ' + 'é'.repeat(n)
  const embed = () => ({
    title: long(1000),
    description: long(10_000),
    color: 0,
    fields: Array.from({ length: 40 }, () => ({ name: long(500), value: long(5000) })),
    footer: { text: long(3000) }
  })
  const payload = fitPayload({ content: long(5000), embeds: Array.from({ length: 12 }, embed), allowed_mentions: { parse: [] } })
  assertValidSize(t, payload)
  t.notMatch(JSON.stringify(payload), /@here/)
})

t.test('truncation never splits a surrogate pair', async (t) => {
  const payload = fitPayload({ embeds: [{ title: '🔴'.repeat(300), color: 0, fields: [] }], allowed_mentions: { parse: [] } })
  const title = payload.embeds[0]!.title
  t.ok(title.length <= 256)
  t.notMatch(title, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/, 'no lone high surrogate')
})
