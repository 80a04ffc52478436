import type {Finding} from '../diagnose/finding.js';
import type {Snapshot} from '../store/store.js';

/** One report as documented in the README ("JSON"): other tools rely on these names. */
export interface JsonReport {
	time: string;
	host: {hostname: string; kernel: string};
	memory: Record<string, number | null>;
	vmstat: Record<string, number | null>;
	processes: Array<{
		pid: number;
		user: string;
		comm: string;
		cmdline: string;
		rss: number;
		anon: number | null;
		swap: number | null;
		pss: number | null;
		uss: number | null;
		rssGrowthPerMin: number | null;
	}>;
	slabs: Array<{name: string; activeObjs: number; numObjs: number; objSize: number; sizeBytes: number; growthPerMin: number | null}>;
	cgroups: Array<{
		path: string;
		usage: number | null;
		limit: number | null;
		high: number | null;
		peak: number | null;
		stat: Record<string, number | null> | null;
		events: Record<string, number | boolean | null> | null;
		growthPerMin: number | null;
	}> | null;
	findings: Array<Pick<Finding, 'rule' | 'severity' | 'confidence' | 'subject' | 'message' | 'evidence'>>;
	sources: Record<string, string>;
}

const round = (n: number | null | undefined, digits = 0): number | null => {
	if (n === null || n === undefined || !Number.isFinite(n)) return null;
	const scale = 10 ** digits;
	return Math.round(n * scale) / scale;
};

/** The store's snapshot as the JSON report; top limits the process list (Infinity lists all). */
export function toJsonReport(snapshot: Snapshot, top: number): JsonReport | null {
	const sample = snapshot.sample;
	if (!sample) return null;
	const free = snapshot.free;
	const kernel = snapshot.kernel;
	const rates = snapshot.rates;
	const m = sample.meminfo ?? {};
	return {
		time: new Date(sample.timeMs).toISOString(),
		host: {hostname: sample.host.hostname, kernel: sample.host.kernel},
		memory: {
			total: free?.totalBytes ?? null,
			used: free?.usedBytes ?? null,
			free: free?.freeBytes ?? null,
			shared: free?.sharedBytes ?? null,
			buffCache: free?.buffCacheBytes ?? null,
			available: free?.availableBytes ?? null,
			buffers: free?.buffersBytes ?? null,
			cached: free?.cachedBytes ?? null,
			sReclaimable: kernel?.sReclaimableBytes ?? null,
			sUnreclaim: kernel?.sUnreclaimBytes ?? null,
			slab: kernel?.slabBytes ?? null,
			kernelStack: kernel?.kernelStackBytes ?? null,
			pageTables: kernel?.pageTablesBytes ?? null,
			vmallocUsed: kernel?.vmallocUsedBytes ?? null,
			percpu: kernel?.percpuBytes ?? null,
			anonPages: kernel?.anonPagesBytes ?? null,
			swapTotal: free?.swapTotalBytes ?? m.SwapTotal ?? null,
			swapUsed: free?.swapUsedBytes ?? null,
			swapFree: free?.swapFreeBytes ?? null,
		},
		vmstat: {
			r: rates?.r ?? sample.stat?.procsRunning ?? null,
			b: rates?.b ?? sample.stat?.procsBlocked ?? null,
			si: round(rates?.si),
			so: round(rates?.so),
			bi: round(rates?.bi),
			bo: round(rates?.bo),
			in: round(rates?.in),
			cs: round(rates?.cs),
			us: rates?.us ?? null,
			sy: rates?.sy ?? null,
			id: rates?.id ?? null,
			wa: rates?.wa ?? null,
			st: rates?.st ?? null,
			sr: round(rates?.sr),
		},
		processes: snapshot.processes.slice(0, top).map(row => ({
			pid: row.sample.pid,
			user: row.sample.user,
			comm: row.sample.comm,
			cmdline: row.sample.cmdline,
			rss: row.sample.rssBytes,
			anon: row.sample.anonBytes,
			swap: row.sample.swapBytes,
			pss: row.sample.pssBytes,
			uss: row.sample.ussBytes,
			rssGrowthPerMin: round(row.rssGrowthPerMin),
		})),
		slabs: snapshot.slabs.map(row => ({
			name: row.sample.name,
			activeObjs: row.sample.activeObjs,
			numObjs: row.sample.numObjs,
			objSize: row.sample.objSize,
			sizeBytes: row.sample.sizeBytes,
			growthPerMin: round(row.growthPerMin),
		})),
		cgroups: sample.cgroups
			? snapshot.cgroups.map(row => ({
					path: row.sample.path,
					usage: row.sample.usageBytes,
					limit: row.sample.limitBytes,
					high: row.sample.highBytes,
					peak: row.sample.peakBytes,
					stat: row.sample.stat ? {...row.sample.stat} : null,
					events: row.sample.events ? {...row.sample.events} : null,
					growthPerMin: round(row.growthPerMin),
				}))
			: null,
		findings: snapshot.findings.map(f => ({rule: f.rule, severity: f.severity, confidence: f.confidence, subject: f.subject, message: f.message, evidence: f.evidence})),
		sources: {...sample.sources},
	};
}
