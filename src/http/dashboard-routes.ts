import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ServerResponse } from 'node:http';
import type { Access } from './access';
import { sendHtml } from './respond';
import type { Route } from './routes';

const NONCE_PLACEHOLDER = /__NONCE__/g;
let template: string | undefined;

/**
 * The page is one HTML file with inline CSS and JS (no build step, no external assets); read once.
 * Its script lives in dashboard.js, where the compiler checks it against the DOM and the API's types.
 */
function pageTemplate(): string {
  // A function, so `$&` and the like in the script stay as they are.
  template ??= readFileSync(path.join(__dirname, 'dashboard.html'), 'utf8').replace('__SCRIPT__', () => readFileSync(path.join(__dirname, 'dashboard.js'), 'utf8'));
  return template;
}

/** The dashboard page. Its inline style and script run only with this response's nonce: nothing injected would. */
export function dashboardRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: /^\/$/,
      handle: ({ response }) => {
        const nonce = randomBytes(16).toString('base64');
        sendHtml(response, 200, pageTemplate().replace(NONCE_PLACEHOLDER, nonce), {
          'content-security-policy': [
            "default-src 'none'",
            `script-src 'nonce-${nonce}'`,
            `style-src 'nonce-${nonce}'`,
            "connect-src 'self'",
            "img-src 'self' data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
          ].join('; '),
        });
      },
    },
  ];
}

/**
 * `/?token=…`: a right token becomes a cookie, and the browser is sent on to `/` so the token
 * leaves the address bar and the history. A wrong one gets the 401 page.
 */
export function exchangeToken(access: Access, url: URL, response: ServerResponse): void {
  if (!access.matches(url.searchParams.get('token') ?? '')) return sendHtml(response, 401, unauthorizedPage(401, 'the token is wrong'));
  response.writeHead(303, { location: '/', 'set-cookie': access.setCookie(), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  response.end();
}

export function unauthorizedPage(status: 401 | 403, reason: string): string {
  const safe = reason.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const advice =
    status === 401
      ? `<h1 style="font-size: 1.3rem">This Warren dashboard needs its token</h1>
<p>Refused: ${safe}.</p>
<p>Open <code>/?token=YOUR_TOKEN</code> once: the token (<code>http.token</code> in the runtime's config) is then kept in a cookie for this browser session.
Scripts can send <code>Authorization: Bearer YOUR_TOKEN</code> instead.</p>`
      : `<h1 style="font-size: 1.3rem">This Warren dashboard answers on loopback names only</h1>
<p>Refused: ${safe}.</p>
<p>Open it as <code>http://127.0.0.1:PORT/</code> or <code>http://localhost:PORT/</code>, or give the runtime an <code>http.token</code> to reach it by other names.</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Warren: refused</title></head>
<body style="font: 15px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; color: #1d2330">
${advice}
</body></html>`;
}
