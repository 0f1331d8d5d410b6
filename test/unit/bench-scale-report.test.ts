import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseOptions } from '../../bench/options';
import { curveTable } from '../../bench/scale/scale-markdown';
import { callsForSize, scaleOptions } from '../../bench/scale/scale-options';
import { formatX, growth, ratioAt, xsOf, type ScaleCurve } from '../../bench/scale/scale-report';
import { curveSvg, niceMax } from '../../bench/scale/scale-svg';

const RSS: ScaleCurve = {
  id: 'backlog-rss',
  scenario: 'backlog',
  title: 'Peak RSS while draining a backlog',
  xLabel: 'tasks queued',
  xFormat: 'count',
  unit: 'MB',
  better: 'lower',
  digits: 1,
  series: {
    warren: [
      { x: 10_000, y: 200 },
      { x: 100_000, y: 250 },
      { x: 500_000, y: 330 },
    ],
    raw: [
      { x: 10_000, y: 100 },
      { x: 500_000, y: 110 },
    ],
  },
};

test('a curve compares Warren with raw at the same scale, and says how much each grew', () => {
  assert.deepEqual(xsOf(RSS), [10_000, 100_000, 500_000]);
  assert.equal(ratioAt(RSS, 10_000), 2);
  assert.equal(ratioAt(RSS, 100_000), undefined, 'raw has no point there');
  assert.equal(growth(RSS, 'warren'), 1.65);
  assert.equal(growth(RSS, 'raw'), 1.1);
});

test('its table has a row per scale, with a dash where a side is missing', () => {
  const lines = curveTable(RSS).split('\n');
  assert.equal(lines.length, 5);
  assert.equal(lines[2], '| 10,000 | 200.0 | 100.0 | 2.00× |');
  assert.equal(lines[3], '| 100,000 | 250.0 | – | – |');
});

test('argument sizes print in binary units; the calls per size follow the byte budget within bounds', () => {
  assert.equal(formatX(1024, 'bytes'), '1 KB');
  assert.equal(formatX(3 * 1024 * 1024, 'bytes'), '3 MB');
  assert.equal(formatX(300, 'count'), '300');
  assert.equal(callsForSize(1024, 96 * 1024 * 1024), 400);
  assert.equal(callsForSize(3 * 1024 * 1024, 96 * 1024 * 1024), 32);
  assert.equal(callsForSize(3 * 1024 * 1024, 16 * 1024 * 1024), 10);
});

test('the chart draws a point per value with its figure, on round grid lines', () => {
  const svg = curveSvg(RSS);
  assert.equal((svg.match(/<circle /g) ?? []).length, 5);
  assert.match(svg, /Warren: 330\.0 MB at 500,000/);
  assert.equal(niceMax(330), 500);
  assert.equal(niceMax(18_918), 20_000);
  assert.equal(niceMax(0), 1);
});

test('--scale is its own run; --backlog picks the sizes, --quick keeps every curve small', () => {
  const full = scaleOptions(parseOptions(['--scale']));
  assert.deepEqual(full.backlogSizes, [10_000, 100_000, 500_000]);
  assert.deepEqual(full.queueCounts, [1, 10, 100, 300]);
  assert.deepEqual(full.clientCounts, [1, 10, 50]);
  const quick = scaleOptions(parseOptions(['--scale', '--quick']));
  assert.ok(Math.max(...quick.backlogSizes) < 100_000);
  assert.deepEqual(scaleOptions(parseOptions(['--scale', '--backlog', '1000,20_000'])).backlogSizes, [1_000, 20_000]);
  assert.throws(() => parseOptions(['--scale', '--backlog', '10k']), /comma-separated positive integers/);
  assert.equal(parseOptions([]).scale, false);
});
