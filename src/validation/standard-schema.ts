/**
 * The Standard Schema interface (https://standardschema.dev), which zod, valibot, arktype and
 * others implement. The spec asks libraries to copy these few types rather than depend on a
 * package, so any of those validators works on a task without Warren knowing which.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<{ readonly message: string; readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined }> };

export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const standard = (value as { '~standard'?: { version?: unknown; validate?: unknown } } | null)?.['~standard'];
  return typeof standard === 'object' && standard !== null && standard.version === 1 && typeof standard.validate === 'function';
}

/** Validates; resolves with the (possibly transformed) value, or with the issues as readable lines. */
export async function validateWith<T>(schema: StandardSchemaV1<unknown, T>, value: unknown): Promise<{ ok: true; value: T } | { ok: false; problems: string[] }> {
  const result = await schema['~standard'].validate(value);
  if (!result.issues) return { ok: true, value: result.value };
  const problems = result.issues.map((issue) => {
    const path = (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment)).join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  return { ok: false, problems };
}
