import type { Transaction } from 'kysely'
import type { Database, DB, Executor } from './database.js'

/**
 * Runs `work` in a transaction: the caller's, when it holds one (a keyed request's, so that the
 * work commits with the request's answer), or a new one.
 */
export function inTransaction<T>(executor: Executor, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return executor.isTransaction ? work(executor as Transaction<Database>) : (executor as DB).transaction().execute(work)
}
