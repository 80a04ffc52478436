import {fail, ok, type Result} from './result.js';

/** What v1 prints for "no limit": PAGE_COUNTER_MAX pages in bytes, rounded down to a page. */
export const V1_UNLIMITED_BYTES = 9223372036854771712;

// The exact v1 sentinel depends on the page size, so anything this large is "no limit" too.
const UNLIMITED_FLOOR_BYTES = 2 ** 62;

/** memory.max / memory.high / memory.limit_in_bytes → bytes, or null for unlimited (`max`, ≥ 2^62). */
export function parseLimitBytes(text: string): Result<number | null> {
	const value = text.trim();
	if (value === 'max') return ok(null);
	const bytes = parseUnsigned(value);
	if (bytes === null) return fail(value === '' ? 'EMPTY' : 'PARSE', value.slice(0, 40));
	return ok(bytes >= UNLIMITED_FLOOR_BYTES ? null : bytes);
}

/** A single-number file (memory.current, memory.usage_in_bytes, memory.failcnt…). */
export function parseCounter(text: string): Result<number> {
	const value = text.trim();
	const n = parseUnsigned(value);
	return n === null ? fail(value === '' ? 'EMPTY' : 'PARSE', value.slice(0, 40)) : ok(n);
}

/** `key value` lines (memory.stat, memory.events, memory.oom_control) → every key, unknown ones kept. */
export function parseKeyedCounters(text: string): Record<string, number> {
	const counters: Record<string, number> = Object.create(null) as Record<string, number>;
	const lines = text.split('\n');
	// A last line without '\n' is a torn read.
	if (!text.endsWith('\n')) lines.pop();
	for (const line of lines) {
		const space = line.indexOf(' ');
		if (space <= 0) continue;
		const n = parseUnsigned(line.slice(space + 1).trim());
		if (n !== null) counters[line.slice(0, space)] = n;
	}
	return counters;
}

/** The memory.stat entries a leak hunter needs, under one set of names for v1 and v2 (bytes). */
export interface CgroupMemoryStat {
	anonBytes: number | null;
	/** Page cache, shmem included (v1 `cache` and v2 `file` both count it). */
	fileBytes: number | null;
	/** All kernel memory charged to the cgroup (v2 `kernel`; v1 memory.kmem.usage_in_bytes). */
	kernelBytes: number | null;
	slabBytes: number | null;
	slabReclaimableBytes: number | null;
	slabUnreclaimableBytes: number | null;
	sockBytes: number | null;
	shmemBytes: number | null;
	pagetablesBytes: number | null;
	percpuBytes: number | null;
}

/**
 * memory.stat of either version → one shape. v2 figures are hierarchical; v1 prints a local value
 * and a `total_` hierarchical one, and the hierarchical one is taken so that both versions agree
 * with usage (which is hierarchical in both). v1 has no slab/sock/pagetables/percpu lines and its
 * kernel figure lives in another file, so those are null here.
 */
export function parseMemoryStat(text: string, version: 1 | 2): CgroupMemoryStat {
	const c = parseKeyedCounters(text);
	if (version === 1) {
		const v1 = (key: string) => c[`total_${key}`] ?? c[key] ?? null;
		return {
			anonBytes: v1('rss'),
			fileBytes: v1('cache'),
			kernelBytes: null,
			slabBytes: null,
			slabReclaimableBytes: null,
			slabUnreclaimableBytes: null,
			sockBytes: null,
			shmemBytes: v1('shmem'),
			pagetablesBytes: null,
			percpuBytes: null,
		};
	}
	const v2 = (key: string) => c[key] ?? null;
	const reclaimable = v2('slab_reclaimable');
	const unreclaimable = v2('slab_unreclaimable');
	return {
		anonBytes: v2('anon'),
		fileBytes: v2('file'),
		kernelBytes: v2('kernel'),
		slabBytes: c.slab ?? (reclaimable !== null && unreclaimable !== null ? reclaimable + unreclaimable : null),
		slabReclaimableBytes: reclaimable,
		slabUnreclaimableBytes: unreclaimable,
		sockBytes: v2('sock'),
		shmemBytes: v2('shmem'),
		pagetablesBytes: v2('pagetables'),
		percpuBytes: v2('percpu'),
	};
}

/**
 * How often the cgroup hit its boundaries (cumulative counts). v2 reads memory.events; v1 has
 * only memory.failcnt (charges refused at the limit: the same moment v2 counts as `max`) and
 * memory.oom_control.
 */
export interface CgroupMemoryEvents {
	low: number | null;
	high: number | null;
	max: number | null;
	oom: number | null;
	oomKill: number | null;
	/** v1 only: the cgroup is stuck in OOM right now (oom_kill_disable set and at its limit). */
	underOom: boolean | null;
}

/** v2 memory.events. */
export function parseMemoryEvents(text: string): CgroupMemoryEvents {
	const c = parseKeyedCounters(text);
	return {
		low: c.low ?? null,
		high: c.high ?? null,
		max: c.max ?? null,
		oom: c.oom ?? null,
		oomKill: c.oom_kill ?? null,
		underOom: null,
	};
}

export interface OomControl {
	oomKillDisable: boolean | null;
	underOom: boolean | null;
	/** Absent before Linux 4.13. */
	oomKill: number | null;
}

/** v1 memory.oom_control. */
export function parseOomControl(text: string): OomControl {
	const c = parseKeyedCounters(text);
	const flag = (key: string) => (c[key] === undefined ? null : c[key] !== 0);
	return {oomKillDisable: flag('oom_kill_disable'), underOom: flag('under_oom'), oomKill: c.oom_kill ?? null};
}

/** v1 events from memory.oom_control and memory.failcnt (either may be missing). */
export function v1Events(oomControl: OomControl | null, failcnt: number | null): CgroupMemoryEvents {
	return {
		low: null,
		high: null,
		max: failcnt,
		oom: null,
		oomKill: oomControl?.oomKill ?? null,
		underOom: oomControl?.underOom ?? null,
	};
}

function parseUnsigned(value: string): number | null {
	return /^\d+$/.test(value) ? Number(value) : null;
}
