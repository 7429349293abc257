import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql, type Generated } from 'kysely'
import { describe, expect, it } from 'vitest'
import { recordset, type ColumnSqlTypes, type WrittenColumn } from '../../src/db/recordset.js'
import type { TimerTable } from '../../src/db/tables/timer.js'

interface Example {
  id: Generated<string>
  name: string
  note: string | null
  added_at: Date
}

describe('set-based writes typed by the table', () => {
  it('writes every column the database does not generate, and no other', () => {
    const written: WrittenColumn<Example>[] = ['name', 'note', 'added_at']
    // @ts-expect-error the generated id is not written
    const generated: WrittenColumn<Example> = 'id'
    expect([written, generated]).toBeDefined()
    // @ts-expect-error a column the writer's map leaves out does not compile (npm run typecheck)
    const missing: ColumnSqlTypes<Example> = { name: 'text', added_at: 'timestamptz' }
    expect(missing).toBeDefined()
  })

  it('names the columns in the map’s order and reads the rows by name', () => {
    const db = new Kysely<any>({
      dialect: {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => new DummyDriver(),
        createIntrospector: (k) => new PostgresIntrospector(k),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      },
    })
    const columns: ColumnSqlTypes<TimerTable> = { project_id: 'uuid', key: 'text', kind: 'text', event: 'jsonb', due_at: 'timestamptz', created_at: 'timestamptz' }
    const row = { created_at: '2026-01-01T00:00:00.000Z', project_id: 'p', key: 'k', kind: 'acceptanceDeadline', event: {}, due_at: '2026-12-31T16:00:00.000Z', seq: 0 }
    const { names, source } = recordset(columns, [row], { seq: 'int' })
    const compiled = sql`insert into timer (${names}) select ${names} from ${source} order by seq`.compile(db)
    expect(compiled.sql).toBe(
      'insert into timer ("project_id", "key", "kind", "event", "due_at", "created_at") select "project_id", "key", "kind", "event", "due_at", "created_at" ' +
        'from jsonb_to_recordset($1::jsonb) as v("project_id" uuid, "key" text, "kind" text, "event" jsonb, "due_at" timestamptz, "created_at" timestamptz, "seq" int) order by seq',
    )
    expect(JSON.parse(compiled.parameters[0] as string)).toEqual([row])
  })
})
