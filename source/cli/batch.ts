import {toJsonReport} from '../batch/json.js';
import {toTextReport} from '../batch/text.js';
import type {CommonOptions} from './options.js';
import {liveStore} from './options.js';

export interface BatchOptions extends CommonOptions {
	json: boolean;
	/** Reports to print; Infinity runs until interrupted. */
	count: number;
	/** Delay before the first report (so rates exist). */
	firstDelayMs: number;
}

/**
 * Resolves when `event` fires on `emitter` (or after `ms`), or at once when the signal aborts. Its
 * listeners go either way: batch runs for days, one report each tick.
 */
function until(signal: AbortSignal, wait: {ms: number} | {emitter: NodeJS.EventEmitter; event: string}): Promise<void> {
	return new Promise(resolve => {
		const done = () => {
			if ('ms' in wait) clearTimeout(timer);
			else wait.emitter.off(wait.event, done);
			signal.removeEventListener('abort', done);
			resolve();
		};
		const timer = 'ms' in wait ? setTimeout(done, wait.ms) : undefined;
		if (!('ms' in wait)) wait.emitter.once(wait.event, done);
		signal.addEventListener('abort', done, {once: true});
	});
}

/** `leaktop batch` and `leaktop snapshot`: reports to stdout as text blocks or NDJSON. */
export async function runBatch(options: BatchOptions, out: NodeJS.WritableStream, signal: AbortSignal): Promise<number> {
	const {store, source} = liveStore(options);
	try {
		store.tick();
		for (let printed = 0; printed < options.count && !signal.aborted; printed++) {
			await until(signal, {ms: printed === 0 ? options.firstDelayMs : options.intervalMs});
			if (signal.aborted) break;
			store.tick();
			const snapshot = store.getSnapshot();
			const text = options.json ? `${JSON.stringify(toJsonReport(snapshot, options.top))}\n` : `${toTextReport(snapshot, options.top)}\n`;
			// A write to a terminal that hung up never drains: the caller aborts on its error.
			if (!out.write(text)) await until(signal, {emitter: out, event: 'drain'});
		}
		return 0;
	} finally {
		source.close();
	}
}
