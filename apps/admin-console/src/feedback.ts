/**
 * What the operator is told: one banner for the server's refusals (its own
 * messages, with the reason) and for results, the confirmation dialog that
 * asks for a reason, and `act`, which every button goes through.
 */
import { ApiError, type ApiErrorItem } from './api.js';
import { byId, fill, h, show } from './dom.js';

const banner = () => byId('banner');

export function clearBanner(): void {
  show(banner(), false);
  fill(byId('banner-body'));
}

export function notify(...content: (Node | string)[]): void {
  banner().className = 'banner banner-ok';
  fill(byId('banner-body'), h('span', { class: 'banner-icon' }, '✓'), ...content);
  show(banner(), true);
}

export function reportError(error: unknown, heading?: string): void {
  const items: ApiErrorItem[] =
    error instanceof ApiError
      ? error.errors
      : [{ code: 'CONSOLE', message: error instanceof Error ? error.message : String(error) }];
  const retryAfter = error instanceof ApiError ? error.retryAfterSeconds : null;
  banner().className = 'banner banner-error';
  fill(
    byId('banner-body'),
    heading ? h('strong', { class: 'banner-heading' }, heading) : null,
    h(
      'ul',
      { class: 'banner-errors' },
      items.map((item) =>
        h(
          'li',
          {},
          h('span', { class: 'error-message' }, item.message),
          item.target && item.target !== '__all__' ? h('span', { class: 'muted' }, ` (${item.target})`) : null,
          ' ',
          h('code', { class: 'error-reason', title: `HTTP code ${item.code}` }, item.reason ?? item.code),
        ),
      ),
    ),
    retryAfter === null ? null : h('p', { class: 'banner-retry' }, `Try again ${waitFor(retryAfter)}.`),
  );
  show(banner(), true);
}

/** The server's Retry-After as a person reads it: "in 40 s", "in 14 min", "in 2 h". */
function waitFor(seconds: number): string {
  if (seconds < 1) return 'now';
  if (seconds < 90) return `in ${seconds} s`;
  if (seconds < 90 * 60) return `in ${Math.ceil(seconds / 60)} min`;
  return `in ${Math.ceil(seconds / 3600)} h`;
}

/**
 * Called on a 401: when the console was showing (the session ended), it goes
 * back to the login form and answers true; on the login form itself (a wrong
 * password) it answers false and the refusal is shown as any other.
 */
let onUnauthenticated: () => boolean = () => false;

export function whenUnauthenticated(handler: () => boolean): void {
  onUnauthenticated = handler;
}

/**
 * Runs an operator's action: the button is disabled while it runs (no double
 * reversal by a double click), the previous message is cleared, a refusal is
 * shown in the banner, and a lost session leads back to the login form.
 */
export async function act(button: HTMLButtonElement | null, heading: string, work: () => Promise<void>): Promise<void> {
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  }
  clearBanner();
  try {
    await work();
  } catch (error) {
    if (error instanceof ApiError && error.unauthenticated && onUnauthenticated()) {
      reportError(error, 'Your session has ended. Log in again.');
    } else {
      reportError(error, heading);
    }
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }
}

export interface ConfirmOptions {
  title: string;
  body: Node;
  confirmLabel: string;
  tone: 'danger' | 'primary';
  /** Called as the operator types in the dialog (in `body`'s fields or the reason), with the confirm button. */
  onInput?: (confirm: HTMLButtonElement) => void;
}

/** The modal confirmation: resolves to the reason typed (possibly empty), or null when cancelled. */
export function confirmWithReason(options: ConfirmOptions): Promise<string | null> {
  const dialog = byId<HTMLDialogElement>('confirm-dialog');
  const form = byId<HTMLFormElement>('confirm-form');
  const reason = form.elements.namedItem('reason') as HTMLTextAreaElement;
  const ok = byId<HTMLButtonElement>('confirm-ok');
  fill(byId('confirm-title'), options.title);
  fill(byId('confirm-body'), options.body);
  ok.textContent = options.confirmLabel;
  ok.className = options.tone === 'danger' ? 'button-danger' : 'button-primary';
  reason.value = '';
  dialog.returnValue = '';
  const onInput = () => options.onInput?.(ok);
  form.addEventListener('input', onInput);
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        form.removeEventListener('input', onInput);
        resolve(dialog.returnValue === 'confirm' ? reason.value : null);
      },
      { once: true },
    );
    dialog.showModal();
    (form.querySelector<HTMLElement>('#confirm-body input') ?? reason).focus();
  });
}
