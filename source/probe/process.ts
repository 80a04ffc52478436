/** Pure parsers for the per-process files under /proc/PID. */

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

export interface ProcStatm {
	sizePages: number;
	residentPages: number;
}

/** /proc/PID/statm: sizes in pages. A third as costly for the kernel as stat, so read every tick. */
export function parseStatm(text: string): ProcStatm | null {
	const space1 = text.indexOf(' ');
	const space2 = text.indexOf(' ', space1 + 1);
	if (space1 <= 0 || space2 <= space1) return null;
	const sizePages = Number(text.slice(0, space1));
	const residentPages = Number(text.slice(space1 + 1, space2));
	return Number.isSafeInteger(sizePages) && Number.isSafeInteger(residentPages) && sizePages >= 0 && residentPages >= 0 ? {sizePages, residentPages} : null;
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
