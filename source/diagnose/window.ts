import type {Point} from '../store/trend.js';

/**
 * How a series moved over one window, measured robustly enough to base a verdict on. The
 * Theil-Sen slopes are computed when first read: most trends fail a rule on their span or
 * steadiness, and the slopes are what costs (O(buckets²)).
 */
export class Trend {
	private slope: number | undefined;
	private recentSlope: number | null | undefined;

	constructor(
		/** The bucket medians the slopes are computed from. */
		private readonly buckets: readonly Point[],
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
		// measure() returns a trend only when some pair of buckets is apart in time: never null here.
		this.slope ??= this.sign * theilSenPerMin(this.buckets)!;
		return this.slope;
	}

	/** Theil-Sen slope over the newest third of the window (at least 3 points): is it still moving now? */
	get recentSlopePerMin(): number | null {
		if (this.recentSlope === undefined) {
			const n = this.buckets.length;
			const slope = theilSenPerMin(this.buckets, Math.min(Math.floor((n * 2) / 3), n - 3));
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
		const flipped = new Trend(this.buckets, this.sign === 1 ? -1 : 1, this.spanMs, -this.first, -this.last, -this.max, -this.min, -this.steadiness, this.drawup, this.drawdown);
		if (this.slope !== undefined) flipped.slope = -this.slope;
		if (this.recentSlope !== undefined) flipped.recentSlope = this.recentSlope === null ? null : -this.recentSlope;
		return flipped;
	}
}

/** Buckets per window: Theil-Sen is O(n²), so a long or fine-grained history costs the same. */
const MAX_BUCKETS = 60;

/**
 * The points newer than sinceMs reduced to at most MAX_BUCKETS time buckets, each its median:
 * a window of 3600 points costs as much as one of 60, and single-sample spikes vanish.
 */
export function bucketMedians(points: readonly Point[], sinceMs: number, maxBuckets = MAX_BUCKETS): Point[] {
	// Counted first: a window of a few hundred points grown by push leaves its smaller copies behind.
	let count = 0;
	for (const p of points) if (p.tMs >= sinceMs && Number.isFinite(p.value)) count++;
	const valid = new Array<Point>(count);
	count = 0;
	for (const p of points) if (p.tMs >= sinceMs && Number.isFinite(p.value)) valid[count++] = p;
	if (valid.length <= maxBuckets) return valid;
	const t0 = valid[0]!.tMs;
	const width = (valid.at(-1)!.tMs - t0) / maxBuckets || 1;
	const out: Point[] = [];
	// Buckets are runs of valid; each median is picked in a reused array, not sorted in a new one.
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

/** Median of points[from..to).value. */
function medianOf(points: readonly Point[], from: number, to: number): number {
	const count = to - from;
	if (medianScratch.length < count) medianScratch = new Float64Array(Math.max(count, 2 * medianScratch.length));
	for (let i = 0; i < count; i++) medianScratch[i] = points[from + i]!.value;
	return medianInPlace(medianScratch, count);
}

let medianScratch = new Float64Array(64);

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

/**
 * Theil-Sen slope per minute of points[from..], with the median of the pairwise slopes picked by
 * quickselect from a reused Float64Array: it runs a dozen times per tick.
 */
export function theilSenPerMin(points: readonly Point[], from = 0): number | null {
	const n = points.length - from;
	if (n < 3) return null;
	const pairs = (n * (n - 1)) / 2;
	if (scratch.length < pairs) scratch = new Float64Array(pairs);
	const slopes = scratch;
	let count = 0;
	for (let i = from; i < points.length; i++) {
		for (let j = i + 1; j < points.length; j++) {
			const dt = points[j]!.tMs - points[i]!.tMs;
			if (dt > 0) slopes[count++] = (points[j]!.value - points[i]!.value) / dt;
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

/** The trend of the points newer than sinceMs; null with fewer than 3 usable points or all at one time. */
export function measure(points: readonly Point[], sinceMs: number, noise = 0): Trend | null {
	const buckets = bucketMedians(points, sinceMs);
	if (buckets.length < 3) return null;
	let up = 0;
	let down = 0;
	let min = Infinity;
	let max = -Infinity;
	let drawdown = 0;
	let drawup = 0;
	// Theil-Sen needs one pair of points apart in time (a later time above an earlier minimum).
	let apart = false;
	let earliest = Infinity;
	for (let i = 0; i < buckets.length; i++) {
		const {tMs, value} = buckets[i]!;
		if (tMs > earliest) apart = true;
		earliest = Math.min(earliest, tMs);
		if (i > 0) {
			const step = value - buckets[i - 1]!.value;
			if (step > noise) up++;
			else if (step < -noise) down++;
		}
		max = Math.max(max, value);
		min = Math.min(min, value);
		drawdown = Math.max(drawdown, max - value);
		drawup = Math.max(drawup, value - min);
	}
	if (!apart) return null;
	const spanMs = buckets.at(-1)!.tMs - buckets[0]!.tMs;
	const steadiness = up + down === 0 ? 0 : (up - down) / (up + down);
	return new Trend(buckets, 1, spanMs, buckets[0]!.value, buckets.at(-1)!.value, min, max, steadiness, drawdown, drawup);
}
