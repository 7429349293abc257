import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { LookupFunction } from 'node:net'

/**
 * One delivery attempt: a POST to the URL, connecting only where `lookup` says (the checked
 * addresses), never following a redirect (a 3xx is the receiver's answer, a failure), with a
 * time limit for the whole exchange. The receiver's body is read and thrown away.
 */
export function postJson(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; lookup: LookupFunction },
): Promise<{ statusCode: number }> {
  const target = new URL(url)
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const request = send(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: options.lookup,
        // No connection reuse: every attempt's address is checked afresh.
        agent: false,
        signal: AbortSignal.timeout(options.timeoutMs),
      },
      (response: IncomingMessage) => {
        response.on('data', () => {})
        response.on('end', () => resolve({ statusCode: response.statusCode ?? 0 }))
        response.on('error', reject)
      },
    )
    request.on('error', (error) => reject(error.name === 'AbortError' ? Object.assign(new Error(`timed out after ${options.timeoutMs} ms`), { name: 'TimeoutError' }) : error))
    request.end(body)
  })
}
