// Run inside the API container by scripts/test-container.sh (`podman exec -i <api> node - < this file`):
// connects with the API's own DATABASE_URL and checks that its role reads and writes rows but can
// neither change the schema nor rewrite the ledger. One line on success; exit 1 naming what was allowed.
const { Client } = require('pg');

const refused = [
  'drop trigger operations_append_only on operations',
  'alter table operations disable trigger operations_append_only',
  'drop table journal_entries',
  'truncate operations',
  'truncate wallets',
  'alter table wallets add column probe int',
  'create table probe (id int)',
  'update operations set amount = amount',
  'delete from journal_entries',
];

(async () => {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  const problems = [];
  const { rows } = await client.query(
    `select current_user as role, rolsuper as superuser, (select count(*) from wallets)::int as wallets
       from pg_roles where rolname = current_user`,
  );
  const [me] = rows;
  if (me.superuser) problems.push(`${me.role} is a superuser`);
  if (me.wallets < 1) problems.push('no wallet rows visible');
  for (const sql of refused) {
    await client.query('begin');
    try {
      await client.query(sql);
      problems.push(`allowed: ${sql}`);
    } catch (error) {
      if (error.code !== '42501') problems.push(`${sql}: ${error.code} ${error.message} (expected 42501)`);
    } finally {
      await client.query('rollback');
    }
  }
  await client.end();
  if (problems.length > 0) {
    console.error(`the API's database role: ${problems.join('; ')}`);
    process.exit(1);
  }
  console.log(`database role ${me.role}: reads ${me.wallets} wallets; ${refused.length} statements refused (42501), drop trigger among them`);
})().catch((error) => {
  console.error(`the API's database role: ${error.message}`);
  process.exit(1);
});
