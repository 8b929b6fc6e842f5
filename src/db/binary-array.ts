// PostgreSQL arrays in the binary wire format (array_send/array_recv), for query parameters: pg
// sends a Buffer parameter as binary. PostgreSQL then reads each element as fixed-width bytes
// instead of parsing text, which for timestamps means no date parser at all.

const OID = { int4: 23, int8: 20, float8: 701, timestamptz: 1184 } as const
const TWO_32 = 2 ** 32
/** 2000-01-01T00:00:00Z, where PostgreSQL's binary timestamps count from, in epoch milliseconds. */
const POSTGRES_EPOCH_MS = 946_684_800_000

/** An instant as the parser keeps it: epoch milliseconds (floor) and microseconds past them. */
export interface Instant {
  epochMs: number
  microsInMs: number
}

/** A one-dimensional array of n elements of `size` bytes, elements written by `write` at each offset. */
function binaryArray (oid: number, n: number, size: number, write: (view: DataView, offset: number, i: number) => void): Buffer {
  const header = n === 0 ? 12 : 20
  const buffer = Buffer.allocUnsafe(header + n * (4 + size))
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  view.setInt32(0, n === 0 ? 0 : 1) // dimensions
  view.setInt32(4, 0) // no NULLs
  view.setUint32(8, oid)
  if (n > 0) {
    view.setInt32(12, n)
    view.setInt32(16, 1) // lower bound
  }
  for (let i = 0, offset = header; i < n; i++, offset += 4 + size) {
    view.setInt32(offset, size)
    write(view, offset + 4, i)
  }
  return buffer
}

/** Writes an integer of up to 53 bits as a big-endian int64. */
function setInt64 (view: DataView, offset: number, value: number): void {
  const high = Math.floor(value / TWO_32)
  view.setInt32(offset, high)
  view.setUint32(offset + 4, value - high * TWO_32)
}

export const int4Array = (values: readonly number[]): Buffer =>
  binaryArray(OID.int4, values.length, 4, (view, offset, i) => view.setInt32(offset, values[i]!))

export const int8Array = (values: readonly number[]): Buffer =>
  binaryArray(OID.int8, values.length, 8, (view, offset, i) => setInt64(view, offset, values[i]!))

export const float8Array = (values: readonly number[]): Buffer =>
  binaryArray(OID.float8, values.length, 8, (view, offset, i) => view.setFloat64(offset, values[i]!))

/**
 * timestamptz[] from instants, exact to the microsecond over the years 0001 to 9999: the int64 of
 * microseconds since 2000 can exceed 2^53, so it is built from 32-bit halves (no BigInt per reading).
 */
export const timestamptzArray = (instants: readonly Instant[]): Buffer =>
  binaryArray(OID.timestamptz, instants.length, 8, (view, offset, i) => {
    const { epochMs, microsInMs } = instants[i]!
    const ms = epochMs - POSTGRES_EPOCH_MS
    const msHigh = Math.floor(ms / TWO_32)
    const low = (ms - msHigh * TWO_32) * 1000 + microsInMs // below 2^42
    const carry = Math.floor(low / TWO_32)
    view.setInt32(offset, msHigh * 1000 + carry)
    view.setUint32(offset + 4, low - carry * TWO_32)
  })
