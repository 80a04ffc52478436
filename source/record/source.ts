import {closeSync, fstatSync, openSync} from 'node:fs';
import type {Sample} from '../probe/sample.js';
import {patchJson, type Json} from './delta.js';
import {FileBytes} from './fileBytes.js';
import {
	decodeHeader,
	FRAME_KIND,
	framePayload,
	recordFail,
	recordOk,
	scanFrames,
	type FrameHead,
	type RecordingInfo,
	type RecordingSession,
	type RecordResult,
} from './format.js';
import {olderSegments} from './segments.js';

/** What reading a recording met on the way. */
export interface ReadStats {
	/** Frames that checked out (samples and session frames). */
	framesRead: number;
	/** Damaged frames skipped in the middle, plus deltas whose key frame was among them. */
	framesSkipped: number;
	/** Whether a file ends in a frame cut short (a recorder killed mid-write): ignored. */
	tornTail: boolean;
	/** Frames of a kind this version does not know (a newer minor format): ignored. */
	framesUnknown: number;
	/** Segment files read (FILE and the FILE.N older ones), and those that could not be. */
	segments: number;
	segmentsUnreadable: number;
}

/** A session and the index of the first sample it recorded. */
export interface SessionMark extends RecordingSession {
	atIndex: number;
}

/** Everything in a recording, decoded at once (fine for tests and short files; replay uses RecordingSource). */
export interface Recording {
	info: RecordingInfo;
	samples: Sample[];
	stats: ReadStats;
	sessions: SessionMark[];
}

const HEADER_READ_BYTES = 64 * 1024 + 64;
const KEY_CACHE_SIZE = 2;

interface Entry {
	segment: number;
	frame: FrameHead;
	/** Index of the key frame a delta applies to; its own index for a key frame. */
	keyIndex: number;
}

interface Segment {
	fd: number;
	bytes: FileBytes;
}

/**
 * A recording served sample by sample for replay, with a cursor. Opening scans every frame's head
 * and checksum (no decompression) into an index; a sample is decoded when asked for, from its key
 * frame and its own delta, so memory stays small and random access costs two frames at most.
 *
 * Samples it returns share their unchanged parts with each other: read them, never mutate them.
 * The shared parts (the cached key frames) are frozen, so a mutation there fails loudly instead of
 * silently changing other samples.
 */
export class RecordingSource {
	/** The cursor: index of the current sample (-1 when the recording holds none). */
	position: number;
	private readonly keyCache = new Map<number, Json>();
	private decoded: {index: number; sample: Sample} | null = null;

	private constructor(
		readonly info: RecordingInfo,
		readonly stats: ReadStats,
		readonly sessions: SessionMark[],
		private readonly segments: Segment[],
		private readonly entries: Entry[],
	) {
		this.position = entries.length > 0 ? 0 : -1;
	}

	/** Opens the recording at path together with its older segments (FILE.N … FILE.1, then FILE). */
	static open(path: string): RecordResult<RecordingSource> {
		try {
			return RecordingSource.index(path);
		} catch (error) {
			return recordFail('io', `${path}: ${(error as Error).message}`);
		}
	}

	private static index(path: string): RecordResult<RecordingSource> {
		const paths = [...olderSegments(path).reverse().map(segment => segment.path), path];
		const segments: Segment[] = [];
		const entries: Entry[] = [];
		const sessions: SessionMark[] = [];
		const stats: ReadStats = {framesRead: 0, framesSkipped: 0, tornTail: false, framesUnknown: 0, segments: 0, segmentsUnreadable: 0};
		let info: RecordingInfo | undefined;
		let firstProblem: {reason: Parameters<typeof recordFail>[0]; message: string} | undefined;
		const fail = <T>(reason: Parameters<typeof recordFail>[0], message: string): RecordResult<T> => {
			for (const segment of segments) closeQuietly(segment.fd);
			return recordFail(reason, message);
		};
		for (const segmentPath of paths) {
			let fd: number;
			try {
				fd = openSync(segmentPath, 'r');
			} catch (error) {
				const code = (error as NodeJS.ErrnoException).code;
				if (code === 'ENOENT' && segmentPath === path && segments.length > 0) continue; // Mid-rotation.
				firstProblem ??= {reason: code === 'ENOENT' ? 'missing' : 'io', message: `${segmentPath}: ${(error as Error).message}`};
				stats.segmentsUnreadable++;
				continue;
			}
			const size = fstatSync(fd).size;
			const bytes = new FileBytes(fd, size);
			const header = decodeHeader(bytes.read(0, Math.min(size, HEADER_READ_BYTES)) ?? Buffer.alloc(0));
			if (!header.ok) {
				closeQuietly(fd);
				if (header.reason === 'newer-version') return fail(header.reason, `${segmentPath}: ${header.message}`);
				firstProblem ??= {reason: header.reason, message: `${segmentPath}: ${header.message}`};
				stats.segmentsUnreadable++;
				continue;
			}
			info ??= header.value.info;
			const segment = segments.push({fd, bytes}) - 1;
			stats.segments++;
			const scan = scanFrames(bytes.read, header.value.length, size, bytes.find);
			stats.framesSkipped += scan.skipped;
			stats.tornTail ||= scan.tornTail;
			// A delta may only apply to a key frame of the same segment and session.
			let key: {seq: number; index: number} | null = null;
			for (const frame of scan.frames) {
				if (frame.kind === FRAME_KIND.session) {
					const session = framePayload(bytes.read, frame) as RecordingSession | undefined;
					if (session && typeof session === 'object') sessions.push({...session, atIndex: entries.length});
					stats.framesRead++;
					key = null;
				} else if (frame.kind === FRAME_KIND.key) {
					key = {seq: frame.seq, index: entries.length};
					entries.push({segment, frame, keyIndex: key.index});
					stats.framesRead++;
				} else if (frame.kind === FRAME_KIND.delta) {
					if (key && frame.base === key.seq) {
						entries.push({segment, frame, keyIndex: key.index});
						stats.framesRead++;
					} else {
						stats.framesSkipped++;
					}
				} else {
					stats.framesRead++;
					stats.framesUnknown++;
				}
			}
		}
		if (!info) return fail(firstProblem?.reason ?? 'missing', firstProblem?.message ?? `${path}: no recording here`);
		return recordOk(new RecordingSource(info, stats, sessions, segments, entries));
	}

	/** How many samples the recording holds. */
	get length(): number {
		return this.entries.length;
	}

	/** Sample i (0 = oldest), or undefined when i is out of range or the frame does not decode. */
	at(index: number): Sample | undefined {
		if (!Number.isInteger(index) || index < 0 || index >= this.entries.length) return undefined;
		if (this.decoded?.index === index) return this.decoded.sample;
		const entry = this.entries[index]!;
		const key = this.keyValue(entry.keyIndex);
		if (key === undefined) return undefined;
		let value: Json = key;
		if (entry.keyIndex !== index) {
			const delta = this.payload(entry);
			if (delta === undefined) return undefined;
			try {
				value = patchJson(key, delta);
			} catch {
				return undefined;
			}
		}
		const sample = value as unknown as Sample;
		this.decoded = {index, sample};
		return sample;
	}

	/** Wall-clock ms of sample i, read from the index without decoding. */
	timeAt(index: number): number | undefined {
		return this.entries[index]?.frame.timeMs;
	}

	/** The last sample at or before ms (the first one when ms is earlier than all); -1 when empty. */
	indexAtTime(ms: number): number {
		if (this.entries.length === 0) return -1;
		let low = 0;
		let high = this.entries.length - 1;
		if (ms < this.entries[0]!.frame.timeMs) return 0;
		while (low < high) {
			const middle = (low + high + 1) >> 1;
			if (this.entries[middle]!.frame.timeMs <= ms) low = middle;
			else high = middle - 1;
		}
		return low;
	}

	/** The sample under the cursor. */
	current(): Sample | undefined {
		return this.at(this.position);
	}

	/** Moves the cursor to index (clamped into the recording) and returns that sample. */
	seek(index: number): Sample | undefined {
		if (this.entries.length === 0) return undefined;
		this.position = Math.min(this.entries.length - 1, Math.max(0, Math.trunc(index)));
		return this.current();
	}

	first(): Sample | undefined {
		return this.seek(0);
	}

	last(): Sample | undefined {
		return this.seek(this.entries.length - 1);
	}

	next(): Sample | undefined {
		return this.seek(this.position + 1);
	}

	prev(): Sample | undefined {
		return this.seek(this.position - 1);
	}

	/**
	 * Moves by a span of recorded time: forward to the first sample at or after now + spanMs,
	 * back to the last one at or before now + spanMs (spanMs < 0).
	 */
	jump(spanMs: number): Sample | undefined {
		const now = this.timeAt(this.position);
		if (now === undefined) return undefined;
		const target = now + spanMs;
		let index = this.indexAtTime(target);
		if (spanMs > 0 && this.entries[index]!.frame.timeMs < target) index++;
		return this.seek(index);
	}

	/** Yields every sample in order (the cursor does not move). */
	*samples(): Generator<Sample> {
		for (let i = 0; i < this.entries.length; i++) {
			const sample = this.at(i);
			if (sample) yield sample;
		}
	}

	close(): void {
		for (const segment of this.segments) closeQuietly(segment.fd);
		this.segments.length = 0;
		this.keyCache.clear();
		this.decoded = null;
	}

	private keyValue(index: number): Json | undefined {
		const cached = this.keyCache.get(index);
		if (cached !== undefined) return cached;
		const value = this.payload(this.entries[index]!);
		if (value === undefined) return undefined;
		deepFreeze(value);
		if (this.keyCache.size >= KEY_CACHE_SIZE) this.keyCache.delete(this.keyCache.keys().next().value!);
		this.keyCache.set(index, value);
		return value;
	}

	private payload(entry: Entry): Json | undefined {
		const segment = this.segments[entry.segment];
		if (!segment) return undefined;
		return framePayload(segment.bytes.read, entry.frame) as Json | undefined;
	}
}

/** Reads a whole recording into memory: info, every sample, what was skipped. Never throws. */
export function readRecording(path: string): RecordResult<Recording> {
	const opened = RecordingSource.open(path);
	if (!opened.ok) return opened;
	const source = opened.value;
	try {
		const samples = [...source.samples()];
		// Samples that failed to decode after their frame checked out count as skipped too.
		const stats = {...source.stats, framesSkipped: source.stats.framesSkipped + source.length - samples.length};
		return recordOk({info: source.info, samples, stats, sessions: source.sessions});
	} finally {
		source.close();
	}
}

function deepFreeze(value: Json): Json {
	if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
	Object.freeze(value);
	for (const child of Object.values(value)) deepFreeze(child);
	return value;
}

function closeQuietly(fd: number): void {
	try {
		closeSync(fd);
	} catch {
		// Already closed.
	}
}
