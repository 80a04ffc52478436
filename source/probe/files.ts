import {closeSync, openSync, readdirSync, readlinkSync, readSync, statSync, type Dirent} from 'node:fs';
import {join} from 'node:path';
import {fail, ok, reasonOf, type Reason, type Result} from './result.js';

export interface FilesOptions {
	procRoot?: string;
	sysRoot?: string;
	/** Extra root for files outside /proc and /sys (/etc/passwd); tests point it at a fixture. */
	etcRoot?: string;
	/** Lets tests inject errors root cannot see (root ignores file modes, so EACCES needs this). */
	deny?: (path: string) => Reason | undefined;
}

const CHUNK = 64 * 1024;

const decode = (bytes: Buffer, length: number): string => bytes.toString('utf8', 0, length);

/**
 * The only door to the kernel's files. Every path is rooted at --proc-root / --sys-root, every
 * read is synchronous (fs.promises costs 100-300 µs a file, unusable for thousands of pids) and
 * every failure comes back as a Result, never as an exception.
 */
export class Files {
	readonly procRoot: string;
	readonly sysRoot: string;
	readonly etcRoot: string;
	private readonly deny?: (path: string) => Reason | undefined;
	private buffer = Buffer.allocUnsafe(CHUNK);

	constructor(options: FilesOptions = {}) {
		this.procRoot = options.procRoot ?? '/proc';
		this.sysRoot = options.sysRoot ?? '/sys';
		this.etcRoot = options.etcRoot ?? '/etc';
		this.deny = options.deny;
	}

	proc(...parts: string[]): string {
		return join(this.procRoot, ...parts);
	}

	sys(...parts: string[]): string {
		return join(this.sysRoot, ...parts);
	}

	etc(...parts: string[]): string {
		return join(this.etcRoot, ...parts);
	}

	/** Reads a whole file as UTF-8, at most maxBytes (a cap keeps attacker-sized files harmless). */
	readText(path: string, maxBytes = 4 * 1024 * 1024): Result<string> {
		const bytes = this.readBytes(path, maxBytes);
		return bytes.ok ? ok(bytes.value.toString('utf8')) : bytes;
	}

	readBytes(path: string, maxBytes = 4 * 1024 * 1024): Result<Buffer> {
		const opened = this.open(path);
		if (!opened.ok) return opened;
		try {
			return this.readFd(opened.value, maxBytes);
		} finally {
			closeSync(opened.value);
		}
	}

	/**
	 * Calls onLine for every complete line without building one string of the whole file: smaps
	 * of a big process is tens of megabytes. A last line without '\n' is a torn read and dropped.
	 */
	forEachLine(path: string, onLine: (line: string) => void): Result<{bytes: number}> {
		const opened = this.open(path);
		if (!opened.ok) return opened;
		const fd = opened.value;
		let carry = '';
		let total = 0;
		try {
			for (;;) {
				const n = readSync(fd, this.buffer, 0, CHUNK, null);
				if (n === 0) break;
				total += n;
				const text = carry + this.buffer.toString('utf8', 0, n);
				let start = 0;
				for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
					onLine(text.slice(start, nl));
					start = nl + 1;
				}
				carry = text.slice(start);
			}
			return ok({bytes: total});
		} catch (error) {
			return fail(reasonOf(error), path);
		} finally {
			closeSync(fd);
		}
	}

	listDir(path: string): Result<string[]> {
		return this.attempt(path, () => readdirSync(path));
	}

	/** Entries with their types, from the directory reads alone: no lstat or failing readlink per entry to tell links from directories. */
	listDirTyped(path: string): Result<Dirent[]> {
		return this.attempt(path, () => readdirSync(path, {withFileTypes: true}));
	}

	/** st_ino of a path: sysfs numbers a directory made afresh anew, so it tells a recreated object from the old one. */
	inode(path: string): Result<number> {
		return this.attempt(path, () => statSync(path).ino);
	}

	/** st_size of a path: for /proc/PID/fd on Linux ≥ 6.2, the number of open descriptors. */
	size(path: string): Result<number> {
		return this.attempt(path, () => statSync(path).size);
	}

	readLink(path: string): Result<string> {
		return this.attempt(path, () => readlinkSync(path));
	}

	/**
	 * Opens a file to be re-read every tick from offset 0: 3-6 µs a read instead of 15-20 µs for
	 * open+read+close, and a kept fd of /proc/PID/* can never read a reused pid (it fails ESRCH).
	 */
	keep(path: string): Result<KeptFile> {
		const opened = this.open(path);
		return opened.ok ? ok(new KeptFile(opened.value, path, this)) : opened;
	}

	/** @internal shared by KeptFile so all reads use one buffer. */
	readFd(fd: number, maxBytes: number, position: number | null = null): Result<Buffer> {
		const chunks: Buffer[] = [];
		let total = 0;
		try {
			let offset = position;
			while (total < maxBytes) {
				const n = readSync(fd, this.buffer, 0, Math.min(CHUNK, maxBytes - total), offset);
				if (n === 0) break;
				chunks.push(Buffer.from(this.buffer.subarray(0, n)));
				total += n;
				if (offset !== null) offset += n;
			}
		} catch (error) {
			return fail(reasonOf(error));
		}
		return ok(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
	}

	/** @internal KeptFile's single read from 0 into the shared buffer, handed to parse undecoded (read on past the buffer up to maxBytes). */
	parseFd<T>(fd: number, parse: (bytes: Buffer, length: number) => T, maxBytes = CHUNK): Result<T> {
		const want = Math.min(CHUNK, maxBytes);
		let n: number;
		try {
			n = readSync(fd, this.buffer, 0, want, 0);
		} catch (error) {
			return fail(reasonOf(error));
		}
		return this.parseRead(fd, n, want, maxBytes, parse);
	}

	/**
	 * @internal KeptFile's read of a seq_file of many records (vmstat, slabinfo): each read hands
	 * out one page or so of records whatever the buffer, so it goes on until a read returns 0. The
	 * preads follow on from each other, which the kernel continues without walking the records again.
	 */
	parseFdToEnd<T>(fd: number, parse: (bytes: Buffer, length: number) => T, maxBytes: number): Result<T> {
		const want = Math.min(CHUNK, maxBytes);
		let total = 0;
		try {
			for (;;) {
				const n = readSync(fd, this.buffer, total, want - total, total);
				total += n;
				if (n === 0 || total === want) break;
			}
		} catch (error) {
			return fail(reasonOf(error));
		}
		return this.parseRead(fd, total, want, maxBytes, parse);
	}

	/** The first `length` bytes in the shared buffer parsed, or, when they filled all `want` of it, those and the rest of the file. */
	private parseRead<T>(fd: number, length: number, want: number, maxBytes: number, parse: (bytes: Buffer, length: number) => T): Result<T> {
		if (length < want || length === maxBytes) return ok(parse(this.buffer, length));
		const head = Buffer.from(this.buffer.subarray(0, length));
		const rest = this.readFd(fd, maxBytes - length, length);
		if (!rest.ok) return rest;
		const all = Buffer.concat([head, rest.value]);
		return ok(parse(all, all.length));
	}

	private open(path: string): Result<number> {
		return this.attempt(path, () => openSync(path, 'r'));
	}

	/** One call on a path: the injected denial first, and a thrown error as its reason. */
	private attempt<T>(path: string, call: () => T): Result<T> {
		const denied = this.deny?.(path);
		if (denied) return fail(denied, path);
		try {
			return ok(call());
		} catch (error) {
			return fail(reasonOf(error), path);
		}
	}
}

/** A /proc file held open and re-read from the start. Close it when its process is gone. */
export class KeptFile {
	private closed = false;

	constructor(
		private readonly fd: number,
		readonly path: string,
		private readonly files: Files,
	) {}

	/**
	 * The whole file again, for files the kernel formats whole on each read (statm, stat, status,
	 * meminfo: single_open seq_files), whose read fills the buffer unless it reached the end, so a
	 * short first read is the whole file: one syscall, not two, and decoded straight from the shared buffer.
	 */
	read(maxBytes = 64 * 1024): Result<string> {
		return this.parse(decode, maxBytes);
	}

	/** The whole file again, for seq_files of many records, which come a page or so per read (vmstat, slabinfo). */
	readToEnd(maxBytes = 4 * 1024 * 1024): Result<string> {
		return this.parseToEnd(decode, maxBytes);
	}

	/**
	 * Like read, but parse gets the bytes undecoded (no string made): a statm read every tick per
	 * process is cheaper parsed from bytes. The buffer is shared: parse must not keep it.
	 */
	parse<T>(parse: (bytes: Buffer, length: number) => T, maxBytes = 64 * 1024): Result<T> {
		if (this.closed) return fail('ESRCH', this.path);
		return this.files.parseFd(this.fd, parse, maxBytes);
	}

	/** Like readToEnd, but parse gets the bytes undecoded (the buffer is shared: parse must not keep it). */
	parseToEnd<T>(parse: (bytes: Buffer, length: number) => T, maxBytes = 4 * 1024 * 1024): Result<T> {
		if (this.closed) return fail('ESRCH', this.path);
		return this.files.parseFdToEnd(this.fd, parse, maxBytes);
	}

	close(): void {
		if (this.closed) return;
		this.closed = true;
		try {
			closeSync(this.fd);
		} catch {
			// Already gone: nothing to release.
		}
	}
}

export interface KeptPathOptions {
	/** Read at most this much (a cap keeps attacker-sized files harmless). */
	maxBytes: number;
	/** A seq_file of many records, which comes a page or so per read (vmstat, slabinfo): read on to its end. */
	manyRecords?: boolean;
	/**
	 * After a failed read of the kept descriptor, read by path at once (machine-wide files). Not for
	 * a process's files: by then the pid may be another process's.
	 */
	retryByPath?: boolean;
	/** Opens the file to keep (default Files.keep); failing with EIO (descriptors ran out), it is read by path. */
	open?: (path: string) => Result<KeptFile>;
}

/**
 * A file re-read every tick through a descriptor kept open: one or two preads instead of open,
 * read and close. When no descriptor is to be had (EMFILE) it is read by path; a failed read
 * closes it, and the next read opens it again.
 */
export class KeptPath {
	private kept: KeptFile | null = null;

	constructor(
		private readonly files: Files,
		readonly path: string,
		private readonly options: KeptPathOptions,
	) {}

	/** The whole file as text. */
	read(): Result<string> {
		return this.parse(decode);
	}

	/** The whole file handed to parse undecoded (the buffer is shared: parse must not keep it). */
	parse<T>(parse: (bytes: Buffer, length: number) => T): Result<T> {
		const {maxBytes, manyRecords = false} = this.options;
		if (this.kept === null) {
			const opened = this.options.open ? this.options.open(this.path) : this.files.keep(this.path);
			if (!opened.ok) return opened.reason === 'EIO' ? this.parseByPath(parse) : opened;
			this.kept = opened.value;
		}
		const parsed = manyRecords ? this.kept.parseToEnd(parse, maxBytes) : this.kept.parse(parse, maxBytes);
		if (parsed.ok) return parsed;
		this.close();
		return this.options.retryByPath ? this.parseByPath(parse) : parsed;
	}

	close(): void {
		this.kept?.close();
		this.kept = null;
	}

	private parseByPath<T>(parse: (bytes: Buffer, length: number) => T): Result<T> {
		const bytes = this.files.readBytes(this.path, this.options.maxBytes);
		return bytes.ok ? ok(parse(bytes.value, bytes.value.length)) : bytes;
	}
}
