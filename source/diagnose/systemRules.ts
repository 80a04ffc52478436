import type {Point} from '../store/trend.js';
import type {Snapshot, Store, SystemMetric} from '../store/store.js';
import {formatBytes, formatDelta, formatRatePerMin} from '../units.js';
import {confidenceOf, formatSpan, growing, negate, round2, seconds, type Keyed, type RuleContext} from './context.js';
import type {Finding} from './finding.js';
import {measure, type Trend} from './window.js';

/**
 * A memory limit that applies to part of the machine (a cgroup), for the time-to-exhaustion
 * rule: how much is used over time and where the limit is. Supplied through
 * `DiagnoserOptions.limits`; leaktop's cgroup reader plugs in here.
 */
export interface MemoryLimit {
	/** e.g. "cgroup /system.slice/app.service". */
	subject: string;
	limitBytes: number;
	/** Usage over time (memory.current or memory.usage_in_bytes), oldest first. */
	usage: Point[];
	target?: Finding['target'];
}

/** Where limits come from each tick; none by default. */
export type LimitsProvider = (store: Store, snapshot: Snapshot) => MemoryLimit[];

/** Pinned memory: available falling steadily and not coming back. Names who holds the difference. */
export function pinnedMemory(ctx: RuleContext): Keyed[] {
	const t = ctx.t;
	const bar = {minRatePerMin: t.pinned.minRatePerMin, minGrowth: t.pinned.minFallBytes, minSteadiness: t.pinned.minSteadiness, maxFallBackShare: t.pinned.maxRecoveredShare, fallBackOver: 'own' as const};
	const [long, short] = ctx.trends2('availableBytes').map(negate) as [Trend | null, Trend | null];
	const raised = growing(long, short, bar, t.minWindowMs, 'raise');
	const held = raised ?? growing(long, short, bar, t.minWindowMs, 'hold');
	let finding: Finding | null = null;
	if (held) {
		const windowMs = held === long ? t.windowMs : t.shortWindowMs;
		const change = (metric: SystemMetric) => ctx.trend(metric, windowMs)?.changeFromSlope ?? 0;
		const holders: Array<[string, number]> = [
			['anonymous memory of processes', change('anonPagesBytes')],
			['shared memory (tmpfs, shm)', change('sharedBytes')],
			['unreclaimable slab', change('sUnreclaimBytes')],
			['kernel stacks, page tables, vmalloc and percpu', change('kernelStackBytes') + change('pageTablesBytes') + change('vmallocUsedBytes') + change('percpuBytes')],
			['memory no counter explains', change('unexplainedBytes')],
		];
		holders.sort((a, b) => b[1] - a[1]);
		const [holder, holderBytes] = holders[0]!;
		finding = {
			rule: 'pinned-memory',
			severity: 'warning',
			confidence: confidenceOf(held, t.minWindowMs),
			subject: 'system',
			message: `Available memory falls steadily: ${formatRatePerMin(-held.slopePerMin)} over ${formatSpan(held.spanMs)} (${formatDelta(-held.changeFromSlope)}) and does not come back — memory is being pinned, not cached${holderBytes > 0 ? `; most of it is ${holder} (${formatDelta(holderBytes)})` : ''}`,
			evidence: {
				availableBytes: ctx.snapshot.free?.availableBytes ?? null,
				availableGrowthBytesPerMin: Math.round(-held.slopePerMin),
				fallBytes: Math.round(held.changeFromSlope),
				windowSec: seconds(held.spanMs),
				monotonicity: round2(-held.steadiness),
				anonChangeBytes: Math.round(change('anonPagesBytes')),
				shmemChangeBytes: Math.round(change('sharedBytes')),
				sUnreclaimChangeBytes: Math.round(change('sUnreclaimBytes')),
				unexplainedChangeBytes: Math.round(change('unexplainedBytes')),
			},
			next: 'G sorts processes (and slab caches) by growth: the process and slab findings name the holders',
		};
	}
	return [{key: 'pinned-memory:system', evaluation: {raise: raised !== null, hold: held !== null, finding}}];
}

/**
 * Not a leak — cache: buff/cache rose over the window and accounts for most of the memory taken
 * from free ("used" in the old sense, total − free), which the kernel hands back on demand.
 */
export function cacheNotLeak(ctx: RuleContext): Keyed[] {
	const t = ctx.t;
	const cache = ctx.trend('buffCacheBytes', t.windowMs);
	const free = ctx.trend('freeBytes', t.windowMs);
	const available = ctx.trend('availableBytes', t.windowMs);
	if (!cache || !free || cache.spanMs < t.minWindowMs) return [{key: 'cache-not-leak:system', evaluation: {raise: false, hold: false, finding: null}}];
	const rise = cache.last - cache.first;
	const taken = free.first - free.last;
	const explains = (share: number) => rise >= (1 - share) * taken;
	const raise = rise >= t.cache.minGrowthBytes && explains(t.cache.maxUnexplainedShare);
	const hold = rise >= t.cache.minGrowthBytes / 2 && explains(2 * t.cache.maxUnexplainedShare);
	const availableChange = available ? available.last - available.first : null;
	const held = availableChange !== null && availableChange > -t.cache.maxUnexplainedShare * rise;
	const finding: Finding | null = hold
		? {
				rule: 'cache-not-leak',
				severity: 'info',
				confidence: round2(Math.min(1, Math.max(0.5, rise / Math.max(taken, 1)))),
				subject: 'system',
				message: `Not a leak: buff/cache grew by ${formatBytes(rise)} over ${formatSpan(cache.spanMs)}, ${taken > 0 ? `${Math.min(100, Math.round((rise / taken) * 100))}% of the memory taken from free (${formatDelta(-taken)})` : 'while free memory did not fall'}${held ? `, and available memory held (${formatDelta(availableChange)})` : ''} — the page cache is doing its job and gives the memory back on demand`,
				evidence: {
					buffCacheBytes: ctx.snapshot.free?.buffCacheBytes ?? null,
					cacheGrowthBytes: Math.round(rise),
					freeChangeBytes: Math.round(-taken),
					availableChangeBytes: availableChange === null ? null : Math.round(availableChange),
					windowSec: seconds(cache.spanMs),
				},
			}
		: null;
	return [{key: 'cache-not-leak:system', evaluation: {raise, hold, finding}}];
}

/**
 * Share of the finite points over the window that satisfy test; null on too short a window. With
 * `paired`, each point's value is the larger of its own and the paired series' at the same index.
 */
function activeShare(points: readonly Point[], nowMs: number, windowMs: number, minSpanMs: number, test: (value: number) => boolean, paired?: readonly Point[]): {share: number; mean: number; max: number; spanMs: number} | null {
	// One pass over the points, no filtered copy: it runs for six series a tick.
	const sinceMs = nowMs - windowMs;
	let count = 0;
	let firstMs = 0;
	let lastMs = 0;
	let hits = 0;
	let sum = 0;
	let max = -Infinity;
	for (let i = 0; i < points.length; i++) {
		const p = points[i]!;
		const value = paired ? Math.max(p.value, paired[i]?.value ?? Number.NaN) : p.value;
		if (!(p.tMs >= sinceMs && Number.isFinite(value))) continue;
		if (count === 0) firstMs = p.tMs;
		lastMs = p.tMs;
		count++;
		if (test(value)) hits++;
		sum += value;
		max = Math.max(max, value);
	}
	if (count < 2) return null;
	const spanMs = lastMs - firstMs;
	if (spanMs < minSpanMs) return null;
	return {share: hits / count, mean: sum / count, max, spanMs};
}

const positive = (value: number) => value > 0;
const always = () => true;

/** Reclaim pressure: pages scanned (sr) on most samples of the window, or PSI memory stalls persisting. */
export function reclaimPressure(ctx: RuleContext): Keyed[] {
	const t = ctx.t;
	const p = t.pressure;
	const minSpan = Math.min(t.minWindowMs, p.windowMs);
	const sr = activeShare(ctx.points('sr', p.windowMs), ctx.nowMs, p.windowMs, minSpan, positive);
	const some = activeShare(ctx.points('psiSomeAvg10', p.windowMs), ctx.nowMs, p.windowMs, minSpan, v => v >= p.psiSomeAvg10);
	const full = activeShare(ctx.points('psiFullAvg10', p.windowMs), ctx.nowMs, p.windowMs, minSpan, v => v >= p.psiFullAvg10);
	const shares = [sr?.share ?? 0, some?.share ?? 0, full?.share ?? 0];
	const raise = shares.some(s => s >= p.minActiveShare);
	const hold = shares.some(s => s >= p.minActiveShare / 2);
	const spanMs = Math.max(sr?.spanMs ?? 0, some?.spanMs ?? 0);
	const parts: string[] = [];
	if (sr && sr.share > 0) parts.push(`pages scanned on ${Math.round(sr.share * 100)}% of samples (mean ${Math.round(sr.mean)}/s)`);
	if (some && some.max > 0) parts.push(`PSI some up to ${some.max.toFixed(1)}%${full ? `, full up to ${full.max.toFixed(1)}%` : ''}`);
	const finding: Finding | null = hold
		? {
				rule: 'reclaim-pressure',
				severity: (full?.max ?? 0) >= p.criticalPsiFullAvg10 ? 'critical' : 'warning',
				confidence: round2(Math.min(1, 0.5 + Math.max(...shares) / 2)),
				subject: 'system',
				message: `Memory reclaim keeps running: ${parts.join('; ')} over ${formatSpan(spanMs)} — the kernel is short of free memory and evicting (kswapd / direct reclaim)`,
				evidence: {
					srMeanPerSec: sr ? Math.round(sr.mean) : null,
					srActiveShare: sr ? round2(sr.share) : null,
					psiSomeAvg10Max: some ? some.max : null,
					psiFullAvg10Max: full ? full.max : null,
					windowSec: seconds(spanMs),
				},
			}
		: null;
	return [{key: 'reclaim-pressure:system', evaluation: {raise, hold, finding}}];
}

/** Swapping: si or so non-zero on most samples of the window. */
export function swapping(ctx: RuleContext): Keyed[] {
	const t = ctx.t;
	// Only the swap window is judged: its points alone are read (a fifth of the longest window's).
	const si = ctx.points('si', t.swap.windowMs);
	const so = ctx.points('so', t.swap.windowMs);
	const any = activeShare(si, ctx.nowMs, t.swap.windowMs, Math.min(t.minWindowMs, t.swap.windowMs), positive, so);
	const inMean = activeShare(si, ctx.nowMs, t.swap.windowMs, 0, always)?.mean ?? 0;
	const outMean = activeShare(so, ctx.nowMs, t.swap.windowMs, 0, always)?.mean ?? 0;
	const raise = any !== null && any.share >= t.swap.minActiveShare;
	const hold = any !== null && any.share >= t.swap.minActiveShare / 2;
	const finding: Finding | null =
		hold && any
			? {
					rule: 'swapping',
					severity: 'warning',
					confidence: round2(Math.min(1, 0.5 + any.share / 2)),
					subject: 'system',
					message: `Swapping persists: si ${Math.round(inMean)} KiB/s, so ${Math.round(outMean)} KiB/s on ${Math.round(any.share * 100)}% of samples over ${formatSpan(any.spanMs)}; swap used ${formatBytes(ctx.snapshot.free?.swapUsedBytes)} — memory pressure (not proof of a leak by itself)`,
					evidence: {
						siKibPerSec: Math.round(inMean),
						soKibPerSec: Math.round(outMean),
						activeShare: round2(any.share),
						swapUsedBytes: ctx.snapshot.free?.swapUsedBytes ?? null,
						windowSec: seconds(any.spanMs),
					},
				}
			: null;
	return [{key: 'swapping:system', evaluation: {raise, hold, finding}}];
}

/** OOM kills within the window: the end state of a leak, raised at once. */
export function oomKills(ctx: RuleContext): Keyed[] {
	const points = ctx.points('oomKills');
	let kills = 0;
	for (let i = 0; i < points.length; i++) if (Number.isFinite(points[i]!.value)) kills += points[i]!.value;
	const finding: Finding | null =
		kills > 0
			? {
					rule: 'oom-kill',
					severity: 'critical',
					confidence: 1,
					subject: 'system',
					message: `The kernel's OOM killer ended ${kills} process${kills === 1 ? '' : 'es'} in the last ${formatSpan(ctx.t.windowMs)}`,
					evidence: {oomKills: kills, windowSec: seconds(ctx.t.windowMs)},
					next: 'dmesg | grep -i oom names the victims',
				}
			: null;
	return [{key: 'oom-kill:system', evaluation: {raise: kills > 0, hold: kills > 0, finding}}];
}

function formatEta(ms: number): string {
	const minutes = ms / 60_000;
	if (minutes < 90) return `about ${Math.max(1, Math.round(minutes))} min`;
	if (minutes < 48 * 60) return `about ${(minutes / 60).toFixed(1)} h`;
	return `about ${Math.round(minutes / 1440)} days`;
}

/** Time to exhaustion: when a steady trend reaches zero headroom (available memory, or a limit). */
function exhaustionOf(ctx: RuleContext, key: string, subject: string, headroom: number, trend: Trend | null, what: string, target?: Finding['target']): Keyed {
	const t = ctx.t;
	const bar = t.pinned.minSteadiness;
	const steady = (loosen: number) =>
		trend !== null &&
		trend.spanMs >= t.minWindowMs &&
		trend.steadiness >= bar - loosen &&
		trend.recentSlopePerMin !== null &&
		trend.recentSlopePerMin > 0;
	// Holding is the weaker condition: an unsteady trend's slope (the costly part) is never needed.
	const holding = steady(0.2);
	const etaMs = holding && trend !== null && trend.slopePerMin > 0 ? (headroom / trend.slopePerMin) * 60_000 : Infinity;
	const raise = steady(0) && etaMs <= t.exhaustion.horizonMs;
	const hold = holding && etaMs <= 1.5 * t.exhaustion.horizonMs;
	const finding: Finding | null =
		hold && trend
			? {
					rule: 'exhaustion',
					severity: etaMs <= t.exhaustion.criticalMs ? 'critical' : etaMs <= t.exhaustion.warningMs ? 'warning' : 'info',
					confidence: confidenceOf(trend, t.minWindowMs),
					subject,
					message: `At the current rate (losing ${formatBytes(trend.slopePerMin)}/min over ${formatSpan(trend.spanMs)}), ${what} in ${formatEta(etaMs)}`,
					evidence: {
						headroomBytes: Math.round(headroom),
						growthBytesPerMin: Math.round(trend.slopePerMin),
						secondsLeft: Math.round(etaMs / 1000),
						windowSec: seconds(trend.spanMs),
						monotonicity: round2(trend.steadiness),
					},
					...(target ? {target} : {}),
				}
			: null;
	return {key, evaluation: {raise, hold, finding}};
}

/** Time to exhaustion of available memory and of every limit the provider reports. */
export function exhaustion(ctx: RuleContext, limits: LimitsProvider | undefined): Keyed[] {
	const out: Keyed[] = [];
	const available = ctx.snapshot.free?.availableBytes;
	if (available !== undefined) {
		const use = negate(ctx.trend('availableBytes', ctx.t.windowMs));
		out.push(exhaustionOf(ctx, 'exhaustion:system', 'system', available, use, `available memory (${formatBytes(available)} now) runs out`));
	}
	for (const limit of limits?.(ctx.store, ctx.snapshot) ?? []) {
		const trend = measure(limit.usage, ctx.nowMs - ctx.t.windowMs);
		const used = limit.usage.at(-1)?.value ?? Number.NaN;
		if (!Number.isFinite(used)) continue;
		const what = `${limit.subject} reaches its limit of ${formatBytes(limit.limitBytes)} (${formatBytes(used)} used now)`;
		out.push(exhaustionOf(ctx, `exhaustion:${limit.subject}`, limit.subject, limit.limitBytes - used, trend, what, limit.target));
	}
	return out;
}
