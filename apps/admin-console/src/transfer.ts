/**
 * The transfer view: one journal entry (a deposit, a transfer or a reversal)
 * with both legs, its parties by username, what it reverses, how much of it
 * has been reversed and by which entries, and "Reverse…" while anything is left.
 */
import { api, type TransferDetail } from './api.js';
import { leftToReverse, unsigned } from './amounts.js';
import { badge, byId, fill, grouped, h, money, show, time } from './dom.js';
import { act } from './feedback.js';
import { isReversible, reverseEntry } from './reversal.js';
import { stillHere, transferLink, walletLink } from './router.js';

let entry: TransferDetail | null = null;

const KIND = { DEPOSIT: 'Deposit', TRANSFER: 'Transfer', REVERSAL: 'Reversal' } as const;

export function initTransfer(): void {
  const refresh = byId<HTMLButtonElement>('transfer-refresh');
  refresh.addEventListener('click', () => void act(refresh, 'Could not refresh the transfer', refreshTransfer));
  const reverse = byId<HTMLButtonElement>('transfer-reverse');
  reverse.addEventListener('click', () => {
    if (entry) void reverseEntry(reverse, entry, refreshTransfer);
  });
}

export async function loadTransfer(transferId: string): Promise<void> {
  const stillWanted = stillHere();
  const read = await api.transfer(transferId);
  if (!stillWanted()) return;
  entry = read;
  renderTransfer(read);
}

function refreshTransfer(): Promise<void> {
  return entry ? loadTransfer(entry.transfer_id) : Promise.resolve();
}

export function resetTransfer(): void {
  entry = null;
}

function renderTransfer(entry: TransferDetail): void {
  const amount = unsigned(entry.amount);
  fill(byId('transfer-title'), `${KIND[entry.type] ?? entry.type} of `, money(amount));
  byId('transfer-id').textContent = entry.transfer_id;
  show(byId('transfer-reverse'), isReversible(entry));
  const reversalState =
    entry.type === 'REVERSAL'
      ? null
      : entry.reversed_amount
        ? h(
            'span',
            { id: 'transfer-reversed' },
            `Reversed ${grouped(entry.reversed_amount)} of ${grouped(amount)} · `,
            `${grouped(leftToReverse(amount, entry.reversed_amount))} left`,
          )
        : h('span', { id: 'transfer-reversed', class: 'muted' }, 'Not reversed');
  fill(
    byId('transfer-facts'),
    h('dt', {}, 'Type'),
    h('dd', {}, badge(entry.type, entry.type === 'REVERSAL' ? 'warn' : 'neutral')),
    h('dt', {}, 'Time'),
    h('dd', {}, time(entry.created_at)),
    h('dt', {}, 'Amount'),
    h('dd', {}, money(amount)),
    h('dt', {}, 'From'),
    h('dd', { id: 'transfer-from' }, walletLink(entry.source_wallet_id, entry.source_username)),
    h('dt', {}, 'To'),
    h('dd', { id: 'transfer-to' }, walletLink(entry.destination_wallet_id, entry.destination_username)),
    entry.reverses
      ? [h('dt', {}, 'Reverses'), h('dd', { id: 'transfer-reverses' }, transferLink(entry.reverses))]
      : null,
    reversalState ? [h('dt', {}, 'Reversal'), h('dd', {}, reversalState)] : null,
  );
  fill(
    byId('transfer-legs'),
    entry.operations.map((leg) =>
      h(
        'tr',
        { 'data-wallet-id': leg.wallet_id },
        h(
          'td',
          {},
          walletLink(
            leg.wallet_id,
            leg.wallet_id === leg.source_wallet_id ? entry.source_username : entry.destination_username,
          ),
        ),
        h('td', { class: 'num num-text' }, leg.sequence ?? '—'),
        h('td', { class: 'num' }, money(leg.amount, { signed: true })),
        h('td', { class: 'num' }, money(leg.balance_after)),
      ),
    ),
  );
  // The facts say "Not reversed"; the section lists the reversals when there are some.
  show(byId('transfer-reversals-section'), entry.reversals.length > 0);
  fill(
    byId('transfer-reversals'),
    entry.reversals.map((reversal) =>
      h(
        'tr',
        { 'data-transfer-id': reversal.transfer_id },
        h('td', {}, time(reversal.created_at)),
        h('td', {}, transferLink(reversal.transfer_id)),
        h('td', { class: 'num' }, money(unsigned(reversal.amount))),
      ),
    ),
  );
}
