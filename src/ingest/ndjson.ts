import { HttpProblem } from '../problem.js'

/** One JSON value per line; blank lines are skipped. A bad line is named by its number. */
export function parseNdjson (body: string): unknown[] {
  const items: unknown[] = []
  const lines = body.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === '') continue
    try {
      items.push(JSON.parse(line))
    } catch {
      throw new HttpProblem(400, 'malformed-body', `line ${i + 1} is not valid JSON`)
    }
  }
  return items
}
