import net from 'node:net';
import { ConfigError } from '../errors';

/**
 * Fails with a ConfigError naming the port when the HTTP server could not listen there (taken, or
 * privileged), before the runtime starts: otherwise the runtime would declare its topology and
 * start consuming, then die on the listen.
 */
export async function ensurePortFree(host: string, port: number): Promise<void> {
  if (port === 0) return; // any free port
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  }).catch((error: NodeJS.ErrnoException) => {
    throw portError(host, port, error);
  });
}

/** The error for a port the HTTP server cannot listen on; other failures pass through unchanged. */
export function portError(host: string, port: number, error: NodeJS.ErrnoException): Error {
  if (error.code === 'EADDRINUSE') return new ConfigError(`http.port ${port} on ${host} is already in use: stop what listens there, or set another http.port (0 picks a free one)`, { cause: error });
  if (error.code === 'EACCES') return new ConfigError(`http.port ${port} on ${host} needs privileges this process does not have: use a port above 1023`, { cause: error });
  if (error.code === 'EADDRNOTAVAIL') return new ConfigError(`http.host '${host}' is not an address of this machine`, { cause: error });
  return error;
}
