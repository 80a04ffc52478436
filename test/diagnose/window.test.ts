import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import fc from 'fast-check';
import {Latch} from '../../source/diagnose/latch.js';
import {DEFAULT_THRESHOLDS, scaleThresholds} from '../../source/diagnose/thresholds.js';
import {negate} from '../../source/diagnose/context.js';
import {bucketMedians, measure, theilSenPerMin} from '../../source/diagnose/window.js';
import type {Finding} from '../../source/diagnose/finding.js';
import type {Point} from '../../source/store/trend.js';

/** The textbook Theil-Sen, as an oracle: the median of every pairwise slope, per minute. */
function naiveTheilSen(points: Array<{tMs: number; value: number}>): number | null {
	if (points.length < 3) return null;
	const slopes: number[] = [];
	for (let i = 0; i < points.length; i++) {
		for (let j = i + 1; j < points.length; j++) {
			const dt = points[j]!.tMs - points[i]!.tMs;
			if (dt > 0) slopes.push((points[j]!.value - points[i]!.value) / dt);
		}
	}
	if (slopes.length === 0) return null;
	slopes.sort((a, b) => a - b);
	const mid = slopes.length >> 1;
	return (slopes.length % 2 ? slopes[mid]! : (slopes[mid - 1]! + slopes[mid]!) / 2) * 60_000;
}

const line = (n: number, stepMs: number, perStep: number) => Array.from({length: n}, (_, i) => ({tMs: i * stepMs, value: 1000 + i * perStep}));

describe('measure', () => {
	it('a steady rise: slope, growth, steadiness 1, nothing given back', () => {
		const trend = measure(line(31, 2000, 100), 0)!;
		assert.equal(trend.slopePerMin, 3000);
		assert.equal(trend.changeFromSlope, 3000);
		assert.equal(trend.steadiness, 1);
		assert.equal(trend.drawdown, 0);
		assert.equal(trend.recentSlopePerMin, 3000);
	});

	it('one spike moves neither the slope nor the steadiness much', () => {
		const points = line(31, 2000, 100);
		points[15]!.value += 1_000_000;
		const trend = measure(points, 0)!;
		assert.ok(Math.abs(trend.slopePerMin - 3000) < 1e-6);
		assert.ok(trend.steadiness >= 0.9);
	});

	it('a leak growing in occasional chunks still scores steadiness 1', () => {
		const points = Array.from({length: 60}, (_, i) => ({tMs: i * 1000, value: Math.floor(i / 10) * 4096}));
		assert.equal(measure(points, 0)!.steadiness, 1);
	});

	it('a sawtooth rises on most steps, but its drawdown shows it gives all its growth back', () => {
		const points = Array.from({length: 120}, (_, i) => ({tMs: i * 1000, value: (i % 20) * 1000}));
		const trend = measure(points, 0)!;
		assert.ok(trend.drawdown >= 18_000, "bucket medians of two points soften it a little");
		assert.ok(trend.drawdown > trend.changeFromSlope, 'what the rules compare (maxFallBackShare)');
	});

	it('a window of 3600 points is reduced to at most 60 bucket medians', () => {
		assert.equal(bucketMedians(line(3600, 500, 1), 0).length, 60);
		assert.equal(measure(line(3600, 500, 1), 0)!.slopePerMin, 120);
	});

	it('fewer than 3 points, or NaN gaps only: no trend', () => {
		assert.equal(measure(line(2, 1000, 1), 0), null);
		assert.equal(measure([{tMs: 0, value: NaN}, {tMs: 1, value: NaN}, {tMs: 2, value: 1}], 0), null);
	});

	it('theilSenPerMin agrees with the store’s and never throws on arbitrary input', () => {
		fc.assert(
			fc.property(fc.array(fc.record({tMs: fc.integer({min: 0, max: 1e6}), value: fc.double({noNaN: true, min: -1e12, max: 1e12})}), {maxLength: 40}), raw => {
				const points = [...raw].sort((a, b) => a.tMs - b.tMs);
				const mine = theilSenPerMin(points);
				const theirs = naiveTheilSen(points);
				assert.equal(mine === null, theirs === null || points.length < 3);
				if (mine !== null && theirs !== null) assert.ok(Math.abs(mine - theirs) <= 1e-6 * Math.max(1, Math.abs(theirs)));
				measure(points, 0);
			}),
		);
	});
	it('bucketMedians: each bucket is the median a sort would give, at the middle point of the bucket', () => {
		const reference = (points: Point[], sinceMs: number, maxBuckets: number): Point[] => {
			const valid = points.filter(p => p.tMs >= sinceMs && Number.isFinite(p.value));
			if (valid.length <= maxBuckets) return valid;
			const t0 = valid[0]!.tMs;
			const width = (valid.at(-1)!.tMs - t0) / maxBuckets || 1;
			const buckets = new Map<number, Point[]>();
			for (const p of valid) {
				const i = Math.min(maxBuckets - 1, Math.floor((p.tMs - t0) / width));
				buckets.set(i, [...(buckets.get(i) ?? []), p]);
			}
			return [...buckets.values()].map(bucket => {
				const values = bucket.map(p => p.value).sort((a, b) => a - b);
				const mid = values.length >> 1;
				return {tMs: bucket[bucket.length >> 1]!.tMs, value: values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2};
			});
		};
		const point = fc.record({tMs: fc.integer({min: 0, max: 5000}), value: fc.oneof(fc.constantFrom(1, 2, 2, 3), fc.double({noNaN: true, min: -1e9, max: 1e9}), fc.constant(Number.NaN))});
		fc.assert(
			fc.property(fc.array(point, {maxLength: 200}), fc.integer({min: 1, max: 20}), fc.integer({min: 0, max: 3000}), (raw, maxBuckets, sinceMs) => {
				const points = [...raw].sort((a, b) => a.tMs - b.tMs);
				assert.deepEqual(bucketMedians(points, sinceMs, maxBuckets), reference(points, sinceMs, maxBuckets));
			}),
		);
	});

	it('theilSenPerMin picks the same median when many slopes tie (quickselect on duplicates)', () => {
		fc.assert(
			fc.property(fc.array(fc.record({tMs: fc.integer({min: 0, max: 50}), value: fc.constantFrom(0, 1, 1, 2, 1000)}), {maxLength: 60}), raw => {
				const points = [...raw].sort((a, b) => a.tMs - b.tMs);
				const mine = theilSenPerMin(points);
				const theirs = naiveTheilSen(points);
				assert.equal(mine === null, theirs === null || points.length < 3);
				if (mine !== null && theirs !== null) assert.ok(Math.abs(mine - theirs) <= 1e-9 * Math.max(1, Math.abs(theirs)));
			}),
		);
	});
});

describe('Trend (slopes computed when read)', () => {
	/** The trend as measure() computed it before its slopes were lazy: every field at once. */
	const eager = (points: Point[], sinceMs: number) => {
		const buckets = bucketMedians(points, sinceMs);
		const slope = buckets.length < 3 ? null : theilSenPerMin(buckets);
		if (slope === null) return null;
		const spanMs = buckets.at(-1)!.tMs - buckets[0]!.tMs;
		const recent = buckets.slice(Math.min(Math.floor((buckets.length * 2) / 3), buckets.length - 3));
		return {slopePerMin: slope, recentSlopePerMin: theilSenPerMin(recent), changeFromSlope: (slope * spanMs) / 60_000, spanMs, first: buckets[0]!.value, last: buckets.at(-1)!.value};
	};
	const point = fc.record({tMs: fc.integer({min: 0, max: 400}), value: fc.oneof(fc.constantFrom(0, 4096, 8192), fc.double({noNaN: true, min: -1e9, max: 1e9}), fc.constant(Number.NaN))});

	it('reads the same as the eager computation, in any order, negated or not', () => {
		fc.assert(
			fc.property(fc.array(point, {maxLength: 150}), fc.integer({min: 0, max: 300}), fc.boolean(), (raw, sinceMs, negateFirst) => {
				const points = [...raw].sort((a, b) => a.tMs - b.tMs);
				const expected = eager(points, sinceMs);
				const trend = measure(points, sinceMs);
				assert.equal(trend === null, expected === null);
				if (!trend || !expected) return;
				const flipped = negateFirst ? negate(trend)! : null;
				assert.deepEqual(
					{slopePerMin: trend.slopePerMin, recentSlopePerMin: trend.recentSlopePerMin, changeFromSlope: trend.changeFromSlope, spanMs: trend.spanMs, first: trend.first, last: trend.last},
					expected,
				);
				const negated = flipped ?? negate(trend)!;
				assert.equal(negated.slopePerMin, -expected.slopePerMin);
				assert.equal(negated.recentSlopePerMin, expected.recentSlopePerMin === null ? null : -expected.recentSlopePerMin);
				assert.equal(negated.changeFromSlope, -expected.changeFromSlope);
				assert.deepEqual([negated.min, negated.max, negated.steadiness, negated.drawdown, negated.drawup], [-trend.max, -trend.min, -trend.steadiness, trend.drawup, trend.drawdown]);
			}),
		);
	});
});

describe('Latch', () => {
	const finding = {rule: 'r', severity: 'warning', confidence: 1, subject: 's', message: 'm', evidence: {}} as Finding;
	const yes = {raise: true, hold: true, finding};
	const holdOnly = {raise: false, hold: true, finding};
	const no = {raise: false, hold: false, finding: null};

	it('raises only after confirmMs of holding, keeps through a dip, clears after clearMs of failing', () => {
		const latch = new Latch();
		assert.equal(latch.update(0, yes, 6000, 30_000), null);
		assert.equal(latch.update(2000, yes, 6000, 30_000), null);
		assert.equal(latch.update(6000, yes, 6000, 30_000), finding);
		assert.equal(latch.update(8000, holdOnly, 6000, 30_000), finding, 'the weaker hold condition keeps it');
		assert.equal(latch.update(10_000, no, 6000, 30_000), finding, 'shown while it fails for less than clearMs');
		assert.equal(latch.update(39_000, no, 6000, 30_000), finding);
		assert.equal(latch.update(40_000, no, 6000, 30_000), null);
		assert.equal(latch.idle, true);
	});

	it('an interrupted condition starts confirming again', () => {
		const latch = new Latch();
		latch.update(0, yes, 6000, 30_000);
		latch.update(4000, no, 6000, 30_000);
		assert.equal(latch.update(8000, yes, 6000, 30_000), null);
		assert.equal(latch.update(14_000, yes, 6000, 30_000), finding);
	});
});

describe('scaleThresholds', () => {
	it('multiplies windows, divides rates, leaves sizes, shares and PSI percentages alone', () => {
		const scaled = scaleThresholds(DEFAULT_THRESHOLDS, 0.1);
		assert.equal(scaled.minWindowMs, 4000);
		assert.equal(scaled.pressure.windowMs, 6000);
		assert.equal(scaled.process.minRatePerMin, DEFAULT_THRESHOLDS.process.minRatePerMin * 10);
		assert.equal(scaled.process.minGrowthBytes, DEFAULT_THRESHOLDS.process.minGrowthBytes);
		assert.equal(scaled.pressure.psiSomeAvg10, DEFAULT_THRESHOLDS.pressure.psiSomeAvg10);
		assert.equal(scaled.exhaustion.criticalMs, 360_000);
	});
});
