/**
 * The operators' console: session (login, who, logout), the three tabs, and
 * the start-up check of who is logged in. It talks only to /v1/auth/* and
 * /v1/admin/* (api.ts); each tab lives in its own module.
 */
import { api, ApiError, type Principal } from './api.js';
import { initActions, resetActions, showActions } from './actions.js';
import { initAudit, resetAudit } from './audit.js';
import { byId, fill, show } from './dom.js';
import { act, clearBanner, reportError, whenUnauthenticated } from './feedback.js';
import { initWallets, resetWallets, showWallet } from './wallets.js';

type Tab = 'wallets' | 'audit' | 'actions';

/** The console (not the login form) is showing. */
let signedIn = false;

function selectTab(tab: Tab): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('#tabs .tab')) {
    button.setAttribute('aria-selected', String(button.dataset.tab === tab));
  }
  show(byId('wallets-view'), tab === 'wallets');
  show(byId('audit-view'), tab === 'audit');
  show(byId('actions-view'), tab === 'actions');
  if (tab === 'actions') void showActions();
}

function showLogin(): void {
  signedIn = false;
  show(byId('loading'), false);
  show(byId('login-view'), true);
  show(byId('tabs'), false);
  show(byId('who'), false);
  for (const id of ['wallets-view', 'audit-view', 'actions-view']) show(byId(id), false);
  resetWallets();
  resetAudit();
  resetActions();
  byId<HTMLFormElement>('login-form').querySelector<HTMLInputElement>('input[name=username]')?.focus();
}

function showConsole(admin: Principal): void {
  signedIn = true;
  show(byId('loading'), false);
  show(byId('login-view'), false);
  fill(byId('who-name'), admin.username);
  show(byId('who'), true);
  show(byId('tabs'), true);
  selectTab('wallets');
  byId<HTMLFormElement>('user-search').querySelector<HTMLInputElement>('input[name=query]')?.focus();
}

/** Only an admin gets the console; anybody else is told so and logged out again. */
async function enter(principal: Principal): Promise<void> {
  if (principal.role === 'admin') {
    showConsole(principal);
    return;
  }
  await api.logout();
  showLogin();
  reportError(
    new ApiError(403, [
      {
        code: 'FORBIDDEN',
        message: `${principal.username} is not an admin. The console is for admins only; log in with an admin account.`,
      },
    ]),
  );
}

function init(): void {
  const loginForm = byId<HTMLFormElement>('login-form');
  loginForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const field = (name: string) => (loginForm.elements.namedItem(name) as HTMLInputElement).value;
    void act(loginForm.querySelector('button'), 'Could not log in', async () => {
      await api.login(field('username'), field('password'));
      loginForm.reset();
      await enter(await api.me());
    });
  });

  const logout = byId<HTMLButtonElement>('logout');
  logout.addEventListener(
    'click',
    () =>
      void act(logout, 'Could not log out', async () => {
        await api.logout();
        showLogin();
      }),
  );

  byId('banner-close').addEventListener('click', clearBanner);
  for (const button of document.querySelectorAll<HTMLButtonElement>('#tabs .tab')) {
    button.addEventListener('click', () => selectTab(button.dataset.tab as Tab));
  }

  whenUnauthenticated(() => {
    if (!signedIn) return false;
    showLogin();
    return true;
  });
  initWallets();
  const openWallet = (walletId: string) => {
    selectTab('wallets');
    void showWallet(walletId);
  };
  initAudit(openWallet);
  initActions(openWallet);

  // Who is here? 401: the login form; anything else: the banner says why.
  api.me().then(enter, (error: unknown) => {
    showLogin();
    if (!(error instanceof ApiError && error.unauthenticated)) reportError(error, 'Could not check the session');
  });
}

init();
