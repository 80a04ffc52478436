/**
 * Every number the verdict rules compare against, in time and per-minute units so that the same
 * verdict comes out at any sampling interval (0.5 s to 60 s): windows are spans of time, never
 * counts of ticks.
 */
export interface Thresholds {
	/** Longest span a trend is measured over. */
	windowMs: number;
	/** A shorter, recent span, so a leak that starts late is not drowned by an older flat history. */
	shortWindowMs: number;
	/** No verdict on less history than this. */
	minWindowMs: number;
	/** A condition must hold this long before its finding is raised (no one-tick verdicts). */
	confirmMs: number;
	/** A raised finding stays until its condition has failed for this long (no flapping). */
	clearMs: number;
	process: {
		minRatePerMin: number;
		minGrowthBytes: number;
		/** −1..1, see `Trend.steadiness`. */
		minSteadiness: number;
		/** How much of the claimed growth the series may have given back over the long window. */
		maxFallBackShare: number;
		/** Processes examined closely per tick, fastest growers first (bounded cost). */
		maxCandidates: number;
	};
	fd: {minRatePerMin: number; minGrowth: number; minSteadiness: number};
	slab: {
		minRatePerMin: number;
		minGrowthBytes: number;
		minSteadiness: number;
		/** Caches named in the verdict. */
		cachesNamed: number;
		/** Caches whose own trend is computed (fastest growers by the store's cheap slope). */
		maxCandidates: number;
	};
	kernel: {minRatePerMin: number; minGrowthBytes: number; unexplainedMinGrowthBytes: number; minSteadiness: number};
	pinned: {minRatePerMin: number; minFallBytes: number; minSteadiness: number; maxRecoveredShare: number};
	/** maxUnexplainedShare: how much of the memory taken from free the cache may leave unexplained. */
	cache: {minGrowthBytes: number; maxUnexplainedShare: number};
	pressure: {windowMs: number; minActiveShare: number; psiSomeAvg10: number; psiFullAvg10: number; criticalPsiFullAvg10: number};
	swap: {windowMs: number; minActiveShare: number};
	exhaustion: {horizonMs: number; warningMs: number; criticalMs: number};
}

const MiB = 1024 * 1024;
const KiB = 1024;

/** The defaults, tuned on the live machine (see README-verdicts.md). */
export const DEFAULT_THRESHOLDS: Thresholds = {
	windowMs: 5 * 60_000,
	shortWindowMs: 60_000,
	minWindowMs: 40_000,
	confirmMs: 6000,
	clearMs: 30_000,
	process: {minRatePerMin: 512 * KiB, minGrowthBytes: 512 * KiB, minSteadiness: 0.5, maxFallBackShare: 0.5, maxCandidates: 8},
	fd: {minRatePerMin: 30, minGrowth: 20, minSteadiness: 0.6},
	slab: {minRatePerMin: 1 * MiB, minGrowthBytes: 2 * MiB, minSteadiness: 0.5, cachesNamed: 5, maxCandidates: 16},
	kernel: {minRatePerMin: 1 * MiB, minGrowthBytes: 4 * MiB, unexplainedMinGrowthBytes: 32 * MiB, minSteadiness: 0.5},
	pinned: {minRatePerMin: 2 * MiB, minFallBytes: 16 * MiB, minSteadiness: 0.5, maxRecoveredShare: 0.25},
	cache: {minGrowthBytes: 64 * MiB, maxUnexplainedShare: 0.25},
	pressure: {windowMs: 60_000, minActiveShare: 0.5, psiSomeAvg10: 5, psiFullAvg10: 1, criticalPsiFullAvg10: 10},
	swap: {windowMs: 60_000, minActiveShare: 0.5},
	exhaustion: {horizonMs: 24 * 3_600_000, warningMs: 6 * 3_600_000, criticalMs: 3_600_000},
};

/**
 * The thresholds on a faster clock: every `…Ms` multiplied by `timeScale`, every `…PerMin`
 * divided by it, so the growth a rule needs before it speaks stays the same. A test at
 * timeScale 0.1 stands for ten times as long on a real machine.
 */
export function scaleThresholds(thresholds: Thresholds, timeScale: number): Thresholds {
	const scale = (value: unknown, key: string): unknown => {
		if (typeof value === 'object' && value !== null) {
			return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scale(v, k)]));
		}
		if (typeof value !== 'number') return value;
		if (key.endsWith('Ms')) return value * timeScale;
		if (key.endsWith('PerMin')) return value / timeScale;
		return value;
	};
	return scale(thresholds, '') as Thresholds;
}
