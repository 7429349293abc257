import { eventSpecOf } from '../../machines/shared/events.js'
import type { ProjectRow } from '../db/tables/project.js'
import { actingAsSelf, assertCanSee, assertMaySend } from '../domain/access.js'
import { Refusal, versionConflict } from '../errors.js'
import type { SendOptions } from './send.js'
import { definitionOf } from './snapshot.js'

/** Checks the caller may send this event to this project; returns the event acting in the caller's name. */
export function authorize(project: ProjectRow, raw: { type: string } & Record<string, unknown>, sendOptions: SendOptions) {
  if (sendOptions.principal) {
    // Another organization's project does not exist for this caller, whatever the event: no refusal that tells otherwise.
    assertCanSee(sendOptions.principal, project)
    const spec = eventSpecOf(definitionOf(project).events, raw.type)
    if (spec) {
      // Deadline events are the scheduler's: for a caller, time moves only through the calendar and the clock.
      if ('deadline' in spec) {
        throw new Refusal(403, 'SCHEDULER_ONLY', `${raw.type} is sent by the scheduler when its deadline falls due`, { event: raw.type })
      }
      assertMaySend(sendOptions.principal, project, raw.type, spec.roles)
      raw = actingAsSelf(sendOptions.principal, raw)
    }
  }
  return raw
}

/** If-Match: checked once the event is known to be well-formed, so a malformed one is 400 whatever the version. */
export function assertExpectedVersion(project: ProjectRow, sendOptions: SendOptions) {
  if (sendOptions.expectedVersion !== undefined && sendOptions.expectedVersion !== project.version) {
    throw versionConflict(sendOptions.expectedVersion, project.version)
  }
}
