import { Stream, type Readable } from 'node:stream'
import multipart from '@fastify/multipart'
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { AppDeps } from '../../app.js'
import type { ProjectFileRow } from '../../db/tables/file.js'
import { assertCanSee } from '../../domain/access.js'
import {
  assertAssessorUploading,
  evidenceFileName,
  getProjectFile,
  holdReceivedFile,
  listProjectFiles,
  projectFileUsage,
  removeProjectFile,
  type ProjectFileView,
} from '../../domain/project-files.js'
import { getProject } from '../../domain/projects.js'
import { Refusal } from '../../errors.js'
import { acceptedTypeList } from '../../files/accepted-types.js'
import { receiveUpload, tooLarge } from '../../files/receive-upload.js'
import { fileHash } from '../../../machines/shared/events.js'
import { principalOf, projectReaders } from '../auth.js'
import { idParams } from '../schemas.js'

/**
 * Evidence files of a project (docs/files.md): uploaded streamed, typed by their bytes, stored
 * once per SHA-256, read back under the project's access rules, kept for good once its history
 * names them.
 */
const projectFile = z
  .object({
    sha256: fileHash,
    name: z.string().describe('the name it was uploaded with'),
    size: z.number().int(),
    contentType: z.string().describe('detected from the bytes at upload'),
    uploadedBy: z.string(),
    uploadedAt: z.string(),
    referencedBy: z.array(z.number().int()).describe('versions of the history naming it as evidence: while there is one it can never be removed'),
    href: z.string().describe('where its bytes are read (GET)'),
  })
  .meta({ id: 'ProjectFile' })

const fileParams = idParams.extend({ sha256: fileHash })

/** Who may upload: those who send events that carry files (ledger, summary, publicity; assessments). */
const uploaders = { roles: ['admin', 'organization', 'assessor', 'system'], scope: 'projects:write' } as const

const viewOf = (file: ProjectFileRow | ProjectFileView) => ({
  sha256: file.sha256,
  name: file.name,
  size: Number(file.size),
  contentType: file.content_type,
  uploadedBy: file.uploaded_by,
  uploadedAt: file.uploaded_at.toISOString(),
  referencedBy: 'referencedBy' in file ? file.referencedBy : [],
  href: `/api/v1/projects/${file.project_id}/files/${file.sha256}`,
})

/** `attachment; filename="…"` with an ASCII stand-in and the real name in RFC 5987 form. */
function contentDisposition(name: string, inline: boolean): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

/** The upload's bytes and name: one multipart part named `file`, or the raw body with `?name=`. */
async function uploadedBody(request: FastifyRequest, maxFileBytes: number): Promise<{ stream: Readable; name: string | undefined }> {
  if (request.isMultipart()) {
    const missing = () => new Refusal(400, 'FILE_MISSING', 'send the file as the form’s one part, named "file" and with a filename')
    const part = await request.file({ limits: { fileSize: maxFileBytes, files: 1, fields: 0, parts: 1 } }).catch((error: Error & { code?: string }) => {
      // A text field, or a part without a filename, where the file should be.
      if (error.code === 'FST_FIELDS_LIMIT' || error.code === 'FST_PARTS_LIMIT') throw missing()
      throw new Refusal(400, 'UPLOAD_INCOMPLETE', `the multipart form could not be read: ${error.message}`)
    })
    if (!part || part.fieldname !== 'file') throw missing()
    // Refused the moment the part passes the limit, not once the rest of the body has arrived.
    part.file.once('limit', () => part.file.destroy(tooLarge(maxFileBytes)))
    return { stream: whileConnected(request, part.file), name: part.filename }
  }
  if (!(request.body instanceof Stream)) {
    throw new Refusal(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the file as multipart/form-data (a part named "file") or as application/octet-stream')
  }
  return { stream: whileConnected(request, request.body as Readable), name: (request.query as { name?: string }).name }
}

/**
 * The upload's stream, ended with an error if the connection closes before the whole body came:
 * a body whose client has hung up does not always say so (Node keeps the half-closed socket open for
 * the answer), and would wait for bytes that never come until the request times out.
 */
function whileConnected(request: FastifyRequest, stream: Readable): Readable {
  const gone = () => {
    if (!request.raw.complete) stream.destroy(new Error('the connection closed before the whole body arrived'))
  }
  const socket = request.raw.socket
  if (socket.destroyed || socket.readableEnded) gone()
  else {
    // 'end': the client is done sending (the server keeps a half-closed socket open for its answer).
    socket.once('end', gone)
    socket.once('close', gone)
    stream.once('close', () => {
      socket.off('end', gone)
      socket.off('close', gone)
    })
  }
  return stream
}

const uploadDocument = {
  'multipart/form-data': {
    schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary', description: 'one file; its filename is kept' } } },
  },
  'application/octet-stream': { schema: { type: 'string', format: 'binary', description: 'the file’s bytes; its name in ?name=' } },
}

export const projectFileRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  const { limits } = deps.files
  await app.register(multipart, { throwFileSizeLimit: false })
  // The raw body is streamed to the store as it arrives, never collected: the upload's own limits apply
  // (receive-upload.ts), while a JSON body sent here keeps the service's BODY_LIMIT.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload))

  app.post(
    '/projects/:id/files',
    {
      config: { access: uploaders, idempotency: false, documented: { requestBody: uploadDocument } },
      schema: {
        operationId: 'uploadProjectFile',
        tags: ['projects'],
        summary: `Upload an evidence file to the project (multipart part "file", or the raw body with ?name=); stored once per SHA-256, typed by its bytes: ${acceptedTypeList.length} kinds of images, PDF, Office and WPS documents`,
        params: idParams,
        querystring: z.object({ name: z.string().max(255).optional().describe('the file’s name, for a raw body') }),
        response: { 200: projectFile.describe('the project held these bytes already'), 201: projectFile },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request)
      const project = await getProject(deps.db, request.params.id)
      assertCanSee(principal, project)
      if (principal.role === 'assessor') await assertAssessorUploading(deps.db, principal.name, project)
      const usage = await projectFileUsage(deps.db, project.id)
      const { stream, name } = await uploadedBody(request, limits.maxFileBytes)
      const named = evidenceFileName(name)
      const received = await receiveUpload(stream, named, deps.files.store, {
        maxFileBytes: limits.maxFileBytes,
        remainingQuotaBytes: limits.projectQuotaBytes - usage.bytes,
      })
      const { file, created } = await holdReceivedFile(deps.db, deps.files.store, received, { projectId: project.id, name: named, uploadedBy: principal.name, at: deps.clock.now() }, limits)
      const view = viewOf(file)
      return reply.code(created ? 201 : 200).header('location', view.href).send(view)
    },
  )

  app.get(
    '/projects/:id/files',
    {
      config: { access: projectReaders },
      schema: {
        operationId: 'listProjectFiles',
        tags: ['projects'],
        summary: 'The evidence files a project holds, oldest first, with what they take of its quota',
        params: idParams,
        response: {
          200: z.object({
            items: z.array(projectFile),
            usage: z.object({ bytes: z.number().int(), files: z.number().int(), quotaBytes: z.number().int(), maxFiles: z.number().int(), maxFileBytes: z.number().int() }),
          }),
        },
      },
    },
    async (request) => {
      const project = await getProject(deps.db, request.params.id)
      assertCanSee(principalOf(request), project)
      const [items, usage] = [await listProjectFiles(deps.db, project.id), await projectFileUsage(deps.db, project.id)]
      return {
        items: items.map(viewOf),
        usage: { ...usage, quotaBytes: limits.projectQuotaBytes, maxFiles: limits.maxFilesPerProject, maxFileBytes: limits.maxFileBytes },
      }
    },
  )

  app.get(
    '/projects/:id/files/:sha256',
    {
      config: { access: projectReaders, documented: { binaryAnswer: 'the file’s bytes, with its detected Content-Type and Content-Disposition: attachment' } },
      schema: {
        operationId: 'getProjectFile',
        tags: ['projects'],
        summary: 'An evidence file’s bytes (Content-Disposition: attachment; ?disposition=inline for images and PDF)',
        params: fileParams,
        querystring: z.object({ disposition: z.enum(['attachment', 'inline']).optional() }),
        response: { 200: z.unknown().describe('the file’s bytes') },
      },
    },
    async (request, reply) => {
      const project = await getProject(deps.db, request.params.id)
      assertCanSee(principalOf(request), project)
      const { file, stored } = await getProjectFile(deps.db, project.id, request.params.sha256)
      const store = deps.files.stores[stored.storage]
      if (!store) throw new Refusal(503, 'DATABASE_UNAVAILABLE', `this process cannot read the ${stored.storage} file store`)
      // The project's own file's type: the legacy Office/WPS container is typed by the name each project gave it.
      const viewable = /^image\/|^application\/pdf$/.test(file.content_type)
      return reply
        .header('content-type', file.content_type)
        .header('content-length', String(stored.size))
        .header('content-disposition', contentDisposition(file.name, viewable && request.query.disposition === 'inline'))
        .header('x-content-type-options', 'nosniff')
        // Opened in a browser tab, a file runs nothing and loads nothing.
        .header('content-security-policy', "default-src 'none'; img-src 'self'; plugin-types application/pdf; sandbox")
        .header('etag', `"${stored.sha256}"`)
        .header('cache-control', 'private, max-age=31536000, immutable')
        .send(store.read(deps.db, stored))
    },
  )

  app.delete(
    '/projects/:id/files/:sha256',
    {
      config: { access: { roles: ['admin', 'organization', 'system'], scope: 'projects:write' } },
      schema: {
        operationId: 'deleteProjectFile',
        tags: ['projects'],
        summary: 'Take a file off the project, only while its history names it nowhere (409 FILE_REFERENCED once it does)',
        params: fileParams,
        response: { 204: z.null().describe('removed') },
      },
    },
    async (request, reply) => {
      const project = await getProject(deps.db, request.params.id)
      assertCanSee(principalOf(request), project)
      await removeProjectFile(deps.db, deps.files.stores, project.id, request.params.sha256)
      return reply.code(204).send(null)
    },
  )
}
