import type {Snapshot, Store} from '../store/store.js';
import {RuleContext, type Keyed} from './context.js';
import type {Finding} from './finding.js';
import {kernelNoOwner, slabLeak} from './kernelRules.js';
import {Latch} from './latch.js';
import {fdLeaks, processLeaks} from './processRules.js';
import {cacheNotLeak, exhaustion, oomKills, pinnedMemory, reclaimPressure, swapping, type LimitsProvider} from './systemRules.js';
import {DEFAULT_THRESHOLDS, scaleThresholds, type Thresholds} from './thresholds.js';

export type {MemoryLimit, LimitsProvider} from './systemRules.js';

/** Rules whose findings mean "a leak is suspected" (what `leaktop check` exits 1 on). */
export const LEAK_RULES: ReadonlySet<string> = new Set(['process-leak', 'fd-leak', 'slab-leak', 'kernel-no-owner', 'pinned-memory']);

/** Within one severity, the order findings are listed in: the culprit before its consequences. */
const RULE_ORDER = ['oom-kill', 'exhaustion', 'process-leak', 'slab-leak', 'kernel-no-owner', 'fd-leak', 'pinned-memory', 'swapping', 'reclaim-pressure', 'cache-not-leak'];
const SEVERITY_ORDER: Record<Finding['severity'], number> = {critical: 0, warning: 1, info: 2};

export interface DiagnoserOptions {
	thresholds?: Thresholds;
	/** Runs every window and rate on a faster clock (see scaleThresholds); 1 on real machines. */
	timeScale?: number;
	/** Memory limits (cgroups) whose time to exhaustion is judged too. */
	limits?: LimitsProvider;
}

/**
 * The verdict rules over the store's history, with the small state hysteresis needs (one latch
 * per rule and subject). One Diagnoser per store.
 */
export class Diagnoser {
	readonly thresholds: Thresholds;
	private readonly latches = new Map<string, Latch>();
	private readonly limits?: LimitsProvider;

	constructor(options: DiagnoserOptions = {}) {
		const base = options.thresholds ?? DEFAULT_THRESHOLDS;
		this.thresholds = options.timeScale === undefined || options.timeScale === 1 ? base : scaleThresholds(base, options.timeScale);
		this.limits = options.limits;
	}

	/** Every finding that holds now, most important first. Pass it as the store's `analyze`. */
	analyze = (store: Store, snapshot: Snapshot): Finding[] => {
		const nowMs = snapshot.sample?.monoMs;
		if (nowMs === undefined) return [];
		const active = new Set<string>();
		for (const [key, latch] of this.latches) if (latch.active) active.add(key);
		const ctx = new RuleContext(store, snapshot, nowMs, this.thresholds, active);
		const evaluations: Keyed[] = [
			...processLeaks(ctx),
			...fdLeaks(ctx),
			...slabLeak(ctx),
			...kernelNoOwner(ctx),
			...pinnedMemory(ctx),
			...cacheNotLeak(ctx),
			...reclaimPressure(ctx),
			...swapping(ctx),
			...oomKills(ctx),
			...exhaustion(ctx, this.limits),
		];
		const findings: Finding[] = [];
		const seen = new Set<string>();
		for (let i = 0; i < evaluations.length; i++) {
			const {key, evaluation} = evaluations[i]!;
			seen.add(key);
			let latch = this.latches.get(key);
			if (!latch) {
				if (!evaluation.raise) continue;
				latch = new Latch();
				this.latches.set(key, latch);
			}
			const confirmMs = key.startsWith('oom-kill:') ? 0 : this.thresholds.confirmMs;
			const finding = latch.update(nowMs, evaluation, confirmMs, this.thresholds.clearMs);
			if (finding) findings.push(finding);
			if (latch.idle) this.latches.delete(key);
		}
		const living = livingOf(this.latches, seen, snapshot);
		for (const [key, latch] of this.latches) {
			if (seen.has(key)) continue;
			// A process that is gone takes its verdicts with it; other subjects fade through clearMs.
			const processKey = processKeyOf(key);
			if (processKey !== undefined && !living.has(processKey)) {
				this.latches.delete(key);
				continue;
			}
			const finding = latch.update(nowMs, {raise: false, hold: false, finding: null}, this.thresholds.confirmMs, this.thresholds.clearMs);
			if (finding) findings.push(finding);
			if (latch.idle) this.latches.delete(key);
		}
		return sortFindings(findings);
	};
}

const NONE: ReadonlySet<string> = new Set();

/** The process a process or fd verdict's key is about; undefined for other rules. */
const processKeyOf = (key: string): string | undefined => /^(?:process|fd)-leak:(.*)$/.exec(key)?.[1];

/**
 * Of the processes whose verdicts were not evaluated this tick, those still running. Looked up in
 * one pass over the rows, not through a set of every row's key (5000 keys when one leaker pauses).
 */
function livingOf(latches: ReadonlyMap<string, Latch>, seen: ReadonlySet<string>, snapshot: Snapshot): ReadonlySet<string> {
	let unseen: Set<string> | null = null;
	for (const key of latches.keys()) {
		const processKey = seen.has(key) ? undefined : processKeyOf(key);
		if (processKey !== undefined) (unseen ??= new Set()).add(processKey);
	}
	if (unseen === null) return NONE;
	const living = new Set<string>();
	const rows = snapshot.processes;
	for (let i = 0; i < rows.length; i++) if (unseen.has(rows[i]!.key)) living.add(rows[i]!.key);
	return living;
}

/** Most important first: severity, then the rule order (culprits before consequences), then the fastest grower. */
export function sortFindings(findings: Finding[]): Finding[] {
	const rank = (rule: string) => {
		const i = RULE_ORDER.indexOf(rule);
		return i === -1 ? RULE_ORDER.length : i;
	};
	const speed = (finding: Finding) => Number(finding.evidence.rssGrowthBytesPerMin ?? finding.evidence.fdGrowthPerMin ?? 0);
	return [...findings].sort(
		(a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || rank(a.rule) - rank(b.rule) || speed(b) - speed(a),
	);
}

/** A Diagnoser with these options (the store's `analyze` is its `analyze`). */
export function createDiagnoser(options: DiagnoserOptions = {}): Diagnoser {
	return new Diagnoser(options);
}

const perStore = new WeakMap<Store, Diagnoser>();

/** The verdict rules with default thresholds, keeping one Diagnoser's state per store. */
export function analyze(store: Store, snapshot: Snapshot): Finding[] {
	let diagnoser = perStore.get(store);
	if (!diagnoser) {
		diagnoser = new Diagnoser();
		perStore.set(store, diagnoser);
	}
	return diagnoser.analyze(store, snapshot);
}
