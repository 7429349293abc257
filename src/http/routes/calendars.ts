import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { AppDeps } from '../../app.js'
import { admins, everyone, principalOf } from '../auth.js'
import { getCalendar, listCalendarChanges, lockCalendar, recordCalendarChange, saveCalendar } from '../../domain/calendars.js'
import { appendOutbox } from '../../domain/outbox.js'
import { replanTimers } from '../../engine/replan.js'
import { Refusal } from '../../errors.js'
import { endOfDateInShanghai, shanghaiDateTime, type YearCalendar } from '../../calendar/year-calendar.js'
import { decimal, errorResponses } from '../schemas.js'

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
    .array(z.object({ meetingAt: when.optional(), reportDueAt: when.optional() }))
    .length(2)
    .optional()
    .describe('first and second half of the year'),
  acceptanceDeadline: when.optional(),
})

const yearParams = z.object({ year: decimal(z.number().int().min(2000).max(2100)) })

const show = (at: Date) => ({ at: at.toISOString(), inShanghai: shanghaiDateTime(at) })

export const viewCalendar = (c: YearCalendar) => ({
  year: c.year,
  stored: c.stored,
  declarationDeadline: show(c.declarationDeadline),
  progressMeetings: c.progressMeetings.map((m) => ({ period: m.period, meetingAt: show(m.meetingAt), reportDueAt: show(m.reportDueAt) })),
  acceptanceDeadline: show(c.acceptanceDeadline),
})

/** The order the year must keep: declarations close before the first report is due, and so on. */
function checkOrder(c: YearCalendar) {
  const [h1, h2] = c.progressMeetings
  const sequence: Array<[string, Date]> = [
    ['declarationDeadline', c.declarationDeadline],
    ['progressMeetings.0.reportDueAt', h1.reportDueAt],
    ['progressMeetings.0.meetingAt', h1.meetingAt],
    ['progressMeetings.1.reportDueAt', h2.reportDueAt],
    ['progressMeetings.1.meetingAt', h2.meetingAt],
  ]
  for (let i = 1; i < sequence.length; i++) {
    if (sequence[i]![1] <= sequence[i - 1]![1]) {
      throw new Refusal(422, 'CALENDAR_OUT_OF_ORDER', `${sequence[i]![0]} must come after ${sequence[i - 1]![0]}`, {
        field: sequence[i]![0],
        after: sequence[i - 1]![0],
      })
    }
  }
  if (c.acceptanceDeadline <= c.declarationDeadline) {
    throw new Refusal(422, 'CALENDAR_OUT_OF_ORDER', 'acceptanceDeadline must come after declarationDeadline', {
      field: 'acceptanceDeadline',
      after: 'declarationDeadline',
    })
  }
}

export const calendarRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/calendars/:year',
    {
      config: { access: everyone },
      schema: {
        tags: ['calendar'],
        summary: 'The year’s calendar: declaration deadline, progress meetings, acceptance deadline',
        params: yearParams,
        response: { 200: calendarView, 400: errorResponses[400] },
      },
    },
    async (request) => viewCalendar(await getCalendar(deps.db, request.params.year, deps.calendarDefaults)),
  )

  app.put(
    '/calendars/:year',
    {
      config: { access: admins },
      schema: {
        tags: ['calendar'],
        summary: 'Change the year’s calendar; every pending timer that depends on it moves in the same transaction',
        params: yearParams,
        body: calendarChange,
        response: { 200: calendarView.extend({ rescheduledTimers: z.number().int() }), ...errorResponses },
      },
    },
    async (request) => {
      const { year } = request.params
      const change = request.body
      const { calendar, rescheduled } = await deps.db.transaction().execute(async (trx) => {
        await lockCalendar(trx, year)
        const before = await getCalendar(trx, year, deps.calendarDefaults)
        const [h1, h2] = before.progressMeetings
        const after: YearCalendar = {
          year,
          stored: true,
          declarationDeadline: change.declarationDeadline ?? before.declarationDeadline,
          progressMeetings: [
            { ...h1, ...definedOnly(change.progressMeetings?.[0]) },
            { ...h2, ...definedOnly(change.progressMeetings?.[1]) },
          ],
          acceptanceDeadline: change.acceptanceDeadline ?? before.acceptanceDeadline,
        }
        checkOrder(after)
        const now = deps.clock.now()
        await saveCalendar(trx, after, principalOf(request).name, now)
        // Every running project of the year is planned again, by the planner its transitions use.
        const { changed: rescheduledTimers } = await replanTimers(trx, deps.calendarDefaults, { calendarYear: year }, now)
        await recordCalendarChange(trx, {
          year,
          before: viewCalendar(before),
          after: viewCalendar(after),
          rescheduledTimers,
          actor: principalOf(request).name,
          at: now,
        })
        await appendOutbox(trx, 'calendar.changed', { year, rescheduledTimers, calendar: viewCalendar(after) }, now)
        return { calendar: after, rescheduled: rescheduledTimers }
      })
      request.log.info({ year, rescheduledTimers: rescheduled }, 'calendar changed')
      return { ...viewCalendar(calendar), rescheduledTimers: rescheduled }
    },
  )

  app.get(
    '/calendars/:year/changes',
    {
      config: { access: everyone },
      schema: {
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
          400: errorResponses[400],
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

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>
}
