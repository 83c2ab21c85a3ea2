import request from 'supertest';
import { type RegisteredUser, runTypeScript, uniqueUsername, useTestContext } from '@app/testing';

/**
 * The operators' commands as `make admin`, `make demote-admin` and `make
 * end-sessions` run them (apps/cli, through ts-node instead of the build),
 * on this worker's database, in a process of their own.
 */
function cli(databaseUrl: string, args: string[], env: Record<string, string> = {}) {
  return runTypeScript('apps/cli/src/main.ts', args, { DATABASE_URL: databaseUrl, ...env });
}

/** The line every command that changed something ends with: where it wrote, without the password. */
function databaseLine(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `database: ${url.username}@${url.hostname}:${url.port}${url.pathname} (DATABASE_URL)\n`;
}

describe('make admin, make demote-admin, make end-sessions', () => {
  const ctx = useTestContext();
  const makeAdmin = (username: string, env: Record<string, string>) =>
    cli(ctx.databaseUrl, ['admin'], { ADMIN_USERNAME: username, ...env });

  async function roleOf(user: RegisteredUser): Promise<string> {
    const { rows } = await ctx.db.query<{ role: string }>('select role from users where id = $1', [user.id]);
    return rows[0].role;
  }

  async function actions(target: string): Promise<string[]> {
    const { rows } = await ctx.db.query<{ action: string }>(
      'select action from admin_actions where target = $1 order by created_at, id',
      [target],
    );
    return rows.map(({ action }) => action);
  }

  it('never promotes a squatted account: a name registered first (another letter case) is refused in one line, exit 1', async () => {
    const name = uniqueUsername('opsadmin');
    const squatter = await ctx.registerUser({ username: name, password: 'the-visitors-own-password' });
    const run = await makeAdmin(name.replace('opsadmin', 'OpsAdmin'), { ADMIN_PASSWORD: 'the operators passphrase' });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^user ${name} already exists and is not an admin; not promoted: give its current password as ADMIN_PASSWORD, or set ADMIN_PROMOTE=1`,
        ),
      ),
    ]);
    expect(await roleOf(squatter)).toBe('user');
    await squatter.agent.get('/v1/admin/actions').expect(403);
    expect(await actions(squatter.id)).toEqual([]);
  });

  it('promotes an existing user given its current password, or with ADMIN_PROMOTE=1, and logs it', async () => {
    const byPassword = await ctx.registerUser();
    const run = await makeAdmin(byPassword.username, { ADMIN_PASSWORD: byPassword.password });
    expect(run).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(
        /^promoted existing user .* to admin; its password is unchanged\ndatabase: .*\(DATABASE_URL\)\n$/,
      ),
    });
    expect(await roleOf(byPassword)).toBe('admin');

    const byFlag = await ctx.registerUser();
    const flagged = await makeAdmin(byFlag.username.toUpperCase(), { ADMIN_PROMOTE: '1' });
    expect(flagged).toMatchObject({
      code: 0,
      stdout: `promoted existing user ${byFlag.username} (id ${byFlag.id}) to admin; its password is unchanged\n${databaseLine(ctx.databaseUrl)}`,
    });
    expect(await roleOf(byFlag)).toBe('admin');
    // Its own password still logs in, and the admin routes answer.
    const agent = request.agent(ctx.server);
    await agent.post('/v1/auth/login').send({ username: byFlag.username, password: byFlag.password }).expect(200);
    await agent.get('/v1/admin/actions').expect(200);
    expect(await actions(byFlag.id)).toEqual(['PROMOTE']);
  });

  it('creates a new admin only with a password the registration rule accepts', async () => {
    const name = uniqueUsername('ops');
    const short = await makeAdmin(name, { ADMIN_PASSWORD: 'short' });
    expect(short).toEqual({ code: 1, stdout: '', stderr: 'Password: Must be at least 8 characters long.\n' });
    const common = await makeAdmin(name, { ADMIN_PASSWORD: 'Password123' });
    expect(common).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Password: Is one of the most common passwords; choose another.\n',
    });
    const { rows } = await ctx.db.query('select 1 from users where username = $1', [name]);
    expect(rows).toHaveLength(0);

    const created = await makeAdmin(name, { ADMIN_PASSWORD: 'a long operator passphrase' });
    expect(created).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(new RegExp(`^created admin ${name} \\(id .*\\) with a wallet\\ndatabase: `)),
    });
    expect(created.stdout.endsWith(databaseLine(ctx.databaseUrl))).toBe(true);
    await request(ctx.server)
      .post('/v1/auth/login')
      .send({ username: name, password: 'a long operator passphrase' })
      .expect(200);
  });

  it('demotes an admin and ends every session of theirs, on its next request', async () => {
    const admin = await ctx.adminUser();
    const second = request.agent(ctx.server);
    await second.post('/v1/auth/login').send({ username: admin.username, password: admin.password }).expect(200);
    await admin.agent.get('/v1/admin/actions').expect(200);
    const bystander = await ctx.registerUser();

    const run = await cli(ctx.databaseUrl, ['admin:demote', admin.username]);
    expect(run).toEqual({
      code: 0,
      stdout: `demoted ${admin.username} (id ${admin.id}) to user; ended 2 session(s)\n${databaseLine(ctx.databaseUrl)}`,
      stderr: '',
    });
    expect(await roleOf(admin)).toBe('user');
    await admin.agent.get('/v1/auth/me').expect(401);
    await second.get('/v1/auth/me').expect(401);
    await bystander.agent.get('/v1/auth/me').expect(200);
    // Logging in again gives a user, not an admin.
    const again = request.agent(ctx.server);
    await again.post('/v1/auth/login').send({ username: admin.username, password: admin.password }).expect(200);
    await again.get('/v1/admin/actions').expect(403);
    expect(await actions(admin.id)).toEqual(['PROMOTE', 'DEMOTE']);

    const twice = await cli(ctx.databaseUrl, ['admin:demote', admin.username]);
    expect(twice).toMatchObject({
      code: 0,
      stdout: `${admin.username} (id ${admin.id}) is not an admin; nothing changed\n${databaseLine(ctx.databaseUrl)}`,
    });
  });

  it("ends any user's sessions, logged, and names an unknown user in one line", async () => {
    const user = await ctx.registerUser();
    const run = await cli(ctx.databaseUrl, ['sessions:end', user.username]);
    expect(run).toEqual({
      code: 0,
      stdout: `ended 1 session(s) of ${user.username} (id ${user.id})\n${databaseLine(ctx.databaseUrl)}`,
      stderr: '',
    });
    await user.agent.get('/v1/wallets').expect(401);
    expect(await actions(user.id)).toEqual(['END_SESSIONS']);

    const unknown = await cli(ctx.databaseUrl, ['sessions:end', 'nobody-by-this-name']);
    expect(unknown).toEqual({ code: 1, stdout: '', stderr: 'no user named nobody-by-this-name\n' });
  });
});
