import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { projectTypes } from '../../../machines/index.js'
import type { AppDeps } from '../../app.js'
import type { MigrationOutcomeRow, MigrationRow } from '../../db/tables/migration.js'
import { inTransaction } from '../../db/transaction.js'
import { getMigration, listMigrations, migrationOutcomes } from '../../domain/migrations.js'
import { previewMigration, recordMigration, resolveMigration } from '../../engine/migrate.js'
import { admins, principalOf } from '../auth.js'
import { executorOf } from '../idempotency.js'
import { decimal, idParams, machineVersion, page, pageQuery, programmeYear, stateName as knownState } from '../schemas.js'

/** Explicit migration of projects to another version of their machine (I6, docs/versions.md). */
const stateName = z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/, 'a state id')

const migrationRequest = z
  .strictObject({
    type: z.enum(projectTypes),
    fromVersion: machineVersion,
    toVersion: machineVersion,
    stateMap: z
      .record(stateName, stateName.nullable())
      // A map has at most one entry per state of a machine (a huge one is refused whole, its answer bounded).
      .refine((map) => Object.keys(map).length <= 64, 'at most 64 states')
      .meta({ maxProperties: 64 })
      .optional()
      .describe('old state → new state, or null to leave its projects on the old version; a state not named goes to the state of the same name, if the new version has it'),
    filter: z
      .strictObject({
        states: z.array(stateName).min(1).max(64).optional(),
        year: programmeYear.optional(),
        organizationId: z.uuid().optional(),
      })
      .optional(),
    // Required: moving projects is never what an omitted field means.
    dryRun: z.boolean().describe('true: answer what would happen and write nothing; false: apply it'),
  })
  .meta({ id: 'MigrationRequest' })

const filterView = z.object({ states: z.array(z.string()).optional(), year: z.number().int().optional(), organizationId: z.uuid().optional() })

const preview = z
  .object({
    dryRun: z.literal(true),
    type: z.enum(projectTypes),
    fromVersion: z.number().int(),
    toVersion: z.number().int(),
    stateMap: z.record(z.string(), z.string().nullable()),
    filter: filterView,
    projects: z.number().int(),
    movable: z.number().int(),
    blocked: z.number().int(),
    timersChanged: z.number().int().describe('movable projects whose pending timers the new version plans differently'),
    states: z.array(
      z.object({
        from: z.string(),
        to: z.string().nullable(),
        projects: z.number().int(),
        movable: z.number().int(),
        timersChanged: z.number().int(),
        blocked: z.array(
          z.object({
            reason: z.enum(['unmappedState', 'contextRefused']),
            rules: z.array(z.string()).describe('for contextRefused: the rules of the new state the projects fail'),
            projects: z.number().int(),
            sample: z.array(z.uuid()),
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'MigrationPreview' })

const migration = z
  .object({
    id: z.uuid(),
    type: z.enum(projectTypes),
    fromVersion: z.number().int(),
    toVersion: z.number().int(),
    stateMap: z.record(z.string(), z.string().nullable()),
    filter: filterView,
    status: z.enum(['running', 'completed']),
    requestedBy: z.string(),
    planned: z.number().int().describe('projects the filter selected when it was requested'),
    moved: z.number().int(),
    blocked: z.number().int(),
    remaining: z.number().int().describe('selected projects not yet decided'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    completedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'Migration' })

const outcome = z
  .object({
    projectId: z.uuid(),
    outcome: z.enum(['moved', 'blocked']),
    fromState: knownState,
    toState: knownState.nullable(),
    reason: z.enum(['unmappedState', 'contextRefused']).nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
    at: z.iso.datetime(),
  })
  .meta({ id: 'MigrationOutcome' })

const view = (row: MigrationRow & { remaining?: number }) => ({
  id: row.id,
  type: row.type,
  fromVersion: row.from_version,
  toVersion: row.to_version,
  stateMap: row.state_map,
  filter: row.filter,
  status: row.status,
  requestedBy: row.requested_by,
  planned: row.planned,
  moved: row.moved,
  blocked: row.blocked,
  remaining: row.remaining ?? Math.max(0, row.planned - row.moved - row.blocked),
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
  completedAt: row.completed_at?.toISOString() ?? null,
})

const outcomeView = (row: MigrationOutcomeRow) => ({
  projectId: row.project_id,
  outcome: row.outcome,
  fromState: row.from_state,
  toState: row.to_state,
  reason: row.reason as 'unmappedState' | 'contextRefused' | null,
  details: row.details,
  at: row.at.toISOString(),
})

export const migrationRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.post(
    '/migrations',
    {
      config: { access: admins },
      schema: { operationId: 'createMigration',
        tags: ['machines'],
        summary: 'Move projects to another version of their machine, or (dryRun) preview what would move where and what cannot',
        body: migrationRequest,
        response: { 200: preview, 202: migration },
      },
    },
    async (request, reply) => {
      const { dryRun, ...asked } = request.body
      const resolved = resolveMigration(asked)
      const actor = principalOf(request).name
      if (dryRun) {
        return { dryRun: true as const, ...(await previewMigration(deps.db, resolved, { now: deps.clock.now(), actor, calendarDefaults: deps.calendarDefaults })) }
      }
      const row = await inTransaction(executorOf(request, deps.db), (trx) => recordMigration(trx, resolved, actor, deps.clock.now()))
      // Committed by the time the answer is sent: the runner can take it up at once instead of at its next poll.
      reply.raw.once('finish', () => deps.migrations.wake())
      return reply.code(202).header('location', `/api/v1/migrations/${row.id}`).send(view(row))
    },
  )

  app.get(
    '/migrations',
    {
      config: { access: admins },
      schema: { operationId: 'listMigrations',
        tags: ['machines'],
        summary: 'Migrations, oldest first',
        querystring: z.strictObject({ ...pageQuery }),
        response: { 200: page(migration) },
      },
    },
    async (request) => {
      const result = await listMigrations(deps.db, request.query)
      return { items: result.items.map((row) => view(row)), nextCursor: result.nextCursor }
    },
  )

  app.get(
    '/migrations/:id',
    {
      config: { access: admins },
      schema: { operationId: 'getMigration',
        tags: ['machines'],
        summary: 'A migration and its progress',
        params: idParams,
        response: { 200: migration },
      },
    },
    async (request) => view(await getMigration(deps.db, request.params.id)),
  )

  app.get(
    '/migrations/:id/projects',
    {
      config: { access: admins },
      schema: { operationId: 'listMigrationOutcomes',
        tags: ['machines'],
        summary: 'What a migration did to each project, in the order it was decided',
        params: idParams,
        querystring: z.strictObject({ outcome: z.enum(['moved', 'blocked']).optional(), ...pageQuery, limit: decimal(z.number().int().min(1).max(500)).default(100) }),
        response: { 200: page(outcome) },
      },
    },
    async (request) => {
      await getMigration(deps.db, request.params.id)
      const result = await migrationOutcomes(deps.db, request.params.id, request.query)
      return { items: result.items.map(outcomeView), nextCursor: result.nextCursor }
    },
  )
}
