import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { ConfigError } from '../errors';

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1' || bare === '::ffff:127.0.0.1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/**
 * Refuses a server that anyone on the network could reach without a token: the dashboard can
 * replay and purge queues. Called before anything is bound (and by `warren start` before the
 * runtime starts, so the mistake costs nothing).
 */
export function checkHttpOptions(options: { host: string; token?: string | undefined }): void {
  if (!isLoopbackHost(options.host) && !options.token) {
    throw new ConfigError(
      `http.host '${options.host}' is reachable beyond this machine: set http.token (16 characters or more) ` +
        'so the dashboard and its API require it, or bind to 127.0.0.1',
    );
  }
}

/**
 * Who may use the dashboard and its API. With a token (required beyond loopback; honoured on
 * loopback too when set), a request must carry it as `Authorization: Bearer <token>` or in the
 * cookie that `/?token=<token>` sets. Without one (loopback only), the request's Host must be a
 * loopback name, so a web page that rebinds its own DNS name to 127.0.0.1 cannot read the API.
 */
export class Access {
  /** Named after the token, so two servers on one host with different tokens keep separate cookies. */
  readonly cookieName: string | undefined;
  private readonly tokenDigest: Buffer | undefined;

  constructor(private readonly token: string | undefined) {
    this.tokenDigest = token === undefined ? undefined : digest(token);
    this.cookieName = token === undefined ? undefined : `warren_token_${digest(token).toString('hex').slice(0, 8)}`;
  }

  get requiresToken(): boolean {
    return this.token !== undefined;
  }

  /** Undefined when the request may go on; otherwise the status to answer and why. */
  deny(request: IncomingMessage): { status: 401 | 403; reason: string } | undefined {
    if (!this.tokenDigest) {
      const host = hostName(request.headers.host);
      return host !== undefined && isLoopbackHost(host) ? undefined : { status: 403, reason: `Host '${request.headers.host ?? ''}' is not a loopback name` };
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const cookie = this.cookieName ? readCookie(request.headers.cookie, this.cookieName) : undefined;
    if (bearer !== undefined && this.matches(bearer)) return undefined;
    if (cookie !== undefined && this.matches(cookie)) return undefined;
    return { status: 401, reason: bearer === undefined && cookie === undefined ? 'a token is required' : 'the token is wrong' };
  }

  /** Compares in constant time (over digests, so the length does not leak either). */
  matches(candidate: string): boolean {
    return this.tokenDigest !== undefined && timingSafeEqual(digest(candidate), this.tokenDigest);
  }

  /** HttpOnly: page scripts never see it; SameSite=Strict: other sites' requests never carry it. */
  setCookie(): string {
    if (!this.cookieName || !this.token) throw new Error('no token to set');
    return `${this.cookieName}=${encodeURIComponent(this.token)}; Path=/; HttpOnly; SameSite=Strict`;
  }
}

/**
 * Undefined when a state-changing request comes from this server's own page (or from a client
 * that is no browser: those send neither header, and cannot be tricked into a request);
 * otherwise why it looks cross-site. Browsers send `Sec-Fetch-Site` on every request and
 * `Origin` on every POST, and page scripts can forge neither.
 */
export function crossSiteReason(request: IncomingMessage): string | undefined {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site is '${site}'`;
  const origin = request.headers.origin;
  if (origin === undefined) return undefined;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return `Origin '${origin}' is not a URL`;
  }
  return originHost === request.headers.host ? undefined : `Origin '${origin}' is not this server`;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  try {
    return new URL(`http://${header}`).hostname;
  } catch {
    return undefined;
  }
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
