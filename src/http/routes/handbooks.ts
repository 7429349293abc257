import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { inTransaction } from '../../db/transaction.js'
import { executorOf } from '../idempotency.js'
import { organizationCategories, organizationCategoryLabels } from '../../../machines/index.js'
import type { AppDeps } from '../../app.js'
import { admins, everyone, principalOf } from '../auth.js'
import { getHandbookVersion, listHandbookVersions, publishHandbookVersion } from '../../domain/handbooks.js'

const text = (max: number) => z.string().trim().min(1).max(max)

const newVersion = z.strictObject({
  version: z.string().trim().regex(/^[\w.-]{1,50}$/, 'letters, digits, . _ -').describe('e.g. 2026'),
  title: text(200),
  items: z
    .array(
      z.strictObject({
        code: text(100).describe('item number, e.g. V-01'),
        categories: z
          .array(z.enum(organizationCategories))
          .min(1)
          .refine((categories) => new Set(categories).size === categories.length, 'categories must not repeat')
          .meta({ uniqueItems: true })
          .describe('the organization categories it applies to'),
        requirement: text(2000).describe('要求'),
        standard: text(2000).describe('标准'),
        frequency: text(100).describe('频次'),
        required: z.boolean().default(true).describe('a foundation declaration of that category must cover it'),
      }),
    )
    .min(1)
    .max(1000)
    .refine((items) => new Set(items.map((i) => i.code)).size === items.length, 'item codes must not repeat')
    // JSON Schema cannot say "unique by one field" (compared trimmed): an extension says it (docs/openapi.md).
    .meta({ 'x-unique-by': 'code' }),
})

const versionView = z
  .object({ version: z.string(), title: z.string(), publishedBy: z.string(), publishedAt: z.string() })
  .meta({ id: 'HandbookVersion' })

const itemView = z.object({
  code: z.string(),
  category: z.enum(organizationCategories),
  categoryLabel: z.string(),
  requirement: z.string(),
  standard: z.string(),
  frequency: z.string(),
  required: z.boolean(),
})

export const handbookRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  const view = (v: { version: string; title: string; published_by: string; published_at: Date }) => ({
    version: v.version,
    title: v.title,
    publishedBy: v.published_by,
    publishedAt: v.published_at.toISOString(),
  })

  app.post(
    '/handbooks',
    {
      config: { access: admins },
      schema: { operationId: 'publishHandbook',
        tags: ['programme'],
        summary: 'Publish a version of the handbook 《镇党建工作项目化管理手册》 (R1); versions never change',
        body: newVersion,
        response: { 201: versionView.extend({ items: z.number().int() }) },
      },
    },
    async (request, reply) => {
      const row = await inTransaction(executorOf(request, deps.db), (trx) => publishHandbookVersion(trx, request.body, principalOf(request).name, deps.clock.now()))
      return reply
        .code(201)
        .header('location', `/api/v1/handbooks/${row.version}`)
        .send({ ...view(row), items: request.body.items.length })
    },
  )

  app.get(
    '/handbooks',
    { config: { access: everyone }, schema: { operationId: 'listHandbooks', summary: 'Every published handbook version, oldest first', tags: ['programme'], response: { 200: z.object({ items: z.array(versionView) }) } } },
    async () => ({ items: (await listHandbookVersions(deps.db)).map(view) }),
  )

  app.get(
    '/handbooks/:version',
    {
      config: { access: everyone },
      schema: { operationId: 'getHandbook',
        tags: ['programme'],
        summary: 'A handbook version with its items, optionally for one organization category',
        params: z.object({ version: z.string().max(50) }),
        querystring: z.object({ category: z.enum(organizationCategories).optional() }),
        response: { 200: versionView.extend({ items: z.array(itemView) }) },
      },
    },
    async (request) => {
      const { version, items } = await getHandbookVersion(deps.db, request.params.version, request.query.category)
      return {
        ...view(version),
        items: items.map((i) => ({
          code: i.code,
          category: i.category,
          categoryLabel: organizationCategoryLabels[i.category],
          requirement: i.requirement,
          standard: i.standard,
          frequency: i.frequency,
          required: i.required,
        })),
      }
    },
  )
}
