/** Ledger audit: run it on demand and show what it found, the first break first. */
import { api, type AuditReport } from './api.js';
import { badge, byId, fill, h, money, time } from './dom.js';
import { act } from './feedback.js';
import { linkTo } from './router.js';

export function initAudit(): void {
  const run = byId<HTMLButtonElement>('audit-run');
  run.addEventListener(
    'click',
    () =>
      void act(run, 'The audit could not run', async () => {
        fill(byId('audit-result'), h('p', { class: 'muted' }, 'Reading the whole ledger…'));
        try {
          renderAudit(await api.audit(), new Date().toISOString());
        } catch (error) {
          fill(byId('audit-result'));
          throw error;
        }
      }),
  );
}

export function resetAudit(): void {
  fill(byId('audit-result'));
}

/** A wallet the audit names, by its whole id, opening it. */
function walletLink(walletId: string): HTMLElement {
  return linkTo({ view: 'wallet', id: walletId }, { class: 'link id', title: 'Open this wallet' }, walletId);
}

function renderAudit(report: AuditReport, checkedAt: string): void {
  const sound = report.balanced && report.chain_ok && report.mismatches.length === 0;
  fill(
    byId('audit-result'),
    h(
      'div',
      { class: `audit-card ${sound ? 'audit-ok' : 'audit-bad'}`, 'data-audit': sound ? 'ok' : 'bad' },
      h(
        'div',
        { class: 'audit-headline' },
        report.balanced ? badge('BALANCED', 'ok') : badge('NOT BALANCED', 'danger'),
        ' ',
        report.chain_ok ? badge('CHAIN OK', 'ok') : badge('CHAIN BROKEN', 'danger'),
        ' ',
        report.mismatches.length === 0
          ? badge('BALANCES MATCH', 'ok')
          : badge(
              `${report.mismatches.length} BALANCE MISMATCH${report.mismatches.length === 1 ? '' : 'ES'}`,
              'danger',
            ),
        h('span', { class: 'muted small' }, ' checked ', time(checkedAt)),
      ),
      h(
        'dl',
        { class: 'figures' },
        h(
          'div',
          {},
          h('dt', {}, 'Sum of all operations'),
          h('dd', { class: 'big', id: 'audit-total' }, money(report.total)),
        ),
        h(
          'div',
          {},
          h('dt', {}, 'Wallets checked'),
          h('dd', { class: 'big num-text', id: 'audit-wallets' }, String(report.wallets_checked)),
        ),
        h(
          'div',
          {},
          h('dt', {}, 'Operations checked'),
          h('dd', { class: 'big num-text' }, String(report.operations_checked)),
        ),
      ),
      report.first_break
        ? h(
            'section',
            { class: 'audit-section', id: 'audit-first-break' },
            h('h3', {}, 'First break'),
            h(
              'dl',
              { class: 'facts' },
              h('dt', {}, 'Wallet'),
              h('dd', {}, walletLink(report.first_break.wallet_id)),
              h('dt', {}, 'Operation'),
              h(
                'dd',
                {},
                report.first_break.operation_id
                  ? h('code', { class: 'id' }, report.first_break.operation_id)
                  : '— (the wallet row itself)',
              ),
              h('dt', {}, 'Sequence'),
              h('dd', { class: 'num-text' }, report.first_break.sequence ?? '—'),
              h('dt', {}, 'Problem'),
              h('dd', {}, h('code', {}, report.first_break.problem)),
              h('dt', {}, 'Expected'),
              h('dd', {}, h('code', { class: 'wrap' }, report.first_break.expected)),
              h('dt', {}, 'Found'),
              h('dd', {}, h('code', { class: 'wrap' }, report.first_break.found)),
            ),
          )
        : null,
      report.mismatches.length > 0
        ? h(
            'section',
            { class: 'audit-section' },
            h('h3', {}, 'Stored balance ≠ sum of operations'),
            h(
              'table',
              { class: 'grid' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', {}, 'Wallet'),
                  h('th', { class: 'num' }, 'Stored'),
                  h('th', { class: 'num' }, 'Recomputed'),
                ),
              ),
              h(
                'tbody',
                {},
                report.mismatches.map((m) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, walletLink(m.wallet_id)),
                    h('td', { class: 'num' }, money(m.stored)),
                    h('td', { class: 'num' }, money(m.recomputed)),
                  ),
                ),
              ),
            ),
          )
        : null,
      report.unbalanced_entries.length > 0
        ? h(
            'section',
            { class: 'audit-section' },
            h('h3', {}, 'Journal entries that do not sum to zero'),
            h(
              'ul',
              { class: 'id-list' },
              report.unbalanced_entries.map((id) => h('li', {}, h('code', { class: 'id' }, id))),
            ),
          )
        : null,
    ),
  );
}
