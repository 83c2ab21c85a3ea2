/**
 * The reversal dialog, shared by the operations rows and the transfer view:
 * the whole of what is left or a part of it (a refund), with a reason. A
 * REVERSAL entry moves the money back; nothing is edited or deleted.
 */
import { api, type OperationType } from './api.js';
import { cents, leftToReverse, unsigned } from './amounts.js';
import { grouped, h, money, time } from './dom.js';
import { act, confirmWithReason, notify } from './feedback.js';

/** What the dialog needs to know of the entry to reverse. */
export interface ReversibleEntry {
  transfer_id: string;
  type: OperationType;
  /** Either sign: the entry's amount. */
  amount: string;
  reversed_amount: string | null;
  source_wallet_id: string;
  source_username: string | null;
  destination_wallet_id: string;
  destination_username: string | null;
  created_at: string;
}

/** A DEPOSIT or TRANSFER with something left; a REVERSAL itself is not reversible. */
export function isReversible(entry: Pick<ReversibleEntry, 'type' | 'amount' | 'reversed_amount'>): boolean {
  return entry.type !== 'REVERSAL' && cents(leftToReverse(entry.amount, entry.reversed_amount)) > 0n;
}

const AMOUNT_PATTERN = '[0-9]{1,13}(\\.[0-9]{1,2})?';

/** "carol (5f1c2d3e)", or the funding wallet. */
function party(walletId: string, username: string | null): string {
  return `${username ?? 'funding wallet'} (${walletId.slice(0, 8)})`;
}

/**
 * Asks, reverses, tells what happened, then `refresh` redraws the view the
 * button is in. `button` is disabled while the request runs.
 */
export async function reverseEntry(
  button: HTMLButtonElement,
  entry: ReversibleEntry,
  refresh: () => Promise<void>,
): Promise<void> {
  const total = unsigned(entry.amount);
  const left = leftToReverse(entry.amount, entry.reversed_amount);
  const amountInput = h('input', {
    name: 'amount',
    inputmode: 'decimal',
    pattern: AMOUNT_PATTERN,
    placeholder: left,
    autocomplete: 'off',
    title: 'An amount such as 12.50, at most what is left',
  });
  const afterThis = h('span', { class: 'muted small', id: 'reversal-after' });
  /** The amount typed, as two-decimal text when it is one; '' when empty (all that is left). */
  const asked = () => {
    const text = amountInput.value.trim();
    return text && amountInput.checkValidity() ? toAmount(text) : text;
  };
  const confirmLabel = () => `Reverse ${grouped(asked() || left)}`;
  const describeAfter = () => {
    const amount = asked();
    const remains = amount && amountInput.checkValidity() ? leftToReverse(left, amount) : null;
    afterThis.textContent =
      remains === null
        ? ''
        : remains.startsWith('-')
          ? `More than the ${grouped(left)} left.`
          : `${grouped(remains)} will be left to reverse.`;
  };
  const reason = await confirmWithReason({
    title: entry.type === 'DEPOSIT' ? 'Reverse this deposit (chargeback)?' : 'Reverse this transfer?',
    body: h(
      'div',
      {},
      h(
        'p',
        {},
        'A compensating REVERSAL entry moves the money back. Nothing is edited or deleted. ',
        'Leave the amount empty to reverse everything that is left, or give a part of it (a refund).',
      ),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, entry.type === 'DEPOSIT' ? 'Deposit' : 'Transfer'),
        h('dd', {}, h('code', { class: 'id' }, entry.transfer_id)),
        h('dt', {}, 'Amount'),
        h('dd', {}, money(total)),
        h('dt', {}, 'Paid by'),
        h('dd', {}, party(entry.source_wallet_id, entry.source_username)),
        h('dt', {}, 'Paid to'),
        h('dd', {}, party(entry.destination_wallet_id, entry.destination_username)),
        h('dt', {}, 'At'),
        h('dd', {}, time(entry.created_at)),
        entry.reversed_amount ? [h('dt', {}, 'Reversed so far'), h('dd', {}, money(entry.reversed_amount))] : null,
        h('dt', {}, 'Left to reverse'),
        h('dd', { id: 'reversal-left' }, money(left)),
      ),
      h(
        'label',
        {},
        'Amount to reverse ',
        h('span', { class: 'muted small' }, `(empty: all ${grouped(left)})`),
        amountInput,
      ),
      afterThis,
    ),
    confirmLabel: confirmLabel(),
    tone: 'danger',
    onInput: (ok) => {
      ok.textContent = confirmLabel();
      describeAfter();
    },
  });
  if (reason === null) return;
  await act(button, 'Nothing was reversed', async () => {
    const reversal = await api.reverse(entry.transfer_id, reason, asked());
    // Both wallets changed: read them again for the message.
    const touched = [...new Set(reversal.operations.map((leg) => leg.wallet_id))];
    const wallets = await Promise.all(touched.map((id) => api.wallet(id)));
    await refresh();
    notify(
      `Reversed ${grouped(reversal.amount)} of ${entry.type === 'DEPOSIT' ? 'deposit' : 'transfer'} ${entry.transfer_id.slice(0, 8)} `,
      `(${grouped(reversal.remaining)} left to reverse). Balances now: `,
      ...wallets.flatMap((wallet, index) => [
        index > 0 ? ' · ' : '',
        `${wallet.kind === 'SYSTEM' ? 'funding wallet' : (wallet.username ?? wallet.id.slice(0, 8))} `,
        money(wallet.balance),
      ]),
    );
  });
}

/** "3" or "3.5" as the two-decimal text the server and the arithmetic expect. */
function toAmount(text: string): string {
  const [whole, fraction = ''] = text.split('.');
  return `${whole}.${fraction.padEnd(2, '0')}`;
}
