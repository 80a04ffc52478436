import {setTimeout as sleep} from 'node:timers/promises';
import type {Snapshot, Store} from '../store/store.js';
import type {Finding} from './finding.js';
import {Diagnoser, LEAK_RULES, type DiagnoserOptions} from './rules.js';
import {formatSpan} from './context.js';
import {formatFinding} from './text.js';
import type {Thresholds} from './thresholds.js';

export interface CheckOptions {
	durationMs: number;
	intervalMs: number;
	/** Judge only this process (it also gets detail — anon, PSS, fds — every tick). */
	pid?: number;
	/** A store sampling at intervalMs that runs `analyze` on every sample. */
	makeStore: (analyze: (store: Store, snapshot: Snapshot) => Finding[]) => Store;
	/** Thresholds, time scale and cgroup limits for the rules; real-machine defaults otherwise. */
	diagnoser?: DiagnoserOptions;
}

/** The shortest watch that can reach a verdict: the minimum window (at least 3 samples) plus the confirmation time. */
export function minimumCheckDurationMs(thresholds: Thresholds, intervalMs: number): number {
	return Math.max(thresholds.minWindowMs, 2 * intervalMs) + Math.max(thresholds.confirmMs, intervalMs);
}

interface Seen {
	finding: Finding;
	firstMs: number;
	lastMs: number;
}

/**
 * `leaktop check`: watches for the duration, prints what it found, and resolves to 0 when no
 * leak was suspected, 1 when one was (at any moment of the watch), 2 when it could not judge
 * (duration too short, or the --pid never seen).
 */
export async function runCheck(options: CheckOptions, out: NodeJS.WritableStream): Promise<number> {
	const diagnoser = new Diagnoser(options.diagnoser);
	const needMs = minimumCheckDurationMs(diagnoser.thresholds, options.intervalMs);
	if (options.durationMs < needMs) {
		out.write(`leaktop check: a verdict needs at least ${formatSpan(needMs)} of watching at a ${formatSpan(options.intervalMs)} interval; --duration is ${formatSpan(options.durationMs)}\n`);
		return 2;
	}
	const store = options.makeStore(diagnoser.analyze);
	if (options.pid !== undefined) store.setSelected([options.pid]);
	const seen = new Map<string, Seen>();
	let current: Finding[] = [];
	let samples = 0;
	let lastTick = 0;
	let firstMs: number | null = null;
	let lastMs = 0;
	let pidSeen = false;
	const unsubscribe = store.subscribe(() => {
		const snapshot = store.current();
		if (!snapshot.sample || snapshot.ticks === lastTick) return;
		lastTick = snapshot.ticks;
		samples++;
		const t = snapshot.sample.monoMs;
		firstMs ??= t;
		lastMs = t;
		if (options.pid !== undefined && snapshot.processes.some(row => row.sample.pid === options.pid)) pidSeen = true;
		current = snapshot.findings;
		for (const finding of snapshot.findings) {
			const key = `${finding.rule}|${finding.subject}`;
			const entry = seen.get(key);
			if (entry) {
				entry.finding = finding;
				entry.lastMs = t;
			} else {
				seen.set(key, {finding, firstMs: t, lastMs: t});
			}
		}
	});
	try {
		store.start();
		await sleep(options.durationMs);
	} finally {
		store.stop();
		unsubscribe();
	}
	if (options.pid !== undefined && !pidSeen) {
		out.write(`leaktop check: no process with pid ${options.pid} was seen\n`);
		return 2;
	}
	const relevant = (finding: Finding) =>
		options.pid === undefined || (finding.target?.kind === 'process' && finding.target.pid === options.pid);
	const stillThere = new Set(current.map(finding => `${finding.rule}|${finding.subject}`));
	const start = firstMs ?? 0;
	const note = (key: string, entry: Seen) =>
		stillThere.has(key) ? `since ${formatSpan(entry.firstMs - start)}, still present` : `from ${formatSpan(entry.firstMs - start)} to ${formatSpan(entry.lastMs - start)}, then cleared`;
	const entries = [...seen.entries()];
	const suspects = entries.filter(([, entry]) => LEAK_RULES.has(entry.finding.rule) && relevant(entry.finding));
	const others = entries.filter(([, entry]) => !suspects.some(([, s]) => s === entry));
	const who = options.pid === undefined ? '' : ` for pid ${options.pid}`;
	out.write(`leaktop check: watched ${formatSpan(lastMs - start)} (${samples} samples every ${formatSpan(options.intervalMs)})${who}\n`);
	out.write(suspects.length > 0 ? `LEAK SUSPECTED: ${suspects.length} finding${suspects.length === 1 ? '' : 's'}\n` : 'no leak suspected\n');
	for (const [key, entry] of suspects) out.write(formatFinding(entry.finding, note(key, entry)));
	if (others.length > 0) {
		out.write(`other findings${options.pid === undefined ? '' : ' (not about this pid)'}:\n`);
		for (const [key, entry] of others) out.write(formatFinding(entry.finding, note(key, entry)));
	}
	return suspects.length > 0 ? 1 : 0;
}
