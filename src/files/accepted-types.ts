import { fileTypeFromBuffer } from 'file-type'

/**
 * The kinds of evidence a ledger holds (docs/files.md): photos, scans and PDFs, Office and WPS
 * documents. The type is read from the bytes (file-type), never from what the client says; the
 * name's extension only tells apart the legacy Office/WPS formats, which share one container
 * (OLE compound files) the bytes cannot distinguish — and it must agree with the bytes.
 */
const detectedTypes = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/heic',
  'image/heif',
  'image/tiff',
  'image/bmp',
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
])

/** Legacy Office and WPS documents: one container, told apart by the name the uploader gave. */
const compoundDocuments: Record<string, string> = {
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
  wps: 'application/vnd.ms-works',
  et: 'application/vnd.ms-excel',
  dps: 'application/vnd.ms-powerpoint',
}

/** What an outside reader of the API is told is accepted. */
export const acceptedTypeList: readonly string[] = Object.freeze([
  ...detectedTypes,
  ...new Set(Object.values(compoundDocuments)),
])

/** How many leading bytes detection reads: enough for an Office document's first zip entries. */
export const DETECTION_BYTES = 64 * 1024

export type Detection = { accepted: true; contentType: string } | { accepted: false; detected: string | null }

/** The content type of a file from its first bytes (up to DETECTION_BYTES), and whether it is evidence this service takes. */
export async function detectContentType(head: Uint8Array, name: string): Promise<Detection> {
  const found = await fileTypeFromBuffer(head)
  if (!found) return { accepted: false, detected: null }
  if (detectedTypes.has(found.mime)) return { accepted: true, contentType: found.mime }
  if (found.mime === 'application/x-cfb') {
    const extension = /\.([a-z]+)$/i.exec(name)?.[1]?.toLowerCase() ?? ''
    const type = compoundDocuments[extension]
    if (type) return { accepted: true, contentType: type }
  }
  return { accepted: false, detected: found.mime }
}
