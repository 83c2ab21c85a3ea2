/** The admin action log, newest first, paged with "More". */
import { api, type AdminAction } from './api.js';
import { badge, byId, fill, h, show, time } from './dom.js';
import { act } from './feedback.js';

const state: { actions: AdminAction[]; cursor: string | null; loaded: boolean } = {
  actions: [],
  cursor: null,
  loaded: false,
};

let opener: (walletId: string) => void = () => undefined;

/** `openWallet` is how a FREEZE/UNFREEZE target opens in the wallets view. */
export function initActions(openWallet: (walletId: string) => void): void {
  const refresh = byId<HTMLButtonElement>('actions-refresh');
  refresh.addEventListener('click', () => void act(refresh, 'Could not read the action log', reload));
  const more = byId<HTMLButtonElement>('actions-more');
  more.addEventListener('click', () => void act(more, 'Could not read more of the action log', loadMore));
  opener = openWallet;
}

/** The first visit to the tab reads the log; later visits keep what is shown until Refresh. */
export function showActions(): Promise<void> {
  return state.loaded ? Promise.resolve() : act(null, 'Could not read the action log', reload);
}

export function resetActions(): void {
  Object.assign(state, { actions: [], cursor: null, loaded: false });
  render();
}

async function reload(): Promise<void> {
  const page = await api.actions(null);
  Object.assign(state, { actions: page.items, cursor: page.nextCursor, loaded: true });
  render();
}

async function loadMore(): Promise<void> {
  const page = await api.actions(state.cursor);
  state.actions.push(...page.items);
  state.cursor = page.nextCursor;
  render();
}

const TONES = {
  REVERSAL: 'warn',
  FREEZE: 'danger',
  UNFREEZE: 'ok',
  PROMOTE: 'info',
  DEMOTE: 'info',
  END_SESSIONS: 'neutral',
} as const;

function render(): void {
  show(byId('actions-empty'), state.loaded && state.actions.length === 0);
  show(byId('actions-more'), state.cursor !== null);
  fill(
    byId('actions-body'),
    state.actions.map((action) =>
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
        h('td', { class: 'reason' }, action.reason ?? h('span', { class: 'muted' }, '—')),
      ),
    ),
  );
}

function target(action: AdminAction): Node {
  const label =
    {
      REVERSAL: 'transfer',
      FREEZE: 'wallet',
      UNFREEZE: 'wallet',
      PROMOTE: 'user',
      DEMOTE: 'user',
      END_SESSIONS: 'user',
    }[action.action] ?? '';
  const id = h('code', { class: 'id', title: action.target }, action.target.slice(0, 8));
  if (action.action === 'FREEZE' || action.action === 'UNFREEZE') {
    return h(
      'button',
      { type: 'button', class: 'link', title: `Open wallet ${action.target}`, onclick: () => opener(action.target) },
      `${label} `,
      id,
    );
  }
  return h('span', {}, h('span', { class: 'muted' }, `${label} `), id);
}
