/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/watchdog/messages.test.ts > TAP > degraded: the JSON posted to the webhook > degraded 1`] = `
Object {
  "allowed_mentions": Object {
    "parse": Array [],
  },
  "content": "🟠 DEGRADED: api",
  "embeds": Array [
    Object {
      "color": 16224265,
      "description": "1 of 3 targets of **api** are failing or degraded; the service still answers.",
      "fields": Array [
        Object {
          "name": "api-2: DOWN",
          "value": String(
            http://iot-sensors-api-2:3000/ready
            Error: connect ECONNREFUSED 172.18.0.5:3000
            Failed checks: 3
          ),
        },
        Object {
          "inline": true,
          "name": "Since",
          "value": "<t:1795442530:R> (2026-11-23T14:02:10.000Z)",
        },
        Object {
          "inline": true,
          "name": "Failed checks",
          "value": "3",
        },
      ],
      "footer": Object {
        "text": "incident api#1795442530000",
      },
      "timestamp": "2026-11-23T14:02:30.000Z",
      "title": "🟠 DEGRADED: api",
    },
  ],
  "username": "iot-sensors watchdog",
}
`

exports[`test/watchdog/messages.test.ts > TAP > down: the JSON posted to the webhook > down 1`] = `
Object {
  "allowed_mentions": Object {
    "parse": Array [],
    "roles": Array [
      "123456789012345678",
    ],
  },
  "content": "<@&123456789012345678> 🔴 DOWN: traefik",
  "embeds": Array [
    Object {
      "color": 14232864,
      "description": "**traefik** is down.",
      "fields": Array [
        Object {
          "name": "traefik: DOWN",
          "value": String(
            http://traefik:80/ready
            Error: timeout: no answer within 3000 ms
          ),
        },
        Object {
          "inline": true,
          "name": "Since",
          "value": "<t:1795442530:R> (2026-11-23T14:02:10.000Z)",
        },
        Object {
          "inline": true,
          "name": "Failed checks",
          "value": "3",
        },
      ],
      "footer": Object {
        "text": "incident traefik#1795442530000",
      },
      "timestamp": "2026-11-23T14:02:30.000Z",
      "title": "🔴 DOWN: traefik",
    },
  ],
  "username": "iot-sensors watchdog",
}
`

exports[`test/watchdog/messages.test.ts > TAP > flapping: the JSON posted to the webhook > flapping 1`] = `
Object {
  "allowed_mentions": Object {
    "parse": Array [],
  },
  "content": "🟠 FLAPPING: api",
  "embeds": Array [
    Object {
      "color": 16224265,
      "description": "**api** keeps switching between up and down. Single flips are not reported; one more message follows when it is stable.",
      "fields": Array [
        Object {
          "name": "api-2: FLAPPING",
          "value": String(
            http://iot-sensors-api-2:3000/ready
            Error: HTTP 502: Bad Gateway
            Failed checks: 9
          ),
        },
        Object {
          "inline": true,
          "name": "Since",
          "value": "<t:1795442530:R> (2026-11-23T14:02:10.000Z)",
        },
        Object {
          "inline": true,
          "name": "Failed checks",
          "value": "9",
        },
      ],
      "footer": Object {
        "text": "incident api#1795442530000",
      },
      "timestamp": "2026-11-23T14:04:40.000Z",
      "title": "🟠 FLAPPING: api",
    },
  ],
  "username": "iot-sensors watchdog",
}
`

exports[`test/watchdog/messages.test.ts > TAP > reminder: the JSON posted to the webhook > reminder 1`] = `
Object {
  "allowed_mentions": Object {
    "parse": Array [],
  },
  "content": "🔴 STILL DOWN: traefik (15m 20s)",
  "embeds": Array [
    Object {
      "color": 14232864,
      "description": "**traefik** has been down for 15m 20s (reminder 1).",
      "fields": Array [
        Object {
          "name": "traefik: DOWN",
          "value": String(
            http://traefik:80/ready
            Error: timeout: no answer within 3000 ms
          ),
        },
        Object {
          "inline": true,
          "name": "Since",
          "value": "<t:1795442530:R> (2026-11-23T14:02:10.000Z)",
        },
        Object {
          "inline": true,
          "name": "Down for",
          "value": "15m 20s",
        },
        Object {
          "inline": true,
          "name": "Failed checks",
          "value": "93",
        },
      ],
      "footer": Object {
        "text": "incident traefik#1795442530000",
      },
      "timestamp": "2026-11-23T14:17:30.000Z",
      "title": "🔴 STILL DOWN: traefik (15m 20s)",
    },
  ],
  "username": "iot-sensors watchdog",
}
`

exports[`test/watchdog/messages.test.ts > TAP > resolved: the JSON posted to the webhook > resolved 1`] = `
Object {
  "allowed_mentions": Object {
    "parse": Array [],
  },
  "content": "🟢 RESOLVED: traefik after 21m 30s",
  "embeds": Array [
    Object {
      "color": 1226602,
      "description": "**traefik** is back up after 21m 30s.",
      "fields": Array [
        Object {
          "name": "traefik: UP",
          "value": "http://traefik:80/ready",
        },
        Object {
          "inline": true,
          "name": "Down from",
          "value": "<t:1795442530:R> (2026-11-23T14:02:10.000Z)",
        },
        Object {
          "inline": true,
          "name": "Back up at",
          "value": "<t:1795443820:R> (2026-11-23T14:23:40.000Z)",
        },
        Object {
          "inline": true,
          "name": "Lasted",
          "value": "21m 30s",
        },
        Object {
          "inline": true,
          "name": "Failed checks",
          "value": "127",
        },
      ],
      "footer": Object {
        "text": "incident traefik#1795442530000",
      },
      "timestamp": "2026-11-23T14:23:40.000Z",
      "title": "🟢 RESOLVED: traefik after 21m 30s",
    },
  ],
  "username": "iot-sensors watchdog",
}
`

exports[`test/watchdog/messages.test.ts > TAP > root cause: the JSON posted to the webhook > root cause 1`] = `
Object {
  "allowed_mentions": Object {
    "parse": Array [],
    "roles": Array [
      "123456789012345678",
    ],
  },
  "content": "<@&123456789012345678> 🔴 DOWN: postgres (root cause: 4 targets affected)",
  "embeds": Array [
    Object {
      "color": 14232864,
      "description": String(
        **postgres** is down.
        
        **Root cause**: these targets fail only because **postgres** is down; they get no alarm of their own:
        • **api-1** http://iot-sensors-api-1:3000/ready — HTTP 503: postgres:connection: connect ECONNREFUSED 172.18.0.2:5432
        • **api-2** http://iot-sensors-api-2:3000/ready — HTTP 503: postgres:connection: connect ECONNREFUSED 172.18.0.2:5432
        • **api-3** http://iot-sensors-api-3:3000/ready — HTTP 503: postgres:connection: connect ECONNREFUSED 172.18.0.2:5432
        • **traefik** http://traefik:80/ready — HTTP 503: postgres:connection: connect ECONNREFUSED 172.18.0.2:5432
      ),
      "fields": Array [
        Object {
          "name": "postgres: DOWN",
          "value": String(
            postgres://watchdog:***@postgres:5432/iot
            Error: connect ECONNREFUSED 172.18.0.2:5432
          ),
        },
        Object {
          "inline": true,
          "name": "Since",
          "value": "<t:1795442530:R> (2026-11-23T14:02:10.000Z)",
        },
        Object {
          "inline": true,
          "name": "Failed checks",
          "value": "3",
        },
      ],
      "footer": Object {
        "text": "incident postgres#1795442530000",
      },
      "timestamp": "2026-11-23T14:02:30.000Z",
      "title": "🔴 DOWN: postgres (root cause: 4 targets affected)",
    },
  ],
  "username": "iot-sensors watchdog",
}
`

exports[`test/watchdog/messages.test.ts > TAP > started: the JSON posted to the webhook > started 1`] = `
Object {
  "allowed_mentions": Object {
    "parse": Array [],
  },
  "content": "🔵 Watchdog started",
  "embeds": Array [
    Object {
      "color": 3051770,
      "description": "Watching 5 targets: **postgres**, **api** (api-1, api-2, api-3), **traefik**. No open incidents.",
      "fields": Array [],
      "footer": Object {
        "text": "iot-sensors watchdog",
      },
      "timestamp": "2026-11-23T14:02:10.000Z",
      "title": "🔵 Watchdog started",
    },
  ],
  "username": "iot-sensors watchdog",
}
`

exports[`test/watchdog/messages.test.ts > TAP > two incidents coalesced: the JSON posted to the webhook > two incidents coalesced 1`] = `
Object {
  "allowed_mentions": Object {
    "parse": Array [],
    "roles": Array [
      "123456789012345678",
    ],
  },
  "content": String(
    <@&123456789012345678> 🔴 DOWN: traefik
    🟠 DEGRADED: api
  ),
  "embeds": Array [
    Object {
      "color": 14232864,
      "description": "**traefik** is down.",
      "fields": Array [
        Object {
          "name": "traefik: DOWN",
          "value": String(
            http://traefik:80/ready
            Error: timeout: no answer within 3000 ms
          ),
        },
        Object {
          "inline": true,
          "name": "Since",
          "value": "<t:1795442530:R> (2026-11-23T14:02:10.000Z)",
        },
        Object {
          "inline": true,
          "name": "Failed checks",
          "value": "3",
        },
      ],
      "footer": Object {
        "text": "incident traefik#1795442530000",
      },
      "timestamp": "2026-11-23T14:02:30.000Z",
      "title": "🔴 DOWN: traefik",
    },
    Object {
      "color": 16224265,
      "description": "1 of 3 targets of **api** are failing or degraded; the service still answers.",
      "fields": Array [
        Object {
          "name": "api-2: DOWN",
          "value": String(
            http://iot-sensors-api-2:3000/ready
            Error: connect ECONNREFUSED 172.18.0.5:3000
            Failed checks: 3
          ),
        },
        Object {
          "inline": true,
          "name": "Since",
          "value": "<t:1795442530:R> (2026-11-23T14:02:10.000Z)",
        },
        Object {
          "inline": true,
          "name": "Failed checks",
          "value": "3",
        },
      ],
      "footer": Object {
        "text": "incident api#1795442530000",
      },
      "timestamp": "2026-11-23T14:02:31.000Z",
      "title": "🟠 DEGRADED: api",
    },
  ],
  "username": "iot-sensors watchdog",
}
`
