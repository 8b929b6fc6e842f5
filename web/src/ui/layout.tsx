import type { ComponentChildren } from 'preact'
import type { FeedStatus } from '../live.js'
import { fleetHref } from '../route.js'

const STATUS_TEXT: Record<FeedStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  offline: 'API unreachable'
}

export function Header ({ status, children }: { status?: FeedStatus, children?: ComponentChildren }) {
  return (
    <header class='top'>
      <a class='brand' href={fleetHref}>Sensor fleet</a>
      {children}
      {status !== undefined && (
        <span class={`live live-${status}`} role='status' data-testid='live-status'>
          <span class='dot' aria-hidden='true' />{STATUS_TEXT[status]}
        </span>
      )}
    </header>
  )
}

/** The API could not be reached: what the page shows, and that it keeps trying. */
export function OfflineBanner ({ retryInMs }: { retryInMs?: number }) {
  return (
    <p class='banner' role='alert' data-testid='offline'>
      The API does not answer{retryInMs === undefined ? '' : `; trying again in ${Math.round(retryInMs / 1000)} s`}. What you see may be out of date.
    </p>
  )
}

export function StateMessage ({ children, testId }: { children: ComponentChildren, testId?: string }) {
  return <div class='state' data-testid={testId}>{children}</div>
}

export function NotFound () {
  return (
    <>
      <Header />
      <main><StateMessage>No such page. <a href={fleetHref}>Back to the fleet</a>.</StateMessage></main>
    </>
  )
}
