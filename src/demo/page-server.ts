import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local site for the crawler to fetch, so the demo needs no network. Pages answer after a short delay, like real servers. */
export async function startPageServer(pages: Record<string, string>, delayMs = 50): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    const title = pages[request.url ?? ''];
    setTimeout(() => {
      if (title === undefined) {
        response.writeHead(404, { 'content-type': 'text/html' }).end('<html><title>Not found</title></html>');
        return;
      }
      response.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`);
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
