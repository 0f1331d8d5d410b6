import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CpuProfile } from '../../bench/profile/cpu-profile';
import { flameGraphSvg, layoutFlameGraph } from '../../bench/profile/flame-graph';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0, columnNumber: 0 });

/** root → (idle), main → { work, alloc }, with 10 µs between samples. */
const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 3] },
    { id: 2, callFrame: frame('main', 'file:///app/src/runtime/main.js'), children: [4, 5] },
    { id: 3, callFrame: frame('(idle)') },
    { id: 4, callFrame: frame('work', 'file:///app/node_modules/amqplib/lib/x.js') },
    { id: 5, callFrame: frame('alloc') },
  ],
  startTime: 0,
  endTime: 70,
  samples: [4, 4, 4, 2, 3, 3, 5],
  timeDeltas: [10, 10, 10, 10, 10, 10, 10],
};

test('a box is as wide as its own CPU time and its callees', () => {
  const layout = layoutFlameGraph(PROFILE);
  const byName = new Map(layout.frames.map((f) => [f.name, f]));
  assert.equal(layout.totalUs, 50, 'idle time is not CPU time');
  assert.deepEqual(
    layout.frames.map((f) => [f.name, f.depth, f.startUs, f.us]),
    [
      ['all', 0, 0, 50],
      ['main', 1, 0, 50],
      ['alloc', 2, 0, 10], // siblings ordered by name
      ['work', 2, 10, 30],
    ],
  );
  assert.equal(byName.get('(idle)'), undefined);
  assert.equal(byName.get('work')?.area, 'dependency: amqplib');
  assert.equal(layout.maxDepth, 2);
});

test('paths under the minimum share are left out with what they called', () => {
  const layout = layoutFlameGraph(PROFILE, 0.25);
  assert.deepEqual(layout.frames.map((f) => f.name), ['all', 'main', 'work']);
});

test('the SVG has one box per frame, escaped labels and a tooltip with the time', () => {
  const svg = flameGraphSvg(layoutFlameGraph(PROFILE), 'warren <1>.cpuprofile');
  assert.equal((svg.match(/<rect x=/g) ?? []).length, 4);
  assert.match(svg, /warren &lt;1&gt;\.cpuprofile/);
  assert.match(svg, /<title>work \(.*x\.js:1\): 0\.0 ms, 60\.0 %<\/title>/);
});

test('an empty profile gives an empty graph, not an error', () => {
  const layout = layoutFlameGraph({ nodes: [], startTime: 0, endTime: 0 });
  assert.equal(layout.frames.length, 0);
  assert.match(flameGraphSvg(layout, 'empty'), /<svg /);
});
