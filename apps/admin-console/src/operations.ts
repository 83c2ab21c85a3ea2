/**
 * The open wallet's operations, newest first: filtered by type and time, with
 * a CSV download of the same selection; each row links its transfer and its
 * counterparty, says what a reversal corrects and how much of an entry has
 * been reversed, and offers to reverse what is left.
 */
import { api, type AdminWallet, type Operation, type OperationFilter } from './api.js';
import { unsigned } from './amounts.js';
import { badge, byId, fill, grouped, h, money, show, time } from './dom.js';
import { act } from './feedback.js';
import { Pager } from './pager.js';
import { isReversible, reverseEntry, type ReversibleEntry } from './reversal.js';
import { transferLink, walletLink } from './router.js';

const NO_FILTER: OperationFilter = { type: '', from: '', to: '' };

let wallet: AdminWallet | null = null;
let filter: OperationFilter = NO_FILTER;
/** Redraws the whole wallet panel (figures too) after a reversal. */
let refreshWallet: () => Promise<void> = async () => undefined;

const operations = new Pager<Operation>(
  (cursor) => api.operations(wallet!.id, filter, cursor),
  renderOperations,
  byId<HTMLButtonElement>('operations-more'),
  'operations',
);

const filterForm = () => byId<HTMLFormElement>('operations-filter');

export function initOperations(refresh: () => Promise<void>): void {
  refreshWallet = refresh;
  filterForm().addEventListener('submit', (event) => {
    event.preventDefault();
    void act(filterForm().querySelector('button'), 'Could not filter the operations', async () => {
      filter = readFilter();
      await operations.first();
    });
  });
}

/**
 * Reads the first page for this wallet (with the filters shown, kept while the
 * same wallet is reopened) and shows it unless `stillWanted` says otherwise.
 */
export async function loadOperations(opened: AdminWallet, stillWanted: () => boolean): Promise<void> {
  if (opened.id !== wallet?.id) {
    filterForm().reset();
    filter = NO_FILTER;
  }
  // The funding wallet keeps no sequence, so its history cannot be paged (the API answers 422).
  const page = opened.kind === 'USER' ? await api.operations(opened.id, filter, null) : { items: [], nextCursor: null };
  if (!stillWanted()) return;
  wallet = opened;
  operations.set(page);
}

export function resetOperations(): void {
  wallet = null;
  filter = NO_FILTER;
  filterForm().reset();
  operations.reset();
}

/** The form's time fields are read as UTC, like every time the console shows. */
function readFilter(): OperationFilter {
  const value = (name: string) => (filterForm().elements.namedItem(name) as HTMLInputElement | HTMLSelectElement).value;
  const utc = (local: string) => (local ? new Date(`${local}Z`).toISOString() : '');
  return { type: value('type'), from: utc(value('from')), to: utc(value('to')) };
}

function renderOperations(): void {
  const userWallet = wallet?.kind === 'USER';
  const filtered = filter.type !== '' || filter.from !== '' || filter.to !== '';
  show(filterForm(), userWallet);
  const csv = byId<HTMLAnchorElement>('operations-csv');
  if (wallet && userWallet) csv.href = api.operationsCsvUrl(wallet.id, filter);
  const empty = byId('operations-empty');
  empty.textContent = !wallet
    ? ''
    : !userWallet
      ? "The funding wallet's operations are not listed: it keeps no sequence to page by."
      : filtered
        ? 'No operation matches these filters.'
        : 'No operations yet.';
  show(empty, operations.loaded && operations.items.length === 0);
  fill(byId('operations-body'), operations.items.map(operationRow));
}

function operationRow(operation: Operation): HTMLElement {
  return h(
    'tr',
    { 'data-operation-id': operation.id, 'data-transfer-id': operation.transfer_id },
    h('td', { class: 'num num-text' }, operation.sequence ?? '—'),
    h('td', {}, time(operation.timestamp)),
    h('td', {}, typeBadge(operation)),
    h('td', { class: 'num' }, money(operation.amount, { signed: true })),
    h('td', { class: 'num' }, money(operation.balance_after)),
    h('td', {}, transferLink(operation.transfer_id)),
    h('td', {}, counterparty(operation)),
    h('td', {}, correction(operation)),
    h(
      'td',
      { class: 'row-actions' },
      isReversible(operation)
        ? h(
            'button',
            {
              type: 'button',
              class: 'button-small',
              onclick: (event) =>
                void reverseEntry(event.currentTarget as HTMLButtonElement, asEntry(operation), refreshWallet),
            },
            'Reverse…',
          )
        : null,
    ),
  );
}

/** The entry an operation is a leg of, as the reversal dialog describes it. */
function asEntry(operation: Operation): ReversibleEntry {
  return {
    transfer_id: operation.transfer_id,
    type: operation.type,
    amount: operation.amount,
    reversed_amount: operation.reversed_amount,
    source_wallet_id: operation.source_wallet_id,
    source_username: operation.source_username ?? null,
    destination_wallet_id: operation.destination_wallet_id,
    destination_username: operation.destination_username ?? null,
    created_at: operation.timestamp,
  };
}

function typeBadge(operation: Operation): HTMLElement {
  if (operation.type === 'REVERSAL') return badge('REVERSAL', 'warn');
  if (operation.type === 'DEPOSIT') return badge('DEPOSIT', 'neutral');
  return badge(operation.amount.startsWith('-') ? 'TRANSFER OUT' : 'TRANSFER IN', 'neutral');
}

/** The other side of the entry, by username (a deposit's: the funding wallet), linking to its wallet. */
function counterparty(operation: Operation): HTMLElement {
  return operation.source_wallet_id === operation.wallet_id
    ? walletLink(operation.destination_wallet_id, operation.destination_username)
    : walletLink(operation.source_wallet_id, operation.source_username);
}

/** What a REVERSAL corrects, or how much of this entry has been reversed; each a link to the transfer view. */
function correction(operation: Operation): Node | null {
  if (operation.type === 'REVERSAL' && operation.reverses) {
    return h('span', {}, 'Reverses ', transferLink(operation.reverses));
  }
  if (operation.reversed_amount) {
    return transferLink(
      operation.transfer_id,
      `Reversed ${grouped(operation.reversed_amount)} of ${grouped(unsigned(operation.amount))}`,
    );
  }
  return null;
}
