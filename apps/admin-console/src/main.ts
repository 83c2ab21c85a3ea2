/**
 * The operators' console: session (login, who, logout), the tabs, and the
 * address (router.ts) that says which tab is showing and which wallet or
 * transfer is open in it. It talks only to /v1/auth/* and /v1/admin/*
 * (api.ts); each view lives in its own module.
 */
import { api, ApiError, type Principal } from './api.js';
import { initActions, resetActions, showActions } from './actions.js';
import { initAudit, resetAudit } from './audit.js';
import { byId, fill, show } from './dom.js';
import { act, clearBanner, reportError, whenUnauthenticated } from './feedback.js';
import { currentRoute, go, onRoute, reopen, replace, stillHere, type Route } from './router.js';
import { initSearch, markOpenWallet, resetSearch, routeOf } from './search.js';
import { initTransfer, loadTransfer, resetTransfer } from './transfer.js';
import { initWallets, loadWallet, resetWallets } from './wallets.js';

type Tab = 'wallets' | 'audit' | 'actions';

/** The console (not the login form) is showing. */
let signedIn = false;
/** Where the users & wallets tab was last, for its tab button. */
let lastWalletsRoute: Route = { view: 'search' };

function tabOf(route: Route): Tab {
  return route.view === 'actions' || route.view === 'audit' ? route.view : 'wallets';
}

function selectTab(tab: Tab): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('#tabs .tab')) {
    button.setAttribute('aria-selected', String(button.dataset.tab === tab));
  }
  show(byId('wallets-view'), tab === 'wallets');
  show(byId('audit-view'), tab === 'audit');
  show(byId('actions-view'), tab === 'actions');
}

// ---- the right-hand column of the users & wallets tab: a wallet, a transfer, or a hint ----

const PANES = ['wallet-panel', 'transfer-panel'] as const;
type Pane = (typeof PANES)[number];
const HINT = 'Find a user and pick a row to open the wallet, or paste a user, wallet or transfer id.';

function showPane(pane: Pane | null, hint = HINT): void {
  for (const id of PANES) show(byId(id), id === pane);
  fill(byId('pane-placeholder'), hint);
  show(byId('pane-placeholder'), pane === null);
  if (pane !== 'wallet-panel') markOpenWallet(null);
}

/** Shows "Opening…" while `load` reads and draws the pane, then the pane, or why there is nothing. */
async function openPane(pane: Pane, heading: string, load: () => Promise<void>): Promise<void> {
  const stillWanted = stillHere();
  showPane(null, 'Opening…');
  let opened = false;
  await act(null, heading, async () => {
    await load();
    opened = true;
  });
  if (!stillWanted()) return;
  if (opened) showPane(pane);
  else showPane(null, 'Nothing to show: see the message above.');
}

/** Shows what the address names. */
function open(route: Route): void {
  if (!signedIn) return;
  const tab = tabOf(route);
  selectTab(tab);
  if (tab === 'wallets') lastWalletsRoute = route;
  switch (route.view) {
    case 'search':
      showPane(null);
      return;
    case 'wallet':
      void openPane('wallet-panel', 'Could not open the wallet', () => loadWallet(route.id));
      return;
    case 'transfer':
      void openPane('transfer-panel', 'Could not open the transfer', () => loadTransfer(route.id));
      return;
    case 'user':
      // A user (the action log links them) opens the user's wallet, whose address takes the user's place.
      void openPane('wallet-panel', 'Could not open the user', async () => replace(await routeOf(route.id)));
      return;
    case 'actions':
      void showActions();
      return;
    case 'audit':
      return;
  }
}

// ---- session ---------------------------------------------------------------

function showLogin(): void {
  signedIn = false;
  show(byId('loading'), false);
  show(byId('login-view'), true);
  show(byId('tabs'), false);
  show(byId('who'), false);
  for (const id of ['wallets-view', 'audit-view', 'actions-view']) show(byId(id), false);
  resetSearch();
  resetWallets();
  resetTransfer();
  resetAudit();
  resetActions();
  showPane(null);
  lastWalletsRoute = { view: 'search' };
  byId<HTMLFormElement>('login-form').querySelector<HTMLInputElement>('input[name=username]')?.focus();
}

function showConsole(admin: Principal): void {
  signedIn = true;
  show(byId('loading'), false);
  show(byId('login-view'), false);
  fill(byId('who-name'), admin.username);
  show(byId('who'), true);
  show(byId('tabs'), true);
  reopen();
  if (currentRoute().view === 'search') {
    byId<HTMLFormElement>('user-search').querySelector<HTMLInputElement>('input[name=query]')?.focus();
  }
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
    button.addEventListener('click', () => {
      const tab = button.dataset.tab as Tab;
      go(tab === 'wallets' ? lastWalletsRoute : { view: tab });
    });
  }

  whenUnauthenticated(() => {
    if (!signedIn) return false;
    showLogin();
    return true;
  });
  initSearch();
  initWallets();
  initTransfer();
  initAudit();
  initActions();
  onRoute(open);

  // Who is here? 401: the login form; anything else: the banner says why.
  api.me().then(enter, (error: unknown) => {
    showLogin();
    if (!(error instanceof ApiError && error.unauthenticated)) reportError(error, 'Could not check the session');
  });
}

init();
