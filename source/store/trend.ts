/** Trend arithmetic over (time ms, value) series, shared by the store and the verdict rules. */

export interface Point {
	tMs: number;
	value: number;
}

/** Least-squares slope in units per minute; null with fewer than 3 points or under minSpanMs. */
export function slopePerMin(points: readonly Point[], minSpanMs = 0): number | null {
	const valid = points.filter(p => Number.isFinite(p.value));
	if (valid.length < 3) return null;
	const span = valid.at(-1)!.tMs - valid[0]!.tMs;
	if (span <= 0 || span < minSpanMs) return null;
	const t0 = valid[0]!.tMs;
	let sumT = 0;
	let sumV = 0;
	for (const p of valid) {
		sumT += p.tMs - t0;
		sumV += p.value;
	}
	const meanT = sumT / valid.length;
	const meanV = sumV / valid.length;
	let num = 0;
	let den = 0;
	for (const p of valid) {
		const dt = p.tMs - t0 - meanT;
		num += dt * (p.value - meanV);
		den += dt * dt;
	}
	return den === 0 ? null : (num / den) * 60_000;
}

/**
 * Theil-Sen slope (median of pairwise slopes) in units per minute: one spike cannot move it.
 * O(n²) pairs, so callers pass a bounded window (≤ a few hundred points).
 */
export function theilSenPerMin(points: readonly Point[]): number | null {
	const valid = points.filter(p => Number.isFinite(p.value));
	if (valid.length < 3) return null;
	const slopes: number[] = [];
	for (let i = 0; i < valid.length; i++) {
		for (let j = i + 1; j < valid.length; j++) {
			const dt = valid[j]!.tMs - valid[i]!.tMs;
			if (dt > 0) slopes.push((valid[j]!.value - valid[i]!.value) / dt);
		}
	}
	if (slopes.length === 0) return null;
	slopes.sort((a, b) => a - b);
	const mid = slopes.length >> 1;
	const median = slopes.length % 2 ? slopes[mid]! : (slopes[mid - 1]! + slopes[mid]!) / 2;
	return median * 60_000;
}

/**
 * How steadily a series moves one way, from −1 (always falls) to 1 (always rises): the share of
 * rising steps minus falling ones, ignoring steps smaller than noise.
 */
export function monotonicity(points: readonly Point[], noise = 0): number {
	let up = 0;
	let down = 0;
	for (let i = 1; i < points.length; i++) {
		const step = points[i]!.value - points[i - 1]!.value;
		if (!Number.isFinite(step)) continue;
		if (step > noise) up++;
		else if (step < -noise) down++;
	}
	const steps = points.length - 1;
	return steps <= 0 ? 0 : (up - down) / steps;
}
