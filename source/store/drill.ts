import type {Reason} from '../probe/result.js';
import type {DrillTarget, ProcessSample, Sample, SlabSample} from '../probe/sample.js';
import {slabDetailBytes, SLAB_DETAIL_ATTRIBUTES, type SlabDetail, type SlabDetailAttribute} from '../probe/slabDetail.js';
import type {Mapping, SmapsTotals} from '../probe/smaps.js';
import {Series} from './trend.js';

/** Readings of one mapping kept for its growth per minute. */
const MAPPING_POINTS = 60;
/** Readings kept for the summary's sparklines and the slab chart (wider than any terminal). */
const DRILL_POINTS = 600;
/** Vanished mappings still listed; a process that maps and unmaps all day must not grow our memory. */
const GONE_KEEP = 200;

/** One mapping over the time the view has been open. */
export interface MappingRow {
	key: string;
	/** The newest reading, or the last one before it vanished. */
	mapping: Mapping;
	/** new: appeared since the view opened; gone: vanished since. */
	status: 'new' | 'gone' | 'kept';
	/** Change since the view opened (a new mapping counts from nothing, a gone one to nothing). */
	sizeDeltaBytes: number;
	rssDeltaBytes: number;
	anonDeltaBytes: number;
	swapDeltaBytes: number;
	rssGrowthPerMin: number | null;
	anonGrowthPerMin: number | null;
	swapGrowthPerMin: number | null;
}

/** A summary figure: newest value, history for a sparkline, slope. */
export interface DrillMetric {
	value: number | null;
	history: number[];
	growthPerMin: number | null;
}

export interface ProcessDrillSnapshot {
	kind: 'process';
	pid: number;
	/** `pid:starttime` once the process was seen: a reused pid is another process. */
	key: string | null;
	/** The newest status/statm figures (the last ones once exited). */
	process: ProcessSample | null;
	/** Wall ms when the view opened, and when the process was first seen gone. */
	openedMs: number;
	exitedAtMs: number | null;
	/** Never seen at all: no such pid, or hidden from this user. */
	notFound: boolean;
	/** Why there is no per-mapping detail, in words ("per-mapping detail needs root"); null when there is. */
	smapsProblem: string | null;
	smapsReason: Reason | null;
	warning: string | null;
	readMs: number | null;
	/** smaps readings ingested since the view opened. */
	readings: number;
	totals: SmapsTotals | null;
	totalsAtOpen: SmapsTotals | null;
	/** Largest anonymous growth first (then largest anonymous). */
	mappings: MappingRow[];
	rss: DrillMetric;
	pss: DrillMetric;
	uss: DrillMetric;
	anon: DrillMetric;
	swap: DrillMetric;
	fds: DrillMetric;
}

export interface SlabDrillSnapshot {
	kind: 'slab';
	name: string;
	openedMs: number;
	/** The sysfs reading, or null with the reason in detailProblem. */
	detail: SlabDetail | null;
	detailProblem: string | null;
	/** Attributes that could not be read, with why. */
	missing: Array<{attribute: SlabDetailAttribute; reason: Reason}>;
	/** The cache's /proc/slabinfo row (or its sysfs fallback), when present. */
	row: SlabSample | null;
	/** Neither sysfs nor slabinfo has it (any more). */
	gone: boolean;
	objects: DrillMetric;
	slabs: DrillMetric;
	bytes: DrillMetric;
	/** Change in objects since the view opened. */
	objectsDelta: number | null;
	bytesDelta: number | null;
}

export type DrillSnapshot = ProcessDrillSnapshot | SlabDrillSnapshot;

/** A drill metric's newest value, its history for a chart, and its growth per minute. */
function metricOf(series: Series, minSpanMs: number, historyPoints: number): DrillMetric {
	const last = series.last();
	return {value: last === undefined || Number.isNaN(last) ? null : last, history: series.tail(historyPoints), growthPerMin: series.slopePerMin(-Infinity, minSpanMs)};
}

/** One mapping's readings; the per-reading tracks exist only once it changes (most never do). */
class MappingHistory {
	latest: Mapping;
	goneAtMs: number | null = null;
	private lastSameMs: number;
	private tracks: {rss: Series; anon: Series; swap: Series} | null = null;

	constructor(
		readonly atOpen: Mapping | null,
		readonly first: Mapping,
		readonly firstMs: number,
	) {
		this.latest = first;
		this.lastSameMs = firstMs;
	}

	update(mapping: Mapping, tMs: number): void {
		this.latest = mapping;
		this.goneAtMs = null;
		const {first} = this;
		if (this.tracks === null) {
			if (mapping.rssBytes === first.rssBytes && mapping.anonymousBytes === first.anonymousBytes && mapping.swapBytes === first.swapBytes) {
				this.lastSameMs = tMs;
				return;
			}
			this.tracks = {rss: new Series(MAPPING_POINTS), anon: new Series(MAPPING_POINTS), swap: new Series(MAPPING_POINTS)};
			// The flat stretch before the first change counts towards the slope.
			for (const t of this.lastSameMs === this.firstMs ? [this.firstMs] : [this.firstMs, this.lastSameMs]) this.pushAll(first, t);
		}
		this.pushAll(mapping, tMs);
	}

	row(minSpanMs: number, latestMs: number): MappingRow {
		const before = this.atOpen;
		const now = this.goneAtMs === null ? this.latest : null;
		const delta = (field: 'sizeBytes' | 'rssBytes' | 'anonymousBytes' | 'swapBytes') => (now?.[field] ?? 0) - (before?.[field] ?? 0);
		const flat = this.goneAtMs === null && latestMs - this.firstMs >= Math.max(minSpanMs, 1) ? 0 : null;
		const slope = (track: Series | undefined) => (track ? track.slopePerMin(-Infinity, minSpanMs) : flat);
		return {
			key: this.latest.key,
			mapping: this.latest,
			status: this.goneAtMs !== null ? 'gone' : before === null ? 'new' : 'kept',
			sizeDeltaBytes: delta('sizeBytes'),
			rssDeltaBytes: delta('rssBytes'),
			anonDeltaBytes: delta('anonymousBytes'),
			swapDeltaBytes: delta('swapBytes'),
			rssGrowthPerMin: slope(this.tracks?.rss),
			anonGrowthPerMin: slope(this.tracks?.anon),
			swapGrowthPerMin: slope(this.tracks?.swap),
		};
	}

	private pushAll(mapping: Mapping, tMs: number): void {
		this.tracks!.rss.push(tMs, mapping.rssBytes);
		this.tracks!.anon.push(tMs, mapping.anonymousBytes);
		this.tracks!.swap.push(tMs, mapping.swapBytes);
	}
}

function slabProblem(name: string, reason: Reason): string {
	if (reason === 'EACCES') return '/sys/kernel/slab needs root: showing the slabinfo row only';
	if (reason === 'ENOENT') return `no /sys/kernel/slab/${name}: showing the slabinfo row only`;
	return `/sys/kernel/slab/${name}: ${reason}`;
}

const SMAPS_PROBLEMS: Partial<Record<Reason, string>> = {
	EACCES: 'per-mapping detail needs root (showing what status and statm give)',
	EMPTY: 'no user memory (kernel thread or zombie)',
	PARSE: 'smaps could not be parsed',
	EIO: 'smaps could not be read',
};

/** What the store keeps about the drilled process since the view opened. */
class ProcessDrill {
	private key: string | null;
	private process: ProcessSample | null = null;
	private exitedAtMs: number | null = null;
	private smapsReason: Reason | null = null;
	private warning: string | null = null;
	private readMs: number | null = null;
	private readings = 0;
	/** A sample has been ingested (so "never seen" is not "not read yet"). */
	private seen = false;
	/** Samples without a smaps reading: the first one always (it predates the drill); a recording made without one. */
	private samplesWithoutReading = 0;
	private lastSmapsMonoMs = Number.NaN;
	private totals: SmapsTotals | null = null;
	private totalsAtOpen: SmapsTotals | null = null;
	private readonly mappings = new Map<string, MappingHistory>();
	private readonly rss = new Series(DRILL_POINTS);
	private readonly pss = new Series(DRILL_POINTS);
	private readonly uss = new Series(DRILL_POINTS);
	private readonly anon = new Series(DRILL_POINTS);
	private readonly swap = new Series(DRILL_POINTS);
	private readonly fds = new Series(DRILL_POINTS);

	constructor(
		readonly pid: number,
		key: string | undefined,
		readonly openedMs: number,
	) {
		this.key = key ?? null;
	}

	ingest(sample: Sample): void {
		this.seen = true;
		if (this.exitedAtMs !== null) return;
		const reading = sample.drill?.kind === 'process' && sample.drill.pid === this.pid ? sample.drill : null;
		// Without a reading (the tick before the drill began, an older recording) the process table's
		// status/statm figures still tell RSS, anon, threads and fds.
		const process = reading ? reading.process : (sample.processes.find(p => p.pid === this.pid) ?? null);
		const smaps = reading?.smaps ?? null;
		const identity = process ? `${process.pid}:${process.startTime}` : null;
		const reused = identity !== null && this.key !== null && identity !== this.key;
		const vanished = smaps !== null && !smaps.ok && (smaps.reason === 'ENOENT' || smaps.reason === 'ESRCH');
		if (reused || process?.state === 'Z' || (this.key !== null && (process === null || vanished))) {
			this.exitedAtMs = sample.timeMs;
			return;
		}
		if (process === null) return;
		this.key = identity;
		this.process = process;
		this.warning = reading?.warning ?? null;
		const t = sample.monoMs;
		if (reading === null) this.samplesWithoutReading++;
		if (smaps?.ok) {
			this.smapsReason = null;
			if (reading!.smapsMonoMs !== this.lastSmapsMonoMs) {
				this.lastSmapsMonoMs = reading!.smapsMonoMs;
				this.readMs = smaps.value.readMs;
				this.ingestMappings(smaps.value.mappings, t, sample.timeMs);
				this.totals = smaps.value.totals;
				this.totalsAtOpen ??= smaps.value.totals;
			}
		} else if (smaps) {
			this.smapsReason = smaps.reason;
		}
		// smaps totals when there are any, else what status/statm/smaps_rollup say.
		const totals = smaps?.ok ? smaps.value.totals : null;
		this.rss.push(t, totals?.rssBytes ?? process.rssBytes);
		this.pss.push(t, totals?.pssBytes ?? process.pssBytes);
		this.uss.push(t, totals?.ussBytes ?? process.ussBytes);
		this.anon.push(t, totals?.anonymousBytes ?? process.anonBytes);
		this.swap.push(t, totals?.swapBytes ?? process.swapBytes);
		this.fds.push(t, process.fdCount);
	}

	snapshot(minSpanMs: number, latestMonoMs: number): ProcessDrillSnapshot {
		const rows: MappingRow[] = [];
		for (const history of this.mappings.values()) rows.push(history.row(minSpanMs, latestMonoMs));
		rows.sort((a, b) => (b.anonGrowthPerMin ?? 0) - (a.anonGrowthPerMin ?? 0) || b.mapping.anonymousBytes - a.mapping.anonymousBytes);
		const metric = (track: Series) => metricOf(track, minSpanMs, 120);
		return {
			kind: 'process',
			pid: this.pid,
			key: this.key,
			process: this.process,
			openedMs: this.openedMs,
			exitedAtMs: this.exitedAtMs,
			notFound: this.key === null && this.process === null && this.seen,
			smapsProblem:
				this.smapsReason !== null
					? (SMAPS_PROBLEMS[this.smapsReason] ?? `smaps: ${this.smapsReason}`)
					: this.readings === 0 && this.samplesWithoutReading > 1
						? 'no smaps readings in these samples (recorded without this drill): showing status figures'
						: null,
			smapsReason: this.smapsReason,
			warning: this.warning,
			readMs: this.readMs,
			readings: this.readings,
			totals: this.totals,
			totalsAtOpen: this.totalsAtOpen,
			mappings: rows,
			rss: metric(this.rss),
			pss: metric(this.pss),
			uss: metric(this.uss),
			anon: metric(this.anon),
			swap: metric(this.swap),
			fds: metric(this.fds),
		};
	}

	private ingestMappings(mappings: readonly Mapping[], monoMs: number, timeMs: number): void {
		const first = this.readings === 0;
		this.readings++;
		const present = new Set<string>();
		const unmatched: Mapping[] = [];
		for (const mapping of mappings) {
			const history = this.mappings.get(mapping.key);
			if (history) {
				present.add(mapping.key);
				history.update(mapping, monoMs);
			} else {
				unmatched.push(mapping);
			}
		}
		// An anonymous region that grows downwards (the kernel merges each new mmap below it) keeps
		// its end and moves its start: the same mapping under a new key, not one gone and one new.
		const byEnd = new Map<string, MappingHistory>();
		for (const [key, history] of this.mappings) {
			if (!present.has(key) && history.goneAtMs === null) byEnd.set(endKey(history.latest), history);
		}
		for (const mapping of unmatched) {
			const moved = byEnd.get(endKey(mapping));
			if (moved) {
				byEnd.delete(endKey(mapping));
				this.mappings.delete(moved.latest.key);
				moved.update(mapping, monoMs);
				this.mappings.set(mapping.key, moved);
			} else {
				this.mappings.set(mapping.key, new MappingHistory(first ? mapping : null, mapping, monoMs));
			}
			present.add(mapping.key);
		}
		const gone: MappingHistory[] = [];
		for (const [key, history] of this.mappings) {
			if (present.has(key)) continue;
			history.goneAtMs ??= timeMs;
			gone.push(history);
		}
		if (gone.length > GONE_KEEP) {
			gone.sort((a, b) => a.goneAtMs! - b.goneAtMs!);
			for (const history of gone.slice(0, gone.length - GONE_KEEP)) this.mappings.delete(history.latest.key);
		}
	}
}

/** A mapping's end, permissions and path: what stays put when it grows at its start. */
function endKey(mapping: Mapping): string {
	return `${mapping.end} ${mapping.perms} ${mapping.path}`;
}

/** What the store keeps about the drilled slab cache since the view opened. */
class SlabDrill {
	private detail: SlabDetail | null = null;
	private detailProblem: string | null = null;
	private row: SlabSample | null = null;
	private gone = false;
	private firstObjects: number | null = null;
	private firstBytes: number | null = null;
	private readonly objects = new Series(DRILL_POINTS);
	private readonly slabs = new Series(DRILL_POINTS);
	private readonly bytes = new Series(DRILL_POINTS);

	constructor(
		readonly name: string,
		readonly openedMs: number,
	) {}

	ingest(sample: Sample): void {
		const reading = sample.drill?.kind === 'slab' && sample.drill.name === this.name ? sample.drill : null;
		// A merged cache's slabinfo row carries one of its names: the one asked for may be an alias.
		if (sample.slabs) this.row = sample.slabs.find(s => s.name === this.name || s.aliases.includes(this.name)) ?? null;
		if (reading === null && sample.slabs === null) return;
		const detail = reading?.detail.ok ? reading.detail.value : null;
		if (reading) {
			this.detail = detail ?? this.detail;
			this.detailProblem = reading.detail.ok ? null : slabProblem(this.name, reading.detail.reason);
		}
		const absentFromSysfs = reading === null || (!reading.detail.ok && reading.detail.reason === 'ENOENT');
		this.gone = absentFromSysfs && sample.slabs !== null && this.row === null;
		// One source for the whole history, the same as the slab panel's: sysfs counts differ slightly
		// from slabinfo's (per-cpu partial slabs), and a switch would show as a jump.
		const attributes = this.row ? null : detail?.attributes;
		const objects = this.row?.activeObjs ?? (attributes?.objects.ok ? attributes.objects.value : null);
		const slabs = this.row?.numSlabs ?? (attributes?.slabs.ok ? attributes.slabs.value : null);
		const bytes = this.row?.sizeBytes ?? (detail ? slabDetailBytes(detail, sample.host.pageSize) : null);
		if (objects === null && slabs === null) return;
		this.firstObjects ??= objects;
		this.firstBytes ??= bytes;
		this.objects.push(sample.monoMs, objects);
		this.slabs.push(sample.monoMs, slabs);
		this.bytes.push(sample.monoMs, bytes);
	}

	snapshot(minSpanMs: number): SlabDrillSnapshot {
		const missing: SlabDrillSnapshot['missing'] = [];
		if (this.detail) {
			for (const attribute of SLAB_DETAIL_ATTRIBUTES) {
				const value = this.detail.attributes[attribute];
				if (!value.ok) missing.push({attribute, reason: value.reason});
			}
		}
		const metric = (track: Series) => metricOf(track, minSpanMs, DRILL_POINTS);
		const objects = metric(this.objects);
		const bytes = metric(this.bytes);
		return {
			kind: 'slab',
			name: this.name,
			openedMs: this.openedMs,
			detail: this.detail,
			detailProblem: this.detailProblem,
			missing,
			row: this.row,
			gone: this.gone,
			objects,
			slabs: metric(this.slabs),
			bytes,
			objectsDelta: objects.value === null || this.firstObjects === null ? null : objects.value - this.firstObjects,
			bytesDelta: bytes.value === null || this.firstBytes === null ? null : bytes.value - this.firstBytes,
		};
	}
}

/**
 * The drill-down's history: everything read about one process or one slab cache since the view
 * opened. It lives in the store, fed by the Samples' drill readings, so a replay drills the same way.
 */
export class DrillHistory {
	private readonly process: ProcessDrill | null;
	private readonly slab: SlabDrill | null;

	constructor(
		readonly target: DrillTarget,
		openedMs: number,
	) {
		this.process = target.kind === 'process' ? new ProcessDrill(target.pid, target.key, openedMs) : null;
		this.slab = target.kind === 'slab' ? new SlabDrill(target.name, openedMs) : null;
	}

	ingest(sample: Sample): void {
		this.process?.ingest(sample);
		this.slab?.ingest(sample);
	}

	snapshot(minSpanMs: number, latestMonoMs: number): DrillSnapshot {
		return this.process ? this.process.snapshot(minSpanMs, latestMonoMs) : this.slab!.snapshot(minSpanMs);
	}
}
