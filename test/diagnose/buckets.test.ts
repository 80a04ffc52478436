import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import fc from 'fast-check';
import {bucketMedians, bucketMediansInto, measure, theilSenPerMin} from '../../source/diagnose/window.js';
import type {Point} from '../../source/store/trend.js';

/**
 * bucketMedians as it was before bucketMediansInto (commit cf739eb: a filtered copy of the valid
 * points, medians by the same quickselect, Point objects out), verbatim, as the oracle: even the
 * sign of a zero median must come out the same.
 */
function previousBucketMedians(points: readonly Point[], sinceMs: number, maxBuckets: number): Point[] {
	let count = 0;
	for (const p of points) if (p.tMs >= sinceMs && Number.isFinite(p.value)) count++;
	const valid = new Array<Point>(count);
	count = 0;
	for (const p of points) if (p.tMs >= sinceMs && Number.isFinite(p.value)) valid[count++] = p;
	if (valid.length <= maxBuckets) return valid;
	const t0 = valid[0]!.tMs;
	const width = (valid.at(-1)!.tMs - t0) / maxBuckets || 1;
	const out: Point[] = [];
	let start = 0;
	let index = 0;
	for (let i = 1; i <= valid.length; i++) {
		const bucket = i < valid.length ? Math.min(maxBuckets - 1, Math.floor((valid[i]!.tMs - t0) / width)) : -1;
		if (bucket === index) continue;
		out.push({tMs: valid[start + ((i - start) >> 1)]!.tMs, value: medianOf(valid, start, i)});
		start = i;
		index = bucket;
	}
	return out;
}

function medianOf(points: readonly Point[], from: number, to: number): number {
	const count = to - from;
	const a = new Float64Array(count);
	for (let i = 0; i < count; i++) a[i] = points[from + i]!.value;
	const mid = count >> 1;
	const upper = select(a, mid, count);
	if (count % 2) return upper;
	let lower = -Infinity;
	for (let i = 0; i < mid; i++) if (a[i]! > lower) lower = a[i]!;
	return (lower + upper) / 2;
}

function select(a: Float64Array, k: number, count: number): number {
	let lo = 0;
	let hi = count - 1;
	while (hi > lo) {
		const pivot = a[(lo + hi) >> 1]!;
		let i = lo;
		let j = hi;
		while (i <= j) {
			while (a[i]! < pivot) i++;
			while (a[j]! > pivot) j--;
			if (i <= j) {
				const swap = a[i]!;
				a[i] = a[j]!;
				a[j] = swap;
				i++;
				j--;
			}
		}
		if (k <= j) hi = j;
		else if (k >= i) lo = i;
		else break;
	}
	return a[k]!;
}

const value = fc.oneof(fc.constantFrom(1, 2, 2, 3, 0, -0), fc.double({min: -1e12, max: 1e12}), fc.constantFrom(Number.NaN, Infinity, -Infinity));
const point = fc.record({tMs: fc.integer({min: 0, max: 2000}), value});
/** Times in order with many equal ones (several points a millisecond), as a series with gaps and bursts has. */
const ordered = fc.array(point, {maxLength: 400}).map(raw => [...raw].sort((a, b) => a.tMs - b.tMs));

const read = (times: Float64Array, values: Float64Array, count: number) => Array.from({length: count}, (_, i) => ({tMs: times[i]!, value: values[i]!}));

describe('bucketMediansInto', () => {
	it('gives what bucketMedians gave before, on ordered times with ties, NaN and ±Infinity, into arrays reused call after call', () => {
		const into = {times: new Float64Array(1), values: new Float64Array(1)};
		fc.assert(
			fc.property(ordered, fc.integer({min: 1, max: 80}), fc.integer({min: -10, max: 2100}), (points, maxBuckets, sinceMs) => {
				const count = bucketMediansInto(points, sinceMs, maxBuckets, into);
				assert.deepEqual(read(into.times, into.values, count), previousBucketMedians(points, sinceMs, maxBuckets).map(p => ({tMs: p.tMs, value: p.value})));
				assert.ok(count <= maxBuckets);
			}),
			{numRuns: 2000},
		);
	});

	it('times out of order: as before, however many runs they make (the arrays grow)', () => {
		fc.assert(
			fc.property(fc.array(point, {maxLength: 200}), fc.integer({min: 1, max: 10}), fc.integer({min: -10, max: 2100}), (points, maxBuckets, sinceMs) => {
				const into = {times: new Float64Array(maxBuckets), values: new Float64Array(maxBuckets)};
				const count = bucketMediansInto(points, sinceMs, maxBuckets, into);
				assert.deepEqual(read(into.times, into.values, count), previousBucketMedians(points, sinceMs, maxBuckets).map(p => ({tMs: p.tMs, value: p.value})));
			}),
		);
		const zigzag = Array.from({length: 40}, (_, i) => ({tMs: i % 2 ? 1000 : 0, value: i}));
		const into = {times: new Float64Array(2), values: new Float64Array(2)};
		assert.equal(bucketMediansInto(zigzag, 0, 2, into), 40, 'every point its own run');
		assert.deepEqual(Array.from(into.values.subarray(0, 40)), zigzag.map(p => p.value));
	});

	it('allocates nothing once its arrays are long enough', () => {
		const points = Array.from({length: 3600}, (_, i) => ({tMs: i * 1000, value: (i * 7919) % 1000}));
		const into = {times: new Float64Array(60), values: new Float64Array(60)};
		bucketMediansInto(points, 0, 60, into);
		const {times} = into;
		for (let i = 0; i < 100; i++) bucketMediansInto(points, i * 1000, 60, into);
		assert.equal(into.times, times, 'the same arrays');
	});
});

describe('Trend slopes read after other trends were measured', () => {
	/** Slopes as computed from bucketMedians' points, every field at once. */
	const eager = (points: Point[], sinceMs: number) => {
		const buckets = bucketMedians(points, sinceMs);
		const n = buckets.length;
		return {slope: theilSenPerMin(buckets), recent: theilSenPerMin(buckets.slice(Math.min(Math.floor((n * 2) / 3), n - 3)))};
	};
	const series = fc.array(fc.record({tMs: fc.integer({min: 0, max: 600}), value: fc.oneof(fc.integer({min: 0, max: 50}).map(v => v * 4096), fc.constant(Number.NaN))}), {minLength: 3, maxLength: 200}).map(raw => [...raw].sort((a, b) => a.tMs - b.tMs));

	it('reads its own window, whichever trend was measured or read last (the shared bucket arrays)', () => {
		fc.assert(
			fc.property(fc.array(fc.tuple(series, fc.integer({min: 0, max: 500})), {minLength: 1, maxLength: 5}), fc.array(fc.tuple(fc.nat(), fc.boolean()), {maxLength: 20}), (windows, reads) => {
				const trends = windows.map(([points, sinceMs]) => measure(points, sinceMs));
				for (const [which, recent] of reads) {
					const i = which % windows.length;
					const trend = trends[i];
					if (!trend) continue;
					const expected = eager(...windows[i]!);
					if (recent) assert.equal(trend.recentSlopePerMin, expected.recent);
					else assert.equal(trend.slopePerMin, expected.slope);
				}
			}),
		);
	});
});
