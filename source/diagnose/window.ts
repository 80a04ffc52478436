import type {Point} from '../store/trend.js';

/** How a series moved over one window, measured robustly enough to base a verdict on. */
export interface Trend {
	/** Time between the first and last point of the window. */
	spanMs: number;
	/** Theil-Sen slope over the window, units per minute: one spike cannot move it. */
	slopePerMin: number;
	/** Theil-Sen slope over the newest third of the window (at least 3 points): is it still moving now? */
	recentSlopePerMin: number | null;
	/** slopePerMin × span: the growth the trend claims. */
	changeFromSlope: number;
	first: number;
	last: number;
	min: number;
	max: number;
	/**
	 * −1..1: (rising steps − falling steps) / (steps that moved), between bucket medians. Steps
	 * that do not move are left out, so a leak that grows in occasional chunks still scores 1.
	 */
	steadiness: number;
	/** Largest fall from a running maximum to a later value (what a rising series gave back). */
	drawdown: number;
	/** Largest rise from a running minimum to a later value (what a falling series got back). */
	drawup: number;
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
 * Theil-Sen slope per minute, as trend.ts's theilSenPerMin, but with the median of the pairwise
 * slopes picked by quickselect from a reused Float64Array: it runs a dozen times per tick.
 */
export function theilSenPerMin(points: readonly Point[]): number | null {
	const n = points.length;
	if (n < 3) return null;
	const pairs = (n * (n - 1)) / 2;
	if (scratch.length < pairs) scratch = new Float64Array(pairs);
	const slopes = scratch;
	let count = 0;
	for (let i = 0; i < n; i++) {
		for (let j = i + 1; j < n; j++) {
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

/** The trend of the points newer than sinceMs; null with fewer than 3 usable points. */
export function measure(points: readonly Point[], sinceMs: number, noise = 0): Trend | null {
	const buckets = bucketMedians(points, sinceMs);
	if (buckets.length < 3) return null;
	const slope = theilSenPerMin(buckets);
	if (slope === null) return null;
	const spanMs = buckets.at(-1)!.tMs - buckets[0]!.tMs;
	// The newest third, but never fewer than 3 points (a 60 s interval has few).
	const recent = buckets.slice(Math.min(Math.floor((buckets.length * 2) / 3), buckets.length - 3));
	let up = 0;
	let down = 0;
	let min = Infinity;
	let max = -Infinity;
	let drawdown = 0;
	let drawup = 0;
	for (let i = 0; i < buckets.length; i++) {
		const value = buckets[i]!.value;
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
	return {
		spanMs,
		slopePerMin: slope,
		recentSlopePerMin: theilSenPerMin(recent),
		changeFromSlope: (slope * spanMs) / 60_000,
		first: buckets[0]!.value,
		last: buckets.at(-1)!.value,
		min,
		max,
		steadiness: up + down === 0 ? 0 : (up - down) / (up + down),
		drawdown,
		drawup,
	};
}
