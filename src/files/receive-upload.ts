import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import { Refusal } from '../errors.js'
import { CHUNK_BYTES } from './database-store.js'
import { acceptedTypeList, detectContentType, DETECTION_BYTES } from './accepted-types.js'
import type { FileStore, StagedUpload } from './file-store.js'

export interface ReceivedFile {
  sha256: string
  size: number
  contentType: string
  /** Null when the file passed the project's quota: read to its end and hashed, but nothing kept. */
  staged: StagedUpload | null
}

export interface UploadLimits {
  /** The largest file taken. */
  maxFileBytes: number
  /** What the project may still hold; the upload is refused as soon as it passes this. */
  remainingQuotaBytes: number
}

export const tooLarge = (maxFileBytes: number) =>
  new Refusal(413, 'FILE_TOO_LARGE', `a file may be at most ${maxFileBytes} bytes`, { maxFileBytes })
export const overQuota = (remainingQuotaBytes: number) =>
  new Refusal(413, 'FILE_QUOTA_EXCEEDED', `the project may hold ${Math.max(0, remainingQuotaBytes)} more bytes of files`, { remainingBytes: Math.max(0, remainingQuotaBytes) })

/**
 * Streams an upload into the store: the type read from its first bytes, the hash and size counted
 * as the bytes pass, at most one chunk held at a time. A refusal or a broken stream (the client
 * went away mid-body) discards everything staged, so nothing of a failed upload stays. A file
 * passing the project's quota is discarded at once and only hashed on to its end: it may be one
 * the project holds already (a retry), which is then the answer instead of a refusal.
 */
export async function receiveUpload(body: Readable, name: string, store: FileStore, limits: UploadLimits): Promise<ReceivedFile> {
  const hash = createHash('sha256')
  let size = 0
  let pending: Buffer[] = []
  let pendingBytes = 0
  let contentType: string | undefined
  let staged: StagedUpload | undefined
  // Whether a failure is the store's (the database gone: its own answer) or the body's.
  let storing = false
  let pastQuota = false

  const detect = async () => {
    const head = Buffer.concat(pending, pendingBytes).subarray(0, DETECTION_BYTES)
    const detection = await detectContentType(head, name)
    if (!detection.accepted) {
      throw new Refusal(415, 'FILE_TYPE_REFUSED', `this file is not a kind of evidence the service takes (${detection.detected ?? 'not recognised'})`, {
        detected: detection.detected,
        accepted: acceptedTypeList,
      })
    }
    contentType = detection.contentType
    if (pastQuota) return
    storing = true
    staged = await store.begin()
    storing = false
  }
  const flush = async () => {
    if (pendingBytes === 0) return
    const chunk = Buffer.concat(pending, pendingBytes)
    pending = []
    pendingBytes = 0
    if (!staged) return
    storing = true
    await staged.write(chunk)
    storing = false
  }

  try {
    for await (const piece of body as AsyncIterable<Buffer>) {
      size += piece.length
      if (size > limits.maxFileBytes) throw tooLarge(limits.maxFileBytes)
      if (!pastQuota && size > limits.remainingQuotaBytes) {
        pastQuota = true
        storing = true
        await staged?.discard()
        storing = false
        staged = undefined
      }
      hash.update(piece)
      pending.push(piece)
      pendingBytes += piece.length
      if (!contentType && pendingBytes >= DETECTION_BYTES) await detect()
      if (contentType && pendingBytes >= CHUNK_BYTES) await flush()
      // Counted, not kept: held no longer than detection needs.
      if (pastQuota && contentType) {
        pending = []
        pendingBytes = 0
      }
    }
    // A multipart part cut at its limit (the per-file one) ends without an error: busboy marks it instead.
    if ((body as { truncated?: boolean }).truncated) throw tooLarge(limits.maxFileBytes)
    if (size === 0) throw new Refusal(400, 'FILE_MISSING', 'the file is empty')
    if (!contentType) await detect()
    await flush()
    return { sha256: hash.digest('hex'), size, contentType: contentType!, staged: staged ?? null }
  } catch (error) {
    // What cannot be discarded now (the database gone) the abandoned-upload sweep removes later.
    await staged?.discard().catch(() => undefined)
    if (error instanceof Refusal || storing) throw error
    // The body stopped before its end (the connection closed, the form was cut short).
    throw new Refusal(400, 'UPLOAD_INCOMPLETE', 'the upload ended before the whole file arrived; nothing was stored', {
      received: size,
    })
  }
}
