/** An error as it crosses a thread or the wire: plain data. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** The error's other own enumerable properties that survive JSON (e.g. `code`, `status`). */
  readonly data?: Record<string, unknown>;
}

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) {
    return { name: 'NonErrorThrown', message: `A non-Error value was thrown: ${safeString(error)}` };
  }
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause') continue;
    if (isJsonSafe(value)) data[key] = value;
  }
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    ...(Object.keys(data).length > 0 ? { data } : {}),
  };
}

function isJsonSafe(value: unknown): boolean {
  try {
    return JSON.stringify(value) !== undefined;
  } catch {
    return false;
  }
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}
