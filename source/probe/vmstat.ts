import {decimal, digitsEnd, LineNames} from './bytes.js';
import type {KernelStat, Pressure, PressureLine} from './sample.js';

/** /proc/vmstat → every counter. Lines that are not `name number` are skipped. */
export function parseVmstat(text: string): Record<string, number> {
	const result: Record<string, number> = {};
	// ~180 lines a tick: the kernel's own `name 123` form is read by hand, anything else by the regex.
	for (let start = 0, end = text.indexOf('\n'); end !== -1; start = end + 1, end = text.indexOf('\n', start)) {
		const space = plainCounterSpace(text, start, end);
		if (space !== -1) {
			const value = Number(text.slice(space + 1, end));
			if (Number.isSafeInteger(value)) result[text.slice(start, space)] = value;
			continue;
		}
		const match = /^(\w+)\s+(-?\d+)\s*$/.exec(text.slice(start, end));
		if (!match) continue;
		const value = Number(match[2]);
		if (Number.isSafeInteger(value)) result[match[1]!] = value;
	}
	return result;
}

/**
 * parseVmstat from the bytes as read, with the names remembered from the last read (names): the
 * kernel's own `name 123` lines make no string; any other line is decoded and read as parseVmstat reads it.
 */
export function parseVmstatBytes(bytes: Buffer, length: number, names = new LineNames()): Record<string, number> {
	const result: Record<string, number> = {};
	let named = 0;
	for (let start = 0, end = bytes.indexOf(10, 0); end !== -1 && end < length; start = end + 1, end = start < length ? bytes.indexOf(10, start) : -1) {
		let space = start;
		while (space < end && isNameByte(bytes[space]!)) space++;
		const digits = space + 1 + (bytes[space + 1] === 45 ? 1 : 0);
		if (space > start && space < end && bytes[space] === 32 && digits < end && digitsEnd(bytes, digits, end) === end) {
			// Past 15 digits a double may round: Number of the text, as parseVmstat does.
			const magnitude = end - digits > 15 ? Number(bytes.toString('latin1', digits, end)) : decimal(bytes, digits, end);
			const value = digits === space + 2 ? -magnitude : magnitude;
			if (Number.isSafeInteger(value)) result[names.name(named++, bytes, start, space)] = value;
			continue;
		}
		Object.assign(result, parseVmstat(`${bytes.toString('utf8', start, end)}\n`));
	}
	return result;
}

/** [A-Za-z0-9_] */
function isNameByte(c: number): boolean {
	return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/** Where the one space of a `[A-Za-z0-9_]+ -?[0-9]+` line text[start..end) is, or -1 for any other line. */
function plainCounterSpace(text: string, start: number, end: number): number {
	let i = start;
	for (; i < end; i++) {
		const c = text.charCodeAt(i);
		if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95)) break;
	}
	if (i === start || i >= end || text.charCodeAt(i) !== 32) return -1;
	const space = i;
	i++;
	if (i < end && text.charCodeAt(i) === 45) i++;
	const digits = i;
	for (; i < end; i++) {
		const c = text.charCodeAt(i);
		if (c < 48 || c > 57) return -1;
	}
	return i > digits ? space : -1;
}

/** /proc/stat → the aggregate cpu line, intr total, ctxt, procs_running/blocked, btime. */
export function parseStat(text: string): KernelStat | null {
	let cpu: number[] | null = null;
	const fields: Record<string, number> = {};
	const lines = text.split('\n');
	if (!text.endsWith('\n')) lines.pop();
	for (const line of lines) {
		const start = line.search(/\S/);
		if (start === -1) continue;
		const space = line.indexOf(' ', start);
		const key = space === -1 ? line.slice(start) : line.slice(start, space);
		if (key === 'cpu') {
			cpu = line.trim().split(/\s+/).slice(1).map(Number);
		} else if (key === 'intr' || key === 'ctxt' || key === 'procs_running' || key === 'procs_blocked' || key === 'btime' || key === 'processes') {
			// Only the first number: intr goes on with one count per interrupt line (hundreds).
			const value = Number(/^\s*(\S+)/.exec(line.slice(start + key.length))?.[1]);
			if (Number.isFinite(value)) fields[key] = value;
		}
	}
	if (!cpu || cpu.length < 4 || cpu.some(n => !Number.isFinite(n))) return null;
	if (fields.intr === undefined || fields.ctxt === undefined) return null;
	const at = (i: number) => cpu![i] ?? 0;
	return {
		cpu: {
			user: at(0),
			nice: at(1),
			system: at(2),
			idle: at(3),
			iowait: at(4),
			irq: at(5),
			softirq: at(6),
			steal: at(7),
			guest: at(8),
			guestNice: at(9),
		},
		intr: fields.intr,
		ctxt: fields.ctxt,
		procsRunning: fields.procs_running ?? 0,
		procsBlocked: fields.procs_blocked ?? 0,
		bootTimeSec: fields.btime ?? 0,
		...(fields.processes === undefined ? {} : {forks: fields.processes}),
	};
}

/** Threads in the system, from /proc/loadavg (`0.52 0.31 0.25 2/1043 12345` → 1043). */
export function parseLoadavgThreads(text: string): number | null {
	const match = /^\S+ \S+ \S+ \d+\/(\d+) /.exec(text);
	return match ? Number(match[1]) : null;
}

function parsePressureLine(line: string | undefined): PressureLine | null {
	if (!line) return null;
	const get = (key: string) => {
		const match = new RegExp(`${key}=([\\d.]+)`).exec(line);
		return match ? Number(match[1]) : Number.NaN;
	};
	const value = {avg10: get('avg10'), avg60: get('avg60'), avg300: get('avg300'), totalUs: get('total')};
	return Object.values(value).every(Number.isFinite) ? value : null;
}

/** /proc/pressure/memory (PSI): `some` and, where the kernel has it, `full`. */
export function parsePressure(text: string): Pressure | null {
	const lines = text.split('\n');
	const some = parsePressureLine(lines.find(l => l.startsWith('some ')));
	if (!some) return null;
	return {some, full: parsePressureLine(lines.find(l => l.startsWith('full ')))};
}

/** Pages scanned for reclaim (vmstat's `sr`): kswapd + direct (+ khugepaged where present). */
export function pagesScanned(vmstat: Record<string, number>): number {
	return (vmstat.pgscan_kswapd ?? 0) + (vmstat.pgscan_direct ?? 0) + (vmstat.pgscan_khugepaged ?? 0);
}

/** Pages reclaimed (stolen) by kswapd, direct reclaim and khugepaged. */
export function pagesStolen(vmstat: Record<string, number>): number {
	return (vmstat.pgsteal_kswapd ?? 0) + (vmstat.pgsteal_direct ?? 0) + (vmstat.pgsteal_khugepaged ?? 0);
}
