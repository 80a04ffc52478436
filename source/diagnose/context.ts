import type {Point} from '../store/trend.js';
import type {Snapshot, Store, SystemMetric} from '../store/store.js';
import type {Evaluation} from './latch.js';
import type {Thresholds} from './thresholds.js';
import {measure, type Trend} from './window.js';

/** One rule's evaluation of one subject; key identifies the subject's hysteresis state. */
export interface Keyed {
	key: string;
	evaluation: Evaluation;
}

/** What every rule reads this tick: the store, the snapshot, the thresholds, memoised trends. */
export class RuleContext {
	/** Points and trends by window, then metric: a key string per lookup would be garbage a dozen times a tick. */
	private readonly series = new Map<number, Map<SystemMetric, Point[]>>();
	private readonly trends = new Map<number, Map<SystemMetric, Trend | null>>();

	constructor(
		readonly store: Store,
		readonly snapshot: Snapshot,
		readonly nowMs: number,
		readonly t: Thresholds,
		/** Keys (`rule:subject`) whose findings are raised now: their trends are computed whatever their cheap slope. */
		readonly activeKeys: ReadonlySet<string>,
	) {}

	/** The subjects of one rule whose findings are raised now. */
	activeSubjects(rule: string): Set<string> {
		const prefix = `${rule}:`;
		const subjects = new Set<string>();
		for (const key of this.activeKeys) if (key.startsWith(prefix)) subjects.add(key.slice(prefix.length));
		return subjects;
	}

	/** Points of a system metric over the newest windowMs (the longest window by default), read once per tick. */
	points(metric: SystemMetric, windowMs = this.t.windowMs): Point[] {
		let byMetric = this.series.get(windowMs);
		if (!byMetric) {
			byMetric = new Map();
			this.series.set(windowMs, byMetric);
		}
		let points = byMetric.get(metric);
		if (!points) {
			points = this.store.systemSeries(metric, windowMs);
			byMetric.set(metric, points);
		}
		return points;
	}

	/** The trend of a system metric over the newest windowMs, computed once per tick. */
	trend(metric: SystemMetric, windowMs: number): Trend | null {
		let byMetric = this.trends.get(windowMs);
		if (!byMetric) {
			byMetric = new Map();
			this.trends.set(windowMs, byMetric);
		}
		let trend = byMetric.get(metric);
		if (trend === undefined) {
			trend = measure(this.points(metric), this.nowMs - windowMs);
			byMetric.set(metric, trend);
		}
		return trend;
	}

	/** The long- and short-window trends of a system metric. */
	trends2(metric: SystemMetric): [Trend | null, Trend | null] {
		return [this.trend(metric, this.t.windowMs), this.trend(metric, this.t.shortWindowMs)];
	}
}

/** What growth must look like before a rule speaks. */
export interface GrowthBar {
	minRatePerMin: number;
	minGrowth: number;
	minSteadiness: number;
	/** Share of the claimed growth the series may have given back (a churning working set gives it all back). */
	maxFallBackShare: number;
	/**
	 * Where the giving back is looked for: over the long window even when the short one speaks
	 * (one process: its working set may churn slower than the short window), or only within the
	 * window that speaks (a machine-wide sum, where an unrelated big free minutes ago must not
	 * blind the rule).
	 */
	fallBackOver: 'long' | 'own';
}

/**
 * The window whose trend clears the bar — the long one when it does (more evidence), else the
 * short one (a leak that began recently) — or null. At strength 'hold' the bar is halved and the
 * steadiness needed drops by 0.2: the hysteresis that keeps a raised finding from flapping.
 */
export function growing(long: Trend | null, short: Trend | null, bar: GrowthBar, minWindowMs: number, strength: 'raise' | 'hold'): Trend | null {
	if (clears(long, long, bar, minWindowMs, strength)) return long;
	if (clears(short, long, bar, minWindowMs, strength)) return short;
	return null;
}

/** Whether one window's trend clears the bar (see growing); a function, not a closure made per call. */
function clears(trend: Trend | null, long: Trend | null, bar: GrowthBar, minWindowMs: number, strength: 'raise' | 'hold'): trend is Trend {
	const k = strength === 'raise' ? 1 : 0.5;
	const steadiness = strength === 'raise' ? bar.minSteadiness : bar.minSteadiness - 0.2;
	// The span and steadiness first: the slopes they spare are what a trend costs.
	return (
		trend !== null &&
		trend.spanMs >= minWindowMs &&
		trend.steadiness >= steadiness &&
		trend.slopePerMin >= bar.minRatePerMin * k &&
		trend.changeFromSlope >= bar.minGrowth * k &&
		trend.recentSlopePerMin !== null &&
		trend.recentSlopePerMin >= (bar.minRatePerMin * k) / 2 &&
		(bar.fallBackOver === 'long' ? (long ?? trend) : trend).drawdown <= bar.maxFallBackShare * trend.changeFromSlope
	);
}

/** The same trend upside down, so a falling series can be judged by `growing`. */
export function negate(trend: Trend | null): Trend | null {
	return trend?.negated() ?? null;
}

/** 0..1 from how much history backs the trend and how steady it is. */
export function confidenceOf(trend: Trend, minWindowMs: number): number {
	const coverage = Math.min(1, trend.spanMs / (3 * minWindowMs));
	return round2(Math.min(1, 0.3 + 0.4 * coverage + 0.3 * Math.max(0, trend.steadiness)));
}

export const round2 = (value: number): number => Math.round(value * 100) / 100;

/** A span of time as people say it: "500ms", "4.5s", "45s", "2m10s", "1h05m". */
export function formatSpan(ms: number): string {
	if (ms < 1000) return `${Math.round(ms)}ms`;
	if (ms < 10_000) return `${Number((ms / 1000).toFixed(1))}s`;
	const s = Math.round(ms / 1000);
	if (s < 90) return `${s}s`;
	const m = Math.floor(s / 60);
	if (m < 90) return `${m}m${String(s % 60).padStart(2, '0')}s`;
	return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export const seconds = (ms: number): number => Math.round(ms / 100) / 10;
