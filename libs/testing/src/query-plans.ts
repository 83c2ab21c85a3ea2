import type { Client } from 'pg';
import type { TestApp } from './test-app';

/** A node of PostgreSQL's EXPLAIN (FORMAT JSON) plan. */
export interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Scan Direction'?: string;
  'Index Cond'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

/** Every node of a plan, depth first. */
export const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/**
 * The SQL the service really sends while `action` runs (as MikroORM formats it
 * for the driver), observed through MikroORM's onQuery hook: an observer, not a mock.
 */
export async function queriesDuring(t: TestApp, action: () => Promise<unknown>): Promise<string[]> {
  const original = t.orm.config.get('onQuery');
  const platform = t.orm.em.getPlatform();
  const seen: string[] = [];
  t.orm.config.set('onQuery', (sql: string, params: unknown[]) => {
    seen.push(platform.formatQuery(sql, params as readonly unknown[]));
    return original(sql, params);
  });
  try {
    await action();
  } finally {
    t.orm.config.set('onQuery', original);
  }
  return seen;
}

/**
 * The plan of `sql` (EXPLAIN, or EXPLAIN ANALYZE with `analyze`), as a flat
 * list of nodes; `values` bind the $n parameters of a statement as it was
 * sent (see wireStatementsDuring), so it is planned for those values.
 */
export async function planOf(
  db: Client,
  sql: string,
  options: { analyze?: boolean; values?: readonly unknown[] } = {},
): Promise<PlanNode[]> {
  const { rows } = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
    `explain (${options.analyze ? 'analyze, ' : ''}format json) ${sql}`,
    options.values ? [...options.values] : undefined,
  );
  return nodesOf(rows[0]['QUERY PLAN'][0].Plan);
}
