import { inject } from 'tsyringe';
import { Task } from '../src';
import { PAGE_STORE, type PageRecord, type PageStore } from './page-store';

/** I/O-bound work: many fetches in flight at once on the main event loop. */
@Task({ queue: 'crawl', pool: 'io', concurrency: 64, hardTimeLimitMs: 15_000 })
export class Crawler {
  constructor(@inject(PAGE_STORE) private readonly store: PageStore) {}

  /** Fetches a page, stores its title, and returns what was stored. */
  async fetchTitle(url: string): Promise<PageRecord> {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'follow' });
    const html = await response.text();
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status} ${response.statusText}`);
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1]?.trim() ?? '';
    const page: PageRecord = { url, title, status: response.status, bytes: Buffer.byteLength(html), fetchedAt: new Date().toISOString() };
    await this.store.save(page);
    return page;
  }

  /** Everything stored so far. */
  async stored(): Promise<PageRecord[]> {
    return this.store.list();
  }
}
