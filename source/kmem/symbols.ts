import type {Files} from '../probe/files.js';
import {fail, ok, type Result} from '../probe/result.js';

/** Kernel text symbols from /proc/kallsyms, sorted, to name a kmem call site (`do_eventfd+0x34`). */
export interface KernelSymbols {
	/** 16-digit lowercase hex, ascending: fixed width lets plain string comparison order them. */
	addresses: string[];
	names: string[];
}

const LINE = /^([0-9a-f]{16}) [tTwW] (\S+)(?:\t\[(\S+)\])?/;

/** Parses kallsyms text (code symbols only); all-zero addresses (kptr_restrict) give an empty table. */
export function parseKallsyms(lines: Iterable<string>): KernelSymbols {
	const entries: Array<[string, string]> = [];
	for (const line of lines) {
		const match = LINE.exec(line);
		if (!match || match[1] === '0000000000000000') continue;
		entries.push([match[1]!, match[3] === undefined ? match[2]! : `${match[2]!} [${match[3]}]`]);
	}
	entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
	return {addresses: entries.map(entry => entry[0]), names: entries.map(entry => entry[1])};
}

/** Reads /proc/kallsyms through Files; EACCES when addresses are hidden from this user. */
export function loadKernelSymbols(files: Files): Result<KernelSymbols> {
	const lines: string[] = [];
	const read = files.forEachLine(files.proc('kallsyms'), line => lines.push(line));
	if (!read.ok) return read;
	const symbols = parseKallsyms(lines);
	if (symbols.addresses.length === 0) return fail(lines.length === 0 ? 'EMPTY' : 'EACCES', 'kallsyms addresses hidden');
	return ok(symbols);
}

/** Names a `0x…` call site as `function+0xoffset [module]`; undefined when it falls outside the table. */
export function resolveCallSite(symbols: KernelSymbols, callSite: string): string | undefined {
	if (!/^0x[0-9a-f]{1,16}$/.test(callSite)) return undefined;
	const address = callSite.slice(2).padStart(16, '0');
	const {addresses, names} = symbols;
	let low = 0;
	let high = addresses.length - 1;
	let found = -1;
	while (low <= high) {
		const mid = (low + high) >> 1;
		if (addresses[mid]! <= address) {
			found = mid;
			low = mid + 1;
		} else {
			high = mid - 1;
		}
	}
	if (found < 0) return undefined;
	const offset = BigInt(`0x${address}`) - BigInt(`0x${addresses[found]!}`);
	// Past 1 MiB from the nearest symbol the address is not inside that function: better unnamed.
	if (offset > 0x100000n) return undefined;
	const [name = '', module] = names[found]!.split(' ');
	return `${name}+0x${offset.toString(16)}${module === undefined ? '' : ` ${module}`}`;
}
