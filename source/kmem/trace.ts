import type {Files} from '../probe/files.js';
import {KmemMatcher, type KmemReport} from './match.js';
import {parseKmemLine, parsePerfWarning} from './parse.js';
import {startPerfTrace, type KmemOutcome, type PerfOptions} from './perf.js';
import {loadKernelSymbols, resolveCallSite} from './symbols.js';

export interface KmemTraceOptions extends PerfOptions {
	durationSec: number;
	/** Allocations younger than this at the end are not reported (default 1 s). */
	graceSec?: number;
	/** Only this slab cache, e.g. `filp` or `kmalloc-64`. */
	cache?: string;
	/** Reads /proc/kallsyms to name call sites. */
	files: Files;
	stopTimeoutMs?: number;
	drainTimeoutMs?: number;
}

/** A kmem trace in progress: stop() ends it early (the report covers what was seen so far). */
export interface KmemTrace {
	readonly perfPids: number[];
	stop(): void;
	readonly result: Promise<KmemOutcome<KmemReport>>;
}

/** Default grace period: younger allocations are ordinary churn still in flight. */
export const DEFAULT_GRACE_SEC = 1;

/** Traces kmalloc/kfree for options.durationSec and reports what is still allocated, by call site. */
export function traceKmem(options: KmemTraceOptions): KmemTrace {
	const ignorePids = new Set<number>();
	const matcher = new KmemMatcher({
		graceSec: options.graceSec ?? DEFAULT_GRACE_SEC,
		...(options.cache === undefined ? {} : {cache: options.cache}),
		ignorePids,
	});
	const perf = startPerfTrace(options, line => matcher.add(parseKmemLine(line)));
	// Draining perf's stream makes leaktop itself allocate (heap growth, pipe buffers): observer noise.
	for (const pid of [...perf.perfPids, process.pid]) ignorePids.add(pid);
	const result = perf.done.then((end): KmemOutcome<KmemReport> => {
		if (!end.ok) return end;
		for (const line of end.value.scriptWarnings) {
			const warning = parsePerfWarning(line);
			if (warning) matcher.addWarning(warning);
		}
		for (const reason of end.value.incompleteReasons) matcher.markIncomplete(reason);
		const symbols = loadKernelSymbols(options.files);
		return {ok: true, value: matcher.report(symbols.ok ? callSite => resolveCallSite(symbols.value, callSite) : undefined)};
	});
	return {perfPids: perf.perfPids, stop: perf.stop, result};
}
