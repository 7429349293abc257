import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/**
 * The admin console (R23) at /admin: plain ES modules and CSS from admin/, and Mermaid's own
 * ES module build from node_modules for the diagrams — served by the service, nothing fetched
 * from elsewhere. The pages are public; every API call they make carries the admin's token.
 */
const consoleRoot = fileURLToPath(new URL('../../admin/', import.meta.url))
const mermaidRoot = dirname(createRequire(import.meta.url).resolve('mermaid'))

export const adminConsole = fp(async (app: FastifyInstance) => {
  await app.register(fastifyStatic, { root: consoleRoot, prefix: '/admin/', index: ['index.html'], decorateReply: false })
  await app.register(fastifyStatic, {
    root: mermaidRoot,
    prefix: '/admin/vendor/mermaid/',
    decorateReply: false,
    allowedPath: (path) => path.endsWith('.mjs'),
    maxAge: '7d',
  })
  app.get('/admin', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/admin/'))
})
