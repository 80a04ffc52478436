import assert from 'node:assert/strict';
import {test} from 'node:test';
import fc from 'fast-check';
import {Clock, Series} from '../../source/store/trend.js';

/** A series of n points a second apart rising perSec each second (plus noise). */
const line = (n: number, perSec: number, noise: (i: number) => number = () => 0): Series => {
	const series = new Series(Math.max(1, n));
	for (let i = 0; i < n; i++) series.push(i * 1000, 1000 + i * perSec + noise(i));
	return series;
};

test('least squares: a straight line has its own slope per minute', () => {
	assert.equal(line(10, 5).slopePerMin(-Infinity), 300);
	assert.equal(line(10, -2).slopePerMin(-Infinity), -120);
	assert.equal(line(10, 0).slopePerMin(-Infinity), 0);
	assert.equal(line(2, 5).slopePerMin(-Infinity), null, 'two points are not a trend');
	assert.equal(line(10, 5).slopePerMin(-Infinity, 60_000), null, 'shorter than the minimum span');
	const still = new Series(3);
	for (const v of [1, 2, 3]) still.push(0, v);
	assert.equal(still.slopePerMin(-Infinity), null, 'no time elapsed');
	const gap = line(6, 1);
	gap.push(6000, null);
	assert.equal(gap.slopePerMin(-Infinity), 60, 'gaps are ignored');
});

test('a window: only points newer than sinceMs count', () => {
	const bent = new Series(20);
	for (let i = 0; i < 10; i++) bent.push(i * 1000, 0);
	for (let i = 10; i < 20; i++) bent.push(i * 1000, (i - 9) * 10);
	assert.equal(bent.slopePerMin(10_000), 600);
	assert.deepEqual(bent.points(18_000), [{tMs: 18_000, value: 90}, {tMs: 19_000, value: 100}]);
});

test('capacity bounds the history: the oldest points go first', () => {
	const series = line(50, 1);
	const capped = new Series(10);
	for (let i = 0; i < 50; i++) capped.push(i * 1000, i);
	assert.equal(capped.points().length, 10);
	assert.equal(capped.points()[0]!.tMs, 40_000);
	assert.equal(series.points().length, 50);
});

test('property: on byte-sized values (|v| ≤ 1e15, NaN gaps) the slope is a number or null, never NaN', () => {
	const points = fc.array(fc.record({tMs: fc.integer({min: 0, max: 1e9}), value: fc.oneof(fc.double({min: -1e15, max: 1e15}), fc.integer(), fc.constant(Number.NaN))}), {maxLength: 40});
	fc.assert(
		fc.property(points, ps => {
			const series = new Series(64);
			for (const p of [...ps].sort((a, b) => a.tMs - b.tMs)) series.push(p.tMs, p.value);
			const slope = series.slopePerMin(-Infinity);
			assert.ok(slope === null || !Number.isNaN(slope));
		}),
	);
});

/** The least-squares slope from the points themselves: what Series's shortcuts must agree with. */
function referenceSlope(series: Series, sinceMs: number, minSpanMs: number): number | null {
	const ps = series.points(sinceMs).filter(p => Number.isFinite(p.value));
	if (ps.length < 3) return null;
	const first = ps[0]!.tMs;
	const last = ps.at(-1)!.tMs;
	if (last <= first || last - first < minSpanMs) return null;
	const n = ps.length;
	const t0 = first;
	const v0 = ps[0]!.value;
	let sumT = 0;
	let sumV = 0;
	let sumTT = 0;
	let sumTV = 0;
	for (const p of ps) {
		const t = p.tMs - t0;
		const v = p.value - v0;
		sumT += t;
		sumV += v;
		sumTT += t * t;
		sumTV += t * v;
	}
	const den = n * sumTT - sumT * sumT;
	return den === 0 ? null : ((n * sumTV - sumT * sumV) / den) * 60_000;
}

test('property: the flat-run shortcut and the cached tail agree with the points, push after push', () => {
	// Few distinct values, so long runs of equal values (a quiet process) are common.
	const step = fc.record({dt: fc.integer({min: 0, max: 3000}), value: fc.oneof(fc.constantFrom(5, 5, 5, 7), fc.constant(Number.NaN), fc.constant(null))});
	fc.assert(
		fc.property(fc.integer({min: 1, max: 12}), fc.array(step, {maxLength: 60}), fc.integer({min: 0, max: 40_000}), fc.integer({min: 0, max: 8000}), (capacity, steps, back, minSpan) => {
			const series = new Series(capacity);
			let t = 0;
			for (const s of steps) {
				t += s.dt;
				series.push(t, s.value);
				assert.deepEqual(series.tail(4), series.points().slice(-4).map(p => p.value));
				assert.equal(series.slopePerMin(t - back, minSpan), referenceSlope(series, t - back, minSpan));
			}
		}),
	);
});

test('a quiet series hands out the same sparkline array until its values move', () => {
	const series = new Series(10);
	for (let i = 0; i < 6; i++) series.push(i * 1000, 42);
	const before = series.tail(4);
	series.push(6000, 42);
	assert.equal(series.tail(4), before, 'one more equal value: same array');
	series.push(7000, 43);
	assert.notEqual(series.tail(4), before);
	assert.deepEqual(series.tail(4), [42, 42, 42, 43]);
});

test('property: points handed out again (the same objects for the same pushes) equal a fresh filter of the series, push after push', () => {
	const step = fc.oneof(
		fc.record({kind: fc.constant('push' as const), dt: fc.integer({min: -3, max: 5}), value: fc.oneof(fc.integer({min: -5, max: 5}), fc.constant(Number.NaN))}),
		fc.record({kind: fc.constant('read' as const), back: fc.oneof(fc.integer({min: -2, max: 40}), fc.constant(Infinity))}),
	);
	fc.assert(
		fc.property(fc.integer({min: 1, max: 12}), fc.array(step, {maxLength: 80}), (capacity, steps) => {
			const series = new Series(capacity);
			const kept: Array<{tMs: number; value: number}> = [];
			let t = 0;
			for (const s of steps) {
				if (s.kind === 'push') {
					t += s.dt;
					series.push(t, s.value);
					kept.push({tMs: t, value: s.value});
					if (kept.length > capacity) kept.shift();
					continue;
				}
				const since = t - s.back;
				const got = series.points(since);
				assert.deepEqual(got, kept.filter(p => p.tMs >= since));
				got.length = 0; // The array is the caller's: emptying it must not touch the next call's.
			}
			assert.deepEqual(series.points(), kept);
		}),
		{numRuns: 3000},
	);
});

test('points of a series read tick after tick are the same objects: only the new ones are made', () => {
	const series = new Series(100);
	for (let i = 0; i < 50; i++) series.push(i * 1000, i);
	const before = series.points(10_000);
	series.push(50_000, 50);
	const after = series.points(11_000);
	assert.equal(after.length, before.length);
	for (let i = 0; i < after.length - 1; i++) assert.equal(after[i], before[i + 1]);
	// A narrower read in between (a sparkline) does not evict the wider window.
	series.points(45_000);
	series.push(51_000, 51);
	const third = series.points(12_000);
	for (let i = 0; i < third.length - 1; i++) assert.equal(third[i], after[i + 1]);
});

test('property: a series on the shared clock reads as one keeping its own times, through gaps, off-clock pushes and still runs', () => {
	const step = fc.record({
		kind: fc.constantFrom('push', 'push', 'push', 'skip', 'off'),
		dt: fc.integer({min: 0, max: 2000}),
		value: fc.oneof(fc.constantFrom(5, 5, 5, 7), fc.constant(Number.NaN), fc.constant(null)),
	});
	fc.assert(
		fc.property(fc.integer({min: 1, max: 12}), fc.array(step, {maxLength: 80}), fc.integer({min: 0, max: 20_000}), (capacity, steps, back) => {
			const clock = new Clock(capacity + 3);
			const clocked = new Series(capacity, clock);
			const own = new Series(capacity);
			let t = 0;
			for (const s of steps) {
				t += s.dt;
				clock.advance(t);
				// The store's rule: a series not pushed at a sample lets go of the clock.
				if (s.kind === 'skip') clocked.unclock();
				else {
					const tMs = s.kind === 'off' ? t + 1 : t;
					clocked.push(tMs, s.value);
					own.push(tMs, s.value);
				}
				assert.deepEqual(clocked.points(), own.points());
				assert.deepEqual(clocked.tail(5), own.tail(5));
				assert.equal(clocked.last(), own.last());
				assert.equal(clocked.slopePerMin(t - back, 1000), own.slopePerMin(t - back, 1000));
			}
		}),
		{numRuns: 2000},
	);
});

test('a clock keeps the times of its newest samples', () => {
	const clock = new Clock(3);
	for (const t of [10, 20, 30, 40]) clock.advance(t);
	assert.equal(clock.ticks, 4);
	assert.equal(clock.timeOf(4), 40);
	assert.equal(clock.timeOf(2), 20);
});

/** Series.slopePerMin as it was before it read the times' ring itself: through timeAt, point by point. */
function slopeByTimeAt(series: Series, sinceMs: number, minSpanMs: number): number | null {
	let n = 0;
	let t0 = 0;
	let v0 = 0;
	let sumT = 0;
	let sumV = 0;
	let sumTT = 0;
	let sumTV = 0;
	let first = Infinity;
	let last = -Infinity;
	for (let i = 0; i < series.length; i++) {
		const tMs = series.timeAt(i);
		const value = series.valueAt(i);
		if (tMs < sinceMs || !Number.isFinite(value)) continue;
		if (n === 0) {
			t0 = tMs;
			v0 = value;
		}
		const t = tMs - t0;
		const v = value - v0;
		n++;
		sumT += t;
		sumV += v;
		sumTT += t * t;
		sumTV += t * v;
		first = Math.min(first, tMs);
		last = Math.max(last, tMs);
	}
	if (n < 3 || last <= first || last - first < minSpanMs) return null;
	const den = n * sumTT - sumT * sumT;
	return den === 0 ? null : ((n * sumTV - sumT * sumV) / den) * 60_000;
}

test('property: pushAtClock is push at the clock\'s time, and the slope read from the rings is the one read point by point', () => {
	const step = fc.record({
		kind: fc.constantFrom('push', 'push', 'push', 'skip', 'off'),
		dt: fc.integer({min: 0, max: 2000}),
		value: fc.oneof(fc.constantFrom(5, 5, 5, 7, -0, 0), fc.integer({min: -9, max: 9}), fc.constant(Number.NaN), fc.constant(null)),
	});
	fc.assert(
		fc.property(fc.integer({min: 1, max: 12}), fc.array(step, {maxLength: 80}), fc.integer({min: 0, max: 20_000}), fc.integer({min: 0, max: 4000}), (capacity, steps, back, minSpan) => {
			const clock = new Clock(capacity + 3);
			const atClock = new Series(capacity, clock);
			const pushed = new Series(capacity, clock);
			const own = new Series(capacity);
			let t = 0;
			for (const s of steps) {
				t += s.dt;
				clock.advance(t);
				if (s.kind === 'skip') {
					atClock.unclock();
					pushed.unclock();
				} else if (s.kind === 'off') {
					atClock.push(t + 1, s.value);
					pushed.push(t + 1, s.value);
					own.push(t + 1, s.value);
				} else {
					atClock.pushAtClock(s.value);
					pushed.push(t, s.value);
					own.push(t, s.value);
				}
				assert.deepEqual(atClock.points(), own.points());
				assert.deepEqual(pushed.points(), own.points());
				for (const series of [atClock, pushed, own]) {
					// A window that starts before, inside and after the points kept.
					for (const since of [t - back, -Infinity, t + 1]) assert.equal(series.slopePerMin(since, minSpan), slopeByTimeAt(series, since, minSpan));
				}
			}
		}),
		{numRuns: 2000},
	);
});

test('property: still series sharing a clock share one slope per tick, and each still reads as point by point', () => {
	// Several series on one clock, mostly still and full (the quiet processes): the slope one still
	// series leaves on the clock is read by the others of its length, whatever the order of reads.
	const step = fc.record({
		kind: fc.constantFrom('push', 'push', 'push', 'push', 'skip', 'off', 'miss'),
		dt: fc.integer({min: 0, max: 2000}),
		// undefined: the series keeps its value (most do, tick after tick).
		values: fc.array(fc.oneof({weight: 6, arbitrary: fc.constant(undefined)}, {weight: 1, arbitrary: fc.constantFrom(5, 7, 0, -0, Number.NaN, null)}), {minLength: 3, maxLength: 3}),
		reads: fc.array(fc.record({series: fc.integer({min: 0, max: 2}), back: fc.constantFrom(0, 1000, 3000, 20_000, Infinity), minSpan: fc.constantFrom(0, 1000, 4000)}), {maxLength: 6}),
	});
	fc.assert(
		fc.property(fc.integer({min: 1, max: 6}), fc.array(step, {minLength: 10, maxLength: 40}), fc.array(fc.integer({min: 0, max: 4}), {minLength: 3, maxLength: 3}), (capacity, steps, born) => {
			const clock = new Clock(capacity + 2);
			const series = [0, 1, 2].map(() => new Series(capacity, clock));
			// The same pushes into series keeping their own times.
			const own = [0, 1, 2].map(() => new Series(capacity));
			const values: Array<number | null> = [5, 5, 5];
			let t = 0;
			for (const [k, s] of steps.entries()) {
				t += s.dt;
				clock.advance(t);
				series.forEach((one, i) => {
					if (s.values[i] !== undefined) values[i] = s.values[i]!;
					// Born at different samples: still series of different lengths.
					if (k < born[i]!) return;
					if (s.kind === 'skip' && i === 0) one.unclock();
					// Not pushed at one sample and not let go of the clock either (one: the clock keeps
					// only two samples more than the series).
					else if (s.kind === 'miss' && i === 2 && steps[k - 1]?.kind !== 'miss') return;
					else if (s.kind === 'off' && i === 1) {
						one.push(t + 1, values[i]!);
						own[i]!.push(t + 1, values[i]!);
					} else {
						one.pushAtClock(values[i]!);
						own[i]!.push(t, values[i]!);
					}
				});
				series.forEach((one, i) => assert.deepEqual(one.points(), own[i]!.points()));
				for (const read of s.reads) {
					const one = series[read.series]!;
					assert.equal(one.slopePerMin(t - read.back, read.minSpan), slopeByTimeAt(one, t - read.back, read.minSpan));
				}
			}
		}),
		{numRuns: 3000},
	);
});
