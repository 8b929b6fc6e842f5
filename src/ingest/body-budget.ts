import { Readable, Transform } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { serviceUnavailable } from '../problem.js'

/** Bodies this small with a Content-Length are booked whole up front: no stream per request on the hot path. */
const BOOK_WHOLE_BELOW = 64 * 1024

type Payload = Readable & { receivedEncodedLength?: number }

/**
 * The bytes all request bodies in flight may hold at once (INFLIGHT_BODY_LIMIT), counted after
 * decompression: a few kilobytes of stalled gzip can otherwise pin megabytes each. A body that
 * would take the total past it is answered 503 + Retry-After and nothing from it is stored.
 * A request's bytes are given back when its response ends or its connection closes.
 */
export class BodyBudget {
  private held = 0

  constructor (readonly limit: number) {}

  get bytesHeld (): number {
    return this.held
  }

  /** Fastify's preParsing hook; must run after the decompressor's (a route-level hook does). */
  readonly preParsing = (request: FastifyRequest, reply: FastifyReply, payload: Payload, done: (err: Error | null, payload?: Payload) => void): void => {
    let mine = 0
    const take = (bytes: number): boolean => {
      if (this.held + bytes > this.limit) return false
      this.held += bytes
      mine += bytes
      return true
    }
    reply.raw.once('close', () => {
      this.held -= mine
      mine = 0
    })
    const full = () => serviceUnavailable('Too many request bodies are in flight; nothing was stored', 1)

    const length = Number(request.headers['content-length'])
    if (payload === (request.raw as Readable) && Number.isSafeInteger(length) && length < BOOK_WHOLE_BELOW) {
      done(take(length) ? null : full(), payload)
      return
    }
    const counter: Transform & Payload = new Transform({
      transform (chunk: Buffer, _encoding, callback) {
        if (take(chunk.length)) callback(null, chunk)
        else callback(full())
      }
    })
    // Fastify compares the bytes received on the wire with Content-Length and BODY_LIMIT.
    Object.defineProperty(counter, 'receivedEncodedLength', { get: () => payload.receivedEncodedLength })
    // pipe(), not pipeline(): refusing the body must not destroy the request, or the 503 is never sent.
    payload.on('error', (err) => counter.destroy(err))
    payload.pipe(counter)
    done(null, counter)
  }
}
