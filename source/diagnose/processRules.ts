import type {ProcessRow} from '../store/store.js';
import {formatBytes, formatRatePerMin} from '../units.js';
import {confidenceOf, formatSpan, growing, round2, seconds, type Keyed, type RuleContext} from './context.js';
import type {Finding} from './finding.js';
import {measure} from './window.js';

/**
 * The rows worth a close look this tick: those whose cheap least-squares slope (computed by the
 * store for every process) passes a quarter of the bar, fastest first, at most `max`, plus every
 * row whose finding is raised (so it can be cleared). A box with 5000 processes costs a filter.
 */
function candidates(ctx: RuleContext, rule: string, slope: (row: ProcessRow) => number | null, floorPerMin: number, max: number): ProcessRow[] {
	const raised = ctx.activeSubjects(rule);
	const picked: ProcessRow[] = [];
	const active: ProcessRow[] = [];
	// leaktop's own heap fills for minutes before V8 collects it: judging it would accuse the observer.
	const self = ctx.snapshot.sample?.selfPid;
	// The row's own slope first: most rows stop there, without reading their samples. An index loop:
	// for-of's iterator results are garbage per row wherever the loop is not optimised.
	const rows = ctx.snapshot.processes;
	for (let i = 0; i < rows.length; i++) {
		const row = rows[i]!;
		const growing = (slope(row) ?? 0) >= floorPerMin;
		if (!growing && (raised.size === 0 || !raised.has(row.key))) continue;
		if (row.sample.kernelThread || row.sample.pid === self) continue;
		if (growing) picked.push(row);
		else active.push(row);
	}
	picked.sort((a, b) => (slope(b) ?? 0) - (slope(a) ?? 0));
	const chosen = picked.slice(0, max);
	for (const row of picked.slice(max)) if (raised.has(row.key)) chosen.push(row);
	return [...chosen, ...active];
}

const name = (row: ProcessRow) => `pid ${row.sample.pid} (${row.sample.comm})`;

/**
 * Process leak suspect: RSS growing steadily by a robust trend, not given back. Where anonymous
 * memory is read and stays flat while RSS grows, the growth is file-backed (a mapped file being
 * read), which is not a leak.
 */
export function processLeaks(ctx: RuleContext): Keyed[] {
	const t = ctx.t;
	const bar = {...t.process, minGrowth: t.process.minGrowthBytes, fallBackOver: 'long' as const};
	const out: Keyed[] = [];
	for (const row of candidates(ctx, 'process-leak', r => r.rssGrowthPerMin, t.process.minRatePerMin / 4, t.process.maxCandidates)) {
		const series = ctx.store.processSeries(row.key);
		if (!series) continue;
		const long = measure(series.rss, ctx.nowMs - t.windowMs);
		const short = measure(series.rss, ctx.nowMs - t.shortWindowMs);
		const raised = growing(long, short, bar, t.minWindowMs, 'raise');
		const held = raised ?? growing(long, short, bar, t.minWindowMs, 'hold');
		let finding: Finding | null = null;
		let fileBacked = false;
		if (held) {
			const since = ctx.nowMs - held.spanMs;
			const anon = measure(series.anon, since);
			const pss = measure(series.pss, since);
			const anonKnown = anon !== null && anon.spanMs >= t.minWindowMs / 2;
			fileBacked = anonKnown && anon.slopePerMin < held.slopePerMin / 4;
			const available = ctx.snapshot.free?.availableBytes ?? null;
			const minutesLeft = available === null ? Infinity : available / held.slopePerMin;
			const critical = minutesLeft * 60_000 <= t.exhaustion.criticalMs;
			const parts = [`RSS ${formatRatePerMin(held.slopePerMin)}`];
			if (anonKnown) parts.push(`anon ${formatRatePerMin(anon.slopePerMin)}`);
			if (pss && pss.spanMs >= t.minWindowMs / 2) parts.push(`PSS ${formatRatePerMin(pss.slopePerMin)}`);
			finding = {
				rule: 'process-leak',
				severity: critical ? 'critical' : 'warning',
				confidence: confidenceOf(held, t.minWindowMs),
				subject: name(row),
				message: `${name(row)} grows steadily: ${parts.join(', ')} over ${formatSpan(held.spanMs)} (+${formatBytes(held.changeFromSlope)}, monotonicity ${held.steadiness.toFixed(2)}) — a likely memory leak`,
				evidence: {
					pid: row.sample.pid,
					comm: row.sample.comm,
					rssBytes: row.sample.rssBytes,
					rssGrowthBytesPerMin: Math.round(held.slopePerMin),
					anonGrowthBytesPerMin: anonKnown ? Math.round(anon.slopePerMin) : null,
					pssGrowthBytesPerMin: pss && pss.spanMs >= t.minWindowMs / 2 ? Math.round(pss.slopePerMin) : null,
					grownBytes: Math.round(held.changeFromSlope),
					windowSec: seconds(held.spanMs),
					monotonicity: round2(held.steadiness),
				},
				next: `Enter on pid ${row.sample.pid} in the process table shows its mappings`,
				target: {kind: 'process', pid: row.sample.pid, key: row.key},
			};
		}
		out.push({key: `process-leak:${row.key}`, evaluation: {raise: raised !== null && !fileBacked, hold: held !== null && !fileBacked, finding}});
	}
	return out;
}

/** Descriptor leak suspect: a process's open-fd count growing steadily (read for the processes that get detail). */
export function fdLeaks(ctx: RuleContext): Keyed[] {
	const t = ctx.t;
	const bar = {...t.fd, maxFallBackShare: t.process.maxFallBackShare, fallBackOver: 'long' as const};
	const out: Keyed[] = [];
	for (const row of candidates(ctx, 'fd-leak', r => r.fdGrowthPerMin, t.fd.minRatePerMin / 4, t.process.maxCandidates)) {
		const series = ctx.store.processSeries(row.key);
		if (!series) continue;
		const long = measure(series.fds, ctx.nowMs - t.windowMs);
		const short = measure(series.fds, ctx.nowMs - t.shortWindowMs);
		const raised = growing(long, short, bar, t.minWindowMs, 'raise');
		const held = raised ?? growing(long, short, bar, t.minWindowMs, 'hold');
		const finding: Finding | null = held && {
			rule: 'fd-leak',
			severity: 'warning',
			confidence: confidenceOf(held, t.minWindowMs),
			subject: name(row),
			message: `${name(row)} keeps opening files: +${Math.round(held.slopePerMin)} fds/min over ${formatSpan(held.spanMs)} (now ${row.sample.fdCount ?? 'n/a'} open, monotonicity ${held.steadiness.toFixed(2)}) — a descriptor leak; each open file or socket also holds kernel memory`,
			evidence: {
				pid: row.sample.pid,
				comm: row.sample.comm,
				fdCount: row.sample.fdCount,
				fdGrowthPerMin: round2(held.slopePerMin),
				grownFds: Math.round(held.changeFromSlope),
				windowSec: seconds(held.spanMs),
				monotonicity: round2(held.steadiness),
			},
			next: `ls -l /proc/${row.sample.pid}/fd shows what is being opened`,
			target: {kind: 'process', pid: row.sample.pid, key: row.key},
		};
		out.push({key: `fd-leak:${row.key}`, evaluation: {raise: raised !== null, hold: held !== null, finding}});
	}
	return out;
}
