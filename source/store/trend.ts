import {Ring} from './ring.js';

/** One reading of a series: when (monotonic ms) and what. */
export interface Point {
	tMs: number;
	value: number;
}

/** Times and values with a fixed capacity: the store's and the drill views' history. NaN = no value. */
export class Series {
	readonly times: Ring;
	readonly values: Ring;
	constructor(capacity: number) {
		this.times = new Ring(capacity);
		this.values = new Ring(capacity);
	}
	push(tMs: number, value: number | null): void {
		this.times.push(tMs);
		this.values.push(value ?? Number.NaN);
	}
	/**
	 * Least-squares slope per minute over points newer than sinceMs, without allocating; null
	 * until the points span minSpanMs (three samples a second apart say nothing per minute).
	 */
	slopePerMin(sinceMs: number, minSpanMs = 0): number | null {
		let n = 0;
		let t0 = 0;
		let v0 = 0;
		let sumT = 0;
		let sumV = 0;
		let sumTT = 0;
		let sumTV = 0;
		let first = Infinity;
		let last = -Infinity;
		for (let i = 0; i < this.times.length; i++) {
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

	/** Points newer than sinceMs. */
	points(sinceMs = -Infinity): Point[] {
		const out: Point[] = [];
		for (let i = 0; i < this.times.length; i++) {
			const tMs = this.times.at(i);
			if (tMs >= sinceMs) out.push({tMs, value: this.values.at(i)});
		}
		return out;
	}
}
