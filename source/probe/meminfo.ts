import {decimal, digitsEnd, LineNames} from './bytes.js';

/**
 * /proc/meminfo → every key, in bytes where the kernel says kB; HugePages_* stay page counts.
 * Unknown keys are kept (new kernels add them); a torn last line is dropped.
 */
export function parseMeminfo(text: string): Record<string, number> {
	const result: Record<string, number> = {};
	const lines = text.split('\n');
	if (!text.endsWith('\n')) lines.pop();
	for (const line of lines) {
		const match = /^([\w()]+):\s+(\d+)(?:\s+(kB))?\s*$/.exec(line);
		if (!match) continue;
		const value = Number(match[2]);
		if (!Number.isSafeInteger(value)) continue;
		result[match[1]!] = match[3] ? value * 1024 : value;
	}
	return result;
}

/**
 * parseMeminfo from the bytes as read, with the names remembered from the last read (names): the
 * kernel's own `Name:   123 kB` lines make no string; any other line is decoded and read as parseMeminfo reads it.
 */
export function parseMeminfoBytes(bytes: Buffer, length: number, names = new LineNames()): Record<string, number> {
	const result: Record<string, number> = {};
	let named = 0;
	for (let start = 0, end = bytes.indexOf(10, 0); end !== -1 && end < length; start = end + 1, end = start < length ? bytes.indexOf(10, start) : -1) {
		let colon = start;
		while (colon < end && isNameByte(bytes[colon]!)) colon++;
		let digits = colon + 1;
		while (digits < end && bytes[digits] === 32) digits++;
		const digitsStop = digitsEnd(bytes, digits, end);
		let unit = digitsStop;
		while (unit < end && bytes[unit] === 32) unit++;
		const kib = unit > digitsStop && unit + 2 === end && bytes[unit] === 107 && bytes[unit + 1] === 66;
		if (colon > start && colon < end && bytes[colon] === 58 && digits > colon + 1 && digitsStop > digits && digitsStop - digits <= 15 && (digitsStop === end || kib)) {
			const value = decimal(bytes, digits, digitsStop);
			result[names.name(named++, bytes, start, colon)] = kib ? value * 1024 : value;
			continue;
		}
		Object.assign(result, parseMeminfo(`${bytes.toString('utf8', start, end)}\n`));
	}
	return result;
}

/** [A-Za-z0-9_()] */
function isNameByte(c: number): boolean {
	return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 40 || c === 41;
}

/** The summary `free` prints, computed as procps-ng 4 does. */
export interface FreeSummary {
	totalBytes: number;
	usedBytes: number;
	freeBytes: number;
	sharedBytes: number;
	buffersBytes: number;
	/** Cached + SReclaimable, as procps-ng's "cache". */
	cachedBytes: number;
	buffCacheBytes: number;
	availableBytes: number;
	/** True when the kernel has no MemAvailable (< 3.14) and it was estimated. */
	availableEstimated: boolean;
	swapTotalBytes: number;
	swapUsedBytes: number;
	swapFreeBytes: number;
}

/**
 * procps-ng 4: used = total − available (not the older total − free − buff/cache); lxcfs can
 * report available > total, so used is clamped and never negative.
 * Without MemAvailable, estimate as the kernel does: free + file LRU + reclaimable slab, each
 * less what the low watermarks keep back.
 */
export function freeSummary(meminfo: Record<string, number>, minFreeBytes = 0): FreeSummary | null {
	const total = meminfo.MemTotal;
	const free = meminfo.MemFree;
	if (total === undefined || free === undefined) return null;
	const buffers = meminfo.Buffers ?? 0;
	const cached = (meminfo.Cached ?? 0) + (meminfo.SReclaimable ?? 0);
	let available = meminfo.MemAvailable;
	const availableEstimated = available === undefined;
	if (available === undefined) {
		const low = (minFreeBytes * 5) / 4;
		const pageCache = (meminfo['Active(file)'] ?? 0) + (meminfo['Inactive(file)'] ?? 0);
		const slabReclaimable = meminfo.SReclaimable ?? 0;
		available =
			free - low + pageCache - Math.min(pageCache / 2, low) + slabReclaimable - Math.min(slabReclaimable / 2, low);
		available = Math.max(0, Math.round(available));
	}
	let used = total - available;
	if (used < 0) used = total - free;
	used = Math.max(0, used);
	const swapTotal = meminfo.SwapTotal ?? 0;
	const swapFree = meminfo.SwapFree ?? 0;
	return {
		totalBytes: total,
		usedBytes: used,
		freeBytes: free,
		sharedBytes: meminfo.Shmem ?? 0,
		buffersBytes: buffers,
		cachedBytes: cached,
		buffCacheBytes: buffers + cached,
		availableBytes: Math.min(available, total),
		availableEstimated,
		swapTotalBytes: swapTotal,
		swapUsedBytes: Math.max(0, swapTotal - swapFree),
		swapFreeBytes: swapFree,
	};
}

export interface KernelMemory {
	slabBytes: number | null;
	sReclaimableBytes: number | null;
	sUnreclaimBytes: number | null;
	kernelStackBytes: number | null;
	pageTablesBytes: number | null;
	secPageTablesBytes: number | null;
	vmallocUsedBytes: number | null;
	percpuBytes: number | null;
	shmemBytes: number | null;
	anonPagesBytes: number | null;
	anonHugePagesBytes: number | null;
	hugetlbBytes: number | null;
	/**
	 * Memory in use that none of the named users explain: total − free − page cache − buffers −
	 * anon − slab − kernel stacks − page tables − vmalloc − percpu − hugetlb. Growth here with no
	 * process to show for it points at a driver allocating pages directly.
	 */
	unexplainedBytes: number | null;
}

/** The kernel-side breakdown of meminfo; a key this kernel lacks is null, never 0. */
export function kernelMemory(m: Record<string, number>): KernelMemory {
	const get = (key: string): number | null => m[key] ?? null;
	const hugetlb = m.Hugetlb ?? (m.HugePages_Total !== undefined && m.Hugepagesize !== undefined ? m.HugePages_Total * m.Hugepagesize : null);
	let unexplained: number | null = null;
	if (m.MemTotal !== undefined && m.MemFree !== undefined) {
		const explained =
			m.MemFree +
			(m.Buffers ?? 0) +
			(m.Cached ?? 0) +
			(m.AnonPages ?? 0) +
			(m.Slab ?? 0) +
			(m.KernelStack ?? 0) +
			(m.PageTables ?? 0) +
			(m.SecPageTables ?? 0) +
			(m.VmallocUsed ?? 0) +
			(m.Percpu ?? 0) +
			(hugetlb ?? 0);
		// Shmem sits inside Cached, so it is not added again.
		unexplained = Math.max(0, m.MemTotal - explained);
	}
	return {
		slabBytes: get('Slab'),
		sReclaimableBytes: get('SReclaimable'),
		sUnreclaimBytes: get('SUnreclaim'),
		kernelStackBytes: get('KernelStack'),
		pageTablesBytes: get('PageTables'),
		secPageTablesBytes: get('SecPageTables'),
		vmallocUsedBytes: get('VmallocUsed'),
		percpuBytes: get('Percpu'),
		shmemBytes: get('Shmem'),
		anonPagesBytes: get('AnonPages'),
		anonHugePagesBytes: get('AnonHugePages'),
		hugetlbBytes: hugetlb,
		unexplainedBytes: unexplained,
	};
}
