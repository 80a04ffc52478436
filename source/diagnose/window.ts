import type {Point} from '../store/trend.js';

/**
 * How a series moved over one window, measured robustly enough to base a verdict on. The
 * Theil-Sen slopes are computed when first read: most trends fail a rule on their span or
 * steadiness, and the slopes are what costs (O(buckets²)). A trend keeps no bucket medians of its
 * own (a dozen trends a tick would each keep sixty): its slopes bucket its points again.
 */
export class Trend {
	private slope: number | undefined;
	private recentSlope: number | null | undefined;

	constructor(
		/** The points and the window's start the trend was measured from: they must not change while it is read. */
		private readonly points: readonly Point[],
		private readonly sinceMs: number,
		/** −1: the trend of the series upside down (see negated). */
		private readonly sign: 1 | -1,
		/** Time between the first and last point of the window. */
		readonly spanMs: number,
		readonly first: number,
		readonly last: number,
		readonly min: number,
		readonly max: number,
		/**
		 * −1..1: (rising steps − falling steps) / (steps that moved), between bucket medians. Steps
		 * that do not move are left out, so a leak that grows in occasional chunks still scores 1.
		 */
		readonly steadiness: number,
		/** Largest fall from a running maximum to a later value (what a rising series gave back). */
		readonly drawdown: number,
		/** Largest rise from a running minimum to a later value (what a falling series got back). */
		readonly drawup: number,
	) {}

	/** Theil-Sen slope over the window, units per minute: one spike cannot move it. */
	get slopePerMin(): number {
		if (this.slope === undefined) {
			const count = bucketsOf(this.points, this.sinceMs);
			// measure() returns a trend only when some pair of buckets is apart in time: never null here.
			this.slope = this.sign * theilSenOf(buckets.times, buckets.values, 0, count)!;
		}
		return this.slope;
	}

	/** Theil-Sen slope over the newest third of the window (at least 3 points): is it still moving now? */
	get recentSlopePerMin(): number | null {
		if (this.recentSlope === undefined) {
			const n = bucketsOf(this.points, this.sinceMs);
			const slope = theilSenOf(buckets.times, buckets.values, Math.min(Math.floor((n * 2) / 3), n - 3), n);
			this.recentSlope = slope === null ? null : this.sign * slope;
		}
		return this.recentSlope;
	}

	/** slopePerMin × span: the growth the trend claims. */
	get changeFromSlope(): number {
		return (this.slopePerMin * this.spanMs) / 60_000;
	}

	/** The same trend upside down, so a falling series can be judged as a growing one. */
	negated(): Trend {
		const flipped = new Trend(this.points, this.sinceMs, this.sign === 1 ? -1 : 1, this.spanMs, -this.first, -this.last, -this.max, -this.min, -this.steadiness, this.drawup, this.drawdown);
		if (this.slope !== undefined) flipped.slope = -this.slope;
		if (this.recentSlope !== undefined) flipped.recentSlope = this.recentSlope === null ? null : -this.recentSlope;
		return flipped;
	}
}

/** Buckets per window: Theil-Sen is O(n²), so a long or fine-grained history costs the same. */
const MAX_BUCKETS = 60;

/**
 * The bucket medians of the window measured last, in reused arrays: a trend's slopes, read right
 * after measure() or one after the other, find theirs here instead of bucketing the points again.
 */
const buckets = {times: new Float64Array(MAX_BUCKETS), values: new Float64Array(MAX_BUCKETS), points: null as readonly Point[] | null, sinceMs: Number.NaN, count: 0};

/** Where bucketMediansInto writes the medians: it replaces the arrays by longer ones when they are too short. */
export interface BucketArrays {
	times: Float64Array;
	values: Float64Array;
}

/** Puts the bucket medians of the points newer than sinceMs in `buckets` (unless they are there and fresh may be skipped); their count. */
function bucketsOf(points: readonly Point[], sinceMs: number, fresh = false): number {
	if (fresh || buckets.points !== points || !Object.is(buckets.sinceMs, sinceMs)) {
		buckets.count = bucketMediansInto(points, sinceMs, MAX_BUCKETS, buckets);
		buckets.points = points;
		buckets.sinceMs = sinceMs;
	}
	return buckets.count;
}

/**
 * The points newer than sinceMs reduced to at most MAX_BUCKETS time buckets, each its median:
 * a window of 3600 points costs as much as one of 60, and single-sample spikes vanish.
 */
export function bucketMedians(points: readonly Point[], sinceMs: number, maxBuckets = MAX_BUCKETS): Point[] {
	const valid = points.filter(p => p.tMs >= sinceMs && Number.isFinite(p.value));
	if (valid.length <= maxBuckets) return valid;
	const into = {times: new Float64Array(maxBuckets), values: new Float64Array(maxBuckets)};
	const count = bucketMediansInto(points, sinceMs, maxBuckets, into);
	return Array.from({length: count}, (_, i) => ({tMs: into.times[i]!, value: into.values[i]!}));
}

/**
 * bucketMedians without allocating (once its arrays are long enough): the medians' times and
 * values are written to into.times and into.values, and their count returned. Buckets are runs, in
 * the order given, of the valid points (newer than sinceMs, with a finite value) in one time slot;
 * a bucket's time is its middle point's, its value the median of its values. Times out of order
 * can make more runs than maxBuckets.
 */
export function bucketMediansInto(points: readonly Point[], sinceMs: number, maxBuckets: number, into: BucketArrays): number {
	if (into.times.length < maxBuckets) lengthen(into, maxBuckets);
	let {times, values} = into;
	let count = 0;
	let t0 = 0;
	let tLast = 0;
	for (let i = 0; i < points.length; i++) {
		const p = points[i]!;
		if (!(p.tMs >= sinceMs && Number.isFinite(p.value))) continue;
		if (count === 0) t0 = p.tMs;
		tLast = p.tMs;
		// While they may all fit, each valid point is its own bucket.
		if (count < maxBuckets) {
			times[count] = p.tMs;
			values[count] = p.value;
		}
		count++;
	}
	if (count <= maxBuckets) return count;
	const width = (tLast - t0) / maxBuckets || 1;
	if (runValues.length < count) {
		runValues = new Float64Array(Math.max(count, 2 * runValues.length));
		runTimes = new Float64Array(runValues.length);
	}
	// The bucket being filled is copied aside, where its median is picked by quickselect.
	let out = 0;
	let run = 0;
	let index = 0;
	for (let i = 0; i < points.length; i++) {
		const p = points[i]!;
		if (!(p.tMs >= sinceMs && Number.isFinite(p.value))) continue;
		// The first valid point is t0's: bucket 0.
		const bucket = run === 0 ? 0 : Math.min(maxBuckets - 1, Math.floor((p.tMs - t0) / width));
		if (bucket !== index) {
			if (out === times.length) ({times, values} = lengthen(into, Math.max(1, 2 * out)));
			times[out] = runTimes[run >> 1]!;
			values[out++] = medianInPlace(runValues, run);
			run = 0;
			index = bucket;
		}
		runTimes[run] = p.tMs;
		runValues[run++] = p.value;
	}
	if (out === times.length) ({times, values} = lengthen(into, Math.max(1, 2 * out)));
	times[out] = runTimes[run >> 1]!;
	values[out++] = medianInPlace(runValues, run);
	return out;
}

/** Replaces into's arrays by ones of the given length, keeping what they hold. */
function lengthen(into: BucketArrays, length: number): BucketArrays {
	const times = new Float64Array(length);
	const values = new Float64Array(length);
	times.set(into.times.subarray(0, length));
	values.set(into.values.subarray(0, length));
	into.times = times;
	into.values = values;
	return into;
}

let runTimes = new Float64Array(64);
let runValues = new Float64Array(64);

/** Median of a[0..count), reordering a: quickselect, then the largest below the middle for an even count. */
function medianInPlace(a: Float64Array, count: number): number {
	const mid = count >> 1;
	const upper = select(a, mid, count);
	if (count % 2) return upper;
	// Everything left of mid is ≤ the mid-th after select: the lower middle is their maximum.
	let lower = -Infinity;
	for (let i = 0; i < mid; i++) if (a[i]! > lower) lower = a[i]!;
	return (lower + upper) / 2;
}

/** Theil-Sen slope per minute of points[from..] (see theilSenOf). */
export function theilSenPerMin(points: readonly Point[], from = 0): number | null {
	return theilSenOf(Float64Array.from(points, p => p.tMs), Float64Array.from(points, p => p.value), from, points.length);
}

/**
 * Theil-Sen slope per minute of the points (times[i], values[i]) for from ≤ i < to, with the
 * median of the pairwise slopes picked by quickselect from a reused Float64Array: it runs a dozen
 * times per tick.
 */
function theilSenOf(times: Float64Array, values: Float64Array, from: number, to: number): number | null {
	const n = to - from;
	if (n < 3) return null;
	const pairs = (n * (n - 1)) / 2;
	if (scratch.length < pairs) scratch = new Float64Array(pairs);
	const slopes = scratch;
	let count = 0;
	for (let i = from; i < to; i++) {
		const tMs = times[i]!;
		const value = values[i]!;
		for (let j = i + 1; j < to; j++) {
			const dt = times[j]! - tMs;
			if (dt > 0) slopes[count++] = (values[j]! - value) / dt;
		}
	}
	return count === 0 ? null : medianInPlace(slopes, count) * 60_000;
}

let scratch = new Float64Array(0);

/** The k-th smallest of a[0..count) (Hoare's quickselect), leaving smaller values before index k. */
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

/**
 * The trend of the points newer than sinceMs; null with fewer than 3 usable points or all at one
 * time. Its slopes read the points again: they must not change while the trend is read.
 */
export function measure(points: readonly Point[], sinceMs: number, noise = 0): Trend | null {
	// Bucketed afresh: the caller may have changed the points since it last measured them.
	const count = bucketsOf(points, sinceMs, true);
	if (count < 3) return null;
	const {times, values} = buckets;
	let up = 0;
	let down = 0;
	let min = Infinity;
	let max = -Infinity;
	let drawdown = 0;
	let drawup = 0;
	// Theil-Sen needs one pair of points apart in time (a later time above an earlier minimum).
	let apart = false;
	let earliest = Infinity;
	for (let i = 0; i < count; i++) {
		const tMs = times[i]!;
		const value = values[i]!;
		if (tMs > earliest) apart = true;
		earliest = Math.min(earliest, tMs);
		if (i > 0) {
			const step = value - values[i - 1]!;
			if (step > noise) up++;
			else if (step < -noise) down++;
		}
		max = Math.max(max, value);
		min = Math.min(min, value);
		drawdown = Math.max(drawdown, max - value);
		drawup = Math.max(drawup, value - min);
	}
	if (!apart) return null;
	const spanMs = times[count - 1]! - times[0]!;
	const steadiness = up + down === 0 ? 0 : (up - down) / (up + down);
	return new Trend(points, sinceMs, 1, spanMs, values[0]!, values[count - 1]!, min, max, steadiness, drawdown, drawup);
}
