import type {SlabRow, SystemMetric} from '../store/store.js';
import {formatBytes, formatRatePerMin} from '../units.js';
import {confidenceOf, formatSpan, growing, round2, seconds, type Keyed, type RuleContext} from './context.js';
import type {Finding} from './finding.js';
import {measure, type Trend} from './window.js';

interface CacheGrowth {
	row: SlabRow;
	trend: Trend;
}

/**
 * The caches that grew over the window, unreclaimable first (those are the ones a leak pins for
 * good), then by slope. Only the fastest growers by the store's cheap slope get a robust trend,
 * and caches growing at under 5% of the fastest are left out so a crumb is not named first.
 */
function growingCaches(ctx: RuleContext, sinceMs: number): CacheGrowth[] {
	const t = ctx.t.slab;
	const candidates = ctx.snapshot.slabs
		.filter(row => (row.growthPerMin ?? 0) > 0)
		.sort((a, b) => (b.growthPerMin ?? 0) - (a.growthPerMin ?? 0))
		.slice(0, t.maxCandidates);
	const grown: CacheGrowth[] = [];
	for (const row of candidates) {
		const series = ctx.store.slabSeries(row.sample.name);
		const trend = series && measure(series.size, sinceMs);
		if (trend && trend.slopePerMin > 0 && trend.changeFromSlope > 0) grown.push({row, trend});
	}
	const fastest = Math.max(0, ...grown.map(g => g.trend.slopePerMin));
	const rank = (g: CacheGrowth) => (g.row.sample.reclaimable === false ? 0 : g.row.sample.reclaimable === null ? 1 : 2);
	return grown
		.filter(g => g.trend.slopePerMin >= fastest * 0.05)
		.sort((a, b) => rank(a) - rank(b) || b.trend.slopePerMin - a.trend.slopePerMin)
		.slice(0, t.cachesNamed);
}

/**
 * Kernel slab leak suspect: SUnreclaim growing steadily. SReclaimable is reported beside it (flat
 * makes the case stronger; objects pinned by open files, such as dentries, grow it too).
 */
export function slabLeak(ctx: RuleContext): Keyed[] {
	const t = ctx.t;
	const bar = {minRatePerMin: t.slab.minRatePerMin, minGrowth: t.slab.minGrowthBytes, minSteadiness: t.slab.minSteadiness, maxFallBackShare: t.process.maxFallBackShare, fallBackOver: 'own' as const};
	const [long, short] = ctx.trends2('sUnreclaimBytes');
	const raised = growing(long, short, bar, t.minWindowMs, 'raise');
	const held = raised ?? growing(long, short, bar, t.minWindowMs, 'hold');
	let finding: Finding | null = null;
	if (held) {
		const reclaimable = ctx.trend('sReclaimableBytes', held === long ? t.windowMs : t.shortWindowMs);
		const reclaimableFlat = reclaimable !== null && Math.abs(reclaimable.slopePerMin) < held.slopePerMin / 4;
		const caches = ctx.snapshot.sample?.slabs ? growingCaches(ctx, ctx.nowMs - held.spanMs) : null;
		const named =
			caches === null
				? 'the caches are unknown (reading slab caches needs root)'
				: caches.length === 0
					? 'no single cache stands out'
					: `growing caches: ${caches.map(c => `${c.row.sample.name} ${formatRatePerMin(c.trend.slopePerMin)}${c.row.sample.reclaimable ? ' (reclaimable)' : ''}`).join(', ')}`;
		const first = caches?.[0]?.row.sample.name;
		finding = {
			rule: 'slab-leak',
			severity: 'warning',
			confidence: round2(Math.min(1, confidenceOf(held, t.minWindowMs) + (reclaimableFlat ? 0.1 : 0))),
			subject: first ? `slab ${first}` : 'kernel slab',
			message: `Kernel slab grows steadily: SUnreclaim ${formatRatePerMin(held.slopePerMin)} over ${formatSpan(held.spanMs)} (+${formatBytes(held.changeFromSlope)}), SReclaimable ${formatRatePerMin(reclaimable?.slopePerMin)}; ${named} — a kernel-side leak (driver, module, eBPF, or sockets and files held open), invisible in any process's RSS`,
			evidence: {
				sUnreclaimBytes: ctx.snapshot.kernel?.sUnreclaimBytes ?? null,
				sUnreclaimGrowthBytesPerMin: Math.round(held.slopePerMin),
				sReclaimableGrowthBytesPerMin: reclaimable ? Math.round(reclaimable.slopePerMin) : null,
				grownBytes: Math.round(held.changeFromSlope),
				windowSec: seconds(held.spanMs),
				monotonicity: round2(held.steadiness),
				caches: caches ? caches.map(c => c.row.sample.name).join(',') : null,
				cacheGrowthBytesPerMin: caches ? caches.map(c => Math.round(c.trend.slopePerMin)).join(',') : null,
			},
			next: 'Tab to the slab caches and G sorts them by growth; `leaktop kmem` traces the allocating call sites',
			...(first ? {target: {kind: 'slab' as const, name: first}} : {}),
		};
	}
	return [{key: 'slab-leak:kernel', evaluation: {raise: raised !== null, hold: held !== null, finding}}];
}

const OWNERLESS: Array<{metric: SystemMetric; label: string; hint: string}> = [
	{metric: 'vmallocUsedBytes', label: 'vmalloc', hint: 'a driver or module (see /proc/vmallocinfo)'},
	{metric: 'pageTablesBytes', label: 'page tables', hint: 'a process mapping ever more address space (watch VSZ)'},
	{metric: 'percpuBytes', label: 'percpu', hint: 'per-CPU allocations (cgroups, BPF maps)'},
	{metric: 'kernelStackBytes', label: 'kernel stacks', hint: 'threads created and never ended'},
	{metric: 'unexplainedBytes', label: 'unexplained', hint: 'pages taken straight from the page allocator (a driver, DMA or GPU buffers)'},
];

/** Kernel memory with no owner: vmalloc, page tables, percpu, kernel stacks or the unexplained remainder growing steadily. */
export function kernelNoOwner(ctx: RuleContext): Keyed[] {
	const t = ctx.t;
	const growers: Array<{label: string; hint: string; metric: SystemMetric; trend: Trend; raised: boolean}> = [];
	for (const part of OWNERLESS) {
		const minGrowth = part.metric === 'unexplainedBytes' ? t.kernel.unexplainedMinGrowthBytes : t.kernel.minGrowthBytes;
		const bar = {minRatePerMin: t.kernel.minRatePerMin, minGrowth, minSteadiness: t.kernel.minSteadiness, maxFallBackShare: t.process.maxFallBackShare, fallBackOver: 'own' as const};
		const [long, short] = ctx.trends2(part.metric);
		const raised = growing(long, short, bar, t.minWindowMs, 'raise');
		const held = raised ?? growing(long, short, bar, t.minWindowMs, 'hold');
		if (held) growers.push({...part, trend: held, raised: raised !== null});
	}
	growers.sort((a, b) => b.trend.slopePerMin - a.trend.slopePerMin);
	const top = growers[0];
	const finding: Finding | null = top
		? {
				rule: 'kernel-no-owner',
				severity: 'warning',
				confidence: confidenceOf(top.trend, t.minWindowMs),
				subject: 'kernel',
				message: `Kernel memory that no process's RSS and no slab cache shows is growing: ${growers.map(g => `${g.label} ${formatRatePerMin(g.trend.slopePerMin)}`).join(', ')} over ${formatSpan(top.trend.spanMs)} — look for ${growers.map(g => g.hint).join('; ')}`,
				evidence: {
					...Object.fromEntries(growers.map(g => [g.metric.replace(/Bytes$/, 'GrowthBytesPerMin'), Math.round(g.trend.slopePerMin)])),
					grownBytes: Math.round(growers.reduce((sum, g) => sum + g.trend.changeFromSlope, 0)),
					windowSec: seconds(top.trend.spanMs),
					monotonicity: round2(top.trend.steadiness),
				},
				next: '/proc/meminfo and /proc/vmallocinfo break it down; `leaktop kmem` traces kernel allocation call sites',
			}
		: null;
	return [{key: 'kernel-no-owner:kernel', evaluation: {raise: growers.some(g => g.raised), hold: top !== undefined, finding}}];
}
