import {closeSync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, openSync, renameSync, statSync, unlinkSync, writeSync} from 'node:fs';
import {dirname} from 'node:path';
import type {Files} from '../probe/files.js';
import type {Sample} from '../probe/sample.js';
import {diffJson, type Json} from './delta.js';
import {FileBytes} from './fileBytes.js';
import {
	decodeHeader,
	encodeFrame,
	encodeHeader,
	FORMAT_MAJOR,
	FORMAT_MINOR,
	FRAME_KIND,
	recordFail,
	recordOk,
	scanFrames,
	versionText,
	type RecordFailure,
	type RecordingHeader,
	type RecordingSession,
	type RecordResult,
} from './format.js';
import {RecordingLock} from './lock.js';
import {olderSegments} from './segments.js';

export interface RecordingWriterOptions {
	host: RecordingHeader;
	/** leaktop's version, kept in the header and in every session frame. */
	writerVersion: string;
	/** Bound on FILE and its older segments together; the oldest data goes first. */
	maxSizeBytes?: number;
	/** How many files the bound is spread over: FILE, FILE.1 … FILE.(n−1). Default 4, at least 2. */
	segments?: number;
	/** A key frame at least every this many samples (default 30); sooner when deltas grow. */
	keyFrameEvery?: number;
	/** fdatasync after this many frames or this many ms, whichever comes first (default 10, 5000). */
	syncEveryFrames?: number;
	syncEveryMs?: number;
	/** Where the lock reads /proc from (tests root it elsewhere). */
	files?: Files;
	/** Wall clock for session frames and the sync timer. */
	nowMs?: () => number;
}

/** What a writer has done since it opened. */
export interface WriterStats {
	samplesWritten: number;
	keyFrames: number;
	bytesWritten: number;
	rotations: number;
	/** Bytes of a torn tail cut off when the file was opened for appending. */
	truncatedBytes: number;
}

const HEADER_READ_BYTES = 64 * 1024 + 64;
/** A delta bigger than this share of its key frame is not worth it: write a key frame instead. */
const DELTA_KEY_RATIO = 0.5;

/**
 * Appends samples to a recording. Creates the file, or appends to a valid one after cutting off a
 * torn tail; refuses a file that is not a recording, has a newer format, or is locked by a live
 * recorder. Each open writes a session frame, then a key frame; later samples are deltas against
 * the last key frame (not the previous sample), so one damaged frame costs one sample.
 *
 * After a write error (ENOSPC above all) the partial frame is cut off, the writer stops and every
 * later append returns the same failure: the file stays readable.
 */
export class RecordingWriter {
	private fd: number;
	private size: number;
	private seq: number;
	private key: {value: Json; seq: number; bytes: number; age: number} | null = null;
	private samplesInSegment = 0;
	private framesSinceSync = 0;
	private lastSyncMs: number;
	private failure: {reason: RecordFailure; message: string} | null = null;
	private closed = false;
	private readonly stats_: WriterStats;
	private readonly now: () => number;

	private constructor(
		readonly path: string,
		private readonly options: RecordingWriterOptions,
		private readonly lock: RecordingLock,
		opened: Opened,
	) {
		this.fd = opened.fd;
		this.size = opened.size;
		this.seq = opened.nextSeq;
		this.samplesInSegment = opened.samples;
		this.now = options.nowMs ?? Date.now;
		this.lastSyncMs = this.now();
		this.stats_ = {samplesWritten: 0, keyFrames: 0, bytesWritten: 0, rotations: 0, truncatedBytes: opened.truncatedBytes};
	}

	/** Opens path for recording: creates it, or appends to the recording already there. */
	static open(path: string, options: RecordingWriterOptions): RecordResult<RecordingWriter> {
		const lock = RecordingLock.acquire(path, options.files);
		if (!lock.ok) return lock;
		const opened = openForAppend(path, options);
		if (!opened.ok) {
			lock.value.release();
			return opened;
		}
		const writer = new RecordingWriter(path, options, lock.value, opened.value);
		const pruned = writer.pruneToBound();
		const session = pruned.ok ? writer.writeSession() : pruned;
		if (!session.ok) {
			writer.close();
			return session;
		}
		return recordOk(writer);
	}

	/** Why the writer stopped (disk full, I/O error), or null while it is recording. */
	get stopped(): {reason: RecordFailure; message: string} | null {
		return this.failure;
	}

	get stats(): Readonly<WriterStats> {
		return this.stats_;
	}

	/** Appends one sample. After a failure the writer is stopped and says so on every call. */
	append(sample: Sample): RecordResult<void> {
		if (this.closed) return recordFail('closed', `${this.path}: the recorder is closed`);
		if (this.failure) return recordFail(this.failure.reason, this.failure.message);
		// Diff against exactly what a reader will decode: JSON drops undefined and turns NaN into null.
		const json = JSON.stringify(sample);
		const value = JSON.parse(json) as Json;
		let frame = this.encode(value, json);
		if (this.mustRotate(frame.bytes.length)) {
			const rotated = this.rotate();
			if (!rotated.ok) return rotated;
			frame = this.encode(value, json);
		}
		const written = this.write(frame.bytes);
		if (!written.ok) return written;
		this.stats_.samplesWritten++;
		this.samplesInSegment++;
		if (frame.isKey) {
			this.key = {value, seq: this.seq, bytes: frame.bytes.length, age: 0};
			this.stats_.keyFrames++;
		} else if (this.key) {
			this.key.age++;
		}
		this.seq = (this.seq + 1) >>> 0;
		return this.maybeSync();
	}

	/** Flushes to disk and closes; releases the lock. Safe to call twice. */
	close(): RecordResult<void> {
		if (this.closed) return recordOk(undefined);
		this.closed = true;
		let result: RecordResult<void> = recordOk(undefined);
		try {
			if (!this.failure) fdatasyncSync(this.fd);
		} catch (error) {
			result = recordFail(failureOf(error), `${this.path}: could not flush the recording: ${(error as Error).message}`);
		}
		try {
			closeSync(this.fd);
		} catch {
			// Nothing more can be done for an fd the kernel refuses to close.
		}
		this.lock.release();
		return result;
	}

	private encode(value: Json, json: string): {bytes: Buffer; isKey: boolean} {
		const timeMs = (value as {timeMs?: unknown}).timeMs;
		const time = typeof timeMs === 'number' ? timeMs : 0;
		const key = this.key;
		if (key && key.age + 1 < (this.options.keyFrameEvery ?? 30)) {
			const delta = JSON.stringify(diffJson(key.value, value) ?? {});
			const bytes = encodeFrame(FRAME_KIND.delta, this.seq, key.seq, time, delta);
			if (bytes.length <= key.bytes * DELTA_KEY_RATIO) return {bytes, isKey: false};
		}
		return {bytes: encodeFrame(FRAME_KIND.key, this.seq, this.seq, time, json), isKey: true};
	}

	private segmentLimit(): number | null {
		const max = this.options.maxSizeBytes;
		if (max === undefined) return null;
		return Math.floor(max / Math.max(2, this.options.segments ?? 4));
	}

	private mustRotate(frameBytes: number): boolean {
		const limit = this.segmentLimit();
		return limit !== null && this.samplesInSegment > 0 && this.size + frameBytes > limit;
	}

	/**
	 * FILE becomes FILE.1 (and so on up), the oldest segment is dropped, a fresh FILE begins. The new
	 * file is complete (header, fsync) under FILE.new before any rename, so a crash at any point
	 * leaves only whole segments behind.
	 */
	private rotate(): RecordResult<void> {
		const created = createFile(`${this.path}.new`, this.options, this.now());
		if (!created.ok) return this.stop(created.reason, created.message);
		try {
			fdatasyncSync(this.fd);
			closeSync(this.fd);
			const keep = Math.max(2, this.options.segments ?? 4);
			const older = olderSegments(this.path).reverse();
			for (const segment of older) {
				if (segment.number >= keep - 1) unlinkSync(segment.path);
				else renameSync(segment.path, `${this.path}.${segment.number + 1}`);
			}
			renameSync(this.path, `${this.path}.1`);
			renameSync(`${this.path}.new`, this.path);
			syncDirectory(this.path);
		} catch (error) {
			closeQuietly(created.value);
			return this.stop(failureOf(error), `${this.path}: rotation failed: ${(error as Error).message}`);
		}
		this.fd = created.value;
		this.size = fstatSync(this.fd).size;
		this.key = null;
		this.samplesInSegment = 0;
		this.stats_.rotations++;
		const bounded = this.pruneToBound();
		return bounded.ok ? this.writeSession() : bounded;
	}

	/** Drops the oldest segments while all of them together exceed the bound (a smaller bound than last time). */
	private pruneToBound(): RecordResult<void> {
		const max = this.options.maxSizeBytes;
		if (max === undefined) return recordOk(undefined);
		const older = olderSegments(this.path).map(segment => ({...segment, size: sizeOf(segment.path)}));
		let total = this.size + older.reduce((sum, segment) => sum + segment.size, 0);
		for (let i = older.length - 1; i >= 0 && total > max; i--) {
			try {
				unlinkSync(older[i]!.path);
			} catch (error) {
				return this.stop(failureOf(error), `${older[i]!.path}: could not drop it: ${(error as Error).message}`);
			}
			total -= older[i]!.size;
		}
		return recordOk(undefined);
	}

	private writeSession(): RecordResult<void> {
		const session: RecordingSession = {
			writerVersion: this.options.writerVersion,
			startedMs: this.now(),
			host: this.options.host,
		};
		const bytes = encodeFrame(FRAME_KIND.session, this.seq, this.seq, session.startedMs, JSON.stringify(session));
		const written = this.write(bytes);
		if (written.ok) this.seq = (this.seq + 1) >>> 0;
		return written;
	}

	private write(bytes: Buffer): RecordResult<void> {
		let done = 0;
		try {
			while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, this.size + done);
		} catch (error) {
			// Cut the partial frame off so the file ends on a whole frame; freeing blocks works on a full disk.
			try {
				ftruncateSync(this.fd, this.size);
			} catch {
				// The reader will treat what is left as a torn tail.
			}
			const reason = failureOf(error);
			const why = reason === 'no-space' ? 'disk full' : (error as Error).message;
			return this.stop(
				reason,
				`${why}: recording stopped after ${this.stats_.samplesWritten} samples; ${this.path} stays readable`,
			);
		}
		this.size += bytes.length;
		this.stats_.bytesWritten += bytes.length;
		this.framesSinceSync++;
		return recordOk(undefined);
	}

	private maybeSync(): RecordResult<void> {
		const now = this.now();
		const everyFrames = this.options.syncEveryFrames ?? 10;
		const everyMs = this.options.syncEveryMs ?? 5000;
		if (this.framesSinceSync < everyFrames && now - this.lastSyncMs < everyMs) return recordOk(undefined);
		try {
			fdatasyncSync(this.fd);
		} catch (error) {
			return this.stop(failureOf(error), `${this.path}: could not flush the recording: ${(error as Error).message}`);
		}
		this.framesSinceSync = 0;
		this.lastSyncMs = now;
		return recordOk(undefined);
	}

	private stop(reason: RecordFailure, message: string): RecordResult<void> {
		this.failure = {reason, message};
		return recordFail(reason, message);
	}
}

interface Opened {
	fd: number;
	size: number;
	nextSeq: number;
	samples: number;
	truncatedBytes: number;
}

function openForAppend(path: string, options: RecordingWriterOptions): RecordResult<Opened> {
	// A FILE.new left by a crash mid-rotation was never renamed into place: it holds no samples.
	unlinkQuietly(`${path}.new`);
	let fd: number;
	try {
		fd = openSync(path, 'r+');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
			return recordFail(failureOf(error), `${path}: cannot open: ${(error as Error).message}`);
		}
		return createNew(path, options);
	}
	try {
		const size = fstatSync(fd).size;
		if (size === 0) {
			closeSync(fd);
			return createNew(path, options);
		}
		const bytes = new FileBytes(fd, size);
		const header = decodeHeader(bytes.read(0, Math.min(size, HEADER_READ_BYTES)) ?? Buffer.alloc(0));
		if (!header.ok) {
			closeSync(fd);
			return recordFail(header.reason, `${path}: ${header.message}; refusing to append to it`);
		}
		const {formatMajor, formatMinor} = header.value.info;
		if (formatMajor !== FORMAT_MAJOR) {
			closeSync(fd);
			return recordFail(
				'older-version',
				`${path} is recording format ${versionText(formatMajor, formatMinor)}; this leaktop writes format ${versionText(FORMAT_MAJOR, FORMAT_MINOR)}: record to a new file`,
			);
		}
		const scan = scanFrames(bytes.read, header.value.length, size, bytes.find);
		if (scan.tornTail) {
			ftruncateSync(fd, scan.goodEnd);
			fdatasyncSync(fd);
		}
		const last = scan.frames.at(-1);
		return recordOk({
			fd,
			size: scan.goodEnd,
			nextSeq: last ? (last.seq + 1) >>> 0 : 0,
			samples: scan.frames.filter(frame => frame.kind === FRAME_KIND.key || frame.kind === FRAME_KIND.delta).length,
			truncatedBytes: size - scan.goodEnd,
		});
	} catch (error) {
		closeQuietly(fd);
		return recordFail(failureOf(error), `${path}: cannot prepare it for appending: ${(error as Error).message}`);
	}
}

function createNew(path: string, options: RecordingWriterOptions): RecordResult<Opened> {
	const created = createFile(`${path}.new`, options, (options.nowMs ?? Date.now)());
	if (!created.ok) return created;
	try {
		renameSync(`${path}.new`, path);
		syncDirectory(path);
	} catch (error) {
		closeQuietly(created.value);
		unlinkQuietly(`${path}.new`);
		return recordFail(failureOf(error), `${path}: cannot create: ${(error as Error).message}`);
	}
	return recordOk({fd: created.value, size: fstatSync(created.value).size, nextSeq: 0, samples: 0, truncatedBytes: 0});
}

/** A file holding just a header, flushed: renamed into place, it is a valid empty recording. */
function createFile(path: string, options: RecordingWriterOptions, nowMs: number): RecordResult<number> {
	let fd: number | undefined;
	try {
		fd = openSync(path, 'w+');
		const header = encodeHeader(options.writerVersion, nowMs, options.host);
		let done = 0;
		while (done < header.length) done += writeSync(fd, header, done, header.length - done, done);
		fdatasyncSync(fd);
		return recordOk(fd);
	} catch (error) {
		if (fd !== undefined) closeQuietly(fd);
		unlinkQuietly(path);
		const reason = failureOf(error);
		return recordFail(reason, `${path}: ${reason === 'no-space' ? 'disk full' : (error as Error).message}: cannot start a recording file`);
	}
}

function failureOf(error: unknown): RecordFailure {
	const code = (error as NodeJS.ErrnoException | undefined)?.code;
	return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG' ? 'no-space' : 'io';
}

/** A rename is durable only once its directory is flushed. */
function syncDirectory(path: string): void {
	const fd = openSync(dirname(path), 'r');
	try {
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
}

function sizeOf(path: string): number {
	try {
		return statSync(path).size;
	} catch {
		return 0;
	}
}

function closeQuietly(fd: number): void {
	try {
		closeSync(fd);
	} catch {
		// Already closed.
	}
}

function unlinkQuietly(path: string): void {
	try {
		unlinkSync(path);
	} catch {
		// Already gone.
	}
}
