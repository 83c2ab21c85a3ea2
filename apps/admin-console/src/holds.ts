/** The holds the open wallet placed, newest first, each pending one with a Void button. */
import { api, type AdminWallet, type Hold, type HoldStatus } from './api.js';
import { badge, byId, fill, grouped, h, money, show, shortId, time } from './dom.js';
import { act, confirmWithReason, notify } from './feedback.js';
import { Pager } from './pager.js';
import { walletLink } from './router.js';

let wallet: AdminWallet | null = null;
let refreshWallet: () => Promise<void> = async () => undefined;

const holds = new Pager<Hold>(
  (cursor) => api.holds(wallet!.id, cursor),
  renderHolds,
  byId<HTMLButtonElement>('holds-more'),
  'holds',
);

export function initHolds(refresh: () => Promise<void>): void {
  refreshWallet = refresh;
}

export async function loadHolds(opened: AdminWallet, stillWanted: () => boolean): Promise<void> {
  // The funding wallet places no holds.
  const page = opened.kind === 'USER' ? await api.holds(opened.id, null) : { items: [], nextCursor: null };
  if (!stillWanted()) return;
  wallet = opened;
  holds.set(page);
}

export function resetHolds(): void {
  wallet = null;
  holds.reset();
}

const TONES: Record<HoldStatus, 'info' | 'ok' | 'neutral' | 'warn'> = {
  PENDING: 'info',
  CAPTURED: 'ok',
  VOIDED: 'neutral',
  EXPIRED: 'warn',
};

function renderHolds(): void {
  show(byId('holds-table'), holds.items.length > 0);
  show(byId('holds-empty'), holds.loaded && holds.items.length === 0);
  fill(
    byId('holds-body'),
    holds.items.map((hold) =>
      h(
        'tr',
        { 'data-hold-id': hold.id },
        h('td', {}, time(hold.created_at)),
        h('td', {}, shortId(hold.id)),
        h('td', {}, walletLink(hold.destination_wallet_id, hold.destination_username)),
        h('td', { class: 'num' }, money(hold.amount)),
        h('td', { class: 'num' }, money(hold.captured_amount)),
        h('td', {}, badge(hold.status, TONES[hold.status] ?? 'neutral')),
        h('td', {}, time(hold.expires_at)),
        h(
          'td',
          { class: 'row-actions' },
          hold.status === 'PENDING'
            ? h(
                'button',
                { type: 'button', class: 'button-small', onclick: (event) => void voidHold(event, hold) },
                'Void…',
              )
            : null,
        ),
      ),
    ),
  );
}

async function voidHold(event: Event, hold: Hold): Promise<void> {
  const button = event.currentTarget as HTMLButtonElement;
  const reason = await confirmWithReason({
    title: 'Void this hold?',
    body: h(
      'div',
      {},
      h('p', {}, 'The reserved money becomes available to the wallet again; nothing is paid.'),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Hold'),
        h('dd', {}, h('code', { class: 'id' }, hold.id)),
        h('dt', {}, 'Amount'),
        h('dd', {}, money(hold.amount)),
        h('dt', {}, 'For'),
        h('dd', {}, hold.destination_username ?? hold.destination_wallet_id),
        h('dt', {}, 'Expires'),
        h('dd', {}, time(hold.expires_at)),
      ),
    ),
    confirmLabel: `Void ${grouped(hold.amount)}`,
    tone: 'danger',
  });
  if (reason === null) return;
  await act(button, 'The hold was not voided', async () => {
    const voided = await api.voidHold(hold.id, reason);
    await refreshWallet();
    notify(`Hold ${voided.id.slice(0, 8)} voided: ${grouped(voided.amount)} is available to the wallet again.`);
  });
}
