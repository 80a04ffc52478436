import type {KmemReport} from '../kmem/match.js';
import type {KmemTrace} from '../kmem/trace.js';
import {Files} from '../probe/files.js';

/** Where a kmem trace started from the slab view is. */
export type KmemState =
	| {phase: 'checking'; cache: string; durationSec: number}
	| {phase: 'tracing'; cache: string; durationSec: number; startedMs: number}
	| {phase: 'stopping'; cache: string; durationSec: number}
	| {phase: 'done'; cache: string; report: KmemReport}
	| {phase: 'failed'; cache: string; message: string};

/** Runs at most one kmem trace for the live view; cancel() is called on every way out of it. */
export interface KmemTracer {
	start(cache: string, durationSec: number, onState: (state: KmemState) => void): void;
	/** Ends the running trace now; its report covers what was seen. */
	stop(): void;
	/** Ends the running trace and drops its result (leaving the view, quitting). */
	cancel(): void;
}

/** perf-backed tracer: pre-flight, then `perf record | perf script` through traceKmem. */
export function perfKmemTracer(files: Files = new Files()): KmemTracer {
	let running: {trace: KmemTrace | null; cancelled: boolean} | null = null;
	return {
		start(cache, durationSec, onState) {
			if (running) return;
			const current: {trace: KmemTrace | null; cancelled: boolean} = {trace: null, cancelled: false};
			running = current;
			const report = (state: KmemState) => {
				if (!current.cancelled) onState(state);
			};
			report({phase: 'checking', cache, durationSec});
			void (async () => {
				// perf and execa load when a trace is asked for, not with the screen (~20 ms of every start).
				const [{preflight}, {traceKmem}] = await Promise.all([import('../kmem/perf.js'), import('../kmem/trace.js')]);
				const ready = await preflight({files});
				if (current.cancelled) return;
				if (!ready.ok) {
					running = null;
					report({phase: 'failed', cache, message: ready.message});
					return;
				}
				current.trace = traceKmem({files, durationSec, cache});
				report({phase: 'tracing', cache, durationSec, startedMs: Date.now()});
				const outcome = await current.trace.result;
				if (running === current) running = null;
				report(outcome.ok ? {phase: 'done', cache, report: outcome.value} : {phase: 'failed', cache, message: outcome.message});
			})();
		},
		stop() {
			running?.trace?.stop();
		},
		cancel() {
			if (!running) return;
			running.cancelled = true;
			running.trace?.stop();
			running = null;
		},
	};
}
