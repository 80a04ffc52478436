import type {Finding} from './finding.js';

/** One rule's verdict on one subject this tick. */
export interface Evaluation {
	/** Strong enough to raise the finding. */
	raise: boolean;
	/** Strong enough to keep an already raised finding (a lower bar than raise: hysteresis). */
	hold: boolean;
	/** The finding with this tick's evidence, whenever hold is true. */
	finding: Finding | null;
}

/**
 * Hysteresis for one subject: a finding is raised only after its condition has held for
 * confirmMs (so never on one tick), and cleared only after the weaker hold condition has failed
 * for clearMs, so a verdict does not flap when a trend hovers at its threshold.
 */
export class Latch {
	active = false;
	private raisingSinceMs: number | null = null;
	private failingSinceMs: number | null = null;
	private lastFinding: Finding | null = null;

	/** Feeds one evaluation; returns the finding to show, or null. */
	update(nowMs: number, evaluation: Evaluation, confirmMs: number, clearMs: number): Finding | null {
		if (!this.active) {
			if (!evaluation.raise) {
				this.raisingSinceMs = null;
				return null;
			}
			this.raisingSinceMs ??= nowMs;
			if (nowMs - this.raisingSinceMs < confirmMs) return null;
			this.active = true;
		}
		if (evaluation.hold && evaluation.finding) {
			this.failingSinceMs = null;
			this.lastFinding = evaluation.finding;
			return evaluation.finding;
		}
		this.failingSinceMs ??= nowMs;
		if (nowMs - this.failingSinceMs >= clearMs) {
			this.active = false;
			this.raisingSinceMs = null;
			this.failingSinceMs = null;
			this.lastFinding = null;
			return null;
		}
		return this.lastFinding;
	}

	/** Neither raised nor on its way to be: the state can be forgotten. */
	get idle(): boolean {
		return !this.active && this.raisingSinceMs === null;
	}
}
