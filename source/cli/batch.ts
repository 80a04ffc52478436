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

const sleep = (ms: number, signal: AbortSignal) =>
	new Promise<void>(resolve => {
		const timer = setTimeout(resolve, ms);
		signal.addEventListener('abort', () => {
			clearTimeout(timer);
			resolve();
		});
	});

/** `leaktop batch` and `leaktop snapshot`: reports to stdout as text blocks or NDJSON. */
export async function runBatch(options: BatchOptions, out: NodeJS.WritableStream, signal: AbortSignal): Promise<number> {
	const {store, source} = liveStore(options);
	try {
		store.tick();
		for (let printed = 0; printed < options.count && !signal.aborted; printed++) {
			await sleep(printed === 0 ? options.firstDelayMs : options.intervalMs, signal);
			if (signal.aborted) break;
			store.tick();
			const snapshot = store.getSnapshot();
			const text = options.json ? `${JSON.stringify(toJsonReport(snapshot, options.top))}\n` : `${toTextReport(snapshot, options.top)}\n`;
			if (!out.write(text)) await new Promise(resolve => out.once('drain', resolve));
		}
		return 0;
	} finally {
		source.close();
	}
}
