/**
 * A few DOM helpers. Text from the server (usernames, reasons, messages) only
 * ever becomes text nodes, never markup.
 */

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

/** h('td', {class: 'money'}, '10.00'): an element with attributes (on* are listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** The element with this id, which index.html is expected to have. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no #${id}`);
  return element as T;
}

export function show(element: HTMLElement, visible: boolean): void {
  element.hidden = !visible;
}

const MONEY = /^-?[0-9]+\.[0-9]{2}$/;

/**
 * Money as the server wrote it (a decimal string with two fraction digits),
 * never through a float; right-aligned in a tabular font by the .money class.
 */
export function money(amount: string | null | undefined, options: { signed?: boolean } = {}): HTMLElement {
  if (amount === null || amount === undefined) return h('span', { class: 'money muted' }, '—');
  if (!MONEY.test(amount)) return h('span', { class: 'money' }, amount);
  const text = options.signed && !amount.startsWith('-') ? `+${grouped(amount)}` : grouped(amount);
  const tone = !options.signed ? '' : amount.startsWith('-') ? ' debit' : ' credit';
  return h('span', { class: `money${tone}`, title: amount }, text);
}

/** "1234567.89" as "1,234,567.89": thousands separated in the text itself, never through a number. */
export function grouped(amount: string): string {
  const [, sign, whole, fraction] = /^(-?)([0-9]+)\.([0-9]{2})$/.exec(amount) ?? [];
  if (whole === undefined) return amount;
  return `${sign}${whole.replace(/\B(?=([0-9]{3})+$)/g, ',')}.${fraction}`;
}

/** 2026-11-24 17:40:00 UTC, the full ISO time on hover. */
export function time(iso: string | null | undefined): HTMLElement {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const shown = `${iso.replace('T', ' ').replace(/\.[0-9]+Z$|Z$/, '')} UTC`;
  return h('time', { datetime: iso, title: iso }, shown);
}

/** The first block of a UUID; the whole id on hover (title). */
export function shortId(id: string | null | undefined): HTMLElement {
  if (!id) return h('span', { class: 'muted' }, '—');
  return h('code', { class: 'id', title: id }, id.slice(0, 8));
}

export function badge(text: string, tone: 'ok' | 'warn' | 'danger' | 'info' | 'neutral'): HTMLElement {
  return h('span', { class: `badge badge-${tone}` }, text);
}

/** Replaces an element's children. */
export function fill(element: HTMLElement, ...children: (Child | Child[])[]): void {
  element.replaceChildren();
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}
