import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { AppDeps } from '../../app.js'
import { admins, everyone, principalOf } from '../auth.js'
import { getCalendar, listCalendarChanges } from '../../domain/calendars.js'
import { changeCalendar } from '../../calendar/change-calendar.js'
import { viewCalendar } from '../../calendar/calendar-view.js'
import { endOfDateInShanghai } from '../../calendar/year-calendar.js'
import { decimal, programmeYear, programmeYearParam } from '../schemas.js'

const instant = z.object({ at: z.string().describe('UTC'), inShanghai: z.string() })

const calendarView = z
  .object({
    year: z.number().int(),
    stored: z.boolean().describe('false while the year runs on the configured defaults'),
    declarationDeadline: instant,
    progressMeetings: z.array(z.object({ period: z.string(), meetingAt: instant, reportDueAt: instant })),
    acceptanceDeadline: instant,
  })
  .meta({ id: 'Calendar' })

/** A date means the end of that day in Asia/Shanghai; a date-time is taken as the instant it names. */
const when = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .describe('YYYY-MM-DD (end of that day, Asia/Shanghai) or an ISO instant with offset')
  .transform((value) => (value.length === 10 ? endOfDateInShanghai(value) : new Date(value)))

const calendarChange = z.strictObject({
  declarationDeadline: when.optional(),
  progressMeetings: z
    .array(z.strictObject({ meetingAt: when.optional(), reportDueAt: when.optional() }))
    .length(2)
    .optional()
    .describe('first and second half of the year'),
  acceptanceDeadline: when.optional(),
})

const yearParams = z.object({ year: programmeYearParam() })

export const calendarRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/calendars/:year',
    {
      config: { access: everyone },
      schema: { operationId: 'getCalendar',
        tags: ['calendar'],
        summary: 'The year’s calendar: declaration deadline, progress meetings, acceptance deadline',
        params: yearParams,
        response: { 200: calendarView },
      },
    },
    async (request) => viewCalendar(await getCalendar(deps.db, request.params.year, deps.calendarDefaults)),
  )

  app.put(
    '/calendars/:year',
    {
      config: { access: admins },
      schema: { operationId: 'setCalendar',
        tags: ['calendar'],
        summary: 'Change the year’s calendar; every pending timer that depends on it moves in the same transaction',
        params: yearParams,
        body: calendarChange,
        response: { 200: calendarView.extend({ rescheduledTimers: z.number().int() }) },
      },
    },
    async (request) => {
      const { year } = request.params
      const { calendar, rescheduled } = await changeCalendar(deps.db, year, request.body, {
        actor: principalOf(request).name,
        now: deps.clock.now(),
        calendarDefaults: deps.calendarDefaults,
      })
      request.log.info({ year, rescheduledTimers: rescheduled }, 'calendar changed')
      return { ...viewCalendar(calendar), rescheduledTimers: rescheduled }
    },
  )

  app.get(
    '/calendars/:year/changes',
    {
      config: { access: everyone },
      schema: { operationId: 'listCalendarChanges',
        tags: ['calendar'],
        summary: 'Every change to the year’s calendar: before, after, who, when, timers moved',
        params: yearParams,
        response: {
          200: z.object({
            items: z.array(
              z.object({
                before: z.unknown(),
                after: z.unknown(),
                rescheduledTimers: z.number().int(),
                actor: z.string(),
                at: z.string(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => ({
      items: (await listCalendarChanges(deps.db, request.params.year)).map((c) => ({
        before: c.before,
        after: c.after,
        rescheduledTimers: c.rescheduled_timers,
        actor: c.actor,
        at: c.at.toISOString(),
      })),
    }),
  )
}
