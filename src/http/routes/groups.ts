import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { AppDeps } from '../../app.js'
import { admins, everyone, principalOf } from '../auth.js'
import type { GroupKind } from '../../db/tables/group.js'
import { groupMembers, setGroupMembers } from '../../domain/groups.js'
import { decimal, programmeYear, programmeYearParam } from '../schemas.js'

const yearParams = z.object({ year: programmeYearParam() })
const groupView = z.object({ year: z.number().int(), members: z.array(z.string()) })

/** The year's review group (评审组, R8) and acceptance group (验收组, R14), formed by the organization section. */
export const groupRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  const routes: Array<[string, GroupKind, string, string]> = [
    ['review-groups', 'review', 'ReviewGroup', 'review group 评审组 (R8): its members record reviews of declarations'],
    ['acceptance-groups', 'acceptance', 'AcceptanceGroup', 'acceptance group 验收组 (R14): its members record assessments by form'],
  ]
  for (const [path, group, name, about] of routes) {
    app.put(
      `/${path}/:year`,
      {
        config: { access: admins },
        schema: {
          operationId: `set${name}`,
          tags: ['programme'],
          summary: `Form the year’s ${about}`,
          params: yearParams,
          body: z.strictObject({ members: z.array(z.string().trim().min(1).max(100)).max(200) }),
          response: { 200: groupView },
        },
      },
      async (request) => {
        const { year } = request.params
        const members = await deps.db
          .transaction()
          .execute((trx) => setGroupMembers(trx, year, group, request.body.members, principalOf(request).name, deps.clock.now()))
        return { year, members }
      },
    )
    app.get(
      `/${path}/:year`,
      { config: { access: everyone }, schema: { operationId: `get${name}`, tags: ['programme'], summary: `The year’s ${about.split(':')[0]}`, params: yearParams, response: { 200: groupView } } },
      async (request) => ({ year: request.params.year, members: await groupMembers(deps.db, request.params.year, group) }),
    )
  }
}
