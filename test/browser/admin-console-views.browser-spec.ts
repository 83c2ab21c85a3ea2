import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { uniqueUsername, useTestContext, type RegisteredUser } from '@app/testing';
import {
  banner,
  confirmDialog,
  consoleUrl,
  DESKTOP,
  dialog,
  expectNoSidewaysScroll,
  expectOnScreen,
  expectText,
  logIn,
  newAdmin,
  operationRow,
  PHONE,
  search,
  useConsoleBrowser,
} from './support/admin-console';
import { outputPath } from './support/served-app';

/** The console at phone width in the README, rewritten only with UPDATE_SCREENSHOTS=1 (as docs/admin-console.png). */
const PHONE_SCREENSHOT = join(__dirname, '..', '..', 'docs', 'admin-console-phone.png');

const CSV_HEADER =
  'transfer_id,type,created_at,amount,balance_after,sequence,source_wallet_id,source_username,' +
  'destination_wallet_id,destination_username,reverses,reversed_amount';

/**
 * The console's views of one entry and one wallet, at desktop width and at
 * 390 px (a phone): finding anything by its id, addresses that can be
 * reloaded and shared, partial reversals, claw-backs from frozen wallets,
 * holds, and the operations as CSV. At both widths the page never scrolls
 * sideways and a dialog's confirm button is on screen.
 */
describe.each([
  ['desktop', DESKTOP],
  ['a 390 px phone', PHONE],
])('admin console views at %s', (_label, width) => {
  const ctx = useTestContext({ listen: true });
  const ui = useConsoleBrowser();
  let page: Page;
  let admin: RegisteredUser;
  let alice: RegisteredUser;
  let bob: RegisteredUser;

  beforeEach(async () => {
    page = await ui.open(width);
    admin = await newAdmin(ctx);
    alice = await ctx.registerUser({ username: uniqueUsername('alice') });
    bob = await ctx.registerUser({ username: uniqueUsername('bob') });
  });

  async function transfer(from: RegisteredUser, to: RegisteredUser, amount: string): Promise<string> {
    return (await ctx.transfer(from, to.walletId, amount)).transfer_id;
  }

  /** Logs in at a deep link: the console opens what it names. */
  async function enterAt(hash: string): Promise<void> {
    await logIn(page, ctx, admin, hash);
    await expectText(page.locator('#who-name'), admin.username);
  }

  const legsText = async () => (await page.locator('#transfer-legs').innerText()).replace(/\s+/g, ' ');

  /** The dialog's confirm button: on screen before it is pressed, and nothing wider than the window. */
  async function expectDialogUsable(confirmLabel: string): Promise<void> {
    await dialog(page).waitFor();
    await expectOnScreen(page, dialog(page).getByRole('button', { name: confirmLabel }));
    await expectNoSidewaysScroll(page);
  }

  it('finds a transfer, a wallet and a user by id with the one search box', async () => {
    await ctx.deposit(alice, '100.00');
    const sent = await transfer(alice, bob, '25.00');
    await enterAt('');

    await search(page, sent);
    await expectText(page.locator('#transfer-id'), sent);
    expect(page.url()).toBe(consoleUrl(ctx, `#/transfers/${sent}`));
    await expectText(page.locator('#transfer-title'), 'Transfer of 25.00');
    await expectText(page.locator('#transfer-from'), alice.username);
    await expectText(page.locator('#transfer-to'), bob.username);
    expect(await page.locator('#transfer-legs tr').count()).toBe(2);
    expect(await legsText()).toContain(`${alice.username} 2 -25.00 75.00`);
    expect(await legsText()).toContain(`${bob.username} 1 +25.00 25.00`);
    await expectText(page.locator('#transfer-reversed'), 'Not reversed');
    await expectNoSidewaysScroll(page);
    await page.screenshot({ path: outputPath(`admin-console-transfer-${width}.png`), fullPage: true });

    // A wallet id (pasted in capitals) opens the wallet; a user id opens the user's wallet.
    await search(page, bob.walletId.toUpperCase());
    await expectText(page.locator('#wallet-title'), bob.username);
    expect(page.url()).toBe(consoleUrl(ctx, `#/wallets/${bob.walletId}`));
    await search(page, alice.id);
    await expectText(page.locator('#wallet-title'), alice.username);
    await expectText(page.locator('#wallet-balance'), '75.00');
    await expectNoSidewaysScroll(page);

    // An id that names nothing: the server says so.
    await search(page, randomUUID());
    await expectText(banner(page), /Nothing found/);
    await expectText(banner(page).locator('.error-reason'), /NOT_FOUND/);
  });

  it('opens a deep link, keeps it through a reload, and moves back and forward', async () => {
    await ctx.deposit(alice, '100.00');
    const sent = await transfer(alice, bob, '10.00');

    // A link followed before logging in opens once logged in.
    await enterAt(`#/wallets/${alice.walletId}`);
    await expectText(page.locator('#wallet-title'), alice.username);
    await expectText(page.locator('#wallet-balance'), '90.00');

    await page.goto(consoleUrl(ctx, `#/transfers/${sent}`));
    await expectText(page.locator('#transfer-id'), sent);
    await page.reload();
    await expectText(page.locator('#transfer-id'), sent);
    await expectText(page.locator('#transfer-title'), 'Transfer of 10.00');

    // From the transfer to the payee's wallet, then back and forward again.
    await page.locator('#transfer-to').getByRole('link', { name: bob.username }).click();
    await expectText(page.locator('#wallet-title'), bob.username);
    expect(page.url()).toBe(consoleUrl(ctx, `#/wallets/${bob.walletId}`));
    await page.goBack();
    await expectText(page.locator('#transfer-id'), sent);
    expect(await page.locator('#wallet-panel').isHidden()).toBe(true);
    await page.goForward();
    await expectText(page.locator('#wallet-title'), bob.username);
    await expectText(page.locator('#wallet-balance'), '10.00');

    // The tabs have addresses too.
    await page.locator('#tabs').getByRole('button', { name: 'Action log' }).click();
    await page.locator('#actions-body tr').first().waitFor();
    expect(page.url()).toBe(consoleUrl(ctx, '#/actions'));
    await page.reload();
    await page.locator('#actions-body tr').first().waitFor();
    expect(await page.locator('#wallets-view').isHidden()).toBe(true);
    await page.goBack();
    await expectText(page.locator('#wallet-title'), bob.username);
    await expectNoSidewaysScroll(page);
  });

  it('reverses part of a transfer, then the rest, and shows what is reversed and what is left', async () => {
    await ctx.deposit(alice, '100.00');
    const sent = await transfer(alice, bob, '10.00');
    await enterAt(`#/wallets/${alice.walletId}`);
    await expectText(page.locator('#wallet-balance'), '90.00');

    await operationRow(page, sent, /TRANSFER OUT/)
      .getByRole('button', { name: 'Reverse…' })
      .click();
    await expectText(dialog(page).locator('#reversal-left'), '10.00');
    await dialog(page)
      .getByLabel(/Amount to reverse/)
      .fill('3');
    await expectText(dialog(page).locator('#reversal-after'), '7.00 will be left to reverse.');
    await expectDialogUsable('Reverse 3.00');
    await confirmDialog(page, 'Refund of one item (ticket 5001)', 'Reverse 3.00');
    await expectText(banner(page), /Reversed 3\.00 of transfer \w{8} \(7\.00 left to reverse\)/);
    await expectText(page.locator('#wallet-balance'), '93.00');
    const row = operationRow(page, sent, /TRANSFER OUT/);
    await expectText(row.locator('td').nth(7), 'Reversed 3.00 of 10.00');
    const newest = page.locator('#operations-body tr').first();
    await expectText(newest.locator('td').nth(2), 'REVERSAL');
    await expectText(newest.locator('td').nth(3), '+3.00');
    await expectText(newest.locator('td').nth(6), bob.username);
    await expectText(newest.locator('td').nth(7), `Reverses ${sent.slice(0, 8)}`);
    await expectNoSidewaysScroll(page);

    // "Reversed 3.00 of 10.00" opens the transfer, which can still be reversed for what is left.
    await row.getByRole('link', { name: 'Reversed 3.00 of 10.00' }).click();
    await expectText(page.locator('#transfer-reversed'), 'Reversed 3.00 of 10.00 · 7.00 left');
    expect(await page.locator('#transfer-reversals tr').count()).toBe(1);
    if (process.env.UPDATE_SCREENSHOTS === '1' && width === PHONE) {
      await page.screenshot({ path: PHONE_SCREENSHOT });
    }
    await page.locator('#transfer-reverse').click();
    await expectText(dialog(page).locator('#reversal-left'), '7.00');
    await confirmDialog(page, 'too much', 'Reverse 8.00', { amount: '8.00' });
    await expectText(banner(page).locator('.error-reason'), 'REVERSAL_EXCEEDS_REMAINING');
    await expectText(banner(page), /7\.00 of this transfer's 10\.00 is left/);

    await page.locator('#transfer-reverse').click();
    await expectDialogUsable('Reverse 7.00');
    await confirmDialog(page, 'Order cancelled (ticket 5002)', 'Reverse 7.00');
    await expectText(page.locator('#transfer-reversed'), 'Reversed 10.00 of 10.00 · 0.00 left');
    await page.locator('#transfer-reverse').waitFor({ state: 'hidden' });
    expect(await page.locator('#transfer-reversals tr').count()).toBe(2);
    expect([await ctx.balanceOf(alice), await ctx.balanceOf(bob)]).toEqual(['100.00', '0.00']);

    // A reversal's own view names what it reverses and offers no reversal.
    await page.locator('#transfer-reversals').getByRole('link').first().click();
    await expectText(page.locator('#transfer-reverses'), sent.slice(0, 8));
    expect(await page.locator('#transfer-reverse').isHidden()).toBe(true);
    await expectNoSidewaysScroll(page);
    await ctx.expectLedgerInvariants();
  });

  it('claws a transfer and a deposit back from a frozen wallet, and logs who, what and why', async () => {
    await ctx.deposit(alice, '50.00');
    const sent = await transfer(alice, bob, '20.00');
    const deposited = (await ctx.deposit(bob, '5.00')).transfer_id;
    await enterAt(`#/wallets/${bob.walletId}`);
    await expectText(page.locator('#wallet-balance'), '25.00');

    await page.getByRole('button', { name: 'Freeze wallet…' }).click();
    await expectDialogUsable('Freeze wallet');
    await confirmDialog(page, 'Fraud report (ticket 6001)', 'Freeze wallet');
    await expectText(
      page.locator('#wallet-freeze-info'),
      new RegExp(
        `^\\s*Frozen by ${admin.username} at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC: Fraud report \\(ticket 6001\\)\\s*$`,
      ),
    );
    const walletActions = page.locator('#wallet-actions-body tr');
    await expectText(walletActions.first().locator('td').nth(2), 'FREEZE');
    await expectText(walletActions.first().locator('td').nth(1), admin.username);

    // The transfer comes back out of the frozen wallet...
    await operationRow(page, sent, /TRANSFER IN/)
      .getByRole('button', { name: 'Reverse…' })
      .click();
    await expectDialogUsable('Reverse 20.00');
    await confirmDialog(page, 'Claw-back: fraud (ticket 6001)', 'Reverse 20.00');
    await expectText(page.locator('#wallet-balance'), '5.00');
    await expectText(page.locator('#wallet-status'), /FROZEN/);

    // ... and so does the deposit (a chargeback to the funding wallet).
    await operationRow(page, deposited, /DEPOSIT/)
      .getByRole('button', { name: 'Reverse…' })
      .click();
    await expectText(page.locator('#confirm-title'), 'Reverse this deposit (chargeback)?');
    await confirmDialog(page, 'Chargeback from the card issuer', 'Reverse 5.00');
    await expectText(page.locator('#wallet-balance'), '0.00');
    await expectText(
      operationRow(page, deposited, /DEPOSIT/)
        .locator('td')
        .nth(7),
      'Reversed 5.00 of 5.00',
    );
    expect([await ctx.balanceOf(alice), await ctx.balanceOf(bob)]).toEqual(['50.00', '0.00']);

    await page.locator('#tabs').getByRole('button', { name: 'Action log' }).click();
    const log = page.locator('#actions-body tr');
    await log.nth(2).waitFor();
    const lines = await Promise.all(
      [0, 1, 2].map(async (i) => (await log.nth(i).locator('td').allInnerTexts()).map((text) => text.trim())),
    );
    expect(lines).toEqual([
      [
        expect.any(String),
        admin.username,
        'REVERSAL',
        `transfer ${deposited.slice(0, 8)}`,
        `5.00 from ${bob.username} back to funding wallet`,
        'Chargeback from the card issuer',
      ],
      [
        expect.any(String),
        admin.username,
        'REVERSAL',
        `transfer ${sent.slice(0, 8)}`,
        `20.00 from ${bob.username} back to ${alice.username}`,
        'Claw-back: fraud (ticket 6001)',
      ],
      [expect.any(String), admin.username, 'FREEZE', `wallet ${bob.username}`, '', 'Fraud report (ticket 6001)'],
    ]);
    await expectNoSidewaysScroll(page);
    await ctx.expectLedgerInvariants();
  });

  it("lists a wallet's holds and voids a pending one", async () => {
    await ctx.deposit(alice, '100.00');
    const big = await ctx.placeHold(alice, bob.walletId, '30.00');
    const small = await ctx.placeHold(alice, bob.walletId, '5.00');
    await enterAt(`#/wallets/${alice.walletId}`);
    await expectText(page.locator('#wallet-available'), '65.00');

    const holdRow = (id: string) => page.locator(`#holds-body tr[data-hold-id="${id}"]`);
    await holdRow(big.id).waitFor();
    expect((await holdRow(big.id).locator('td').allInnerTexts()).map((text) => text.trim())).toEqual([
      expect.stringMatching(/ UTC$/),
      big.id.slice(0, 8),
      bob.username,
      '30.00',
      '—',
      'PENDING',
      expect.stringMatching(/ UTC$/),
      'Void…',
    ]);
    expect(await page.locator('#holds-body tr').count()).toBe(2);
    await expectNoSidewaysScroll(page);
    await page.screenshot({ path: outputPath(`admin-console-holds-${width}.png`), fullPage: true });

    await holdRow(big.id).getByRole('button', { name: 'Void…' }).click();
    await expectDialogUsable('Void 30.00');
    await page.screenshot({ path: outputPath(`admin-console-void-${width}.png`) });
    await confirmDialog(page, 'Order cancelled by the merchant', 'Void 30.00');
    await expectText(banner(page), /Hold \w{8} voided: 30\.00 is available to the wallet again\./);
    await expectText(holdRow(big.id).locator('td').nth(5), 'VOIDED');
    expect(await holdRow(big.id).getByRole('button', { name: 'Void…' }).count()).toBe(0);
    await expectText(holdRow(small.id).locator('td').nth(5), 'PENDING');
    await expectText(page.locator('#wallet-available'), '95.00');
    await expectText(page.locator('#wallet-balance'), '100.00');
    expect(await ctx.fundsOf(alice)).toEqual({ balance: '100.00', available: '95.00' });

    await page.locator('#tabs').getByRole('button', { name: 'Action log' }).click();
    const line = page.locator('#actions-body tr').first();
    await expectText(line.locator('td').nth(2), 'HOLD_VOID');
    await expectText(line.locator('td').nth(3), `hold ${big.id.slice(0, 8)} (${alice.username})`);
    await expectText(line.locator('td').nth(5), 'Order cancelled by the merchant');
  });

  it('filters the operations by type and time and downloads the same selection as CSV', async () => {
    await ctx.deposit(alice, '100.00');
    const first = await transfer(alice, bob, '10.00');
    const second = await transfer(alice, bob, '2.50');
    await ctx.deposit(alice, '7.00');
    await enterAt(`#/wallets/${alice.walletId}`);
    const rows = page.locator('#operations-body tr');
    await rows.nth(3).waitFor();

    const filter = page.locator('#operations-filter');
    const utcInput = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString().slice(0, 19);
    const apply = async (values: { type: string; from: string; to: string }) => {
      await filter.locator('select[name=type]').selectOption(values.type);
      await filter.locator('input[name=from]').fill(values.from);
      await filter.locator('input[name=to]').fill(values.to);
      await filter.getByRole('button', { name: 'Apply' }).click();
    };
    const download = async () => {
      const [file] = await Promise.all([page.waitForEvent('download'), page.locator('#operations-csv').click()]);
      expect(file.suggestedFilename()).toBe(`wallet-${alice.walletId}-operations.csv`);
      return readFileSync((await file.path())!, 'utf8')
        .trim()
        .split(/\r?\n/);
    };

    // Transfers within the last hour and the next: the table and the CSV both hold the two transfers.
    const from = utcInput(-3600_000);
    const to = utcInput(3600_000);
    await apply({ type: 'TRANSFER', from, to });
    await rows.nth(2).waitFor({ state: 'detached' });
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-transfer-id')))).toEqual([
      second,
      first,
    ]);
    const link = new URL((await page.locator('#operations-csv').getAttribute('href'))!, consoleUrl(ctx));
    expect(link.pathname).toBe(`/v1/admin/wallets/${alice.walletId}/operations.csv`);
    expect(Object.fromEntries(link.searchParams)).toEqual({
      type: 'TRANSFER',
      from: `${from}.000Z`,
      to: `${to}.000Z`,
    });
    await expectNoSidewaysScroll(page);
    const lines = await download();
    expect(lines[0]).toBe(CSV_HEADER);
    expect(lines).toHaveLength(3);
    const byId = Object.fromEntries(lines.slice(1).map((line) => [line.split(',')[0], line.split(',')]));
    expect(byId[first].slice(1, 2)).toEqual(['TRANSFER']);
    expect(byId[first][3]).toBe('-10.00');
    expect(byId[second][3]).toBe('-2.50');
    expect(byId[first][9]).toBe(bob.username);

    // From an hour ahead: nothing, on the page and in the file.
    await apply({ type: '', from: utcInput(3600_000), to: '' });
    await expectText(page.locator('#operations-empty'), 'No operation matches these filters.');
    expect(await rows.count()).toBe(0);
    expect(await download()).toEqual([CSV_HEADER]);

    // No filters: all four operations again.
    await apply({ type: '', from: '', to: '' });
    await rows.nth(3).waitFor();
    expect(await download()).toHaveLength(5);
  });
});
