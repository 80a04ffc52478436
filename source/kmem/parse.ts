/** One allocation seen by kmem:kmalloc or kmem:kmem_cache_alloc. */
export interface KmemAlloc {
	kind: 'alloc';
	event: 'kmalloc' | 'kmem_cache_alloc';
	comm: string;
	/** Thread-group id when perf script printed `pid/tid`, else the thread id perf printed. */
	pid: number;
	timeSec: number;
	/** `0x…` lowercase without leading zeros, or the symbol text perf printed (`do_eventfd+0x34/0x120`). */
	callSite: string;
	/** `0x…` lowercase without leading zeros; `(nil)` becomes `0x0`. */
	ptr: string;
	requestedBytes: number;
	allocatedBytes: number;
	/** The `name=` field: kmem_cache_alloc carries it on 6.x kernels, kmalloc never does. */
	cache?: string;
	gfpFlags: string;
	/** `accounted=true`: charged to a memory cgroup, so a kmalloc lands in a kmalloc-cg-* cache. */
	accounted: boolean;
}

/** One free seen by kmem:kfree or kmem:kmem_cache_free. */
export interface KmemFree {
	kind: 'free';
	event: 'kfree' | 'kmem_cache_free';
	comm: string;
	pid: number;
	timeSec: number;
	callSite: string;
	ptr: string;
	cache?: string;
}

/** A `PERF_RECORD_LOST lost N` line (perf script --show-lost-events): N events never reached us. */
export interface KmemLost {
	kind: 'lost';
	lostEvents: number;
}

export type KmemLine = KmemAlloc | KmemFree | KmemLost | {kind: 'blank'} | {kind: 'unparsed'};

// comm is greedy on purpose: a comm is attacker-chosen and may itself look like "1/1 [000] 1.0: ",
// so the header is the *last* "pid[/tid] [cpu] time: event:" on the line.
const HEADER = /^\s*(.*)\s(\d+)(?:\/\d+)?\s+\[\d+\]\s+(\d+\.\d+):\s+(kmem:\w+|PERF_RECORD_LOST):?\s*(.*)$/;
// Values may contain spaces (`call_site=fn+0x1/0x2 [module]`), so a value runs up to the next ` key=`.
const FIELD = /(\w+)=(.*?)(?= \w+=|$)/g;
// A real line is ~250 characters; the cap keeps the backtracking regex cheap on junk input.
const MAX_LINE_CHARS = 2048;
const ALLOC_EVENTS = new Set(['kmalloc', 'kmem_cache_alloc']);
const FREE_EVENTS = new Set(['kfree', 'kmem_cache_free']);

/** Parses one line of `perf script` output for the four kmem tracepoints; never throws. */
export function parseKmemLine(line: string): KmemLine {
	if (line.trim() === '') return {kind: 'blank'};
	if (line.length > MAX_LINE_CHARS) return {kind: 'unparsed'};
	const header = HEADER.exec(line);
	if (!header) return {kind: 'unparsed'};
	const [, comm = '', pid = '', time = '', event = '', rest = ''] = header;
	if (event === 'PERF_RECORD_LOST') {
		const lost = /^lost (\d+)/.exec(rest);
		return lost ? {kind: 'lost', lostEvents: Number(lost[1])} : {kind: 'unparsed'};
	}
	const name = event.slice('kmem:'.length);
	const fields = parseFields(rest);
	const callSite = normalizeCallSite(fields.get('call_site'));
	const ptr = normalizePointer(fields.get('ptr'));
	if (callSite === undefined || ptr === undefined) return {kind: 'unparsed'};
	const base = {comm: comm.trim(), pid: Number(pid), timeSec: Number(time), callSite, ptr};
	const cache = fields.get('name');
	if (FREE_EVENTS.has(name)) {
		return {kind: 'free', event: name as KmemFree['event'], ...base, ...(cache === undefined ? {} : {cache})};
	}
	if (!ALLOC_EVENTS.has(name)) return {kind: 'unparsed'};
	const requestedBytes = parseCount(fields.get('bytes_req'));
	const allocatedBytes = parseCount(fields.get('bytes_alloc'));
	if (requestedBytes === undefined || allocatedBytes === undefined) return {kind: 'unparsed'};
	return {
		kind: 'alloc',
		event: name as KmemAlloc['event'],
		...base,
		requestedBytes,
		allocatedBytes,
		...(cache === undefined ? {} : {cache}),
		gfpFlags: fields.get('gfp_flags') ?? '',
		accounted: fields.get('accounted') === 'true',
	};
}

/** What perf script says on stderr when events were dropped. */
export interface PerfWarning {
	lostChunks?: number;
	lostPercent?: number;
}

/** Recognises perf's "Processed N events and lost M chunks!" / "… samples and lost X%!" lines. */
export function parsePerfWarning(line: string): PerfWarning | undefined {
	const chunks = /lost (\d+) chunks/.exec(line);
	if (chunks) return {lostChunks: Number(chunks[1])};
	const percent = /samples and lost ([\d.]+)%/.exec(line);
	if (percent) {
		const value = Number(percent[1]);
		return Number.isFinite(value) ? {lostPercent: value} : undefined;
	}
	return undefined;
}

function parseFields(text: string): Map<string, string> {
	const fields = new Map<string, string>();
	for (const match of text.matchAll(FIELD)) {
		if (match[1] !== undefined && match[2] !== undefined && !fields.has(match[1])) fields.set(match[1], match[2]);
	}
	return fields;
}

/** `(nil)` → `0x0`; `0x0000ABC` → `0xabc`; anything else is not a pointer. */
export function normalizePointer(text: string | undefined): string | undefined {
	if (text === '(nil)') return '0x0';
	if (text === undefined || !/^0x[0-9a-fA-F]{1,16}$/.test(text)) return undefined;
	const digits = text.slice(2).toLowerCase().replace(/^0+/, '');
	return `0x${digits === '' ? '0' : digits}`;
}

function normalizeCallSite(text: string | undefined): string | undefined {
	if (text === undefined || text === '') return undefined;
	return normalizePointer(text) ?? text;
}

function parseCount(text: string | undefined): number | undefined {
	if (text === undefined || !/^\d{1,15}$/.test(text)) return undefined;
	return Number(text);
}
