import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPrincipal } from '../../src/domain/principals.js'
import { removeAbandonedUploads } from '../../src/domain/project-files.js'
import type { EvidenceFiles } from '../../src/files/file-store.js'
import { createTestApp } from '../support/app.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'
import { multipartBody, pdfBytes, pngBytes, sha256 } from '../support/evidence-bytes.js'
import { pathTo } from '../support/fixtures.js'
import { client } from '../support/http.js'
import { seedProgramme } from '../support/programme.js'

const limits = { maxFileBytes: 256 * 1024, projectQuotaBytes: 600 * 1024, maxFilesPerProject: 50 }

/**
 * Evidence files (docs/files.md), on each database and with each store: what an uploader, a
 * reader of another organization and a careless or hostile client can do, and what is left in the
 * database after each refusal — nothing.
 */
describe.each(databaseKinds.flatMap((kind) => (['database', 'filesystem'] as const).map((storage) => [kind, storage] as const)))('evidence files on %s, %s store', (kind, storage) => {
  let database: TestDatabase
  let app: FastifyInstance
  let files: EvidenceFiles
  let folder: string
  /** Where the app listens, for the tests that need a real socket. */
  let address: string
  let api: ReturnType<typeof client>
  let orgA: string
  let orgB: string
  let projectA: string
  let projectA2: string
  let projectB: string
  const tokens = {} as Record<'orgA' | 'orgB' | 'reviewer' | 'assessor' | 'sysRead', string>

  const upload = (projectId: string, bytes: Buffer, options: { name?: string; type?: string; token?: string; raw?: boolean } = {}) => {
    const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {}
    if (options.raw) {
      return app.inject({
        method: 'POST',
        url: `/api/v1/projects/${projectId}/files?name=${encodeURIComponent(options.name ?? 'raw.bin')}`,
        payload: bytes,
        headers: { ...headers, 'content-type': 'application/octet-stream' },
      })
    }
    const form = multipartBody('file', options.name ?? 'evidence.png', options.type ?? 'image/png', bytes)
    return app.inject({ method: 'POST', url: `/api/v1/projects/${projectId}/files`, payload: form.body, headers: { ...headers, 'content-type': form.contentType } })
  }

  /** What the stores hold: rows, chunks, and the folder's files. */
  const footprint = async () => {
    const count = async (table: 'stored_file' | 'file_chunk' | 'project_file' | 'file_reference') =>
      Number((await database.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
    const folderFiles = (sub: string) => {
      try {
        return readdirSync(join(folder, sub), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length
      } catch {
        return 0
      }
    }
    return {
      stored: await count('stored_file'),
      chunks: await count('file_chunk'),
      held: await count('project_file'),
      references: await count('file_reference'),
      staging: folderFiles('staging'),
      kept: folderFiles('sha256'),
    }
  }

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'djf-files-'))
    database = await openTestDatabase(kind)
    await seedProgramme(database.db, [2026])
    const service = await createTestApp(database, { files: { storage, directory: folder, limits } })
    app = service.app
    files = service.files
    api = client(app)
    address = await app.listen({ port: 0, host: '127.0.0.1' })
    orgA = await api.organization('证据村党支部')
    orgB = await api.organization('别村党支部')
    projectA = await api.project('innovation', orgA, 2026, pathTo.implementing)
    projectA2 = await api.project('innovation', orgA, 2026, pathTo.implementing)
    projectB = await api.project('innovation', orgB, 2026, pathTo.implementing)
    const now = new Date('2026-01-01T00:00:00Z')
    tokens.orgA = (await createPrincipal(database.db, { name: '证据村', role: 'organization', organizationId: orgA }, 'test', now)).token
    tokens.orgB = (await createPrincipal(database.db, { name: '别村', role: 'organization', organizationId: orgB }, 'test', now)).token
    tokens.reviewer = (await createPrincipal(database.db, { name: '评审员甲', role: 'reviewer' }, 'test', now)).token
    tokens.assessor = (await createPrincipal(database.db, { name: '验收员甲', role: 'assessor' }, 'test', now)).token
    tokens.sysRead = (await createPrincipal(database.db, { name: '只读系统', role: 'system', scopes: ['projects:read'] }, 'test', now)).token
  })
  afterAll(async () => {
    // The raw sockets' connections (some left mid-request on purpose) do not hold the close up.
    app?.server.closeAllConnections()
    await app?.close()
    await database?.drop()
    rmSync(folder, { recursive: true, force: true })
  })

  it('takes a photo as multipart, types it by its bytes, and serves it back as an attachment that is never sniffed', async () => {
    const bytes = pngBytes()
    // The client says HTML: the bytes say PNG, and PNG is what is kept and served.
    const response = await upload(projectA, bytes, { name: '活动照片 2026-06.png', type: 'text/html', token: tokens.orgA })
    expect(response.statusCode, response.body).toBe(201)
    const file = response.json()
    expect(file).toMatchObject({ sha256: sha256(bytes), name: '活动照片 2026-06.png', size: bytes.length, contentType: 'image/png', uploadedBy: '证据村', referencedBy: [] })
    expect(response.headers.location).toBe(file.href)
    const read = await app.inject({ method: 'GET', url: file.href, headers: { authorization: `Bearer ${tokens.orgA}` } })
    expect(read.statusCode).toBe(200)
    expect(read.rawPayload.equals(bytes)).toBe(true)
    expect(read.headers['content-type']).toBe('image/png')
    expect(read.headers['content-length']).toBe(String(bytes.length))
    expect(read.headers['x-content-type-options']).toBe('nosniff')
    expect(read.headers['content-disposition']).toBe(`attachment; filename="____ 2026-06.png"; filename*=UTF-8''${encodeURIComponent('活动照片 2026-06.png')}`)
    expect(read.headers.etag).toBe(`"${file.sha256}"`)
    const inline = await app.inject({ method: 'GET', url: `${file.href}?disposition=inline` })
    expect(inline.headers['content-disposition']).toMatch(/^inline; /)
    // Every role that may read the project reads its files; a system without projects:read does not.
    for (const token of [tokens.reviewer, tokens.assessor, tokens.sysRead]) {
      expect((await app.inject({ method: 'GET', url: file.href, headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200)
    }
  })

  it('takes a raw body with its name in the query, and a PDF spread over many chunks comes back whole', async () => {
    const bytes = pdfBytes(200 * 1024 + 17)
    const response = await upload(projectA, bytes, { raw: true, name: '会议记录.pdf' })
    expect(response.statusCode, response.body).toBe(201)
    expect(response.json()).toMatchObject({ name: '会议记录.pdf', contentType: 'application/pdf', size: bytes.length })
    const read = await app.inject({ method: 'GET', url: response.json().href })
    expect(sha256(read.rawPayload)).toBe(sha256(bytes))
  })

  it('stores the same bytes once: twice to one project is one file (200), to another project one more holding of the same content', async () => {
    const bytes = pngBytes()
    const before = await footprint()
    expect((await upload(projectA, bytes)).statusCode).toBe(201)
    const again = await upload(projectA, bytes, { name: 'renamed.png' })
    expect(again.statusCode).toBe(200)
    expect(again.json().name).toBe('evidence.png')
    expect((await upload(projectA2, bytes)).statusCode).toBe(201)
    const after = await footprint()
    expect(after.stored - before.stored).toBe(1)
    expect(after.held - before.held).toBe(2)
    if (storage === 'database') expect(after.chunks - before.chunks).toBe(1)
    else expect(after.kept - before.kept).toBe(1)
    expect(after.staging).toBe(0)
  })

  it('refuses what is not evidence by its bytes (415), whatever the client calls it, and keeps none of it', async () => {
    const before = await footprint()
    const refusals = [
      { bytes: Buffer.from('<html><script>alert(1)</script></html>'), name: 'photo.png', type: 'image/png' },
      { bytes: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(4096, 1)]), name: 'scan.pdf', type: 'application/pdf' },
      { bytes: Buffer.from('name,score\n张三,90\n'), name: 'ledger.csv', type: 'text/csv' },
      // An OLE compound file under a name no legacy Office or WPS document has (an installer, say).
      { bytes: Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(4096)]), name: 'setup.msi', type: 'application/msword' },
    ]
    for (const { bytes, name, type } of refusals) {
      const response = await upload(projectA, bytes, { name, type })
      expect(response.statusCode, name).toBe(415)
      expect(response.json().code).toBe('FILE_TYPE_REFUSED')
      expect(response.json().details.accepted).toContain('application/pdf')
    }
    // The same container named as a WPS document is one.
    const wps = await upload(projectA, Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(4096, 7)]), { name: '党员名册.wps', type: 'application/octet-stream' })
    expect(wps.statusCode, wps.body).toBe(201)
    expect(wps.json().contentType).toBe('application/vnd.ms-works')
    const after = await footprint()
    expect({ ...after, stored: after.stored - 1, held: after.held - 1, chunks: storage === 'database' ? after.chunks - 1 : after.chunks, kept: storage === 'filesystem' ? after.kept - 1 : after.kept }).toEqual(before)
    expect((await upload(projectA, Buffer.alloc(0))).json().code).toBe('FILE_MISSING')
  })

  it('refuses a file over the per-file limit and one over the project quota (413) as soon as it passes them, keeping nothing', async () => {
    const before = await footprint()
    const big = await upload(projectA2, pdfBytes(limits.maxFileBytes + 1), { name: 'big.pdf' })
    expect(big.statusCode).toBe(413)
    expect(big.json()).toMatchObject({ code: 'FILE_TOO_LARGE', details: { maxFileBytes: limits.maxFileBytes } })
    const bigRaw = await upload(projectA2, pdfBytes(limits.maxFileBytes + 1), { raw: true, name: 'big.pdf' })
    expect(bigRaw.json().code).toBe('FILE_TOO_LARGE')
    expect(await footprint()).toEqual(before)
    // Fill the quota with files under the limit until the next one does not fit.
    const project = await api.project('innovation', orgA, 2026, pathTo.implementing)
    for (let i = 0; i < 2; i++) expect((await upload(project, pdfBytes(limits.maxFileBytes - 10), { name: `p${i}.pdf` })).statusCode).toBe(201)
    const kept = await footprint()
    const over = await upload(project, pdfBytes(limits.maxFileBytes - 10), { name: 'p2.pdf' })
    expect(over.statusCode).toBe(413)
    expect(over.json().code).toBe('FILE_QUOTA_EXCEEDED')
    expect(over.json().details.remainingBytes).toBe(limits.projectQuotaBytes - 2 * (limits.maxFileBytes - 10))
    expect(await footprint()).toEqual(kept)
    // A retry of bytes the project holds is that file, full as the quota is (read to the end, then found).
    const first = pdfBytes(limits.maxFileBytes - 10, Buffer.from('retry'))
    const project2 = await api.project('innovation', orgA, 2026, pathTo.implementing)
    expect((await upload(project2, first, { name: 'a.pdf' })).statusCode).toBe(201)
    expect((await upload(project2, pdfBytes(limits.maxFileBytes - 10), { name: 'b.pdf' })).statusCode).toBe(201)
    const full = await footprint()
    for (const raw of [true, false]) {
      const retry = await upload(project2, first, { name: 'a.pdf', raw })
      expect(retry.statusCode, retry.body).toBe(200)
      expect(retry.json().name).toBe('a.pdf')
    }
    expect(await footprint()).toEqual(full)
    const listed = await api.ok('GET', `/api/v1/projects/${project}/files`)
    expect(listed.usage).toMatchObject({ bytes: 2 * (limits.maxFileBytes - 10), files: 2, quotaBytes: limits.projectQuotaBytes })
  })

  it('keeps nothing of an upload cut off mid-body (the client went away)', async () => {
    const before = await footprint()
    {
      const { port } = new URL(address)
      for (const raw of [true, false]) {
        const bytes = pdfBytes(200 * 1024)
        const form = multipartBody('file', 'cut.pdf', 'application/pdf', bytes)
        const body = raw ? bytes : form.body
        const socket = connect(Number(port), '127.0.0.1')
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
        socket.write(
          `POST /api/v1/projects/${projectA2}/files${raw ? '?name=cut.pdf' : ''} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tokens.orgA}\r\n` +
            `Content-Type: ${raw ? 'application/octet-stream' : form.contentType}\r\nContent-Length: ${body.length}\r\n\r\n`,
        )
        // More than a chunk's worth for the database store, then the connection drops.
        socket.write(body.subarray(0, 150 * 1024))
        await new Promise((r) => setTimeout(r, 200))
        socket.destroy()
        // The server notices the broken body and discards what it staged.
        for (let i = 0; i < 50; i++) {
          const now = await footprint()
          if (now.chunks === before.chunks && now.staging === 0) break
          await new Promise((r) => setTimeout(r, 100))
        }
        expect(await footprint()).toEqual(before)
      }
      // And one that declares more than it sends, then ends cleanly, over HTTP: refused, nothing kept.
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: Number(port), method: 'POST', path: `/api/v1/projects/${projectA2}/files`, headers: { authorization: `Bearer ${tokens.orgA}`, 'content-type': multipartBody('file', 'x', 'x', Buffer.alloc(0)).contentType.replace(/boundary=.*/, 'boundary=abc') } }, (res) => {
          let text = ''
          res.on('data', (c) => (text += c)).on('end', () => resolve({ status: res.statusCode!, body: text }))
        })
        req.on('error', reject)
        req.end(Buffer.concat([Buffer.from('--abc\r\nContent-Disposition: form-data; name="file"; filename="half.pdf"\r\nContent-Type: application/pdf\r\n\r\n'), pdfBytes(100 * 1024)]))
      })
      expect(answer.status, answer.body).toBe(400)
      expect(JSON.parse(answer.body).code).toBe('UPLOAD_INCOMPLETE')
      expect(await footprint()).toEqual(before)
    }
  })

  it('answers 404 for another organization’s project and for a file the project does not hold, to every route', async () => {
    const mine = (await upload(projectA, pngBytes(), { token: tokens.orgA })).json()
    const theirs = (await upload(projectB, pngBytes(), { token: tokens.orgB })).json()
    const as = (token: string) => ({ authorization: `Bearer ${token}` })
    for (const request of [
      { method: 'GET' as const, url: `/api/v1/projects/${projectA}/files` },
      { method: 'GET' as const, url: mine.href },
      { method: 'DELETE' as const, url: mine.href },
    ]) {
      const response = await app.inject({ ...request, headers: as(tokens.orgB) })
      expect(response.statusCode, request.url).toBe(404)
      expect(response.json().code).toBe('PROJECT_NOT_FOUND')
      expect(response.body).not.toContain(mine.sha256)
    }
    const form = multipartBody('file', 'x.png', 'image/png', pngBytes())
    const sneaked = await app.inject({ method: 'POST', url: `/api/v1/projects/${projectA}/files`, payload: form.body, headers: { ...as(tokens.orgB), 'content-type': form.contentType } })
    expect(sneaked.statusCode).toBe(404)
    // B's file through A's project: A does not hold it.
    const crossed = await app.inject({ method: 'GET', url: `/api/v1/projects/${projectA}/files/${theirs.sha256}`, headers: as(tokens.orgA) })
    expect(crossed.statusCode).toBe(404)
    expect(crossed.json().code).toBe('FILE_NOT_FOUND')
    for (const garbage of ['0'.repeat(64), 'Z'.repeat(64), 'abc', '%00', encodeURIComponent('../../etc/passwd'), 'A'.repeat(64)]) {
      const response = await app.inject({ method: 'GET', url: `/api/v1/projects/${projectA}/files/${garbage}` })
      expect([400, 404], garbage).toContain(response.statusCode)
    }
    // Roles: a reviewer and a read-only system may not upload.
    for (const token of [tokens.reviewer, tokens.sysRead]) {
      const f = multipartBody('file', 'x.png', 'image/png', pngBytes())
      expect((await app.inject({ method: 'POST', url: `/api/v1/projects/${projectA}/files`, payload: f.body, headers: { ...as(token), 'content-type': f.contentType } })).statusCode).toBe(403)
    }
    // An assessor uploads as one of the year's acceptance group, to a project awaiting its assessments.
    const notYet = await upload(projectA, pngBytes(), { token: tokens.assessor })
    expect(notYet.statusCode).toBe(403)
    expect(notYet.json().details).toMatchObject({ inGroup: true, awaitingAssessment: false })
    const assessing = await api.project('innovation', orgB, 2026, pathTo.acceptanceRequested)
    expect((await upload(assessing, pngBytes(), { token: tokens.assessor })).statusCode).toBe(201)
    const outsider = (await createPrincipal(database.db, { name: `局外人${storage}`, role: 'assessor' }, 'test', new Date())).token
    const refused = await upload(assessing, pngBytes(), { token: outsider })
    expect(refused.statusCode).toBe(403)
    expect(refused.json().details).toMatchObject({ inGroup: false })
  })

  it('records the hash in the ledger entry, and from then on the file can be neither removed nor rewritten', async () => {
    const bytes = pdfBytes(8192)
    const file = (await upload(projectA, bytes, { name: '签到表.pdf' })).json()
    const entry = { type: 'RECORD_LEDGER_ENTRY', planItemId: 'P1', date: '2026-06-20', content: '主题党日', evidence: [{ description: '签到表', file: file.sha256 }] }
    const sent = await api.send(projectA, entry)
    const history = await api.history(projectA)
    expect(history.at(-1)!.payload.evidence).toEqual([{ description: '签到表', file: file.sha256 }])
    expect(sent.context.ledger.at(-1).evidence[0].file).toBe(file.sha256)
    const listed = (await api.ok('GET', `/api/v1/projects/${projectA}/files`)).items.find((f: { sha256: string }) => f.sha256 === file.sha256)
    expect(listed.referencedBy).toEqual([history.at(-1)!.version])
    const removal = await app.inject({ method: 'DELETE', url: file.href })
    expect(removal.statusCode).toBe(409)
    expect(removal.json()).toMatchObject({ code: 'FILE_REFERENCED', details: { referencedBy: [history.at(-1)!.version] } })
    // Not through the database either.
    await expect(sql`delete from project_file where sha256 = ${file.sha256}`.execute(database.db)).rejects.toThrow()
    await expect(sql`delete from stored_file where sha256 = ${file.sha256}`.execute(database.db)).rejects.toThrow()
    await expect(sql`update stored_file set size = 1 where sha256 = ${file.sha256}`.execute(database.db)).rejects.toThrow(/never rewritten/)
    if (storage === 'database') {
      await expect(sql`update file_chunk set bytes = '\\x00' where upload_id = (select upload_id from stored_file where sha256 = ${file.sha256})`.execute(database.db)).rejects.toThrow(/never rewritten/)
    }
    await expect(sql`update project_file set name = 'x' where sha256 = ${file.sha256}`.execute(database.db)).rejects.toThrow(/never rewritten/)
    expect(sha256((await app.inject({ method: 'GET', url: file.href })).rawPayload)).toBe(sha256(bytes))
    // Attachments on a publicity record are evidence too.
    const photo = (await upload(projectA, pngBytes())).json()
    await api.send(projectA, { type: 'RECORD_PUBLICITY', kind: 'media', date: '2026-07-01', title: '报道', attachments: [{ description: '报道截图', file: photo.sha256 }] })
    expect((await app.inject({ method: 'DELETE', url: photo.href })).json().code).toBe('FILE_REFERENCED')
  })

  it('refuses an event naming a file its project does not hold (422), writing nothing', async () => {
    const elsewhere = (await upload(projectA2, pngBytes())).json()
    const before = await api.get(projectA)
    for (const file of [elsewhere.sha256, 'f'.repeat(64)]) {
      const response = await app.inject({
        method: 'POST',
        url: `/api/v1/projects/${projectA}/events`,
        payload: { type: 'RECORD_LEDGER_ENTRY', date: '2026-06-21', content: '走访', evidence: [{ description: '照片', file }] },
      })
      expect(response.statusCode).toBe(422)
      expect(response.json()).toMatchObject({ code: 'FILE_NOT_OF_PROJECT', details: { missing: [file] } })
    }
    const malformed = await app.inject({ method: 'POST', url: `/api/v1/projects/${projectA}/events`, payload: { type: 'RECORD_LEDGER_ENTRY', date: '2026-06-21', content: '走访', evidence: [{ description: '照片', file: 'F'.repeat(64) }] } })
    expect(malformed.statusCode).toBe(400)
    expect((await api.get(projectA)).version).toBe(before.version)
  })

  it('removes a file nothing names, and its bytes once no project holds them; a removal racing an event naming the file leaves one of the two', async () => {
    const bytes = pngBytes()
    const file = (await upload(projectA2, bytes)).json()
    const before = await footprint()
    expect((await app.inject({ method: 'DELETE', url: file.href })).statusCode).toBe(204)
    const after = await footprint()
    expect(after.stored).toBe(before.stored - 1)
    expect(after.held).toBe(before.held - 1)
    // And its bytes: the folder's file, or the chunks.
    if (storage === 'filesystem') expect(after.kept).toBe(before.kept - 1)
    else expect(after.chunks).toBe(before.chunks - 1)
    expect((await app.inject({ method: 'GET', url: file.href })).statusCode).toBe(404)
    for (let round = 0; round < 8; round++) {
      const racing = (await upload(projectA2, pngBytes())).json()
      const [removal, event] = await Promise.all([
        app.inject({ method: 'DELETE', url: racing.href }),
        app.inject({ method: 'POST', url: `/api/v1/projects/${projectA2}/events`, payload: { type: 'RECORD_LEDGER_ENTRY', date: '2026-06-22', content: `第${round}次`, evidence: [{ description: '照片', file: racing.sha256 }] } }),
      ])
      const outcome = `${removal.statusCode}/${event.statusCode}`
      expect(['204/422', '409/200'], outcome).toContain(outcome)
      const referenced = await database.db.selectFrom('file_reference').select('sha256').where('sha256', '=', racing.sha256).execute()
      const held = await database.db.selectFrom('project_file').select('sha256').where('sha256', '=', racing.sha256).execute()
      expect(referenced.length <= held.length).toBe(true)
    }
  })

  it('removes what interrupted uploads left once they are old, and nothing a file names', async () => {
    const before = await footprint()
    const staged = await files.store.begin()
    await staged.write(pdfBytes(1000))
    // Not yet old: kept (an upload may be streaming).
    expect(await removeAbandonedUploads(database.db, [files.store], new Date(Date.now() - 3_600_000))).toBe(0)
    expect(await removeAbandonedUploads(database.db, [files.store], new Date(Date.now() + 60_000))).toBe(1)
    expect(await footprint()).toEqual(before)
    const still = (await api.ok('GET', `/api/v1/projects/${projectA}/files`)).items
    for (const file of still) expect((await app.inject({ method: 'GET', url: file.href })).statusCode).toBe(200)
  })

  it('types a legacy container by the name each project gave it, and serves each project its own', async () => {
    const ole = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(4096, 9), Buffer.from(storage)])
    const asDoc = (await upload(projectA, ole, { name: 'report.doc' })).json()
    const asXls = (await upload(projectA2, ole, { name: 'sheet.xls' })).json()
    expect([asDoc.contentType, asXls.contentType]).toEqual(['application/msword', 'application/vnd.ms-excel'])
    expect((await app.inject({ method: 'GET', url: asXls.href })).headers['content-type']).toBe('application/vnd.ms-excel')
    expect((await app.inject({ method: 'GET', url: asDoc.href })).headers['content-type']).toBe('application/msword')
  })

  it('refuses names that read as another, or were not UTF-8, a form whose part is not the file, and hashes that are not hashes (400)', async () => {
    for (const name of ['invoice\u202efdp.exe.doc', 'a\u2066b.png']) {
      const response = await upload(projectA, pngBytes(), { name })
      expect(response.statusCode, name).toBe(400)
      expect(response.json().code).toBe('VALIDATION_FAILED')
    }
    // Bytes that are not UTF-8 in a multipart filename (a lone surrogate's encoding).
    const form = multipartBody('file', 'PLACEHOLDER.png', 'image/png', pngBytes())
    const body = Buffer.from(form.body.toString('latin1').replace('PLACEHOLDER', 'a\xed\xa0\x80'), 'latin1')
    const invalid = await app.inject({ method: 'POST', url: `/api/v1/projects/${projectA}/files`, payload: body, headers: { 'content-type': form.contentType } })
    expect(invalid.statusCode).toBe(400)
    const boundary = 'fieldfirst'
    const fieldFirst = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nx\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`),
      pngBytes(), Buffer.from(`\r\n--${boundary}--\r\n`),
    ])
    const withField = await app.inject({ method: 'POST', url: `/api/v1/projects/${projectA}/files`, payload: fieldFirst, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } })
    expect(withField.statusCode).toBe(400)
    expect(withField.json().code).toBe('FILE_MISSING')
    for (const hash of ['..%2F..%2Fetc%2Fpasswd', 'f'.repeat(63), 'g'.repeat(64), 'F'.repeat(64)]) {
      const response = await app.inject({ method: 'GET', url: `/api/v1/projects/${projectA}/files/${hash}` })
      expect(response.statusCode, hash).toBe(400)
    }
    const json = await app.inject({ method: 'POST', url: `/api/v1/projects/${projectA}/files`, payload: { file: 'x' } })
    expect(json.statusCode).toBe(415)
    expect(json.json().message).toMatch(/multipart/)
    // The body limit and the file limit apart: JSON sent here is held to the former, a file to the latter.
    const apart = await createTestApp(database, { bodyLimit: 64 * 1024, files: { storage, directory: folder, limits: { ...limits, maxFileBytes: 4 * 1024 * 1024 } } })
    try {
      const hugeJson = await apart.app.inject({ method: 'POST', url: `/api/v1/projects/${projectA}/files`, payload: { file: 'x'.repeat(1024 * 1024) } })
      expect(hugeJson.statusCode).toBe(413)
      expect(hugeJson.json().code).toBe('BODY_TOO_LARGE')
      const bigFile = await apart.app.inject({ method: 'POST', url: `/api/v1/projects/${projectA}/files?name=over-body-limit.pdf`, payload: pdfBytes(300 * 1024), headers: { 'content-type': 'application/octet-stream' } })
      expect(bigFile.statusCode, bigFile.body).toBe(201)
    } finally {
      await apart.app.close()
    }
  })

  it('refuses a multipart file over the limit the moment it passes it, and answers a whole upload before refusing bytes after it', async () => {
    {
      const port = Number(new URL(address).port)
      const open = async () => {
        const socket = connect(port, '127.0.0.1')
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
        let answer = ''
        socket.on('data', (chunk) => (answer += chunk))
        socket.on('error', () => undefined)
        return { socket, answer: () => answer }
      }
      // Far more declared than sent: the answer cannot wait for the rest.
      const big = multipartBody('file', 'big.pdf', 'application/pdf', pdfBytes(limits.maxFileBytes * 4))
      const slow = await open()
      slow.socket.write(`POST /api/v1/projects/${projectA2}/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tokens.orgA}\r\nContent-Type: ${big.contentType}\r\nContent-Length: ${big.body.length}\r\n\r\n`)
      slow.socket.write(big.body.subarray(0, limits.maxFileBytes + 64 * 1024))
      await expect.poll(slow.answer, { timeout: 5000 }).toMatch(/^HTTP\/1\.1 413 /)
      expect(slow.answer()).toContain('FILE_TOO_LARGE')
      slow.socket.destroy()
      // A whole upload, then bytes its Content-Length did not cover: its own answer (201) comes first.
      const bytes = pngBytes()
      const piped = await open()
      piped.socket.write(Buffer.concat([
        Buffer.from(`POST /api/v1/projects/${projectA2}/files?name=piped.png HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tokens.orgA}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bytes.length}\r\n\r\n`),
        bytes,
        Buffer.from('GARBAGE NOT HTTP\r\n\r\n'),
      ]))
      await expect.poll(piped.answer, { timeout: 5000 }).toMatch(/HTTP\/1\.1 400 [\s\S]*MALFORMED_REQUEST/)
      expect(piped.answer()).toMatch(/^HTTP\/1\.1 201 /)
      piped.socket.destroy()
      // The same for an event: its answer (200, the version it made) before the refusal of the rest.
      const before = (await api.get(projectA2)).version
      const event = JSON.stringify({ type: 'RECORD_LEDGER_ENTRY', date: '2026-06-23', content: '管道' })
      const eventSocket = await open()
      eventSocket.socket.write(
        `POST /api/v1/projects/${projectA2}/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tokens.orgA}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(event)}\r\n\r\n${event}GARBAGE\r\n\r\n`,
      )
      await expect.poll(eventSocket.answer, { timeout: 5000 }).toMatch(/HTTP\/1\.1 400 /)
      expect(eventSocket.answer()).toMatch(/^HTTP\/1\.1 200 /)
      expect((await api.get(projectA2)).version).toBe(before + 1)
      eventSocket.socket.destroy()
    }
  })
})
