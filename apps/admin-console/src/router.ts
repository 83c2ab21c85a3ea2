/**
 * The console's address: the hash names the tab and what is open in it
 * (#/wallets/<id>, #/transfers/<id>, #/actions, #/audit), so a link can be
 * shared, a reload reopens the same thing, and back/forward move between what
 * was opened. Links are plain <a href="#/..."> elements; the hashchange event
 * does the rest.
 */
import { h } from './dom.js';

export type Route =
  /** The users & wallets tab with nothing open. */
  | { view: 'search' }
  | { view: 'wallet'; id: string }
  | { view: 'transfer'; id: string }
  /** A user: opens the user's wallet (the address is then replaced by the wallet's). */
  | { view: 'user'; id: string }
  | { view: 'actions' }
  | { view: 'audit' };

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const COLLECTIONS = { wallets: 'wallet', transfers: 'transfer', users: 'user' } as const;

/** Anything the console does not know (or an id that is not a UUID) is the search tab. */
export function parse(hash: string): Route {
  const [first = '', second = '', ...rest] = hash.replace(/^#\/?/, '').split('/');
  if (rest.length === 0 && first in COLLECTIONS && UUID.test(second)) {
    return { view: COLLECTIONS[first as keyof typeof COLLECTIONS], id: second.toLowerCase() };
  }
  if (second === '' && (first === 'actions' || first === 'audit')) return { view: first };
  return { view: 'search' };
}

export function href(route: Route): string {
  switch (route.view) {
    case 'wallet':
      return `#/wallets/${route.id}`;
    case 'transfer':
      return `#/transfers/${route.id}`;
    case 'user':
      return `#/users/${route.id}`;
    case 'actions':
    case 'audit':
      return `#/${route.view}`;
    case 'search':
      return '#/';
  }
}

export function currentRoute(): Route {
  return parse(location.hash);
}

let listener: (route: Route) => void = () => undefined;
/** Counts the routes taken, so that an answer for a route already left is not shown. */
let generation = 0;

function dispatch(route: Route): void {
  generation++;
  listener(route);
}

/** `handler` runs on every change of address (a link, back/forward, go, replace). */
export function onRoute(handler: (route: Route) => void): void {
  listener = handler;
  window.addEventListener('hashchange', () => dispatch(currentRoute()));
}

/** Opens a route as a new history entry; the current route again is opened afresh. */
export function go(route: Route): void {
  const target = href(route);
  if (location.hash === target) dispatch(route);
  else location.hash = target;
}

/** Opens a route in place of the current history entry (back skips it). */
export function replace(route: Route): void {
  history.replaceState(history.state, '', href(route));
  dispatch(route);
}

/** Opens the current address again (after logging in). */
export function reopen(): void {
  dispatch(currentRoute());
}

/** A check that stays true while no other route has been taken since it was made. */
export function stillHere(): () => boolean {
  const mine = generation;
  return () => mine === generation;
}

type Child = Node | string | null;

export function linkTo(
  route: Route,
  attributes: { title?: string; class?: string },
  ...children: Child[]
): HTMLElement {
  return h('a', { ...attributes, class: attributes.class ?? 'link', href: href(route) }, ...children);
}

/** A wallet by its owner's name (the funding wallet when it has none), linking to it. */
export function walletLink(walletId: string, username: string | null | undefined): HTMLElement {
  return linkTo(
    { view: 'wallet', id: walletId },
    { title: `Wallet ${walletId}` },
    username ?? h('span', { class: 'funding' }, 'funding wallet'),
  );
}

/** A transfer (any journal entry) by the first block of its id, linking to the transfer view. */
export function transferLink(transferId: string, text?: string): HTMLElement {
  return linkTo(
    { view: 'transfer', id: transferId },
    { title: `Transfer ${transferId}` },
    text ?? h('code', { class: 'id' }, transferId.slice(0, 8)),
  );
}
