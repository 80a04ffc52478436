import type {Sample} from '../probe/sample.js';
import type {RecordingSource} from '../record/source.js';
import type {Snapshot, Store} from '../store/store.js';
import type {Finding} from '../diagnose/finding.js';
import type {Source} from './live.js';

/** What the replay header shows: where in the recording, playing or paused, how fast. */
export interface ReplayState {
	index: number;
	length: number;
	timeMs: number | null;
	playing: boolean;
	speed: number;
	/** "3 damaged frames skipped" and the like. */
	notes: string[];
}

const SPEEDS = [0.5, 1, 2, 4, 8, 16, 32, 64, 128];
/** History re-read before a seek target, so trends and verdicts there have their window. */
const WARMUP_MS = 5 * 60_000;
/** The span `j`/`J` jump by. */
export const JUMP_MS = 60_000;

/**
 * A Source that serves whatever sample the replay controller hands it: the store ingests a
 * recording exactly as it ingests the live machine.
 */
export class ReplayFeed implements Source {
	readonly kind = 'replay';
	pending: Sample | null = null;
	next(): Sample | null {
		const sample = this.pending;
		this.pending = null;
		return sample;
	}
	close(): void {}
}

/**
 * Moves a store through a recording: step, jump, start/end, play at a speed. Going back rebuilds
 * the store from a few minutes before the target (verdicts are recomputed, never read from the file).
 */
export class ReplayController {
	private readonly listeners = new Set<() => void>();
	private state: ReplayState;
	private timer: NodeJS.Timeout | null = null;

	constructor(
		private readonly recording: RecordingSource,
		private readonly feed: ReplayFeed,
		private readonly store: Store,
		private readonly freshAnalyze: () => (store: Store, snapshot: Snapshot) => Finding[],
		notes: string[] = [],
	) {
		this.state = {index: -1, length: recording.length, timeMs: null, playing: false, speed: 1, notes};
		// The store's interval sets how long a trend must span: use the recording's own.
		const gaps: number[] = [];
		for (let i = 1; i < Math.min(recording.length, 21); i++) gaps.push(recording.timeAt(i)! - recording.timeAt(i - 1)!);
		gaps.sort((a, b) => a - b);
		const median = gaps[gaps.length >> 1];
		if (median !== undefined && median > 0) store.setIntervalMs(Math.round(median));
	}

	subscribe = (listener: () => void): (() => void) => {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	};

	getState = (): ReplayState => this.state;

	/** Moves to sample i: one ingest when it is the next one, else a rebuild from before it. */
	seek(target: number): void {
		const length = this.recording.length;
		if (length === 0) return;
		const index = Math.max(0, Math.min(length - 1, target));
		if (index === this.state.index + 1) {
			this.ingest(index);
		} else if (index !== this.state.index) {
			const targetMs = this.recording.timeAt(index) ?? 0;
			const from = Math.min(index, this.recording.indexAtTime(targetMs - WARMUP_MS));
			this.store.reset(this.freshAnalyze());
			for (let i = from; i <= index; i++) this.ingest(i);
		}
		this.update({index, timeMs: this.recording.timeAt(index) ?? null});
		if (index >= length - 1) this.pause();
	}

	step(by: number): void {
		this.seek(this.state.index + by);
	}

	jump(spanMs: number): void {
		const here = this.recording.timeAt(this.state.index) ?? 0;
		const target = this.recording.indexAtTime(here + spanMs);
		// indexAtTime rounds to a neighbour; a jump must move at least one sample.
		this.seek(target === this.state.index ? this.state.index + Math.sign(spanMs) : target);
	}

	start(): void {
		this.seek(0);
	}

	end(): void {
		this.seek(this.recording.length - 1);
	}

	togglePlay(): void {
		if (this.state.playing) this.pause();
		else this.play();
	}

	faster(): void {
		this.setSpeed(SPEEDS.find(s => s > this.state.speed) ?? this.state.speed);
	}

	slower(): void {
		this.setSpeed([...SPEEDS].reverse().find(s => s < this.state.speed) ?? this.state.speed);
	}

	play(): void {
		if (this.state.playing || this.state.index >= this.recording.length - 1) return;
		this.update({playing: true});
		this.schedule();
	}

	pause(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		if (this.state.playing) this.update({playing: false});
	}

	close(): void {
		this.pause();
		this.recording.close();
	}

	private setSpeed(speed: number): void {
		this.update({speed});
		if (this.state.playing) {
			if (this.timer) clearTimeout(this.timer);
			this.schedule();
		}
	}

	/** Waits the recorded gap to the next sample, divided by the speed. */
	private schedule(): void {
		const here = this.recording.timeAt(this.state.index) ?? 0;
		const next = this.recording.timeAt(this.state.index + 1);
		if (next === undefined) {
			this.pause();
			return;
		}
		const delayMs = Math.max(10, Math.min(5000, (next - here) / this.state.speed));
		this.timer = setTimeout(() => {
			this.timer = null;
			this.step(1);
			if (this.state.playing) this.schedule();
		}, delayMs);
	}

	private ingest(index: number): void {
		const sample = this.recording.at(index);
		if (!sample) return;
		this.feed.pending = sample;
		this.store.tick();
	}

	private update(change: Partial<ReplayState>): void {
		this.state = {...this.state, ...change};
		for (const listener of this.listeners) listener();
	}
}
