import {once} from 'node:events';
import {setTimeout as delay} from 'node:timers/promises';
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
 * Waits for a timer or event made with the lifetime's signal: aborting ends the wait early, as no
 * error. Node removes its listeners either way (batch runs for days, one report each tick).
 */
const until = (wait: Promise<unknown>): Promise<void> => wait.then(() => undefined, () => undefined);

/** `leaktop batch` and `leaktop snapshot`: reports to stdout as text blocks or NDJSON. */
export async function runBatch(options: BatchOptions, out: NodeJS.WritableStream, signal: AbortSignal): Promise<number> {
	const {store, source} = liveStore(options);
	try {
		store.tick();
		for (let printed = 0; printed < options.count && !signal.aborted; printed++) {
			await until(delay(printed === 0 ? options.firstDelayMs : options.intervalMs, undefined, {signal}));
			if (signal.aborted) break;
			store.tick();
			const snapshot = store.getSnapshot();
			const text = options.json ? `${JSON.stringify(toJsonReport(snapshot, options.top))}\n` : `${toTextReport(snapshot, options.top)}\n`;
			// A write to a terminal that hung up never drains: the caller aborts on its error.
			if (!out.write(text)) await until(once(out, 'drain', {signal}));
		}
		return 0;
	} finally {
		source.close();
	}
}
