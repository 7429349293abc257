import { createHash, randomBytes } from 'node:crypto'

/** Files of the kinds evidence comes in, made here so the tests need no binary fixtures. */
export const pngBytes = (salt = randomBytes(8)) =>
  Buffer.concat([
    Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'),
    // A private ancillary chunk, so each call's file has bytes (and a hash) of its own.
    Buffer.from('0000000874455874', 'hex'),
    salt,
    Buffer.from('000000000d4944415478da63f8ffff3f0005fe02fea7d6a4a30000000049454e44ae426082', 'hex'),
  ])

export const pdfBytes = (size = 4096, fill = randomBytes(16)) => {
  const head = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')
  const body = Buffer.alloc(Math.max(0, size - head.length), fill)
  return Buffer.concat([head, body])
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

/** A multipart/form-data body with one file part. */
export function multipartBody(fieldName: string, fileName: string, contentType: string, bytes: Buffer) {
  const boundary = `----djf${randomBytes(8).toString('hex')}`
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${fieldName}"; filename="${fileName}"\r\nContent-Type: ${contentType}\r\n\r\n`,
  )
  return { body: Buffer.concat([head, bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]), contentType: `multipart/form-data; boundary=${boundary}` }
}
