import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import request from 'supertest';
import { uniqueUsername, useTestContext, type RegisteredUser } from '@app/testing';
import * as consolePage from './support/admin-console';
import {
  expectNoSidewaysScroll,
  expectOnScreen,
  expectText,
  newAdmin as makeAdmin,
  useConsoleBrowser,
} from './support/admin-console';
import { outputPath } from './support/served-app';

/**
 * The console's picture in the README (the wallet view with its operations),
 * rewritten only on request (UPDATE_SCREENSHOTS=1 make test-browser), so that
 * a test run leaves the committed file alone.
 */
const README_SCREENSHOT = join(__dirname, '..', '..', 'docs', 'admin-console.png');

/**
 * The operators' console at /admin, driven like a support person would:
 * log in, find a user, reverse a transfer, freeze a wallet, read the log.
 */
describe('admin console at /admin', () => {
  const ctx = useTestContext({ listen: true });
  const ui = useConsoleBrowser();
  const newAdmin = () => makeAdmin(ctx);
  const logIn = (user: RegisteredUser) => consolePage.logIn(ui.page, ctx, user);
  const banner = () => consolePage.banner(ui.page);
  const operationRow = (transferId: string, type: RegExp) => consolePage.operationRow(ui.page, transferId, type);
  const openUser = (user: RegisteredUser) => consolePage.openUser(ui.page, user);
  const confirmDialog = (reason: string, confirmLabel: string | RegExp) =>
    consolePage.confirmDialog(ui.page, reason, confirmLabel);

  async function transfer(from: RegisteredUser, to: RegisteredUser, amount: string): Promise<string> {
    return (await ctx.transfer(from, to.walletId, amount)).transfer_id;
  }

  it('lets an admin reverse a transfer, freeze a wallet and read the action log', async () => {
    const admin = await newAdmin();
    const alice = await ctx.registerUser({ username: uniqueUsername('alice') });
    await ctx.deposit(alice, '250.00');
    const bob = await ctx.registerUser({ username: uniqueUsername('bob') });
    const carol = await ctx.registerUser({ username: uniqueUsername('carol') });
    await transfer(alice, carol, '12.40');
    await ctx.deposit(alice, '1000.00');
    const mistaken = await transfer(alice, bob, '130.25');
    await transfer(alice, carol, '7.35');

    await logIn(admin);
    await expectText(ui.page.locator('#who-name'), admin.username);

    // Find alice and open her wallet: figures and operations, newest first.
    await openUser(alice);
    await expectText(ui.page.locator('#wallet-balance'), '1,100.00');
    await expectText(ui.page.locator('#wallet-available'), '1,100.00');
    await expectText(ui.page.locator('#wallet-status'), 'ACTIVE');
    const rows = ui.page.locator('#operations-body tr');
    expect(await rows.count()).toBe(5);
    const firstCells = await rows.first().locator('td').allInnerTexts();
    expect(firstCells.slice(0, 5).map((cell) => cell.trim())).toEqual([
      '5',
      expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/),
      'TRANSFER OUT',
      '-7.35',
      '1,100.00',
    ]);
    const amountCell = rows.first().locator('td.num').nth(1);
    expect(await amountCell.evaluate((cell) => cell.ownerDocument.defaultView.getComputedStyle(cell).textAlign)).toBe(
      'right',
    );

    // Reverse the mistaken transfer from its row, with a reason.
    await operationRow(mistaken, /TRANSFER OUT/)
      .getByRole('button', { name: 'Reverse…' })
      .click();
    await expectText(ui.page.locator('#confirm-dialog #confirm-body'), new RegExp(mistaken));
    await confirmDialog('Customer sent it to the wrong account (ticket 4711)', 'Reverse 130.25');
    await expectText(banner(), /Reversed 130\.25 of transfer \w{8} \(0\.00 left to reverse\)/);
    await expectText(ui.page.locator('#wallet-balance'), '1,230.25');
    await expectText(
      operationRow(mistaken, /TRANSFER OUT/)
        .locator('td')
        .nth(3),
      '-130.25',
    );
    await expectText(rows.first().locator('td').nth(2), 'REVERSAL');
    await expectText(rows.first().locator('td').nth(3), '+130.25');
    await expectText(rows.first().locator('td').nth(4), '1,230.25');
    // Times say they are UTC; the exact ISO time is on hover.
    const when = rows.first().locator('time');
    expect(await when.textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
    expect(await when.getAttribute('title')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    // Both balances restored, as the API itself says.
    expect(await ctx.balanceOf(alice)).toBe('1230.25');
    expect(await ctx.balanceOf(bob)).toBe('0.00');

    // The counterpart link opens bob's wallet, where the money is gone again.
    await rows.first().locator('td').nth(6).getByRole('link', { name: bob.username }).click();
    await expectText(ui.page.locator('#wallet-id'), bob.walletId);
    await expectText(ui.page.locator('#wallet-balance'), '0.00');
    await expectText(ui.page.locator('#operations-body tr').first().locator('td').nth(2), 'REVERSAL');

    // Fully reversed: the row says so, links to the transfer, and offers no second reversal.
    await openUser(alice);
    const reversedRow = operationRow(mistaken, /TRANSFER OUT/);
    await expectText(reversedRow.locator('td').nth(7), 'Reversed 130.25 of 130.25');
    expect(await reversedRow.getByRole('button', { name: 'Reverse…' }).count()).toBe(0);
    await expectText(ui.page.locator('#wallet-balance'), '1,230.25');

    // Freeze alice's wallet: the console says FROZEN and her own transfer is refused.
    await ui.page.getByRole('button', { name: 'Freeze wallet…' }).click();
    await confirmDialog('Suspected account takeover (ticket 4712)', 'Freeze wallet');
    await expectText(ui.page.locator('#wallet-status'), /FROZEN/);
    await expectText(ui.page.locator('#users-body tr.selected td').nth(3), 'FROZEN');
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      const view = (await ui.page.locator('#wallets-view').boundingBox())!;
      await ui.page.screenshot({
        path: README_SCREENSHOT,
        clip: { x: 0, y: 0, width: 1360, height: view.y + view.height + 12 },
      });
    }
    await ui.page.screenshot({ path: outputPath('admin-console-wallet.png'), fullPage: true });

    const refused = await alice.agent
      .post('/v1/wallets/transfer')
      .send({ destination: carol.walletId, amount: '1.00' });
    expect(refused.status).toBe(403);
    expect(refused.body.status.errors).toEqual([
      {
        code: 'FORBIDDEN',
        message: 'Your wallet is frozen: it cannot send or receive money. Contact support to have it reviewed.',
        target: '__all__',
        reason: 'WALLET_FROZEN',
      },
    ]);

    // The action log: newest first, with who did it, to whom, and why.
    await ui.page.getByRole('button', { name: 'Action log' }).click();
    const log = ui.page.locator('#actions-body tr');
    await log.first().waitFor();
    const lines = await Promise.all(
      [0, 1, 2].map(async (i) => (await log.nth(i).locator('td').allInnerTexts()).map((text) => text.trim())),
    );
    expect(lines).toEqual([
      [
        expect.any(String),
        admin.username,
        'FREEZE',
        `wallet ${alice.username}`,
        '',
        'Suspected account takeover (ticket 4712)',
      ],
      [
        expect.any(String),
        admin.username,
        'REVERSAL',
        `transfer ${mistaken.slice(0, 8)}`,
        `130.25 from ${bob.username} back to ${alice.username}`,
        'Customer sent it to the wrong account (ticket 4711)',
      ],
      [expect.any(String), 'command line', 'PROMOTE', `user ${admin.username}`, '', expect.any(String)],
    ]);
    // Its targets are links: the reversed transfer opens the transfer view.
    await log
      .nth(1)
      .getByRole('link', { name: mistaken.slice(0, 8) })
      .click();
    await expectText(ui.page.locator('#transfer-id'), mistaken);
    await ui.page.goBack();
    await log.first().waitFor();
    await ui.page.screenshot({ path: outputPath('admin-console-actions.png') });

    // The audit finds the ledger sound after all of it.
    await ui.page.getByRole('button', { name: 'Ledger audit' }).click();
    await ui.page.getByRole('button', { name: 'Run ledger audit' }).click();
    await expectText(ui.page.locator('.audit-headline'), /BALANCED.*CHAIN OK/s);
    await expectText(ui.page.locator('#audit-total'), '0.00');
    await ui.page.screenshot({ path: outputPath('admin-console-audit.png') });

    await ctx.expectLedgerInvariants();

    // Logging out leads back to the login form; the session is gone on the server too.
    await ui.page.getByRole('button', { name: 'Log out' }).click();
    await ui.page.locator('#login-form').waitFor();
    const me = await ui.page.evaluate(() => fetch('/v1/auth/me').then((r) => r.status));
    expect(me).toBe(401);
  });

  it('shows where the audit finds the ledger broken after an edit made behind its back', async () => {
    const admin = await newAdmin();
    const payer = await ctx.registerUser();
    await ctx.deposit(payer, '80.00');
    const payee = await ctx.registerUser();
    await transfer(payer, payee, '30.00');
    const db = ctx.db;
    /** What someone bypassing the service (and its append-only triggers) could do. */
    const tamper = async (amount: string) => {
      await db.query('begin');
      await db.query('set local session_replication_role = replica');
      await db.query('update operations set amount = $2 where wallet_id = $1 and sequence = 2', [
        payer.walletId,
        amount,
      ]);
      await db.query('commit');
    };
    const { rows } = await db.query('select id from operations where wallet_id = $1 and sequence = 2', [
      payer.walletId,
    ]);
    await tamper('-3.00');
    try {
      await logIn(admin);
      await ui.page.getByRole('button', { name: 'Ledger audit' }).click();
      await ui.page.getByRole('button', { name: 'Run ledger audit' }).click();
      await expectText(ui.page.locator('.audit-headline'), /NOT BALANCED.*CHAIN BROKEN.*1 BALANCE MISMATCH\b/s);
      const facts = ui.page.locator('#audit-first-break dd');
      expect((await facts.allInnerTexts()).map((text) => text.trim())).toEqual([
        payer.walletId,
        rows[0].id,
        '2',
        'balance_after',
        '77.00',
        '50.00',
      ]);
      await ui.page.screenshot({ path: outputPath('admin-console-audit-break.png') });
      // The broken wallet is one click away.
      await ui.page.locator('#audit-first-break').getByRole('link', { name: payer.walletId }).click();
      await expectText(ui.page.locator('#wallet-id'), payer.walletId);
    } finally {
      await tamper('-30.00');
    }
    await ctx.expectLedgerInvariants();
  });

  it('pages users and operations with the More buttons', async () => {
    const admin = await newAdmin();
    const prefix = uniqueUsername('page');
    // One more user than a page of 20, and one more operation than a page of 50.
    const users = await Promise.all(
      Array.from({ length: 21 }, (_, i) => ctx.registerUser({ username: `${prefix}-${String(i).padStart(2, '0')}` })),
    );
    await ctx.depositsAtOneMoment(
      users[0].walletId,
      Array.from({ length: 51 }, (_, i) => BigInt(i + 1)),
    );

    await logIn(admin);
    await ui.page.locator('#user-search input[name=query]').fill(prefix);
    await ui.page.locator('#user-search').getByRole('button', { name: 'Find' }).click();
    const userRows = ui.page.locator('#users-body tr');
    await userRows.nth(19).waitFor();
    expect(await userRows.count()).toBe(20);
    await ui.page.getByRole('button', { name: 'More users' }).click();
    await userRows.nth(20).waitFor();
    expect(await userRows.count()).toBe(21);
    expect(await ui.page.getByRole('button', { name: 'More users' }).isHidden()).toBe(true);
    expect((await userRows.locator('td:first-child').allInnerTexts()).map((name) => name.trim())).toEqual(
      users.map((user) => user.username),
    );

    await ui.page.locator('#users-body').getByRole('link', { name: users[0].username, exact: true }).click();
    const operationRows = ui.page.locator('#operations-body tr');
    await operationRows.nth(49).waitFor();
    expect(await operationRows.count()).toBe(50);
    await ui.page.getByRole('button', { name: 'More operations' }).click();
    await operationRows.nth(50).waitFor();
    expect(await operationRows.locator('td:first-child').allInnerTexts()).toEqual(
      Array.from({ length: 51 }, (_, i) => String(51 - i)),
    );
    expect(await ui.page.getByRole('button', { name: 'More operations' }).isHidden()).toBe(true);
    await expectText(ui.page.locator('#wallet-balance'), '13.26');
  });

  it('tells a user who is not an admin that the console is for admins, and logs them out', async () => {
    const user = await ctx.registerUser();
    await logIn(user);
    await expectText(banner(), /is not an admin/);
    await ui.page.locator('#login-form').waitFor();
    expect(await ui.page.locator('#wallets-view').isHidden()).toBe(true);
  });

  it("works at phone width (390 px and 360 px): no sideways scroll, the tabs on screen, the dialog's button in view", async () => {
    const admin = await newAdmin();
    const alice = await ctx.registerUser({ username: uniqueUsername('alice') });
    const bob = await ctx.registerUser({ username: uniqueUsername('bob') });
    await ctx.deposit(alice, '1234567.89');
    const sent = await transfer(alice, bob, '1000.00');
    for (const width of [390, 360]) {
      await ui.open(width);
      const onScreen = (locator: Locator) => expectOnScreen(ui.page, locator);
      const noSidewaysScroll = () => expectNoSidewaysScroll(ui.page);

      await logIn(admin);
      await expectText(ui.page.locator('#who-name'), admin.username);
      for (const tab of ['Users & wallets', 'Ledger audit', 'Action log']) {
        await onScreen(ui.page.locator('#tabs').getByRole('button', { name: tab }));
      }
      await onScreen(ui.page.locator('#logout'));
      await openUser(alice);
      await expectText(ui.page.locator('#wallet-balance'), '1,233,567.89');
      await noSidewaysScroll();

      await operationRow(sent, /TRANSFER OUT/)
        .getByRole('button', { name: 'Reverse…' })
        .click();
      const dialog = ui.page.locator('#confirm-dialog');
      await dialog.waitFor();
      await onScreen(dialog.getByRole('button', { name: 'Reverse 1,000.00' }));
      await onScreen(dialog.getByRole('button', { name: 'Cancel' }));
      await noSidewaysScroll();
      await dialog.getByRole('button', { name: 'Cancel' }).click();

      await ui.page.locator('#tabs').getByRole('button', { name: 'Action log' }).click();
      await ui.page.locator('#actions-view').waitFor();
      await noSidewaysScroll();
    }
    if (process.env.UPDATE_SCREENSHOTS) await ui.page.screenshot({ path: outputPath('admin-console-phone.png') });
  });

  it('shows a wrong password as the server words it', async () => {
    const admin = await newAdmin();
    await logIn({ ...admin, password: 'not the password' });
    await expectText(banner(), /Invalid username or password\./);
    await expectText(banner().locator('.error-reason'), 'INVALID_CREDENTIALS');
    expect(await banner().locator('.banner-retry').count()).toBe(0);
  });

  it("says when to try again after the login throttle's 429, from its Retry-After", async () => {
    const admin = await newAdmin();
    // Five failures for this name from this address (the per-username bound), made through the API.
    for (let i = 0; i < 5; i++) {
      await request(ctx.server)
        .post('/v1/auth/login')
        .send({ username: admin.username, password: 'wrong' })
        .expect(401);
    }
    await logIn(admin);
    await expectText(banner().locator('.error-reason'), 'TOO_MANY_LOGIN_ATTEMPTS');
    await expectText(banner().locator('.banner-retry'), /^Try again in 1[45] min\.$/);
  });

  it('serves the console at /admin and /admin/ under a script-src self policy, without a session', async () => {
    await request(ctx.server).get('/admin').expect(301).expect('Location', '/admin/');
    const html = await request(ctx.server)
      .get('/admin/')
      .expect(200)
      .expect('Content-Type', /text\/html/);
    expect(html.headers['content-security-policy']).toContain("script-src 'self'");
    // One script, a file of the console's own: no inline code for the policy to block.
    expect(html.text.match(/<script\b[^>]*>/g)).toEqual(['<script type="module" src="main.js">']);
    await request(ctx.server)
      .get('/admin/main.js')
      .expect(200)
      .expect('Content-Type', /javascript/);
    const missing = await request(ctx.server).get('/admin/nothing-here.js').expect(404);
    expect(missing.body.status.success).toBe(false);
  });
});
