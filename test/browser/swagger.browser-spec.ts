import type { Browser, Locator, Page } from 'playwright-core';
import { uniqueUsername, useTestContext } from '@app/testing';
import { launchBrowser } from './support/browser';
import { baseUrlOf, outputPath } from './support/served-app';

/**
 * The walk-through a person does in Swagger UI: register, deposit and read the
 * wallet with "Try it out", the session cookie carried by the browser.
 */
describe('Swagger UI at /api/doc/', () => {
  const ctx = useTestContext({ listen: true });
  let browser: Browser;
  let page: Page;
  /** What the Content-Security-Policy (helmet's, libs/http) blocked, and uncaught errors: none expected. */
  const blocked: string[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => blocked.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Refused to/.test(message.text())) {
        blocked.push(message.text());
      }
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** The operation block of `method path`, expanded, in "Try it out" mode. */
  async function tryItOut(method: 'get' | 'post', path: string): Promise<Locator> {
    const block = page.locator(`.opblock-${method}`).filter({
      has: page.locator(`.opblock-summary-path[data-path="${path}"]`),
    });
    await block.locator('.opblock-summary').first().click();
    await block.getByRole('button', { name: 'Try it out' }).click();
    return block;
  }

  /** Executes the expanded operation and returns the status code and body shown in its response panel. */
  async function execute(block: Locator, body?: unknown): Promise<{ status: number; body: any }> {
    if (body !== undefined) await block.locator('textarea.body-param__text').fill(JSON.stringify(body));
    await block.getByRole('button', { name: 'Execute' }).click();
    const live = block.locator('.live-responses-table');
    const status = live.locator('.response .response-col_status').first();
    await status.waitFor();
    const text = await live
      .locator('.response-col_description .highlight-code pre, .response-col_description pre.microlight')
      .first()
      .innerText();
    return { status: Number((await status.innerText()).trim()), body: JSON.parse(text) };
  }

  it('registers, deposits and shows the new balance through "Try it out"', async () => {
    await page.goto(`${baseUrlOf(ctx)}/api/doc/`);
    await page.locator('.opblock').first().waitFor();

    const username = uniqueUsername('swagger');
    const register = await execute(await tryItOut('post', '/v1/auth/register'), {
      username,
      password: 's3cret-pass',
      passwordConfirm: 's3cret-pass',
    });
    expect(register).toEqual({
      status: 200,
      body: { status: { success: true, errors: [] }, data: { id: expect.any(String), username } },
    });

    const deposit = await execute(await tryItOut('post', '/v1/wallets/deposit'), { amount: '125.50' });
    expect(deposit.status).toBe(200);
    expect(deposit.body.data).toMatchObject({ type: 'DEPOSIT', amount: '125.50' });

    const walletBlock = await tryItOut('get', '/v1/wallets');
    const wallet = await execute(walletBlock);
    expect(wallet.status).toBe(200);
    expect(wallet.body.data).toMatchObject({ balance: '125.50', available: '125.50' });

    await walletBlock.screenshot({ path: outputPath('swagger-wallet.png') });
    expect(blocked).toEqual([]);
  });
});
