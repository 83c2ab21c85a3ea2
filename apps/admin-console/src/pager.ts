/** One keyset-paged list with its "More" button: the items loaded so far and the cursor of the next page. */
import type { Page } from './api.js';
import { show } from './dom.js';
import { act } from './feedback.js';

export class Pager<T> {
  items: T[] = [];
  cursor: string | null = null;
  loaded = false;

  /**
   * `read` fetches the page after a cursor (null: the first), from whatever
   * the list shows now (a wallet, a query, filters); `render` draws `items`.
   */
  constructor(
    private readonly read: (cursor: string | null) => Promise<Page<T>>,
    private readonly render: () => void,
    private readonly moreButton: HTMLButtonElement,
    what: string,
  ) {
    moreButton.addEventListener('click', () => void act(moreButton, `Could not read more ${what}`, () => this.more()));
  }

  /** A first page read elsewhere (several reads at once, shown together). */
  set(page: Page<T>): void {
    this.items = page.items;
    this.cursor = page.nextCursor;
    this.loaded = true;
    this.draw();
  }

  async first(): Promise<void> {
    this.set(await this.read(null));
  }

  async more(): Promise<void> {
    const page = await this.read(this.cursor);
    this.items.push(...page.items);
    this.cursor = page.nextCursor;
    this.draw();
  }

  reset(): void {
    this.items = [];
    this.cursor = null;
    this.loaded = false;
    this.draw();
  }

  private draw(): void {
    show(this.moreButton, this.cursor !== null);
    this.render();
  }
}
