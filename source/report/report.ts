import {Diagnoser} from '../diagnose/rules.js';
import {cgroupLimits} from '../diagnose/cgroupLimits.js';
import type {Finding} from '../diagnose/finding.js';
import type {KernelMemory} from '../probe/meminfo.js';
import type {Sample} from '../probe/sample.js';
import {Store, type Snapshot} from '../store/store.js';

/** A postmortem of a recording: what leaked, from when, how fast; plain data for text and JSON. */
export interface PostmortemReport {
	host: {hostname: string; kernel: string};
	fromMs: number;
	toMs: number;
	samples: number;
	/** Each verdict (rule + subject) with when it was first and last suspected. */
	findings: Array<{rule: string; severity: Finding['severity']; subject: string; message: string; firstMs: number; lastMs: number; stillPresentAtEnd: boolean}>;
	processes: Array<{pid: number; comm: string; cmdline: string; firstRssBytes: number; lastRssBytes: number; growthBytes: number; growthPerMin: number | null; exited: boolean}>;
	slabs: Array<{name: string; firstBytes: number; lastBytes: number; growthBytes: number; growthPerMin: number | null}>;
	memoryStart: Record<string, number | null>;
	memoryEnd: Record<string, number | null>;
	/** Available memory over the whole recording, downsampled to at most `width` points. */
	availableTimeline: Array<{timeMs: number; availableBytes: number}>;
	/** Recording health: frames skipped, torn tail. */
	notes: string[];
}

interface ProcessSpan {
	pid: number;
	comm: string;
	cmdline: string;
	first: {tMs: number; rss: number};
	last: {tMs: number; rss: number};
	lastSeenTick: number;
}

const TOP = 10;

function memoryOf(snapshot: Snapshot): Record<string, number | null> {
	const f = snapshot.free;
	const k: KernelMemory | null = snapshot.kernel;
	return {
		total: f?.totalBytes ?? null,
		used: f?.usedBytes ?? null,
		available: f?.availableBytes ?? null,
		buffCache: f?.buffCacheBytes ?? null,
		swapUsed: f?.swapUsedBytes ?? null,
		anonPages: k?.anonPagesBytes ?? null,
		slab: k?.slabBytes ?? null,
		sUnreclaim: k?.sUnreclaimBytes ?? null,
		kernelStack: k?.kernelStackBytes ?? null,
		pageTables: k?.pageTablesBytes ?? null,
		vmallocUsed: k?.vmallocUsedBytes ?? null,
		percpu: k?.percpuBytes ?? null,
		unexplained: k?.unexplainedBytes ?? null,
	};
}

/**
 * Replays every sample through a fresh store and the verdict rules — the analysis is computed
 * now, not taken from the recorder — and keeps what a postmortem needs.
 */
export function buildReport(samples: Iterable<Sample>, notes: string[] = [], timelineWidth = 72): PostmortemReport | null {
	const diagnoser = new Diagnoser({limits: cgroupLimits});
	let pending: Sample | null = null;
	const store = new Store({source: {kind: 'replay', next: () => pending, close() {}}, analyze: diagnoser.analyze, intervalMs: 1000});
	const findings = new Map<string, PostmortemReport['findings'][number]>();
	const processes = new Map<string, ProcessSpan>();
	const slabs = new Map<string, {first: number; last: number; firstMs: number; lastMs: number}>();
	const timeline: Array<{timeMs: number; availableBytes: number}> = [];
	let first: Snapshot | null = null;
	let last: Snapshot | null = null;
	let count = 0;
	let previousMs: number | null = null;
	for (const sample of samples) {
		// The store's interval sets how long a trend must span; follow the recording's own.
		if (previousMs !== null && sample.monoMs > previousMs) store.setIntervalMs(Math.round(sample.monoMs - previousMs));
		previousMs = sample.monoMs;
		pending = sample;
		store.tick();
		count++;
		const snapshot = store.current();
		first ??= snapshot;
		last = snapshot;
		if (snapshot.free) timeline.push({timeMs: sample.timeMs, availableBytes: snapshot.free.availableBytes});
		for (const f of snapshot.findings) {
			const key = `${f.rule}|${f.subject}`;
			const seen = findings.get(key);
			if (seen) {
				seen.lastMs = sample.timeMs;
				seen.message = f.message;
				seen.severity = f.severity;
			} else {
				findings.set(key, {rule: f.rule, severity: f.severity, subject: f.subject, message: f.message, firstMs: sample.timeMs, lastMs: sample.timeMs, stillPresentAtEnd: false});
			}
		}
		for (const p of sample.processes) {
			if (p.state === 'Z') continue; // A zombie's zero RSS is its exit, not a shrink.
			const key = `${p.pid}:${p.startTime}`;
			const span = processes.get(key);
			if (span) {
				span.last = {tMs: sample.monoMs, rss: p.rssBytes};
				span.lastSeenTick = count;
			} else {
				processes.set(key, {pid: p.pid, comm: p.comm, cmdline: p.cmdline, first: {tMs: sample.monoMs, rss: p.rssBytes}, last: {tMs: sample.monoMs, rss: p.rssBytes}, lastSeenTick: count});
			}
		}
		for (const s of sample.slabs ?? []) {
			const span = slabs.get(s.name);
			if (span) {
				span.last = s.sizeBytes;
				span.lastMs = sample.monoMs;
			} else {
				slabs.set(s.name, {first: s.sizeBytes, last: s.sizeBytes, firstMs: sample.monoMs, lastMs: sample.monoMs});
			}
		}
	}
	if (!first || !last?.sample) return null;
	for (const f of last.findings) {
		const entry = findings.get(`${f.rule}|${f.subject}`);
		if (entry) entry.stillPresentAtEnd = true;
	}
	const perMin = (growth: number, fromMs: number, toMs: number) => (toMs > fromMs ? (growth * 60_000) / (toMs - fromMs) : null);
	// A command that ran for two seconds "grows" at gigabytes a minute: rank only processes seen
	// for a real share of the recording.
	const recordedMs = last.sample.monoMs - first.sample!.monoMs;
	const minLifeMs = Math.min(60_000, recordedMs / 2);
	const step = Math.max(1, Math.ceil(timeline.length / timelineWidth));
	return {
		host: {hostname: last.sample.host.hostname, kernel: last.sample.host.kernel},
		fromMs: first.sample!.timeMs,
		toMs: last.sample.timeMs,
		samples: count,
		findings: [...findings.values()].sort((a, b) => a.firstMs - b.firstMs),
		processes: [...processes.values()]
			.filter(p => p.last.tMs - p.first.tMs >= minLifeMs)
			.map(p => ({
				pid: p.pid,
				comm: p.comm,
				cmdline: p.cmdline,
				firstRssBytes: p.first.rss,
				lastRssBytes: p.last.rss,
				growthBytes: p.last.rss - p.first.rss,
				growthPerMin: perMin(p.last.rss - p.first.rss, p.first.tMs, p.last.tMs),
				exited: p.lastSeenTick < count,
			}))
			.filter(p => p.growthBytes > 0)
			.sort((a, b) => b.growthBytes - a.growthBytes)
			.slice(0, TOP),
		slabs: [...slabs.entries()]
			.map(([name, s]) => ({name, firstBytes: s.first, lastBytes: s.last, growthBytes: s.last - s.first, growthPerMin: perMin(s.last - s.first, s.firstMs, s.lastMs)}))
			.filter(s => s.growthBytes > 0)
			.sort((a, b) => b.growthBytes - a.growthBytes)
			.slice(0, TOP),
		memoryStart: memoryOf(first),
		memoryEnd: memoryOf(last),
		availableTimeline: timeline.filter((_, i) => i % step === 0 || i === timeline.length - 1),
		notes,
	};
}
