export type Route = { page: 'fleet' } | { page: 'sensor', sensorId: number } | { page: 'not-found' }

/** The view a path shows: /dashboard/ (fleet) or /dashboard/sensors/{id}. */
export function routeOf (pathname: string): Route {
  if (/^\/dashboard\/?$/.test(pathname)) return { page: 'fleet' }
  const match = /^\/dashboard\/sensors\/(\d{1,10})\/?$/.exec(pathname)
  if (match !== null && Number(match[1]) <= 2147483647) return { page: 'sensor', sensorId: Number(match[1]) }
  return { page: 'not-found' }
}

export const sensorHref = (id: number): string => `/dashboard/sensors/${id}`
export const fleetHref = '/dashboard/'

/** Sets (or, with undefined, removes) a query parameter of the address without reloading. */
export function keepInUrl (name: string, value: string | undefined): void {
  const url = new URL(location.href)
  if (value === undefined) url.searchParams.delete(name)
  else url.searchParams.set(name, value)
  history.replaceState(null, '', url)
}
