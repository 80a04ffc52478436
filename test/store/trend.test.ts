import assert from 'node:assert/strict';
import {test} from 'node:test';
import fc from 'fast-check';
import {monotonicity, slopePerMin, theilSenPerMin, type Point} from '../../source/store/trend.js';

const line = (n: number, perSec: number, noise: (i: number) => number = () => 0): Point[] =>
	Array.from({length: n}, (_, i) => ({tMs: i * 1000, value: 1000 + i * perSec + noise(i)}));

test('least squares: a straight line has its own slope per minute', () => {
	assert.equal(slopePerMin(line(10, 5)), 300);
	assert.equal(slopePerMin(line(10, -2)), -120);
	assert.equal(slopePerMin(line(10, 0)), 0);
	assert.equal(slopePerMin(line(2, 5)), null, 'two points are not a trend');
	assert.equal(slopePerMin(line(10, 5), 60_000), null, 'shorter than the minimum span');
	assert.equal(slopePerMin([{tMs: 0, value: 1}, {tMs: 0, value: 2}, {tMs: 0, value: 3}]), null, 'no time elapsed');
	assert.equal(slopePerMin([...line(5, 1), {tMs: 5000, value: Number.NaN}]), 60, 'gaps are ignored');
});

test('Theil-Sen ignores one spike that least squares does not', () => {
	const spiky = line(11, 1, i => (i === 5 ? 1e6 : 0));
	assert.equal(theilSenPerMin(spiky), 60);
	assert.ok(Math.abs(slopePerMin(spiky)!) < 1e5, 'least squares is pulled, but finite');
	assert.equal(theilSenPerMin(line(2, 1)), null);
});

test('monotonicity: +1 always rising, −1 always falling, 0 flat; steps under noise ignored', () => {
	assert.equal(monotonicity(line(5, 1)), 1);
	assert.equal(monotonicity(line(5, -1)), -1);
	assert.equal(monotonicity(line(5, 0)), 0);
	assert.equal(monotonicity(line(5, 1), 2), 0);
	assert.equal(monotonicity([]), 0);
});

test('property: on byte-sized values (|v| ≤ 1e15, NaN gaps) trends are numbers or null, never NaN', () => {
	const points = fc.array(fc.record({tMs: fc.integer({min: 0, max: 1e9}), value: fc.oneof(fc.double({min: -1e15, max: 1e15}), fc.integer(), fc.constant(Number.NaN))}), {maxLength: 40});
	fc.assert(
		fc.property(points, ps => {
			const sorted = [...ps].sort((a, b) => a.tMs - b.tMs);
			for (const v of [slopePerMin(sorted), theilSenPerMin(sorted)]) assert.ok(v === null || !Number.isNaN(v));
			assert.ok(Math.abs(monotonicity(sorted)) <= 1);
		}),
	);
});
