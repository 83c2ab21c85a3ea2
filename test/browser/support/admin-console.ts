import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { uniqueUsername, type RegisteredUser, type TestContext } from '@app/testing';
import { launchBrowser } from './browser';
import { baseUrlOf } from './served-app';

/**
 * Driving the admin console at /admin: a browser per spec file, a fresh
 * context (cookies, viewport) per test, and the steps an operator takes.
 */

export const DESKTOP = 1360;
export const PHONE = 390;

export interface ConsoleBrowser {
  page: Page;
  context: BrowserContext;
  /** Messages the page logged as errors (a script that failed to load or threw, a CSP violation). */
  errors: string[];
  /** Closes the test's context and opens a new one this wide (narrower than 500 px: a touch phone). */
  open(width: number): Promise<Page>;
}

/** Registers the hooks: one Chromium for the file, a context per test at desktop width, no page errors. */
export function useConsoleBrowser(): ConsoleBrowser {
  let browser: Browser;
  const handle = {
    errors: [] as string[],
    async open(width: number): Promise<Page> {
      await handle.context?.close();
      const phone = width < 500;
      handle.context = await browser.newContext({
        viewport: { width, height: phone ? 780 : 820 },
        ...(phone ? { isMobile: true, hasTouch: true } : {}),
        acceptDownloads: true,
      });
      handle.page = await handle.context.newPage();
      handle.page.on('pageerror', (error) => handle.errors.push(error.message));
      handle.page.on('console', (message) => {
        // A 4xx answer the console shows to the operator is logged by Chromium too; that is expected.
        if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) handle.errors.push(message.text());
      });
      return handle.page;
    },
  } as ConsoleBrowser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    handle.errors = [];
    await handle.open(DESKTOP);
  });
  afterEach(async () => {
    await handle.context?.close();
    expect(handle.errors).toEqual([]);
  });
  return handle;
}

/** An admin made the way the command line makes one (`make admin`). */
export async function newAdmin(ctx: TestContext): Promise<RegisteredUser> {
  const admin = await ctx.registerUser({ username: uniqueUsername('ops') });
  await ctx.promote(admin);
  return admin;
}

export function consoleUrl(ctx: TestContext, hash = ''): string {
  return `${baseUrlOf(ctx)}/admin/${hash}`;
}

/** Opens /admin (or a deep link into it) and logs in there (an admin then sees the console). */
export async function logIn(page: Page, ctx: TestContext, user: RegisteredUser, hash = ''): Promise<void> {
  await page.goto(consoleUrl(ctx, hash));
  const form = page.locator('#login-form');
  await form.getByLabel('Username').fill(user.username);
  await form.getByLabel('Password').fill(user.password);
  await form.getByRole('button', { name: 'Log in' }).click();
}

/** Waits until the element's whole text is `text` (the page updates after its requests answer). */
export async function expectText(locator: Locator, text: string | RegExp): Promise<void> {
  const pattern =
    typeof text === 'string' ? new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) : text;
  try {
    await locator.filter({ hasText: pattern }).first().waitFor({ timeout: 10_000 });
  } catch {
    // Fail with what is shown (and what the banner says, if anything), which says more than a timeout.
    const shown = await locator.first().innerText();
    const said = (await banner(locator.page()).isVisible()) ? await banner(locator.page()).innerText() : '';
    expect(said ? `${shown}\n[banner] ${said}` : shown).toMatch(pattern);
  }
}

export const banner = (page: Page) => page.locator('#banner');

export const operationRow = (page: Page, transferId: string, type: RegExp) =>
  page.locator(`#operations-body tr[data-transfer-id="${transferId}"]`).filter({ hasText: type });

/** Types into the one search box and submits it. */
export async function search(page: Page, text: string): Promise<void> {
  await page.locator('#user-search input[name=query]').fill(text);
  await page.locator('#user-search').getByRole('button', { name: 'Find' }).click();
}

/** Finds the user by name and opens the wallet from the list. */
export async function openUser(page: Page, user: RegisteredUser): Promise<void> {
  await search(page, user.username);
  await page.locator('#users-body').getByRole('link', { name: user.username, exact: true }).click();
  await expectText(page.locator('#wallet-title'), user.username);
}

export const dialog = (page: Page) => page.locator('#confirm-dialog');

/** Fills the open dialog's reason (and amount, when given) and confirms with the button so labelled. */
export async function confirmDialog(
  page: Page,
  reason: string,
  confirmLabel: string | RegExp,
  options: { amount?: string } = {},
): Promise<void> {
  await dialog(page).waitFor();
  if (options.amount !== undefined)
    await dialog(page)
      .getByLabel(/Amount to reverse/)
      .fill(options.amount);
  await dialog(page)
    .getByLabel(/Reason/)
    .fill(reason);
  await dialog(page).getByRole('button', { name: confirmLabel }).click();
  await dialog(page).waitFor({ state: 'hidden' });
}

/** No sideways scroll: the page is no wider than the window. */
export async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>(
    '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
  );
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
}

/** Wholly inside the viewport, horizontally and vertically. */
export async function expectOnScreen(page: Page, locator: Locator): Promise<void> {
  const box = await locator.boundingBox();
  const viewport = page.viewportSize()!;
  expect(box).not.toBeNull();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(viewport.width);
  expect(box!.y).toBeGreaterThanOrEqual(0);
  expect(box!.y + box!.height).toBeLessThanOrEqual(viewport.height);
}
