/**
 * The admin action log, newest first, paged with "More"; and the rows of it,
 * which the wallet panel reuses for the actions on one wallet. Each line
 * names the admin and the target's owner, links its target, and shows a
 * reversal's amount and the parties of the entry it reversed.
 */
import { api, type AdminAction, type AdminActionType } from './api.js';
import { badge, byId, fill, h, money, show, time } from './dom.js';
import { act } from './feedback.js';
import { Pager } from './pager.js';
import { linkTo, transferLink, walletLink } from './router.js';

const log = new Pager<AdminAction>(
  (cursor) => api.actions(null, cursor),
  () => {
    show(byId('actions-empty'), log.loaded && log.items.length === 0);
    fill(byId('actions-body'), actionRows(log.items));
  },
  byId<HTMLButtonElement>('actions-more'),
  'of the action log',
);

export function initActions(): void {
  const refresh = byId<HTMLButtonElement>('actions-refresh');
  refresh.addEventListener('click', () => void act(refresh, 'Could not read the action log', () => log.first()));
}

/** Each visit to the tab reads the log afresh (an action taken meanwhile shows up). */
export function showActions(): Promise<void> {
  return act(null, 'Could not read the action log', () => log.first());
}

export function resetActions(): void {
  log.reset();
}

const TONES = {
  REVERSAL: 'warn',
  FREEZE: 'danger',
  UNFREEZE: 'ok',
  HOLD_VOID: 'warn',
  PROMOTE: 'info',
  DEMOTE: 'info',
  END_SESSIONS: 'neutral',
} as const;

/** What an action's target is. */
const TARGETS: Record<AdminActionType, 'wallet' | 'user' | 'transfer' | 'hold'> = {
  REVERSAL: 'transfer',
  FREEZE: 'wallet',
  UNFREEZE: 'wallet',
  HOLD_VOID: 'hold',
  PROMOTE: 'user',
  DEMOTE: 'user',
  END_SESSIONS: 'user',
};

/** Rows for a table with the columns Time, Admin, Action, Target, Details, Reason. */
export function actionRows(actions: AdminAction[]): HTMLElement[] {
  return actions.map((action) =>
    h(
      'tr',
      { 'data-action-id': action.id },
      h('td', {}, time(action.created_at)),
      h(
        'td',
        {},
        action.admin_username ??
          h('span', { class: 'muted' }, action.admin_id ? action.admin_id.slice(0, 8) : 'command line'),
      ),
      h('td', {}, badge(action.action, TONES[action.action] ?? 'neutral')),
      h('td', {}, target(action)),
      h('td', {}, details(action)),
      h('td', { class: 'reason' }, action.reason ?? h('span', { class: 'muted' }, '—')),
    ),
  );
}

/** "wallet alice", "user bob", "transfer 5f1c2d3e": the kind, then a link named by the owner when there is one. */
function target(action: AdminAction): Node {
  const kind = TARGETS[action.action] ?? 'target';
  const id = action.target;
  const name = action.target_username ?? h('code', { class: 'id' }, id.slice(0, 8));
  const title = { title: `${kind} ${id}` };
  const link =
    kind === 'wallet'
      ? linkTo({ view: 'wallet', id }, title, name)
      : kind === 'user'
        ? linkTo({ view: 'user', id }, title, name)
        : kind === 'transfer'
          ? transferLink(id)
          : // A hold: its id, then whose it is (the payer, which is what target_username names for HOLD_VOID).
            h(
              'span',
              title,
              h('code', { class: 'id' }, id.slice(0, 8)),
              action.target_username ? ` (${action.target_username})` : null,
            );
  return h('span', {}, h('span', { class: 'muted' }, `${kind} `), link);
}

/** A reversal: "3.00 from bob back to alice" (the payee of the reversed entry pays its payer). */
function details(action: AdminAction): Node | null {
  if (action.action !== 'REVERSAL' || !action.source_wallet_id || !action.destination_wallet_id) return null;
  return h(
    'span',
    { class: 'reversal-parties' },
    action.amount ? money(action.amount) : null,
    ' from ',
    walletLink(action.destination_wallet_id, action.destination_username),
    ' back to ',
    walletLink(action.source_wallet_id, action.source_username),
  );
}
