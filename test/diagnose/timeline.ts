import {readFileSync} from 'node:fs';
import type {Finding} from '../../source/diagnose/finding.js';
import {Diagnoser, type DiagnoserOptions} from '../../source/diagnose/rules.js';
import type {ProcessSample, Sample, SlabSample} from '../../source/probe/sample.js';
import type {Source} from '../../source/source/live.js';
import {Store} from '../../source/store/store.js';
import {fixturePath} from '../helpers/fixtures.js';

export const KiB = 1024;
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** A real sample of this machine (meminfo, vmstat, 73 processes, 235 slab caches) that timelines vary. */
const base = JSON.parse(readFileSync(fixturePath('record', 'sample-real.json'), 'utf8')) as Sample;

/** What one moment of a synthetic timeline changes relative to the real base sample. */
export interface Scene {
	/** Added to the base /proc/meminfo values, in bytes. */
	meminfo?: Record<string, number>;
	/** Added to the base cumulative /proc/vmstat counters. */
	vmstat?: Record<string, number>;
	pressure?: {some: number; full: number};
	/** Extra processes (pid, comm, RSS…) besides the base ones. */
	processes?: Array<Partial<ProcessSample> & {pid: number; rssBytes: number}>;
	/** Slab caches by name: their size replaces the base one (or adds a cache). */
	slabs?: Array<{name: string; sizeBytes: number; reclaimable?: boolean | null}>;
}

/** A deterministic pseudo-random source in [−1, 1], so noisy timelines are the same every run. */
export function noise(seed = 1): () => number {
	let state = seed >>> 0 || 1;
	return () => {
		state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
		return (state / 0xffffffff) * 2 - 1;
	};
}

/** meminfo deltas for anonymous memory taken by processes. */
export const anonTaken = (bytes: number) => ({AnonPages: bytes, MemFree: -bytes, MemAvailable: -bytes, 'Active(anon)': bytes});
/** meminfo deltas for unreclaimable slab taken by the kernel. */
export const slabTaken = (bytes: number) => ({Slab: bytes, SUnreclaim: bytes, MemFree: -bytes, MemAvailable: -bytes});

export function processSample(p: Partial<ProcessSample> & {pid: number; rssBytes: number}): ProcessSample {
	return {
		startTime: 1000 + p.pid,
		ppid: 1,
		comm: 'synthetic',
		state: 'S',
		uid: 0,
		user: 'root',
		cmdline: p.comm ?? 'synthetic',
		kernelThread: false,
		vszBytes: p.rssBytes * 2,
		anonBytes: null,
		fileBytes: null,
		shmemBytes: null,
		swapBytes: null,
		threads: null,
		pssBytes: null,
		pssAnonBytes: null,
		pssFileBytes: null,
		pssShmemBytes: null,
		swapPssBytes: null,
		ussBytes: null,
		fdCount: null,
		cgroup: null,
		container: null,
		...p,
	};
}

/**
 * Samples every intervalMs over durationMs (monotonic time from 0), each the real base sample
 * changed by scene(tMs) plus idle-machine noise: MemFree/MemAvailable ±2 MiB, SUnreclaim ±64 KiB,
 * base processes' RSS ±2 pages — what this VM shows when nothing happens.
 */
export function timeline(durationMs: number, intervalMs: number, scene: (tMs: number) => Scene, seed = 7): Sample[] {
	const jitter = noise(seed);
	const samples: Sample[] = [];
	for (let tMs = 0; tMs <= durationMs; tMs += intervalMs) {
		const s = scene(tMs);
		const meminfo = {...base.meminfo!};
		const idle = Math.round(jitter() * 2 * MiB);
		meminfo.MemFree! += idle;
		meminfo.MemAvailable! += idle;
		meminfo.SUnreclaim! += Math.round(jitter() * 64 * KiB);
		for (const [key, value] of Object.entries(s.meminfo ?? {})) meminfo[key] = (meminfo[key] ?? 0) + value;
		const vmstat = {...base.vmstat!};
		for (const [key, value] of Object.entries(s.vmstat ?? {})) vmstat[key] = (vmstat[key] ?? 0) + value;
		const processes = base.processes.map(p => (p.kernelThread ? p : {...p, rssBytes: p.rssBytes + Math.round(jitter() * 2) * 4096}));
		for (const p of s.processes ?? []) processes.push(processSample(p));
		const slabs: SlabSample[] = base.slabs!.map(slab => ({...slab}));
		for (const change of s.slabs ?? []) {
			const existing = slabs.find(slab => slab.name === change.name);
			const slab: SlabSample = existing ?? {name: change.name, activeObjs: 0, numObjs: 0, objSize: 64, objPerSlab: 64, pagesPerSlab: 1, activeSlabs: 0, numSlabs: 0, sizeBytes: 0, aliases: [], reclaimable: null};
			slab.sizeBytes = change.sizeBytes;
			slab.activeObjs = slab.numObjs = Math.round(change.sizeBytes / slab.objSize);
			if (change.reclaimable !== undefined) slab.reclaimable = change.reclaimable;
			if (!existing) slabs.push(slab);
		}
		const pressure = s.pressure
			? {some: {avg10: s.pressure.some, avg60: 0, avg300: 0, totalUs: 0}, full: {avg10: s.pressure.full, avg60: 0, avg300: 0, totalUs: 0}}
			: base.pressure;
		samples.push({...base, timeMs: base.timeMs + tMs, monoMs: tMs, meminfo, vmstat, pressure, processes, processCount: processes.length, slabs});
	}
	return samples;
}

/** A Source that plays a list of samples, as a recording would. */
export class ScriptedSource implements Source {
	readonly kind = 'replay';
	private index = 0;
	constructor(private readonly samples: Sample[]) {}
	next(): Sample | null {
		return this.samples[this.index++] ?? null;
	}
	close(): void {}
}

export interface Played {
	store: Store;
	/** Findings after each sample, with the sample's monotonic time. */
	ticks: Array<{tMs: number; findings: Finding[]}>;
	/** First time a finding of this rule (and subject containing `subject`) appeared; null if never. */
	firstSeen(rule: string, subject?: string): number | null;
	/** Every rule that ever produced a finding. */
	rules(): Set<string>;
}

/** Plays samples through a Store with a Diagnoser, tick by tick, no timers. */
export function play(samples: Sample[], options: DiagnoserOptions = {}, intervalMs = samples[1] ? samples[1].monoMs - samples[0]!.monoMs : 2000): Played {
	const diagnoser = new Diagnoser(options);
	const points = Math.ceil(diagnoser.thresholds.windowMs / intervalMs) + 2;
	const store = new Store({
		source: new ScriptedSource(samples),
		intervalMs,
		systemPoints: Math.max(points, 60),
		detailPoints: Math.max(points, 90),
		growthWindowMs: diagnoser.thresholds.windowMs,
		analyze: diagnoser.analyze,
	});
	const ticks: Played['ticks'] = [];
	while (store.tick()) ticks.push({tMs: store.current().sample!.monoMs, findings: store.current().findings});
	const matches = (f: Finding, rule: string, subject?: string) => f.rule === rule && (subject === undefined || f.subject.includes(subject));
	return {
		store,
		ticks,
		firstSeen: (rule, subject) => ticks.find(tick => tick.findings.some(f => matches(f, rule, subject)))?.tMs ?? null,
		rules: () => new Set(ticks.flatMap(tick => tick.findings.map(f => f.rule))),
	};
}
