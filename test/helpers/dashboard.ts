/// <reference lib="dom" />
// (functions passed to page.evaluate() run in the browser)
import type { FastifyInstance } from 'fastify'
import type { Page } from 'playwright-core'

export interface Reading {
  sensor_id: number
  timestamp: string
  variable: string
  value: number
  unit: string
}

export const reading = (sensorId: number, minutesAgo: number, value = 21.5, variable = 'temperature'): Reading => ({
  sensor_id: sensorId,
  timestamp: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
  variable,
  value,
  unit: variable === 'temperature' ? 'C' : '%'
})

/** POSTs readings through the app's ingest route; throws on anything but 2xx. */
export async function postReadings (app: FastifyInstance, readings: Reading[], headers: Record<string, string> = {}): Promise<void> {
  const res = await app.inject({ method: 'POST', url: '/readings', payload: readings, headers })
  if (res.statusCode >= 300) throw new Error(`POST /readings answered ${res.statusCode}: ${res.body}`)
}

/** The app listening on a free loopback port: its origin. */
export async function serve (app: FastifyInstance): Promise<string> {
  return await app.listen({ port: 0, host: '127.0.0.1' })
}

/** The text of a data-testid element once it is visible. */
export async function textOf (page: Page, testId: string): Promise<string> {
  const element = page.getByTestId(testId)
  await element.waitFor()
  return (await element.textContent()) ?? ''
}

/** Resolves once the data-testid element's text is `expected`, or rejects after timeoutMs. */
export async function waitForText (page: Page, testId: string, expected: string, timeoutMs: number): Promise<void> {
  await page.waitForFunction(([id, text]) => document.querySelector(`[data-testid="${id}"]`)?.textContent === text,
    [testId, expected] as const, { timeout: timeoutMs, polling: 'raf' })
}
