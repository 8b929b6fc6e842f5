const WEBHOOK_PATH = /^\/api(?:\/v\d+)?\/webhooks\/(\d+)\/([\w-]+)\/?$/

/**
 * The Execute Webhook URL to post to: the URL Discord hands out (`/api/webhooks/{id}/{token}`,
 * unversioned) rewritten to API v10 with `?wait=true`, so every post is confirmed by a message
 * object instead of a fire-and-forget 204. Other query parameters (thread_id) are kept.
 */
export function executeWebhookUrl (webhookUrl: string): URL {
  const url = new URL(webhookUrl)
  const match = WEBHOOK_PATH.exec(url.pathname)
  if (!match || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new Error('expected a Discord webhook URL like https://discord.com/api/webhooks/{id}/{token}')
  }
  url.pathname = `/api/v10/webhooks/${match[1]}/${match[2]}`
  url.searchParams.set('wait', 'true')
  return url
}

/** The webhook URL without its token, for logs and the health endpoint. */
export function redactWebhookUrl (webhookUrl: string): string {
  try {
    const url = new URL(webhookUrl)
    url.pathname = url.pathname.replace(/(\/webhooks\/\d+\/).+$/, '$1***')
    url.search = ''
    return url.toString()
  } catch {
    return '(invalid URL)'
  }
}
