/**
 * Users & wallets: find a user by username prefix, open a wallet (figures and
 * operations), reverse a transfer from its row, freeze or unfreeze the wallet.
 */
import { api, type AdminUser, type AdminWallet, type Operation } from './api.js';
import { badge, byId, fill, grouped, h, money, shortId, show, time } from './dom.js';
import { act, confirmWithReason, notify } from './feedback.js';

interface State {
  /** The prefix of the last search, null before the first. */
  query: string | null;
  users: AdminUser[];
  usersCursor: string | null;
  /** Usernames by wallet id, from the search results: names counterparts and opened wallets. */
  names: Map<string, string>;
  wallet: AdminWallet | null;
  operations: Operation[];
  operationsCursor: string | null;
}

const state: State = {
  query: null,
  users: [],
  usersCursor: null,
  names: new Map(),
  wallet: null,
  operations: [],
  operationsCursor: null,
};

export function initWallets(): void {
  byId<HTMLFormElement>('user-search').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const query = (form.elements.namedItem('query') as HTMLInputElement).value.trim();
    void act(form.querySelector('button'), 'Could not search users', () => searchUsers(query));
  });
  const moreUsers = byId<HTMLButtonElement>('users-more');
  moreUsers.addEventListener('click', () => void act(moreUsers, 'Could not load more users', loadMoreUsers));
  const moreOps = byId<HTMLButtonElement>('operations-more');
  moreOps.addEventListener('click', () => void act(moreOps, 'Could not load more operations', loadMoreOperations));
  const refresh = byId<HTMLButtonElement>('wallet-refresh');
  refresh.addEventListener('click', () => {
    if (state.wallet) void act(refresh, 'Could not refresh the wallet', () => openWallet(state.wallet!.id));
  });
  byId<HTMLButtonElement>('wallet-freeze').addEventListener('click', (event) => void setFrozen(event, true));
  byId<HTMLButtonElement>('wallet-unfreeze').addEventListener('click', (event) => void setFrozen(event, false));
}

/** Opens a wallet from elsewhere (the action log), as a click on it would. */
export function showWallet(walletId: string, button: HTMLButtonElement | null = null): Promise<void> {
  return act(button, 'Could not open the wallet', () => openWallet(walletId));
}

export function resetWallets(): void {
  Object.assign(state, {
    query: null,
    users: [],
    usersCursor: null,
    wallet: null,
    operations: [],
    operationsCursor: null,
  });
  state.names.clear();
  byId<HTMLFormElement>('user-search').reset();
  renderUsers();
  renderWallet();
}

// ---- users ------------------------------------------------------------------

async function searchUsers(query: string): Promise<void> {
  const page = await api.users(query, null);
  Object.assign(state, { query, users: page.items, usersCursor: page.nextCursor });
  remember(page.items);
  renderUsers();
}

async function loadMoreUsers(): Promise<void> {
  const page = await api.users(state.query ?? '', state.usersCursor);
  state.users.push(...page.items);
  state.usersCursor = page.nextCursor;
  remember(page.items);
  renderUsers();
}

function remember(users: AdminUser[]): void {
  for (const user of users) if (user.wallet) state.names.set(user.wallet.id, user.username);
}

function renderUsers(): void {
  show(byId('users-table'), state.users.length > 0);
  show(byId('users-empty'), state.query !== null && state.users.length === 0);
  show(byId('users-more'), state.usersCursor !== null);
  fill(
    byId('users-body'),
    state.users.map((user) => {
      const wallet = user.wallet;
      const open = wallet
        ? h(
            'button',
            {
              type: 'button',
              class: 'link',
              onclick: (e) => void showWallet(wallet.id, e.currentTarget as HTMLButtonElement),
            },
            user.username,
          )
        : h('span', {}, user.username);
      return h(
        'tr',
        { 'data-user-id': user.id, class: wallet && state.wallet?.id === wallet.id ? 'selected' : null },
        h('td', {}, open, user.role === 'admin' ? [' ', badge('ADMIN', 'info')] : null),
        h('td', { class: 'num' }, wallet ? money(wallet.balance) : null),
        h('td', { class: 'num' }, wallet ? money(wallet.available) : null),
        h('td', {}, wallet ? statusBadge(wallet.frozen) : h('span', { class: 'muted' }, 'no wallet')),
      );
    }),
  );
}

function statusBadge(frozen: boolean): HTMLElement {
  return frozen ? badge('FROZEN', 'danger') : badge('ACTIVE', 'ok');
}

/** Keeps the search results in step with a wallet just read. */
function patchUserRow(wallet: AdminWallet): void {
  for (const user of state.users) {
    if (user.wallet?.id === wallet.id) {
      user.wallet = { id: wallet.id, balance: wallet.balance, available: wallet.available, frozen: wallet.frozen };
    }
  }
}

// ---- one wallet ---------------------------------------------------------------

async function openWallet(walletId: string): Promise<void> {
  const wallet = await api.wallet(walletId);
  // The funding wallet keeps no sequence, so its history cannot be paged (the API answers 422).
  const page = wallet.kind === 'USER' ? await api.operations(walletId, null) : { items: [], nextCursor: null };
  Object.assign(state, { wallet, operations: page.items, operationsCursor: page.nextCursor });
  patchUserRow(wallet);
  renderUsers();
  renderWallet();
}

async function loadMoreOperations(): Promise<void> {
  if (!state.wallet) return;
  const page = await api.operations(state.wallet.id, state.operationsCursor);
  state.operations.push(...page.items);
  state.operationsCursor = page.nextCursor;
  renderOperations();
}

function nameOf(wallet: AdminWallet): string {
  if (wallet.kind === 'SYSTEM') return 'Funding wallet (system)';
  return wallet.username ?? state.names.get(wallet.id) ?? `User ${wallet.user_id?.slice(0, 8) ?? '?'}`;
}

function renderWallet(): void {
  const wallet = state.wallet;
  show(byId('wallet-none'), !wallet);
  show(byId('wallet-panel'), Boolean(wallet));
  if (!wallet) return;
  fill(byId('wallet-title'), nameOf(wallet));
  const id = byId('wallet-id');
  id.textContent = wallet.id;
  fill(byId('wallet-kind'), wallet.kind === 'SYSTEM' ? 'system wallet' : 'user wallet');
  fill(byId('wallet-balance'), grouped(wallet.balance));
  fill(byId('wallet-available'), grouped(wallet.available));
  fill(
    byId('wallet-status'),
    statusBadge(wallet.frozen),
    wallet.frozen && wallet.frozen_at ? h('span', { class: 'muted small' }, ' since ', time(wallet.frozen_at)) : null,
  );
  fill(byId('wallet-sequence'), wallet.last_sequence === null ? '—' : String(wallet.last_sequence));
  const userWallet = wallet.kind === 'USER';
  show(byId('wallet-freeze'), userWallet && !wallet.frozen);
  show(byId('wallet-unfreeze'), userWallet && wallet.frozen);
  renderOperations();
}

function renderOperations(): void {
  const wallet = state.wallet;
  if (!wallet) return;
  const empty = byId('operations-empty');
  empty.textContent =
    wallet.kind === 'USER'
      ? 'No operations yet.'
      : "The funding wallet's operations are not listed: it keeps no sequence to page by.";
  show(empty, state.operations.length === 0);
  show(byId('operations-more'), state.operationsCursor !== null);
  fill(
    byId('operations-body'),
    state.operations.map((operation) =>
      h(
        'tr',
        { 'data-operation-id': operation.id, 'data-transfer-id': operation.transfer_id },
        h('td', { class: 'num num-text' }, operation.sequence ?? '—'),
        h('td', {}, time(operation.timestamp)),
        h('td', {}, typeBadge(operation)),
        h('td', { class: 'num' }, money(operation.amount, { signed: true })),
        h('td', { class: 'num' }, money(operation.balance_after)),
        h('td', {}, shortId(operation.transfer_id)),
        h('td', {}, counterpart(wallet, operation)),
        h(
          'td',
          { class: 'row-actions' },
          operation.type === 'TRANSFER'
            ? h(
                'button',
                { type: 'button', class: 'button-small', onclick: (e) => void reverse(e, operation) },
                'Reverse…',
              )
            : null,
        ),
      ),
    ),
  );
}

function typeBadge(operation: Operation): HTMLElement {
  if (operation.type === 'REVERSAL') return badge('REVERSAL', 'warn');
  if (operation.type === 'DEPOSIT') return badge('DEPOSIT', 'neutral');
  return badge(operation.amount.startsWith('-') ? 'TRANSFER OUT' : 'TRANSFER IN', 'neutral');
}

/** The other side of the entry: a deposit's funding wallet, or the other user's wallet (a link that opens it). */
function counterpart(wallet: AdminWallet, operation: Operation): Node {
  if (operation.type === 'DEPOSIT') return h('span', { class: 'muted' }, 'funding (deposit)');
  const other = operation.source_wallet_id === wallet.id ? operation.destination_wallet_id : operation.source_wallet_id;
  const name = state.names.get(other);
  return h(
    'button',
    {
      type: 'button',
      class: 'link',
      title: `Open wallet ${other}`,
      onclick: (e) => void showWallet(other, e.currentTarget as HTMLButtonElement),
    },
    name ?? h('code', { class: 'id' }, other.slice(0, 8)),
  );
}

// ---- corrections --------------------------------------------------------------

function walletLabel(walletId: string): string {
  const name = state.names.get(walletId);
  return name ? `${name} (${walletId.slice(0, 8)})` : walletId;
}

async function reverse(event: Event, operation: Operation): Promise<void> {
  const button = event.currentTarget as HTMLButtonElement;
  const amount = operation.amount.replace(/^-/, '');
  const reason = await confirmWithReason({
    title: 'Reverse this transfer?',
    body: h(
      'div',
      {},
      h(
        'p',
        {},
        'A compensating REVERSAL entry moves the money back. Nothing is edited or deleted, and a transfer can be reversed only once.',
      ),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Transfer'),
        h('dd', {}, h('code', { class: 'id' }, operation.transfer_id)),
        h('dt', {}, 'Amount'),
        h('dd', {}, money(amount)),
        h('dt', {}, 'Paid by'),
        h('dd', {}, walletLabel(operation.source_wallet_id)),
        h('dt', {}, 'Paid to'),
        h('dd', {}, walletLabel(operation.destination_wallet_id)),
        h('dt', {}, 'At'),
        h('dd', {}, time(operation.timestamp)),
      ),
    ),
    confirmLabel: `Reverse ${grouped(amount)}`,
    tone: 'danger',
  });
  if (reason === null) return;
  await act(button, 'The transfer was not reversed', async () => {
    const reversal = await api.reverse(operation.transfer_id, reason);
    // Both wallets changed: read them again (balance and available) for the panel and the search results.
    const touched = [...new Set(reversal.operations.map((leg) => leg.wallet_id))];
    const wallets = await Promise.all(touched.map((id) => api.wallet(id)));
    wallets.forEach(patchUserRow);
    await openWallet(state.wallet!.id);
    notify(
      `Transfer ${reversal.reversed_transfer_id.slice(0, 8)} reversed (entry ${reversal.id.slice(0, 8)}). Balances now: `,
      ...wallets.flatMap((wallet, index) => [index > 0 ? ' · ' : '', `${nameOf(wallet)} `, money(wallet.balance)]),
    );
  });
}

async function setFrozen(event: Event, frozen: boolean): Promise<void> {
  const wallet = state.wallet;
  if (!wallet) return;
  const button = event.currentTarget as HTMLButtonElement;
  const reason = await confirmWithReason({
    title: frozen ? `Freeze ${nameOf(wallet)}'s wallet?` : `Unfreeze ${nameOf(wallet)}'s wallet?`,
    body: h(
      'p',
      {},
      frozen
        ? 'A frozen wallet can neither send nor receive money, nor place or capture holds, until it is unfrozen.'
        : 'The wallet can send and receive money again.',
    ),
    confirmLabel: frozen ? 'Freeze wallet' : 'Unfreeze wallet',
    tone: frozen ? 'danger' : 'primary',
  });
  if (reason === null) return;
  await act(button, frozen ? 'The wallet was not frozen' : 'The wallet was not unfrozen', async () => {
    const updated = frozen ? await api.freeze(wallet.id, reason) : await api.unfreeze(wallet.id, reason);
    state.wallet = { ...updated, username: updated.username ?? wallet.username };
    patchUserRow(updated);
    renderUsers();
    renderWallet();
    notify(`${nameOf(updated)}'s wallet is ${frozen ? 'frozen' : 'active again'}.`);
  });
}
