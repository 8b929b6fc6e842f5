// Characters that could end the <script> element or open a comment in it (<, >, &), and the two
// line terminators older JavaScript parsers refuse in strings: escaped, the JSON means the same.
const UNSAFE = /[<>&\u2028\u2029]/g
const escape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`

/**
 * `value` as a JSON data block: `<script type="application/json">` is not executed (the CSP's
 * script-src does not apply to it), and its text cannot close the element whatever strings it holds.
 */
export function jsonDataBlock (id: string, value: unknown): string {
  return `<script type="application/json" id="${id}">${JSON.stringify(value).replace(UNSAFE, escape)}</script>`
}
