/** Pure parsers for the per-process files under /proc/PID. */

import {decimal, digitsEnd} from './bytes.js';

export interface ProcStat {
	pid: number;
	comm: string;
	state: string;
	ppid: number;
	flags: number;
	startTime: number;
	vszBytes: number;
	rssPages: number;
}

const PF_KTHREAD = 0x00200000;

/**
 * /proc/PID/stat. comm may hold spaces and ')' (`(a) b (c)`), so it ends at the *last* ')'.
 * Fields after comm are numbered from 3 (state) as in proc(5).
 */
export function parseProcStat(text: string): ProcStat | null {
	const open = text.indexOf('(');
	const close = text.lastIndexOf(')');
	if (open <= 0 || close < open) return null;
	const pid = Number(text.slice(0, open));
	// Only fields 3-24 are used; the other ~28 need not become strings (this runs per pid per tick).
	const rest = text.slice(close + 2).split(' ', 22);
	// rest[0] is field 3 (state); field N is rest[N - 3].
	if (!Number.isInteger(pid) || rest.length < 22) return null;
	const field = (n: number) => Number(rest[n - 3]);
	const stat: ProcStat = {
		pid,
		comm: text.slice(open + 1, close),
		state: rest[0]!,
		ppid: field(4),
		flags: field(9),
		startTime: field(22),
		vszBytes: field(23),
		rssPages: field(24),
	};
	return Number.isFinite(stat.startTime) && Number.isFinite(stat.rssPages) && Number.isFinite(stat.ppid) ? stat : null;
}

/**
 * parseProcStat from the bytes as read, for the scanner's reads every few ticks: no string is made
 * but comm. Stricter than parseProcStat (`PID (comm) ` then fields split by single spaces, the
 * numbers used in plain decimal); what it accepts, parseProcStat reads the same.
 */
export function parseProcStatBytes(bytes: Buffer, length = bytes.length): ProcStat | null {
	let open = 0;
	while (open < length && bytes[open] !== 40) open++;
	let close = length - 1;
	while (close > open && bytes[close] !== 41) close--;
	if (open < 2 || close <= open || bytes[open - 1] !== 32) return null;
	const pid = decimalField(bytes, 0, open - 1);
	let ppid = Number.NaN;
	let flags = Number.NaN;
	let startTime = Number.NaN;
	let vszBytes = Number.NaN;
	let rssPages = Number.NaN;
	// Field 3 (state) starts after ') ', as in proc(5).
	const stateStart = close + 2;
	let stateEnd = stateStart;
	let start = stateStart;
	for (let field = 3; field <= 24; field++) {
		let end = start;
		while (end < length && bytes[end] !== 32) end++;
		if (field === 3) stateEnd = end;
		else if (field === 4) ppid = decimalField(bytes, start, end);
		else if (field === 9) flags = decimalField(bytes, start, end);
		else if (field === 22) startTime = decimalField(bytes, start, end);
		else if (field === 23) vszBytes = decimalField(bytes, start, end);
		else if (field === 24) rssPages = decimalField(bytes, start, end);
		start = end + 1;
	}
	if (Number.isNaN(pid + ppid + flags + startTime + vszBytes + rssPages)) return null;
	const state = stateEnd === stateStart + 1 && bytes[stateStart]! < 128 ? String.fromCharCode(bytes[stateStart]!) : bytes.toString('utf8', stateStart, stateEnd);
	return {pid, comm: bytes.toString('utf8', open + 1, close), state, ppid, flags, startTime, vszBytes, rssPages};
}

/** A field of decimal digits, perhaps after a '-', as a safe integer; NaN for anything else. */
function decimalField(bytes: Uint8Array, start: number, end: number): number {
	const negative = bytes[start] === 45;
	const first = negative ? start + 1 : start;
	if (first >= end || digitsEnd(bytes, first, end) !== end) return Number.NaN;
	const value = decimal(bytes, first, end);
	if (!Number.isSafeInteger(value)) return Number.NaN;
	return negative ? -value : value;
}

export interface ProcStatm {
	sizePages: number;
	residentPages: number;
}

/**
 * /proc/PID/statm: sizes in pages, its first two numbers. Read for every process every tick, so
 * parsed from the bytes as read: no string is made. Anything but plain decimal digits is refused.
 */
export function parseStatm(bytes: Uint8Array, length = bytes.length): ProcStatm | null {
	const statm = {sizePages: 0, residentPages: 0};
	return parseStatmInto(bytes, length, statm) ? statm : null;
}

/** parseStatm into an object of the caller's (false: not a statm, `into` untouched): an unchanged process's read makes no object. */
export function parseStatmInto(bytes: Uint8Array, length: number, into: ProcStatm): boolean {
	const sizeEnd = digitsEnd(bytes, 0, length);
	const residentEnd = digitsEnd(bytes, sizeEnd + 1, length);
	if (sizeEnd <= 0 || residentEnd <= sizeEnd + 1 || residentEnd >= length || bytes[sizeEnd] !== 32 || bytes[residentEnd] !== 32) return false;
	const sizePages = decimal(bytes, 0, sizeEnd);
	const residentPages = decimal(bytes, sizeEnd + 1, residentEnd);
	if (!Number.isSafeInteger(sizePages) || !Number.isSafeInteger(residentPages)) return false;
	into.sizePages = sizePages;
	into.residentPages = residentPages;
	return true;
}

/** Kernel threads have PF_KTHREAD in their flags: no user memory, no cmdline. */
export function isKernelThread(stat: ProcStat): boolean {
	return (stat.flags & PF_KTHREAD) !== 0;
}

export interface ProcStatus {
	uid: number | null;
	rssAnonBytes: number | null;
	rssFileBytes: number | null;
	rssShmemBytes: number | null;
	swapBytes: number | null;
	threads: number | null;
}

/** /proc/PID/status: real uid and the RSS split (RssAnon/RssFile/RssShmem), VmSwap, Threads. */
export function parseProcStatus(text: string): ProcStatus {
	const status: ProcStatus = {uid: null, rssAnonBytes: null, rssFileBytes: null, rssShmemBytes: null, swapBytes: null, threads: null};
	for (const line of text.split('\n')) {
		const colon = line.indexOf(':');
		if (colon === -1) continue;
		const key = line.slice(0, colon);
		const value = line.slice(colon + 1).trim();
		const kib = () => {
			const n = Number.parseInt(value, 10);
			return Number.isFinite(n) ? n * 1024 : null;
		};
		switch (key) {
			case 'Uid': {
				const n = Number.parseInt(value, 10);
				status.uid = Number.isFinite(n) ? n : null;
				break;
			}
			case 'RssAnon':
				status.rssAnonBytes = kib();
				break;
			case 'RssFile':
				status.rssFileBytes = kib();
				break;
			case 'RssShmem':
				status.rssShmemBytes = kib();
				break;
			case 'VmSwap':
				status.swapBytes = kib();
				break;
			case 'Threads': {
				const n = Number.parseInt(value, 10);
				status.threads = Number.isFinite(n) ? n : null;
				break;
			}
		}
	}
	return status;
}

const STATUS_KEYS = ['Uid', 'RssAnon', 'RssFile', 'RssShmem', 'VmSwap', 'Threads'].map(key => Buffer.from(key));

/**
 * parseProcStatus from the bytes as read (a detailed process's status, every few ticks): no string
 * is made of its ~55 lines. A value that is not plain ASCII decimal is decoded and read as the text
 * parser reads it, so the two agree on any input.
 */
export function parseProcStatusBytes(bytes: Uint8Array, length = bytes.length): ProcStatus {
	const status: ProcStatus = {uid: null, rssAnonBytes: null, rssFileBytes: null, rssShmemBytes: null, swapBytes: null, threads: null};
	for (let start = 0; start <= length; ) {
		let end = start;
		let colon = -1;
		for (; end < length && bytes[end] !== 10; end++) if (colon === -1 && bytes[end] === 58) colon = end;
		const key = colon === -1 ? -1 : statusKey(bytes, start, colon);
		if (key !== -1) {
			const n = statusInteger(bytes, colon + 1, end);
			const value = Number.isFinite(n) ? n : null;
			if (key === 0) status.uid = value;
			else if (key === 5) status.threads = value;
			else {
				const kib = value === null ? null : value * 1024;
				if (key === 1) status.rssAnonBytes = kib;
				else if (key === 2) status.rssFileBytes = kib;
				else if (key === 3) status.rssShmemBytes = kib;
				else status.swapBytes = kib;
			}
		}
		start = end + 1;
	}
	return status;
}

/** Which of STATUS_KEYS bytes[start..colon) is, or -1. */
function statusKey(bytes: Uint8Array, start: number, colon: number): number {
	for (let k = 0; k < STATUS_KEYS.length; k++) {
		const key = STATUS_KEYS[k]!;
		if (key.length !== colon - start) continue;
		let i = 0;
		while (i < key.length && bytes[start + i] === key[i]) i++;
		if (i === key.length) return k;
	}
	return -1;
}

/** Number.parseInt of the text bytes[start..end) spells, read from the bytes when they are plain ASCII. */
function statusInteger(bytes: Uint8Array, start: number, end: number): number {
	let i = start;
	while (i < end && (bytes[i] === 32 || (bytes[i]! >= 9 && bytes[i]! <= 13))) i++;
	const negative = bytes[i] === 45;
	if (i < end && (negative || bytes[i] === 43)) i++;
	const digits = i;
	const last = digitsEnd(bytes, i, end);
	// Past 15 digits a double may round, and a non-ASCII byte may be Unicode white space: as text.
	if (last - digits > 15 || (last === digits && i < end && bytes[i]! >= 128)) {
		return Number.parseInt(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8').trim(), 10);
	}
	if (last === digits) return Number.NaN;
	const value = decimal(bytes, digits, last);
	return negative ? -value : value;
}

export interface SmapsRollup {
	rssBytes: number;
	pssBytes: number;
	pssAnonBytes: number | null;
	pssFileBytes: number | null;
	pssShmemBytes: number | null;
	swapPssBytes: number | null;
	/** Unique set size: Private_Clean + Private_Dirty. */
	ussBytes: number;
}

/** /proc/PID/smaps_rollup (kernel ≥ 4.14). Null when Pss is absent (empty for kernel threads). */
export function parseSmapsRollup(text: string): SmapsRollup | null {
	const values: Record<string, number> = {};
	for (const line of text.split('\n')) {
		const match = /^(\w+):\s+(\d+) kB/.exec(line);
		if (match) values[match[1]!] = Number(match[2]) * 1024;
	}
	if (values.Pss === undefined || values.Rss === undefined) return null;
	return {
		rssBytes: values.Rss,
		pssBytes: values.Pss,
		pssAnonBytes: values.Pss_Anon ?? null,
		pssFileBytes: values.Pss_File ?? null,
		pssShmemBytes: values.Pss_Shmem ?? null,
		swapPssBytes: values.SwapPss ?? null,
		ussBytes: (values.Private_Clean ?? 0) + (values.Private_Dirty ?? 0),
	};
}

const MAX_CMDLINE = 2048;

/**
 * /proc/PID/cmdline bytes → one printable line. The bytes are the process's to choose: split on
 * NUL, decode with replacement, drop control characters and ESC so nothing reaches the terminal raw.
 */
export function sanitizeCmdline(bytes: Uint8Array): string {
	const text = Buffer.from(bytes.subarray(0, MAX_CMDLINE)).toString('utf8');
	const parts = text.split('\0');
	if (parts.at(-1) === '') parts.pop();
	return printable(parts.join(' ')).trim();
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const SPACING = /[\t\n\v\f\r]/g;

/**
 * Strips what must never reach the terminal raw: C0, DEL and C1 controls, bidi overrides. Tabs
 * and newlines become spaces first, so `python3 -c 'a\nb'` does not read as `python3 -c ab`.
 */
export function printable(text: string): string {
	CONTROL.lastIndex = 0;
	return CONTROL.test(text) ? text.replace(SPACING, ' ').replace(CONTROL, '') : text;
}

/** /etc/passwd → uid → name. */
export function parsePasswd(text: string): Map<number, string> {
	const users = new Map<number, string>();
	for (const line of text.split('\n')) {
		const parts = line.split(':');
		const uid = Number(parts[2]);
		if (parts.length >= 3 && parts[0] && Number.isInteger(uid) && !users.has(uid)) users.set(uid, parts[0]);
	}
	return users;
}
