import fs from 'node:fs';

interface Snapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: string[]; readonly node_types: [string[], ...unknown[]] } };
  readonly nodes: number[];
  readonly strings: string[];
}

/** Self size and count per constructor (node name) of a V8 .heapsnapshot, largest first. */
export function largestConstructors(file: string, top: number): Array<{ name: string; count: number; selfBytes: number }> {
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as Snapshot;
  const fields = data.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = data.snapshot.meta.node_types[0];
  const totals = new Map<string, { count: number; selfBytes: number }>();
  for (let index = 0; index < data.nodes.length; index += width) {
    const type = types[data.nodes[index + typeAt] ?? 0] ?? '?';
    const name = type === 'object' || type === 'closure' ? (data.strings[data.nodes[index + nameAt] ?? 0] ?? '?') : `(${type})`;
    const entry = totals.get(name) ?? { count: 0, selfBytes: 0 };
    entry.count++;
    entry.selfBytes += data.nodes[index + sizeAt] ?? 0;
    totals.set(name, entry);
  }
  return [...totals.entries()].map(([name, entry]) => ({ name, ...entry })).sort((a, b) => b.selfBytes - a.selfBytes).slice(0, top);
}
