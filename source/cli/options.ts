import {Files} from '../probe/files.js';
import {LiveSource} from '../source/live.js';
import {cgroupLimits} from '../diagnose/cgroupLimits.js';
import {Diagnoser} from '../diagnose/rules.js';
import {Store, type StoreOptions} from '../store/store.js';
import {parseDurationMs, parseSizeBytes} from '../units.js';

/** Options every mode shares, after validation. */
export interface CommonOptions {
	procRoot: string;
	sysRoot: string;
	intervalMs: number;
	top: number;
	pssAll: boolean;
	color: boolean;
}

/** Thrown for bad user input: cli.tsx prints its message on one line and exits 2. */
export class UsageError extends Error {}

/** Seconds or a unit (`90`, `0.5`, `15m`), strictly positive. */
export function durationOption(name: string, value: unknown): number {
	const ms = parseDurationMs(String(value));
	if (ms === null || ms <= 0) throw new UsageError(`--${name}: "${String(value)}" is not a duration (try 2, 0.5, 90s, 15m, 8h)`);
	return ms;
}

/** A size in bytes or with a binary unit (`20M`, `1.5G`), strictly positive. */
export function sizeOption(name: string, value: unknown): number {
	const bytes = parseSizeBytes(String(value));
	if (bytes === null || bytes <= 0) throw new UsageError(`--${name}: "${String(value)}" is not a size (try 20M, 500K, 2G)`);
	return bytes;
}

/** A live store on the machine (or on the trees under --proc-root/--sys-root), with the verdict rules. */
export function liveStore(options: CommonOptions, analyze: StoreOptions['analyze'] = new Diagnoser({limits: cgroupLimits}).analyze): {store: Store; source: LiveSource} {
	const files = new Files({procRoot: options.procRoot, sysRoot: options.sysRoot});
	const source = new LiveSource({files, pssAll: options.pssAll, detailTop: Math.max(20, Math.min(options.top, 200))});
	return {source, store: new Store({source, intervalMs: options.intervalMs, analyze})};
}
