/**
 * The wallet panel: its figures, why and by whom it is frozen, freeze and
 * unfreeze, the admin actions on it, its operations (operations.ts) and the
 * holds it placed (holds.ts).
 */
import { actionRows } from './actions.js';
import { api, type AdminAction, type AdminWallet } from './api.js';
import { byId, fill, grouped, h, show, time } from './dom.js';
import { act, confirmWithReason, notify } from './feedback.js';
import { initHolds, loadHolds, resetHolds } from './holds.js';
import { initOperations, loadOperations, resetOperations } from './operations.js';
import { Pager } from './pager.js';
import { stillHere } from './router.js';
import { markOpenWallet, statusBadge } from './search.js';

let wallet: AdminWallet | null = null;

const actions = new Pager<AdminAction>(
  (cursor) => api.actions(wallet!.id, cursor, 10),
  () => {
    show(byId('wallet-actions-table'), actions.items.length > 0);
    show(byId('wallet-actions-empty'), actions.loaded && actions.items.length === 0);
    fill(byId('wallet-actions-body'), actionRows(actions.items));
  },
  byId<HTMLButtonElement>('wallet-actions-more'),
  'actions on this wallet',
);

export function initWallets(): void {
  const refresh = byId<HTMLButtonElement>('wallet-refresh');
  refresh.addEventListener('click', () => void act(refresh, 'Could not refresh the wallet', refreshWallet));
  byId<HTMLButtonElement>('wallet-freeze').addEventListener('click', (event) => void setFrozen(event, true));
  byId<HTMLButtonElement>('wallet-unfreeze').addEventListener('click', (event) => void setFrozen(event, false));
  initOperations(refreshWallet);
  initHolds(refreshWallet);
}

/**
 * Reads the wallet and everything the panel lists of it, and draws them; an
 * answer that comes after the operator went elsewhere is dropped.
 */
export async function loadWallet(walletId: string): Promise<void> {
  const stillWanted = stillHere();
  const read = await api.wallet(walletId);
  if (!stillWanted()) return;
  const [actionsPage] = await Promise.all([
    api.actions(read.id, null, 10),
    loadOperations(read, stillWanted),
    loadHolds(read, stillWanted),
  ]);
  if (!stillWanted()) return;
  wallet = read;
  actions.set(actionsPage);
  markOpenWallet(read);
  renderWallet();
}

function refreshWallet(): Promise<void> {
  return wallet ? loadWallet(wallet.id) : Promise.resolve();
}

export function resetWallets(): void {
  wallet = null;
  resetOperations();
  resetHolds();
  actions.reset();
}

function nameOf(wallet: AdminWallet): string {
  if (wallet.kind === 'SYSTEM') return 'Funding wallet (system)';
  return wallet.username ?? `User ${wallet.user_id?.slice(0, 8) ?? '?'}`;
}

function renderWallet(): void {
  if (!wallet) return;
  fill(byId('wallet-title'), nameOf(wallet));
  byId('wallet-id').textContent = wallet.id;
  fill(byId('wallet-kind'), wallet.kind === 'SYSTEM' ? 'system wallet' : 'user wallet');
  fill(byId('wallet-balance'), grouped(wallet.balance));
  fill(byId('wallet-available'), grouped(wallet.available));
  fill(
    byId('wallet-status'),
    statusBadge(wallet.frozen),
    wallet.frozen && wallet.frozen_at ? h('span', { class: 'muted small' }, ' since ', time(wallet.frozen_at)) : null,
  );
  fill(byId('wallet-sequence'), wallet.last_sequence === null ? '—' : String(wallet.last_sequence));
  const info = byId('wallet-freeze-info');
  fill(
    info,
    'Frozen',
    wallet.frozen_by ? [' by ', h('strong', {}, wallet.frozen_by)] : null,
    wallet.frozen_at ? [' at ', time(wallet.frozen_at)] : null,
    ': ',
    wallet.frozen_reason
      ? h('span', { class: 'freeze-reason' }, wallet.frozen_reason)
      : h('span', { class: 'muted' }, 'no reason given'),
  );
  show(info, wallet.frozen);
  const userWallet = wallet.kind === 'USER';
  show(byId('wallet-freeze'), userWallet && !wallet.frozen);
  show(byId('wallet-unfreeze'), userWallet && wallet.frozen);
}

async function setFrozen(event: Event, frozen: boolean): Promise<void> {
  const current = wallet;
  if (!current) return;
  const button = event.currentTarget as HTMLButtonElement;
  const reason = await confirmWithReason({
    title: frozen ? `Freeze ${nameOf(current)}'s wallet?` : `Unfreeze ${nameOf(current)}'s wallet?`,
    body: h(
      'p',
      {},
      frozen
        ? 'A frozen wallet can neither send nor receive money, nor place or capture holds, until it is unfrozen. Operators can still reverse its entries and void its holds.'
        : 'The wallet can send and receive money again.',
    ),
    confirmLabel: frozen ? 'Freeze wallet' : 'Unfreeze wallet',
    tone: frozen ? 'danger' : 'primary',
  });
  if (reason === null) return;
  await act(button, frozen ? 'The wallet was not frozen' : 'The wallet was not unfrozen', async () => {
    if (frozen) await api.freeze(current.id, reason);
    else await api.unfreeze(current.id, reason);
    await refreshWallet();
    notify(`${nameOf(current)}'s wallet is ${frozen ? 'frozen' : 'active again'}.`);
  });
}
