/**
 * What a logical dump needs to know about the live schema, read from PostgreSQL's catalogue (the
 * same on PGlite and a PostgreSQL server): the tables, their foreign keys (for the order rows
 * must be inserted in), their primary keys (for a stable row order) and their sequences.
 * Reading it rather than listing tables by hand keeps backups whole when a migration adds one.
 */
import { BackupError } from './errors';

/** One connection's queries; every value comes back as text or a plain number. */
export type Sql = { query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> };

export type TableInfo = {
  name: string;
  primaryKey: string[];
  /** A single-column foreign key to the table itself (a thread's parent, a replaced deployment). */
  selfRef: { column: string; references: string } | null;
};

export type SequenceInfo = { name: string; table: string; column: string };

/** Tables Drawbridge does not own: Prisma's migration ledger is rebuilt by running the migrations. */
const SKIPPED = new Set(['_prisma_migrations']);

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

export async function readSchema(sql: Sql): Promise<{ tables: TableInfo[]; sequences: SequenceInfo[] }> {
  const tables = (
    await sql.query<{ name: string }>(
      `SELECT c.relname::text AS name FROM pg_class c
       WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1`,
    )
  )
    .map((r) => r.name)
    .filter((n) => !SKIPPED.has(n));
  const pks = await sql.query<{ t: string; c: string }>(
    `SELECT tc.table_name::text AS t, kcu.column_name::text AS c
     FROM information_schema.table_constraints tc
     JOIN information_schema.key_column_usage kcu
       ON kcu.constraint_schema = tc.constraint_schema AND kcu.constraint_name = tc.constraint_name AND kcu.table_name = tc.table_name
     WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema()
     ORDER BY 1, kcu.ordinal_position`,
  );
  const fks = await sql.query<{ child: string; parent: string; cols: string; refcols: string }>(
    `SELECT ch.relname::text AS child, pa.relname::text AS parent,
       (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS cols,
       (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS refcols
     FROM pg_constraint c JOIN pg_class ch ON ch.oid = c.conrelid JOIN pg_class pa ON pa.oid = c.confrelid
     WHERE c.contype = 'f' AND ch.relnamespace = current_schema()::regnamespace
     ORDER BY 1, 2, 3`,
  );
  const sequences = await sql.query<{ table: string; column: string; seq: string }>(
    `SELECT table_name::text AS "table", column_name::text AS "column",
       pg_get_serial_sequence(format('%I', table_name), column_name)::text AS seq
     FROM information_schema.columns
     WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'
     ORDER BY 1, 2`,
  );

  const info = new Map<string, TableInfo>();
  for (const name of tables) {
    const primaryKey = pks.filter((p) => p.t === name).map((p) => p.c);
    if (!primaryKey.length)
      throw new BackupError(
        'backup_unsupported_schema',
        `table ${name} has no primary key, so its rows have no stable order`,
      );
    info.set(name, { name, primaryKey, selfRef: null });
  }
  const parents = new Map<string, Set<string>>(tables.map((t) => [t, new Set()]));
  for (const fk of fks) {
    if (!info.has(fk.child) || !info.has(fk.parent)) continue;
    if (fk.child !== fk.parent) {
      parents.get(fk.child)!.add(fk.parent);
      continue;
    }
    const t = info.get(fk.child)!;
    if (t.selfRef || fk.cols.includes(',')) {
      throw new BackupError(
        'backup_unsupported_schema',
        `table ${t.name} refers to itself in a way the dump cannot order (more than one or a multi-column key)`,
      );
    }
    t.selfRef = { column: fk.cols, references: fk.refcols };
  }
  return {
    tables: dependencyOrder(parents).map((n) => info.get(n)!),
    sequences: sequences
      .filter((s) => info.has(s.table) && s.seq)
      .map((s) => ({ name: s.seq.replace(/^.*\./, '').replace(/^"|"$/g, ''), table: s.table, column: s.column })),
  };
}

/** Kahn's algorithm, alphabetical among equals so the same schema always dumps the same way. */
function dependencyOrder(parents: Map<string, Set<string>>): string[] {
  const order: string[] = [];
  const done = new Set<string>();
  while (done.size < parents.size) {
    const ready = [...parents.keys()]
      .filter((t) => !done.has(t) && [...parents.get(t)!].every((p) => done.has(p)))
      .sort();
    if (!ready.length) {
      const stuck = [...parents.keys()].filter((t) => !done.has(t));
      throw new BackupError(
        'backup_unsupported_schema',
        `tables ${stuck.join(', ')} refer to each other in a cycle; the dump cannot order them`,
      );
    }
    for (const t of ready) {
      done.add(t);
      order.push(t);
    }
  }
  return order;
}

/**
 * Every row of a table as PostgreSQL's own JSON (row_to_json keeps bigint, float and timestamp
 * text exact), parents before children: rows of a self-referencing table come level by level.
 */
export function selectRowsSql(t: TableInfo): { sql: string; countSql: string } {
  const pk = t.primaryKey.map((c) => `t.${quoteIdent(c)}`).join(', ');
  const table = quoteIdent(t.name);
  if (!t.selfRef) {
    return {
      sql: `SELECT row_to_json(t)::text AS j FROM ${table} t ORDER BY ${pk}`,
      countSql: `SELECT count(*)::int AS n FROM ${table}`,
    };
  }
  const col = quoteIdent(t.selfRef.column);
  const ref = quoteIdent(t.selfRef.references);
  const levels = `WITH RECURSIVE d AS (
      SELECT t.${ref} AS k, 0 AS depth FROM ${table} t WHERE t.${col} IS NULL
      UNION ALL
      SELECT t.${ref}, d.depth + 1 FROM ${table} t JOIN d ON t.${col} = d.k
    )`;
  return {
    sql: `${levels} SELECT row_to_json(t)::text AS j FROM ${table} t JOIN d ON t.${ref} = d.k ORDER BY d.depth, ${pk}`,
    countSql: `SELECT count(*)::int AS n FROM ${table}`,
  };
}
