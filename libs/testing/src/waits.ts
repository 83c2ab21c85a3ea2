import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'pg';

/**
 * Polls `condition` until it holds: a bounded wait for a state the service
 * reaches in the background (a request parked on a lock, a query sent), never
 * a timing assertion. Throws, naming `what`, after about ten seconds.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what = 'the expected state came',
): Promise<void> {
  for (let poll = 0; poll < 500; poll++) {
    if (await condition()) return;
    await sleep(20);
  }
  throw new Error(`gave up waiting until ${what}`);
}

/** How many backends of the test's database wait for a lock, other than `client`'s own. */
export async function lockWaiters(client: Client): Promise<number> {
  const { rows } = await client.query<{ count: number }>(
    `select count(*)::int as count from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
  );
  return rows[0].count;
}
