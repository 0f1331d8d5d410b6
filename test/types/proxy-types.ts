/**
 * Compile-time checks of typed proxies. `npm test` type-checks this file with tsc: each
 * `@ts-expect-error` must meet a real error, or the check itself fails ("unused directive").
 * It is never run.
 */
import type { WarrenClient } from '../../src';
import type { Crawler } from '../../jobs/crawler';
import { Images } from '../../jobs/images';

export async function typedProxies(client: WarrenClient): Promise<void> {
  const images = client.proxy(Images);

  // Right arguments compile, and results are typed from the job class.
  const thumb = await images.thumbnail({ image: 'base64', width: 64 });
  const width: number = thumb.width;
  const digest: string = await images.checksum('data', 3);
  const id: string = await images.thumbnail.enqueue({ image: '', width: 1 });
  await images.thumbnail.with({ timeoutMs: 5_000 })({ image: '', width: 1 });

  // @ts-expect-error width must be a number
  await images.thumbnail({ image: 'base64', width: '64' });
  // @ts-expect-error image is required
  await images.thumbnail({ width: 64 });
  // @ts-expect-error too many arguments
  await images.checksum('data', 3, 'extra');
  // @ts-expect-error not a task of Images
  await images.resize({});
  // @ts-expect-error the result is a ThumbnailResult, not a string
  const wrong: string = await images.thumbnail({ image: '', width: 1 });
  // @ts-expect-error enqueue checks arguments too
  await images.thumbnail.enqueue({ image: 1, width: 1 });
  // @ts-expect-error unknown call option
  await images.thumbnail.with({ timeout: 5 })({ image: '', width: 1 });

  // With only a type import, the proxy is named and still fully typed.
  const crawler = client.proxy<Crawler>('Crawler');
  const page = await crawler.fetchTitle('http://127.0.0.1/');
  const title: string = page.title;
  // @ts-expect-error fetchTitle takes a URL string
  await crawler.fetchTitle(42);

  void [width, digest, id, wrong, title];
}
