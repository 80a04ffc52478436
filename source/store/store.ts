import {freeSummary, kernelMemory, type FreeSummary, type KernelMemory} from '../probe/meminfo.js';
import type {CgroupSample} from '../probe/cgroup.js';
import type {DrillTarget, ProcessSample, Sample, SlabSample} from '../probe/sample.js';
import type {Finding} from '../diagnose/finding.js';
import type {Focus, Source} from '../source/live.js';
import {DrillHistory, type DrillSnapshot} from './drill.js';
import {vmstatRates, type VmstatRates} from './rates.js';
import {Clock, Series, type Point} from './trend.js';

/** System-wide series kept for the whole history (sparklines, trends, verdicts). */
export const SYSTEM_METRICS = [
	'availableBytes',
	'usedBytes',
	'freeBytes',
	'buffCacheBytes',
	'sharedBytes',
	'swapUsedBytes',
	'slabBytes',
	'sReclaimableBytes',
	'sUnreclaimBytes',
	'kernelStackBytes',
	'pageTablesBytes',
	'vmallocUsedBytes',
	'percpuBytes',
	'anonPagesBytes',
	'unexplainedBytes',
	'processRssBytes',
	'si',
	'so',
	'sr',
	'in',
	'cs',
	'psiSomeAvg10',
	'psiFullAvg10',
	'oomKills',
] as const;
export type SystemMetric = (typeof SYSTEM_METRICS)[number];

export interface ProcessRow {
	/** `pid:starttime`: a reused pid is a different process. */
	key: string;
	sample: ProcessSample;
	firstSeenMs: number;
	/** RSS change since leaktop first saw this process. */
	rssDeltaBytes: number;
	rssGrowthPerMin: number | null;
	anonGrowthPerMin: number | null;
	pssGrowthPerMin: number | null;
	fdGrowthPerMin: number | null;
	/** Newest RSS values, oldest first, for a sparkline. */
	rssHistory: number[];
	exitedAtMs: number | null;
}

export interface SlabRow {
	sample: SlabSample;
	sizeDeltaBytes: number;
	objsDelta: number;
	growthPerMin: number | null;
	objsGrowthPerMin: number | null;
	sizeHistory: number[];
}

export interface CgroupRow {
	sample: CgroupSample;
	usageDeltaBytes: number | null;
	growthPerMin: number | null;
	usageHistory: number[];
}

export interface Snapshot {
	sample: Sample | null;
	/** Ticks ingested since start (or since the replay position was reset). */
	ticks: number;
	startedMs: number | null;
	intervalMs: number;
	frozen: boolean;
	free: FreeSummary | null;
	kernel: KernelMemory | null;
	kernelAtStart: KernelMemory | null;
	rates: VmstatRates | null;
	/** Trend of available memory over the growth window, bytes per minute (negative: falling). */
	availableTrendPerMin: number | null;
	/** Largest RSS first. */
	processes: ProcessRow[];
	/** Processes gone within the last minute, with their last values. */
	exited: ProcessRow[];
	/** Largest size first. */
	slabs: SlabRow[];
	/** Largest usage first. */
	cgroups: CgroupRow[];
	/** What the verdict rules concluded from the history, most important first. */
	findings: Finding[];
	/** The drilled process or slab cache since the view opened; null when not drilled. */
	drill: DrillSnapshot | null;
}

export interface StoreOptions {
	source: Source;
	intervalMs?: number;
	/** Points of system history (sparklines, trends). */
	systemPoints?: number;
	/** Points of history per process and per slab cache. */
	detailPoints?: number;
	/** Span the growth slopes are computed over. */
	growthWindowMs?: number;
	/** The verdict rules, run once per ingested sample over the store's history. */
	analyze?: (store: Store, snapshot: Snapshot) => Finding[];
}

const SPARK_POINTS = 24;
const EXITED_KEEP_MS = 60_000;
/** A fork storm must not become leaktop's own leak: at most this many exited processes are kept. */
const EXITED_KEEP_MAX = 500;

interface ProcessHistory {
	key: string;
	latest: ProcessSample;
	/**
	 * The start time, first and latest RSS of its samples, kept here: the per-process loops then read
	 * one shape of object, while samples come in several (the probe copies the detailed ones).
	 */
	startTime: number;
	firstRssBytes: number;
	rssBytes: number;
	firstSeenMs: number;
	rss: Series;
	/** Only the processes read in detail have these; most never do, so they are made on first use. */
	anon: Series | null;
	pss: Series | null;
	fds: Series | null;
	exitedAtMs: number | null;
	/** The row built last tick, handed out again while nothing in it changed (most processes sit still). */
	row: ProcessRow | null;
	/** The tick that last saw it: the ones not seen have exited. */
	seenTick: number;
	/** The build that has placed it (see processOrder). */
	orderBuild: number;
	/** Forgotten (gone for too long): an entry left in processOrder is skipped. */
	dropped: boolean;
}

interface CgroupHistory {
	first: CgroupSample;
	latest: CgroupSample;
	usage: Series;
	/** The tick that last saw it: the cgroups not seen are gone. */
	seenTick: number;
}

interface SlabHistory {
	first: SlabSample;
	latest: SlabSample;
	size: Series;
	objs: Series;
	/** The tick that last saw it: the caches not seen are gone. */
	seenTick: number;
	/** The row built last tick, handed out again while nothing in it changed. */
	row: SlabRow | null;
}

/**
 * The polling store: eats Samples, keeps bounded history, derives rates and slopes once, and
 * hands React an immutable Snapshot through subscribe/getSnapshot.
 */
export class Store {
	private readonly source: Source;
	private readonly options: Required<Omit<StoreOptions, 'source' | 'intervalMs' | 'analyze'>>;
	private analyze?: (store: Store, snapshot: Snapshot) => Finding[];
	private intervalMs: number;
	private readonly listeners = new Set<() => void>();
	private readonly system = new Map<SystemMetric, Series>();
	/** The samples' times, shared by every series pushed at every sample (system, processes, slabs). */
	private clock: Clock;
	private readonly processes = new Map<string, ProcessHistory>();
	/** The newest history of each pid, so a tick finds a process without building its key. */
	private readonly processByPid = new Map<number, ProcessHistory>();
	/**
	 * Last tick's process samples and their histories, by place in the sample: the scanner hands a
	 * quiet process back as the same object, mostly at the same place, found there without a lookup
	 * by pid. Arrays of the store's own (a source may refill its array), overwritten every tick.
	 */
	private placedSamples: ProcessSample[] = [];
	private placedHistories: ProcessHistory[] = [];
	/** Live processes as the last build sorted them. */
	private processOrder: ProcessHistory[] = [];
	/** The order array before last, overwritten by the next build. */
	private spareOrder: ProcessHistory[] = [];
	private builds = 0;
	private readonly slabs = new Map<string, SlabHistory>();
	private readonly cgroups = new Map<string, CgroupHistory>();
	private previous: Sample | null = null;
	private latest: Sample | null = null;
	private kernelAtStart: KernelMemory | null = null;
	private ticks = 0;
	private startedMs: number | null = null;
	private snapshot: Snapshot;
	private frozen: Snapshot | null = null;
	private timer: NodeJS.Timeout | null = null;
	private selected = new Set<number>();
	private drill: DrillHistory | null = null;
	/** A drill to resume with the first sample after a reset (its "opened" time is that sample's). */
	private redrillAt: DrillTarget | null = null;

	constructor(options: StoreOptions) {
		this.source = options.source;
		this.intervalMs = options.intervalMs ?? 2000;
		this.options = {
			systemPoints: options.systemPoints ?? 3600,
			detailPoints: options.detailPoints ?? 90,
			growthWindowMs: options.growthWindowMs ?? 5 * 60_000,
		};
		this.analyze = options.analyze;
		this.clock = new Clock(Math.max(this.options.systemPoints, this.options.detailPoints));
		for (const metric of SYSTEM_METRICS) this.system.set(metric, new Series(this.options.systemPoints, this.clock));
		this.snapshot = this.build();
	}

	subscribe = (listener: () => void): (() => void) => {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	};

	getSnapshot = (): Snapshot => this.frozen ?? this.snapshot;

	/** The live snapshot even while the display is frozen. */
	current(): Snapshot {
		return this.snapshot;
	}

	/** Pulls one Sample from the source; false when the source has run out. */
	tick(): boolean {
		const sample = this.source.next();
		if (!sample) return false;
		this.ingest(sample);
		return true;
	}

	ingest(sample: Sample): void {
		// A sample without its processes (the live view's first frame, LiveSource.deferProcesses) is
		// shown, then forgotten: histories start with the next one, so "since start" leaves out what
		// leaktop's own first scan of /proc costs the kernel (~8 KiB of slab per process kept open).
		if (this.latest?.sources.processes === 'PENDING') this.reset();
		this.previous = this.latest;
		this.latest = sample;
		this.ticks++;
		this.startedMs ??= sample.timeMs;
		const t = sample.monoMs;
		const free = sample.meminfo ? freeSummary(sample.meminfo) : null;
		const kernel = sample.meminfo ? kernelMemory(sample.meminfo) : null;
		this.kernelAtStart ??= kernel;
		const rates = this.previous ? vmstatRates(this.previous, sample) : null;
		const nan = (value: number | null | undefined) => value ?? Number.NaN;
		const values: Record<SystemMetric, number> = {
			availableBytes: nan(free?.availableBytes),
			usedBytes: nan(free?.usedBytes),
			freeBytes: nan(free?.freeBytes),
			buffCacheBytes: nan(free?.buffCacheBytes),
			sharedBytes: nan(free?.sharedBytes),
			swapUsedBytes: nan(free?.swapUsedBytes),
			slabBytes: nan(kernel?.slabBytes),
			sReclaimableBytes: nan(kernel?.sReclaimableBytes),
			sUnreclaimBytes: nan(kernel?.sUnreclaimBytes),
			kernelStackBytes: nan(kernel?.kernelStackBytes),
			pageTablesBytes: nan(kernel?.pageTablesBytes),
			vmallocUsedBytes: nan(kernel?.vmallocUsedBytes),
			percpuBytes: nan(kernel?.percpuBytes),
			anonPagesBytes: nan(kernel?.anonPagesBytes),
			unexplainedBytes: nan(kernel?.unexplainedBytes),
			processRssBytes: totalRssBytes(sample.processes),
			si: nan(rates?.si),
			so: nan(rates?.so),
			sr: nan(rates?.sr),
			in: nan(rates?.in),
			cs: nan(rates?.cs),
			psiSomeAvg10: nan(sample.pressure?.some.avg10),
			psiFullAvg10: nan(sample.pressure?.full?.avg10),
			oomKills: nan(rates?.oomKills),
		};
		this.clock.advance(t);
		for (const metric of SYSTEM_METRICS) this.system.get(metric)!.pushAtClock(values[metric]);
		this.ingestProcesses(sample);
		this.ingestSlabs(sample);
		this.ingestCgroups(sample);
		if (this.redrillAt) {
			this.drill = new DrillHistory(this.redrillAt, sample.timeMs);
			this.redrillAt = null;
		}
		this.drill?.ingest(sample);
		this.snapshot = this.build(free, kernel, rates);
		if (this.analyze && sample.sources.processes !== 'PENDING') this.snapshot.findings = this.analyze(this, this.snapshot);
		this.source.focus?.(this.focusPids());
		for (const listener of this.listeners) listener();
	}

	/** Points of one system metric over the last windowMs (all history when omitted). */
	systemSeries(metric: SystemMetric, windowMs?: number): Point[] {
		const series = this.system.get(metric)!;
		return series.points(windowMs === undefined || !this.latest ? -Infinity : this.latest.monoMs - windowMs);
	}

	/** Histories of one process by key, for drill-down and verdicts; null once forgotten. */
	processSeries(key: string): ProcessPoints | null {
		const history = this.processes.get(key);
		return history ? new ProcessPoints(history) : null;
	}

	/** Usage over time of one cgroup, by path. */
	cgroupSeries(path: string): Point[] | null {
		return this.cgroups.get(path)?.usage.points() ?? null;
	}

	slabSeries(name: string): {size: Point[]; objs: Point[]} | null {
		const history = this.slabs.get(name);
		return history ? {size: history.size.points(), objs: history.objs.points()} : null;
	}

	/** Keep showing the current moment while sampling goes on (bottom's freeze). */
	setFrozen(frozen: boolean): void {
		this.frozen = frozen ? this.snapshot : null;
		this.snapshot = {...this.snapshot, frozen};
		if (this.frozen) this.frozen = {...this.frozen, frozen: true};
		for (const listener of this.listeners) listener();
	}

	/**
	 * Forgets all history, as if just started; replay calls it before re-reading from an earlier
	 * point. The verdict rules keep state, so a fresh `analyze` comes with it. Drill and selection stay.
	 */
	reset(analyze?: (store: Store, snapshot: Snapshot) => Finding[]): void {
		this.analyze = analyze ?? this.analyze;
		this.clock = new Clock(this.clock.capacity);
		for (const metric of SYSTEM_METRICS) this.system.set(metric, new Series(this.options.systemPoints, this.clock));
		this.processes.clear();
		this.processByPid.clear();
		this.placedSamples = [];
		this.placedHistories = [];
		this.processOrder = [];
		this.spareOrder = [];
		this.slabs.clear();
		this.cgroups.clear();
		this.previous = null;
		this.latest = null;
		this.kernelAtStart = null;
		this.ticks = 0;
		this.startedMs = null;
		this.redrillAt = this.drill?.target ?? null;
		this.drill = null;
		this.snapshot = this.build();
	}

	/**
	 * Starts (or, with null, ends) a drill-down: from now on the source reads this process's smaps
	 * or this slab cache's sysfs attributes every tick, and the snapshot carries their history.
	 */
	setDrill(target: DrillTarget | null): void {
		this.redrillAt = null;
		this.drill = target ? new DrillHistory(target, this.latest?.timeMs ?? Date.now()) : null;
		// What the newest sample already says (status figures, the slabinfo row) shows at once.
		if (this.latest) this.drill?.ingest(this.latest);
		this.source.drill?.(target);
		this.source.focus?.(this.focusPids());
		const latestMonoMs = this.latest?.monoMs ?? 0;
		const drill = this.drill?.snapshot(this.minSpanMs(), latestMonoMs) ?? null;
		this.snapshot = {...this.snapshot, drill};
		if (this.frozen) this.frozen = {...this.frozen, drill};
		for (const listener of this.listeners) listener();
	}

	/** Pids the source reads in detail whatever their size. */
	setSelected(pids: Iterable<number>): void {
		this.selected = new Set(pids);
		this.source.focus?.(this.focusPids());
	}

	get interval(): number {
		return this.intervalMs;
	}

	setIntervalMs(ms: number): void {
		this.intervalMs = ms;
		this.snapshot = {...this.snapshot, intervalMs: ms};
		if (this.timer) {
			this.stop();
			this.start();
		}
		for (const listener of this.listeners) listener();
	}

	/** Ticks on a timer until stop(), the first after firstDelayMs; tests call tick() instead. */
	start(firstDelayMs = 0): void {
		if (this.timer) return;
		// Ticks keep to the interval: a tick that took 300 ms shortens the wait after it.
		const loop = () => {
			const started = performance.now();
			const more = this.tick();
			this.timer = more ? setTimeout(loop, Math.max(0, this.intervalMs - (performance.now() - started))) : null;
		};
		this.timer = setTimeout(loop, firstDelayMs);
	}

	stop(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
	}

	// The rare paths (a new process, processes gone) are methods of their own: the first time one
	// is taken it deoptimises only its call, not the per-process loop V8 compiled without it.
	private ingestProcesses(sample: Sample): void {
		const stamp = this.ticks;
		const capacity = this.options.detailPoints;
		let present = 0;
		const list = sample.processes;
		const placedSamples = this.placedSamples;
		const placedHistories = this.placedHistories;
		const placed = placedSamples.length;
		for (let i = 0; i < list.length; i++) {
			const p = list[i]!;
			let history: ProcessHistory;
			// The same sample at the same place as last tick: last tick's history, seen then, so not forgotten since.
			if (i < placed && placedSamples[i] === p) history = placedHistories[i]!;
			else {
				// By pid, then start time: a number key, not a string built per process per tick.
				const known = this.processByPid.get(p.pid);
				history = known?.startTime === p.startTime ? known : this.historyOf(p, sample.timeMs);
				placedSamples[i] = p;
				placedHistories[i] = history;
			}
			if (history.seenTick !== stamp) present++;
			history.seenTick = stamp;
			history.latest = p;
			history.rssBytes = p.rssBytes;
			// A recording keeps only the processes that matter: one can drop out and come back.
			history.exitedAtMs = null;
			history.rss.pushAtClock(p.rssBytes);
			// Detail files are read only for the processes that matter; absent readings leave gaps (and a
			// series with a gap keeps its own times, before the clock forgets them).
			if (p.anonBytes !== null) (history.anon ??= new Series(capacity, this.clock)).pushAtClock(p.anonBytes);
			else history.anon?.unclock();
			if (p.pssBytes !== null) (history.pss ??= new Series(capacity, this.clock)).pushAtClock(p.pssBytes);
			else history.pss?.unclock();
			if (p.fdCount !== null) (history.fds ??= new Series(capacity, this.clock)).pushAtClock(p.fdCount);
			else history.fds?.unclock();
		}
		placedSamples.length = list.length;
		placedHistories.length = list.length;
		if (this.processes.size !== present) this.retireProcesses(stamp, sample.timeMs);
	}

	/** The history of a process not found by its pid: known by its key (a recording), or new. */
	private historyOf(p: ProcessSample, nowMs: number): ProcessHistory {
		const key = `${p.pid}:${p.startTime}`;
		let history = this.processes.get(key);
		if (!history) {
			history = {
				key,
				latest: p,
				startTime: p.startTime,
				firstRssBytes: p.rssBytes,
				rssBytes: p.rssBytes,
				firstSeenMs: nowMs,
				rss: new Series(this.options.detailPoints, this.clock),
				anon: null,
				pss: null,
				fds: null,
				exitedAtMs: null,
				row: null,
				seenTick: -1,
				orderBuild: -1,
				dropped: false,
			};
			this.processes.set(key, history);
		}
		this.processByPid.set(p.pid, history);
		return history;
	}

	/** Marks the processes this tick did not see as exited, and forgets those gone too long (or too many). */
	private retireProcesses(stamp: number, now: number): void {
		const gone: ProcessHistory[] = [];
		for (const history of this.processes.values()) if (history.seenTick !== stamp) gone.push(history);
		let exited = 0;
		// Newest first (Maps keep insertion order), so past the cap it is the oldest exited that go.
		for (const history of gone.reverse()) {
			if (history.exitedAtMs === null) {
				history.exitedAtMs = now;
				// No longer pushed at every sample: its points keep their times before the clock moves on.
				history.rss.unclock();
				history.anon?.unclock();
				history.pss?.unclock();
				history.fds?.unclock();
			}
			if (now - history.exitedAtMs > EXITED_KEEP_MS || ++exited > EXITED_KEEP_MAX) {
				history.dropped = true;
				this.processes.delete(history.key);
				if (this.processByPid.get(history.latest.pid) === history) this.processByPid.delete(history.latest.pid);
			}
		}
	}

	private ingestSlabs(sample: Sample): void {
		if (!sample.slabs) {
			// A gap: the series keep their own times before the clock forgets them.
			for (const history of this.slabs.values()) {
				history.size.unclock();
				history.objs.unclock();
			}
			return;
		}
		const stamp = this.ticks;
		let present = 0;
		for (let i = 0; i < sample.slabs.length; i++) {
			const s = sample.slabs[i]!;
			let history = this.slabs.get(s.name);
			if (!history) {
				history = {first: s, latest: s, size: new Series(this.options.detailPoints, this.clock), objs: new Series(this.options.detailPoints, this.clock), seenTick: -1, row: null};
				this.slabs.set(s.name, history);
			}
			if (history.seenTick !== stamp) present++;
			history.seenTick = stamp;
			history.latest = s;
			history.size.pushAtClock(s.sizeBytes);
			history.objs.pushAtClock(s.activeObjs);
		}
		if (this.slabs.size === present) return;
		for (const [name, history] of this.slabs) if (history.seenTick !== stamp) this.slabs.delete(name);
	}

	private ingestCgroups(sample: Sample): void {
		if (!sample.cgroups) return;
		const stamp = this.ticks;
		let present = 0;
		for (const c of sample.cgroups) {
			let history = this.cgroups.get(c.path);
			if (!history) {
				history = {first: c, latest: c, usage: new Series(this.options.detailPoints), seenTick: -1};
				this.cgroups.set(c.path, history);
			}
			if (history.seenTick !== stamp) present++;
			history.seenTick = stamp;
			// The source walks cgroups less often than it ticks: the same reading is not a new point.
			if (history.latest === c && history.usage.length > 0) continue;
			history.latest = c;
			history.usage.push(sample.monoMs, c.usageBytes ?? Number.NaN);
		}
		if (this.cgroups.size === present) return;
		for (const [path, history] of this.cgroups) if (history.seenTick !== stamp) this.cgroups.delete(path);
	}

	private build(free: FreeSummary | null = null, kernel: KernelMemory | null = null, rates: VmstatRates | null = null): Snapshot {
		const since = this.latest ? this.latest.monoMs - this.options.growthWindowMs : 0;
		const minSpanMs = this.minSpanMs();
		const slope = (series: Series | null) => series?.slopePerMin(since, minSpanMs) ?? null;
		// Into the spare order array, whose slots are overwritten: no array grown a thousand pushes at a time.
		const live = this.spareOrder;
		let liveCount = 0;
		let finite = true;
		const exited: ProcessRow[] = [];
		const stamp = ++this.builds;
		const place = (h: ProcessHistory) => {
			h.orderBuild = stamp;
			const row = this.processRow(h, slope);
			if (h.exitedAtMs !== null) {
				exited.push(row);
				return;
			}
			if (liveCount < live.length) live[liveCount] = h;
			else live.push(h);
			liveCount++;
			if (!Number.isFinite(h.rssBytes)) finite = false;
		};
		// In last tick's order: sizes rarely change places, and a nearly sorted array sorts in one pass.
		const order = this.processOrder;
		let placed = 0;
		for (let i = 0; i < order.length; i++) {
			const h = order[i]!;
			if (h.orderBuild !== stamp && !h.dropped) {
				place(h);
				placed++;
			}
		}
		// The rest (new, exited) in the map's order; none when last order placed every history, as on a
		// machine where no process came or went: then no second pass over them all. forEach, not
		// for-of: no iterator result per process.
		if (placed !== this.processes.size)
			this.processes.forEach(h => {
				if (h.orderBuild !== stamp) place(h);
			});
		live.length = liveCount;
		// Each row's sample is its history's latest: the same stable sort as sorting the rows.
		if (finite) sortNearlySorted(live);
		else live.sort(byRssDescending);
		this.spareOrder = order;
		this.processOrder = live;
		const processes = live.map(h => h.row!);
		const slabs: SlabRow[] = [];
		this.slabs.forEach(h => {
			const growthPerMin = slope(h.size);
			const objsGrowthPerMin = slope(h.objs);
			const sizeHistory = h.size.tail(SPARK_POINTS);
			const last = h.row;
			// Most caches sit still: last tick's row again, as for processes.
			const same = last !== null && last.sample === h.latest && last.sizeHistory === sizeHistory && last.growthPerMin === growthPerMin && last.objsGrowthPerMin === objsGrowthPerMin;
			h.row = same
				? last
				: {
						sample: h.latest,
						sizeDeltaBytes: h.latest.sizeBytes - h.first.sizeBytes,
						objsDelta: h.latest.activeObjs - h.first.activeObjs,
						growthPerMin,
						objsGrowthPerMin,
						sizeHistory,
					};
			slabs.push(h.row);
		});
		slabs.sort((a, b) => b.sample.sizeBytes - a.sample.sizeBytes);
		const cgroups: CgroupRow[] = [];
		this.cgroups.forEach(h => {
			const {usageBytes} = h.latest;
			cgroups.push({
				sample: h.latest,
				usageDeltaBytes: usageBytes === null || h.first.usageBytes === null ? null : usageBytes - h.first.usageBytes,
				growthPerMin: slope(h.usage),
				usageHistory: h.usage.tail(SPARK_POINTS),
			});
		});
		cgroups.sort((a, b) => (b.sample.usageBytes ?? -1) - (a.sample.usageBytes ?? -1));
		const available = this.system.get('availableBytes')!;
		return {
			sample: this.latest,
			ticks: this.ticks,
			startedMs: this.startedMs,
			intervalMs: this.intervalMs,
			frozen: this.frozen !== null,
			free,
			kernel,
			kernelAtStart: this.kernelAtStart,
			rates,
			availableTrendPerMin: available.slopePerMin(since, minSpanMs),
			processes,
			exited,
			slabs,
			cgroups,
			findings: [],
			drill: this.drill?.snapshot(minSpanMs, this.latest?.monoMs ?? 0) ?? null,
		};
	}

	/** A process's row, last build's while nothing in it changed. */
	private processRow(h: ProcessHistory, slope: (series: Series | null) => number | null): ProcessRow {
		const rssGrowthPerMin = slope(h.rss);
		const anonGrowthPerMin = slope(h.anon);
		const pssGrowthPerMin = slope(h.pss);
		const fdGrowthPerMin = slope(h.fds);
		const rssHistory = h.rss.tail(SPARK_POINTS);
		const last = h.row;
		const same =
			last !== null &&
			last.sample === h.latest &&
			last.exitedAtMs === h.exitedAtMs &&
			last.rssHistory === rssHistory &&
			last.rssGrowthPerMin === rssGrowthPerMin &&
			last.anonGrowthPerMin === anonGrowthPerMin &&
			last.pssGrowthPerMin === pssGrowthPerMin &&
			last.fdGrowthPerMin === fdGrowthPerMin;
		h.row = same
			? last
			: {
					key: h.key,
					sample: h.latest,
					firstSeenMs: h.firstSeenMs,
					rssDeltaBytes: h.rssBytes - h.firstRssBytes,
					rssGrowthPerMin,
					anonGrowthPerMin,
					pssGrowthPerMin,
					fdGrowthPerMin,
					rssHistory,
					exitedAtMs: h.exitedAtMs,
				};
		return h.row;
	}

	/** Slopes over less than this say nothing per minute. */
	private minSpanMs(): number {
		return Math.min(20_000, 4 * this.intervalMs);
	}

	/** The selected, the drilled and the fastest growers get status and fds every tick; the first two PSS too. */
	private focusPids(): Focus {
		const growers = this.snapshot.processes
			.filter(row => (row.rssGrowthPerMin ?? 0) > 0)
			.sort((a, b) => (b.rssGrowthPerMin ?? 0) - (a.rssGrowthPerMin ?? 0))
			.slice(0, 10)
			.map(row => row.sample.pid);
		const drilled = this.drill?.target.kind === 'process' ? [this.drill.target.pid] : [];
		const watched = new Set([...this.selected, ...drilled]);
		return {detail: new Set([...watched, ...growers]), pss: watched};
	}
}

/** The processes' RSS summed in a loop: reduce's callback hands back a boxed number per process. */
function totalRssBytes(processes: readonly ProcessSample[]): number {
	let sum = 0;
	for (let i = 0; i < processes.length; i++) sum += processes[i]!.rssBytes;
	return sum;
}

const byRssDescending = (a: ProcessHistory, b: ProcessHistory) => b.rssBytes - a.rssBytes;

/** Moves past this many per element, and the order was not nearly sorted: the built-in sort takes over. */
const INSERTION_MOVES_PER_ITEM = 4;

/**
 * Sorts histories by RSS, largest first and stably, in place: last tick's order is nearly sorted,
 * so an insertion sort is one pass and allocates nothing (the built-in sort copies the array).
 * It moves an element only past strictly smaller ones, so when it gives up the built-in stable
 * sort finishes with the same result. RSS must be finite (a NaN compares inconsistently).
 */
function sortNearlySorted(histories: ProcessHistory[]): void {
	let budget = INSERTION_MOVES_PER_ITEM * histories.length + 64;
	for (let i = 1; i < histories.length; i++) {
		const h = histories[i]!;
		const rss = h.rssBytes;
		let at = i;
		while (at > 0 && histories[at - 1]!.rssBytes < rss) {
			histories[at] = histories[at - 1]!;
			at--;
		}
		histories[at] = h;
		budget -= i - at;
		if (budget < 0) {
			histories.sort(byRssDescending);
			return;
		}
	}
}

/**
 * A process's points, each series read when first asked for: the fd rule reads only fds, the leak
 * rule anon and PSS only for a process whose RSS grows. Read them in the tick they were asked for.
 */
export class ProcessPoints {
	private rssPoints: Point[] | null = null;
	private anonPoints: Point[] | null = null;
	private pssPoints: Point[] | null = null;
	private fdsPoints: Point[] | null = null;

	constructor(private readonly history: ProcessHistory) {}

	get rss(): Point[] {
		return (this.rssPoints ??= this.history.rss.points());
	}

	get anon(): Point[] {
		return (this.anonPoints ??= this.history.anon?.points() ?? []);
	}

	get pss(): Point[] {
		return (this.pssPoints ??= this.history.pss?.points() ?? []);
	}

	get fds(): Point[] {
		return (this.fdsPoints ??= this.history.fds?.points() ?? []);
	}
}
