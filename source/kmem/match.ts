import type {KmemAlloc, KmemLine, PerfWarning} from './parse.js';

export interface MatchOptions {
	/** Allocations younger than this at the end of the trace are normal churn, not reported. */
	graceSec: number;
	/** Only allocations from this slab cache (kmalloc caches are named from size and flags). */
	cache?: string;
	/** perf's and leaktop's own pids: their allocations are the observer's, not the machine's. */
	ignorePids?: ReadonlySet<number>;
	/** Live allocations tracked at most: leaktop must not become the leak on a busy box. */
	maxLive?: number;
}

/** Allocations still live at the end of the trace from one call site into one cache. */
export interface OutstandingSite {
	/** As perf printed it: `0xffffffff81755e04`, or a symbol when perf resolved it. */
	callSite: string;
	/** `do_eventfd+0x34` when /proc/kallsyms could name the address. */
	symbol?: string;
	cache: string;
	/** True when the cache was inferred from a kmalloc's size and gfp flags (kmalloc has no name=). */
	cacheInferred: boolean;
	count: number;
	requestedBytes: number;
	allocatedBytes: number;
	oldestAgeSec: number;
	/** The commands that allocated them, most frequent first (at most three). */
	comms: string[];
}

export interface KmemReport {
	/** From the first to the last event seen. */
	traceSec: number;
	graceSec: number;
	cache: string | null;
	events: number;
	allocs: number;
	frees: number;
	/** Allocations by perf and leaktop itself (reading the stream), left out. */
	ignoredTracerAllocs: number;
	/** kfree(NULL) and kfree(ZERO_SIZE_PTR): legal no-ops. */
	nullFrees: number;
	/** Frees of memory allocated before the trace began: expected, not errors. */
	unmatchedFrees: number;
	/** A new allocation at a pointer still live here: its free was never seen (lost or untraced). */
	lostFrees: number;
	/** Events perf dropped (PERF_RECORD_LOST). */
	lostEvents: number;
	unparsedLines: number;
	/** Still live at the end but younger than the grace period. */
	youngOutstanding: number;
	incomplete: boolean;
	incompleteReasons: string[];
	/** Grouped by call site and cache, most allocated bytes first. */
	outstanding: OutstandingSite[];
}

interface LiveAllocation {
	callSite: string;
	cache: string;
	cacheInferred: boolean;
	requestedBytes: number;
	allocatedBytes: number;
	timeSec: number;
	comm: string;
	byTracer: boolean;
}

const ZERO_SIZE_PTR = '0x10';
const KMALLOC_SIZES = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192];
const KMALLOC_MAX_CACHE_BYTES = 8192;

/**
 * The slab cache a kmalloc lands in, following the kernel's kmalloc_type(): DMA first, then
 * reclaimable, then memcg-accounted; beyond 8 KiB kmalloc goes straight to the page allocator.
 */
export function kmallocCacheName(alloc: Pick<KmemAlloc, 'requestedBytes' | 'allocatedBytes' | 'gfpFlags' | 'accounted'>): string {
	if (alloc.allocatedBytes > KMALLOC_MAX_CACHE_BYTES) return 'kmalloc-large';
	const size = KMALLOC_SIZES.includes(alloc.allocatedBytes)
		? alloc.allocatedBytes
		: KMALLOC_SIZES.find(candidate => candidate >= alloc.requestedBytes);
	if (size === undefined) return 'kmalloc-large';
	const label = size >= 1024 ? `${size / 1024}k` : String(size);
	const flags = alloc.gfpFlags.split('|');
	if (flags.includes('GFP_DMA') || flags.includes('__GFP_DMA')) return `dma-kmalloc-${label}`;
	if (flags.includes('__GFP_RECLAIMABLE')) return `kmalloc-rcl-${label}`;
	if (alloc.accounted) return `kmalloc-cg-${label}`;
	return `kmalloc-${label}`;
}

/** Matches allocations and frees by pointer as perf script lines arrive; report() at the end. */
export class KmemMatcher {
	private readonly live = new Map<string, LiveAllocation>();
	private readonly reasons: string[] = [];
	private readonly maxLive: number;
	private firstTimeSec: number | undefined;
	private lastTimeSec: number | undefined;
	private events = 0;
	private allocs = 0;
	private frees = 0;
	private ignoredTracerAllocs = 0;
	private nullFrees = 0;
	private unmatchedFrees = 0;
	private lostFrees = 0;
	private lostEvents = 0;
	private unparsedLines = 0;
	private droppedForSpace = 0;

	constructor(private readonly options: MatchOptions) {
		this.maxLive = options.maxLive ?? 500_000;
	}

	/** Feeds one parsed perf script line, in stream order. */
	add(line: KmemLine): void {
		switch (line.kind) {
			case 'blank':
				return;
			case 'unparsed':
				this.unparsedLines++;
				return;
			case 'lost':
				this.lostEvents += line.lostEvents;
				return;
			case 'alloc':
				this.see(line.timeSec);
				this.addAlloc(line);
				return;
			case 'free': {
				this.see(line.timeSec);
				if (line.ptr === '0x0' || line.ptr === ZERO_SIZE_PTR) {
					this.nullFrees++;
					return;
				}
				if (this.live.delete(line.ptr)) {
					this.frees++;
					return;
				}
				const byTracer = this.options.ignorePids?.has(line.pid) ?? false;
				// A kfree has no cache name, so under a cache filter it cannot be attributed.
				const inScope = this.options.cache === undefined || line.cache === this.options.cache;
				if (!byTracer && inScope) this.unmatchedFrees++;
				return;
			}
		}
	}

	/** Folds in perf script's stderr warnings about dropped events. */
	addWarning(warning: PerfWarning): void {
		if (warning.lostChunks !== undefined) this.markIncomplete(`perf lost ${warning.lostChunks} chunks of events`);
		if (warning.lostPercent !== undefined) this.markIncomplete(`perf lost ${warning.lostPercent}% of samples`);
	}

	/** Records why the result cannot be trusted in full (perf killed, events lost…). */
	markIncomplete(reason: string): void {
		if (!this.reasons.includes(reason)) this.reasons.push(reason);
	}

	/** What is still live past the grace period, grouped; nameCallSite turns addresses into symbols. */
	report(nameCallSite?: (callSite: string) => string | undefined): KmemReport {
		const end = this.lastTimeSec ?? 0;
		const cutoff = end - this.options.graceSec;
		const groups = new Map<string, OutstandingSite & {commCounts: Map<string, number>}>();
		let youngOutstanding = 0;
		for (const allocation of this.live.values()) {
			if (allocation.byTracer) continue;
			if (allocation.timeSec > cutoff) {
				youngOutstanding++;
				continue;
			}
			const key = `${allocation.callSite}\u0000${allocation.cache}`;
			let group = groups.get(key);
			if (!group) {
				const symbol = nameCallSite?.(allocation.callSite);
				group = {
					callSite: allocation.callSite,
					...(symbol === undefined ? {} : {symbol}),
					cache: allocation.cache,
					cacheInferred: allocation.cacheInferred,
					count: 0,
					requestedBytes: 0,
					allocatedBytes: 0,
					oldestAgeSec: 0,
					comms: [],
					commCounts: new Map(),
				};
				groups.set(key, group);
			}
			group.count++;
			group.requestedBytes += allocation.requestedBytes;
			group.allocatedBytes += allocation.allocatedBytes;
			group.oldestAgeSec = Math.max(group.oldestAgeSec, end - allocation.timeSec);
			group.commCounts.set(allocation.comm, (group.commCounts.get(allocation.comm) ?? 0) + 1);
		}
		const outstanding = [...groups.values()]
			.map(({commCounts, ...site}) => ({
				...site,
				oldestAgeSec: round(site.oldestAgeSec),
				comms: [...commCounts].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([comm]) => comm),
			}))
			.sort((a, b) => b.allocatedBytes - a.allocatedBytes || b.count - a.count || (a.callSite < b.callSite ? -1 : a.callSite > b.callSite ? 1 : 0));
		const reasons = [...this.reasons];
		if (this.lostEvents > 0) reasons.unshift(`perf lost ${this.lostEvents} events`);
		if (this.droppedForSpace > 0) {
			reasons.push(`${this.droppedForSpace} allocations not tracked: more than ${this.maxLive} live at once`);
		}
		return {
			traceSec: round(this.firstTimeSec === undefined ? 0 : end - this.firstTimeSec),
			graceSec: this.options.graceSec,
			cache: this.options.cache ?? null,
			events: this.events,
			allocs: this.allocs,
			frees: this.frees,
			ignoredTracerAllocs: this.ignoredTracerAllocs,
			nullFrees: this.nullFrees,
			unmatchedFrees: this.unmatchedFrees,
			lostFrees: this.lostFrees,
			lostEvents: this.lostEvents,
			unparsedLines: this.unparsedLines,
			youngOutstanding,
			incomplete: reasons.length > 0,
			incompleteReasons: reasons,
			outstanding,
		};
	}

	private addAlloc(alloc: KmemAlloc): void {
		// The pointer is live again, so its free was never seen: that allocation is gone, not leaked.
		if (this.live.delete(alloc.ptr)) this.lostFrees++;
		const cacheInferred = alloc.cache === undefined;
		const cache = alloc.cache ?? kmallocCacheName(alloc);
		if (this.options.cache !== undefined && cache !== this.options.cache) return;
		const byTracer = this.options.ignorePids?.has(alloc.pid) ?? false;
		if (byTracer) this.ignoredTracerAllocs++;
		else this.allocs++;
		if (this.live.size >= this.maxLive) {
			this.droppedForSpace++;
			return;
		}
		this.live.set(alloc.ptr, {
			callSite: alloc.callSite,
			cache,
			cacheInferred,
			requestedBytes: alloc.requestedBytes,
			allocatedBytes: alloc.allocatedBytes,
			timeSec: alloc.timeSec,
			comm: alloc.comm,
			byTracer,
		});
	}

	private see(timeSec: number): void {
		this.events++;
		if (this.firstTimeSec === undefined) this.firstTimeSec = timeSec;
		if (this.lastTimeSec === undefined || timeSec > this.lastTimeSec) this.lastTimeSec = timeSec;
	}
}

function round(sec: number): number {
	return Math.round(sec * 1000) / 1000;
}
