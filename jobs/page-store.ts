import { injectable, type InjectionToken } from 'tsyringe';

export interface PageRecord {
  readonly url: string;
  readonly title: string;
  readonly status: number;
  readonly bytes: number;
  readonly fetchedAt: string;
}

/** Where crawled pages are kept. The config's providers choose the implementation. */
export interface PageStore {
  save(page: PageRecord): Promise<void>;
  list(): Promise<PageRecord[]>;
}

export const PAGE_STORE: InjectionToken<PageStore> = Symbol('PageStore');

/** Keeps pages in this process; a real deployment would register a database-backed store. */
@injectable()
export class MemoryPageStore implements PageStore {
  private readonly pages = new Map<string, PageRecord>();

  async save(page: PageRecord): Promise<void> {
    this.pages.set(page.url, page);
  }

  async list(): Promise<PageRecord[]> {
    return [...this.pages.values()];
  }
}
