import {Ring} from './ring.js';

/** One reading of a series: when (monotonic ms) and what. */
export interface Point {
	readonly tMs: number;
	readonly value: number;
}

/** Times and values with a fixed capacity: the store's and the drill views' history. NaN = no value. */
export class Series {
	readonly times: Ring;
	readonly values: Ring;
	/** How many of the newest values are the same finite number: most processes sit still. */
	private run = 0;
	/** Times arrive in order (a monotonic clock): the window's start can be found by bisection. */
	private ordered = true;
	private tailCache: number[] | null = null;
	private tailLength = 0;
	/** Values pushed so far: the push number of the i-th point kept is pushes − length + i. */
	private pushes = 0;
	/**
	 * The Point objects the widest recent points() call handed out, and the push number of the
	 * first: the next call hands the same objects out again and makes only the newer ones (the
	 * verdict rules read a few hundred points of a dozen series every tick).
	 */
	private shared: readonly Point[] = [];
	private sharedFrom = 0;

	constructor(capacity: number) {
		this.times = new Ring(capacity);
		this.values = new Ring(capacity);
	}

	push(tMs: number, value: number | null): void {
		const v = value ?? Number.NaN;
		const last = this.times.last();
		if (last !== undefined && tMs < last) this.ordered = false;
		this.run = !Number.isFinite(v) ? 0 : v === this.values.last() ? Math.min(this.run + 1, this.values.capacity) : 1;
		// A full cached tail of equal values is still right when one more equal value arrives.
		if (this.tailCache && !(this.tailCache.length === this.tailLength && this.run > this.tailLength)) this.tailCache = null;
		this.times.push(tMs);
		this.values.push(v);
		this.pushes++;
	}

	/** The newest n values, oldest first; the same array while they do not change (treat it as read-only). */
	tail(n: number): number[] {
		if (this.tailCache && this.tailLength === n) return this.tailCache;
		this.tailLength = n;
		this.tailCache = this.values.tail(n);
		return this.tailCache;
	}

	/**
	 * Least-squares slope per minute over points newer than sinceMs, without allocating; null
	 * until the points span minSpanMs (three samples a second apart say nothing per minute).
	 */
	slopePerMin(sinceMs: number, minSpanMs = 0): number | null {
		const length = this.times.length;
		const from = this.ordered ? this.firstAtOrAfter(sinceMs) : 0;
		if (this.ordered && this.run >= length - from) {
			// Every value in the window is the same: flat, with no arithmetic over the points.
			const n = length - from;
			const span = n > 0 ? this.times.at(length - 1) - this.times.at(from) : 0;
			return n < 3 || span <= 0 || span < minSpanMs ? null : 0;
		}
		let n = 0;
		let t0 = 0;
		let v0 = 0;
		let sumT = 0;
		let sumV = 0;
		let sumTT = 0;
		let sumTV = 0;
		let first = Infinity;
		let last = -Infinity;
		for (let i = from; i < length; i++) {
			const tMs = this.times.at(i);
			const value = this.values.at(i);
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

	/** Index of the oldest point at or after tMs (length when none), for ordered times. */
	private firstAtOrAfter(tMs: number): number {
		// The usual case: the window reaches back past the oldest point kept.
		if (this.times.length === 0 || this.times.at(0) >= tMs) return 0;
		let lo = 0;
		let hi = this.times.length;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (this.times.at(mid) < tMs) lo = mid + 1;
			else hi = mid;
		}
		return lo;
	}

	/** Points newer than sinceMs (shared with other calls: points are immutable, the array is the caller's). */
	points(sinceMs = -Infinity): Point[] {
		if (!this.ordered) {
			const out: Point[] = [];
			for (let i = 0; i < this.times.length; i++) {
				const tMs = this.times.at(i);
				if (tMs >= sinceMs) out.push({tMs, value: this.values.at(i)});
			}
			return out;
		}
		const length = this.times.length;
		const from = this.firstAtOrAfter(sinceMs);
		const first = this.pushes - length;
		const out = new Array<Point>(length - from);
		for (let i = from; i < length; i++) {
			const k = first + i - this.sharedFrom;
			out[i - from] = k >= 0 && k < this.shared.length ? this.shared[k]! : {tMs: this.times.at(i), value: this.values.at(i)};
		}
		// A narrower call in between (a sparkline) must not evict the verdicts' wider window.
		if (out.length + 2 >= this.shared.length || this.sharedFrom + this.shared.length < this.pushes - 1) {
			this.shared = out.slice();
			this.sharedFrom = first + from;
		}
		return out;
	}
}
