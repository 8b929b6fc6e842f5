// The read token (READ_TOKENS), kept for this tab only and sent as a Bearer header: never in a URL.
const KEY = 'iot-sensors.read-token'

export function readToken (): string | null {
  return sessionStorage.getItem(KEY)
}

export function saveToken (token: string): void {
  sessionStorage.setItem(KEY, token)
}

export function forgetToken (): void {
  sessionStorage.removeItem(KEY)
}

export function authHeaders (token = readToken()): Record<string, string> {
  return token === null ? {} : { authorization: `Bearer ${token}` }
}
