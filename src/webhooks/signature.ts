import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Webhook signatures: HMAC-SHA256 with the webhook's secret over `${timestamp}.${body}`, sent as
 *   X-DJF-Timestamp: 1767225600
 *   X-DJF-Signature: v1=5d41402abc4b2a76b9719d911017c592…
 * A receiver recomputes it over the raw body, compares in constant time, and rejects old
 * timestamps so a captured delivery cannot be replayed later.
 */
export function sign(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`
}

export function verify(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceSeconds = 300,
): boolean {
  const timestamp = Number(headers.timestamp)
  if (!Number.isInteger(timestamp) || !headers.signature) return false
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false
  const expected = Buffer.from(sign(secret, timestamp, body))
  const given = Buffer.from(headers.signature)
  return expected.length === given.length && timingSafeEqual(expected, given)
}
