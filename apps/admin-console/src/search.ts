/**
 * The one search box of the users & wallets tab: a username prefix lists the
 * users whose name starts with it; a UUID is looked up (a user, a wallet or a
 * transfer) and opens the wallet or the transfer view.
 */
import { api, type AdminUser, type AdminWallet } from './api.js';
import { badge, byId, fill, h, money, show } from './dom.js';
import { act } from './feedback.js';
import { Pager } from './pager.js';
import { go, linkTo, UUID, type Route } from './router.js';

/** The prefix of the last search, null before the first. */
let query: string | null = null;
/** The wallet open in the other column, marked in the list. */
let openWalletId: string | null = null;

const users = new Pager<AdminUser>(
  (cursor) => api.users(query ?? '', cursor),
  renderUsers,
  byId<HTMLButtonElement>('users-more'),
  'users',
);

export function initSearch(): void {
  byId<HTMLFormElement>('user-search').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const text = (form.elements.namedItem('query') as HTMLInputElement).value.trim();
    void act(form.querySelector('button'), 'Nothing found', () => search(text));
  });
}

export function resetSearch(): void {
  query = null;
  openWalletId = null;
  byId<HTMLFormElement>('user-search').reset();
  users.reset();
}

async function search(text: string): Promise<void> {
  if (UUID.test(text)) {
    go(await routeOf(text));
    return;
  }
  query = text;
  await users.first();
}

/** Where an id leads: a user or a wallet opens the wallet, a transfer (any entry) the transfer view. */
export async function routeOf(id: string): Promise<Route> {
  const found = await api.lookup(id.toLowerCase());
  if (found.kind === 'transfer' && found.transfer_id) return { view: 'transfer', id: found.transfer_id };
  if (found.wallet_id) return { view: 'wallet', id: found.wallet_id };
  throw new Error(`User ${found.user_id ?? id} has no wallet.`);
}

/** Marks the open wallet's row (or none) and keeps the row's figures in step with the wallet just read. */
export function markOpenWallet(wallet: AdminWallet | null): void {
  openWalletId = wallet?.id ?? null;
  for (const user of users.items) {
    if (wallet && user.wallet?.id === wallet.id) {
      user.wallet = { id: wallet.id, balance: wallet.balance, available: wallet.available, frozen: wallet.frozen };
    }
  }
  renderUsers();
}

export function statusBadge(frozen: boolean): HTMLElement {
  return frozen ? badge('FROZEN', 'danger') : badge('ACTIVE', 'ok');
}

function renderUsers(): void {
  show(byId('users-table'), users.items.length > 0);
  show(byId('users-empty'), query !== null && users.loaded && users.items.length === 0);
  fill(
    byId('users-body'),
    users.items.map((user) => {
      const wallet = user.wallet;
      return h(
        'tr',
        { 'data-user-id': user.id, class: wallet && wallet.id === openWalletId ? 'selected' : null },
        h(
          'td',
          {},
          wallet ? linkTo({ view: 'wallet', id: wallet.id }, {}, user.username) : user.username,
          user.role === 'admin' ? [' ', badge('ADMIN', 'info')] : null,
        ),
        h('td', { class: 'num' }, wallet ? money(wallet.balance) : null),
        h('td', { class: 'num' }, wallet ? money(wallet.available) : null),
        h('td', {}, wallet ? statusBadge(wallet.frozen) : h('span', { class: 'muted' }, 'no wallet')),
      );
    }),
  );
}
