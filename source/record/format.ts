
/**
 * The recording file format, version 1.0. Everything is big-endian.
 *
 * File header:
 *   0  8  magic "\x89LEAKTOP" (the high byte catches 7-bit and text-mode mangling)
 *   8  2  format major — a reader refuses a newer major than its own
 *  10  2  format minor — additions a reader may ignore (unknown frame kinds, unknown fields)
 *  12  4  n: length of the header JSON
 *  16  n  JSON {writerVersion, createdMs, host: RecordingHeader}
 *  16+n 4 CRC32 of bytes [0, 16+n)
 * Only the magic and the two version words are fixed forever: a newer major is recognised and
 * named before anything else is parsed.
 *
 * Frames, appended after the header, each on its own (no frame depends on the bytes after it):
 *   0  4  marker "\xD1LKF": what a reader scans for to resync after a damaged frame
 *   4  4  n: body length (at most MAX_BODY_BYTES)
 *   8  4  CRC32 of bytes [4, 12+n): the length and the body
 *  12  n  body:
 *         0  1  kind (FRAME_KIND)
 *         1  4  seq: frame number, rising through the whole recording, across appends and segments
 *         5  4  base: for a delta, the seq of the key frame it applies to; else seq itself
 *         9  8  timeMs (float64): the sample's wall clock, so seeking needs no decompression
 *        17     raw deflate of the JSON payload
 * Payloads: key → a Sample; delta → diffJson(key sample, sample) (see delta.ts); session → a
 * RecordingSession written each time a writer opens the file (start, append after a crash or
 * a reboot, new segment).
 */

// node:zlib is loaded on first use: the live view imports this module but records only on request,
// and loading zlib at start costs ~3 ms and ~1.4 MiB.
const zlib = () => process.getBuiltinModule('node:zlib') as typeof import('node:zlib');
const crc32 = (data: Uint8Array, value?: number) => zlib().crc32(data, value);
const deflateRawSync = (data: Uint8Array) => zlib().deflateRawSync(data);
const inflateRawSync = (data: Uint8Array) => zlib().inflateRawSync(data);

export const FORMAT_MAJOR = 1;
export const FORMAT_MINOR = 0;
const MAGIC = Buffer.from([0x89, 0x4c, 0x45, 0x41, 0x4b, 0x54, 0x4f, 0x50]);
export const FRAME_MARKER = Buffer.from([0xd1, 0x4c, 0x4b, 0x46]);
export const FRAME_KIND = {key: 1, delta: 2, session: 3} as const;
/** A length above this is damage, not a frame: no sample comes near it. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const MAX_HEADER_JSON_BYTES = 64 * 1024;
const HEADER_FIXED_BYTES = 16;
const FRAME_HEAD_BYTES = 12;
const BODY_HEAD_BYTES = 17;

/** Facts about the recorded machine, written once into the file header. */
export interface RecordingHeader {
	hostname: string;
	kernel: string;
	pageSize: number;
	bootId: string;
	cpuCount: number;
	/** How the memory controller is mounted, as the probe reports it ('v1', 'v2', 'hybrid', 'none'). */
	cgroupMode: string;
}

/** What a file header says. */
export interface RecordingInfo {
	formatMajor: number;
	formatMinor: number;
	writerVersion: string;
	createdMs: number;
	host: RecordingHeader;
}

/** One writer's run on the file: it begins every open, append and segment. */
export interface RecordingSession {
	writerVersion: string;
	startedMs: number;
	host: RecordingHeader;
}

/** Why a recording could not be opened, read or written. */
export type RecordFailure =
	| 'missing'
	| 'not-a-recording'
	| 'newer-version'
	| 'older-version'
	| 'damaged-header'
	| 'locked'
	| 'no-space'
	| 'io'
	| 'closed';

export type RecordResult<T> = {ok: true; value: T} | {ok: false; reason: RecordFailure; message: string};

export const recordOk = <T>(value: T): RecordResult<T> => ({ok: true, value});

export const recordFail = <T = never>(reason: RecordFailure, message: string): RecordResult<T> => ({
	ok: false,
	reason,
	message,
});

/** The header bytes for a new file. */
export function encodeHeader(writerVersion: string, createdMs: number, host: RecordingHeader): Buffer {
	const json = Buffer.from(JSON.stringify({writerVersion, createdMs, host}), 'utf8');
	const head = Buffer.alloc(HEADER_FIXED_BYTES);
	MAGIC.copy(head, 0);
	head.writeUInt16BE(FORMAT_MAJOR, 8);
	head.writeUInt16BE(FORMAT_MINOR, 10);
	head.writeUInt32BE(json.length, 12);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(json, crc32(head)));
	return Buffer.concat([head, json, crc]);
}

/** "2.0" style. */
export function versionText(major: number, minor: number): string {
	return `${major}.${minor}`;
}

/**
 * Decodes a header from the first bytes of a file (pass at least 64 KiB, or the whole file when
 * shorter). Returns the header and its length in bytes, which is where frames begin.
 */
export function decodeHeader(bytes: Buffer): RecordResult<{info: RecordingInfo; length: number}> {
	if (bytes.length < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
		return recordFail('not-a-recording', 'not a leaktop recording (no "\\x89LEAKTOP" magic at the start)');
	}
	if (bytes.length < HEADER_FIXED_BYTES) return recordFail('damaged-header', 'the header is cut short');
	const major = bytes.readUInt16BE(8);
	const minor = bytes.readUInt16BE(10);
	if (major > FORMAT_MAJOR) {
		return recordFail(
			'newer-version',
			`recording format ${versionText(major, minor)} is newer than this leaktop reads (format ${versionText(FORMAT_MAJOR, FORMAT_MINOR)}): upgrade leaktop to open it`,
		);
	}
	if (major < 1) return recordFail('not-a-recording', `recording format ${versionText(major, minor)} never existed`);
	const jsonLength = bytes.readUInt32BE(12);
	if (jsonLength > MAX_HEADER_JSON_BYTES) return recordFail('damaged-header', 'the header length is implausible');
	const end = HEADER_FIXED_BYTES + jsonLength + 4;
	if (bytes.length < end) return recordFail('damaged-header', 'the header is cut short');
	if (crc32(bytes.subarray(0, end - 4)) !== bytes.readUInt32BE(end - 4)) {
		return recordFail('damaged-header', 'the header fails its checksum');
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(bytes.toString('utf8', HEADER_FIXED_BYTES, end - 4));
	} catch {
		return recordFail('damaged-header', 'the header is not valid JSON');
	}
	const header = parsed as Partial<{writerVersion: unknown; createdMs: unknown; host: unknown}>;
	if (typeof header !== 'object' || header === null || typeof header.host !== 'object' || header.host === null) {
		return recordFail('damaged-header', 'the header has no host facts');
	}
	return recordOk({
		info: {
			formatMajor: major,
			formatMinor: minor,
			writerVersion: typeof header.writerVersion === 'string' ? header.writerVersion : 'unknown',
			createdMs: typeof header.createdMs === 'number' ? header.createdMs : 0,
			host: header.host as RecordingHeader,
		},
		length: end,
	});
}

export type FrameKind = (typeof FRAME_KIND)[keyof typeof FRAME_KIND];

/** A frame found in a file: where it is and what its body head says. */
export interface FrameHead {
	kind: number;
	seq: number;
	base: number;
	timeMs: number;
	/** Offset of the marker in its file. */
	offset: number;
	/** Whole frame in bytes, marker to end of payload. */
	size: number;
}

/** The bytes of one frame. */
export function encodeFrame(kind: FrameKind, seq: number, base: number, timeMs: number, payloadJson: string): Buffer {
	const payload = deflateRawSync(Buffer.from(payloadJson, 'utf8'));
	const bodyLength = BODY_HEAD_BYTES + payload.length;
	const head = Buffer.alloc(FRAME_HEAD_BYTES + BODY_HEAD_BYTES);
	FRAME_MARKER.copy(head, 0);
	head.writeUInt32BE(bodyLength, 4);
	head.writeUInt8(kind, 12);
	head.writeUInt32BE(seq >>> 0, 13);
	head.writeUInt32BE(base >>> 0, 17);
	head.writeDoubleBE(Number.isFinite(timeMs) ? timeMs : 0, 21);
	const crc = crc32(payload, crc32(head.subarray(FRAME_HEAD_BYTES), crc32(head.subarray(4, 8))));
	head.writeUInt32BE(crc, 8);
	return Buffer.concat([head, payload]);
}

/** Reads byte ranges of a file; null when the range runs past the end. */
export type ByteReader = (offset: number, length: number) => Buffer | null;

/** The frame starting at offset, or null when there is none there (no marker, cut short, bad CRC). */
export function frameAt(read: ByteReader, offset: number): FrameHead | null {
	const head = read(offset, FRAME_HEAD_BYTES);
	if (!head || !head.subarray(0, 4).equals(FRAME_MARKER)) return null;
	const bodyLength = head.readUInt32BE(4);
	if (bodyLength < BODY_HEAD_BYTES || bodyLength > MAX_BODY_BYTES) return null;
	const body = read(offset + FRAME_HEAD_BYTES, bodyLength);
	if (!body) return null;
	if (crc32(body, crc32(head.subarray(4, 8))) !== head.readUInt32BE(8)) return null;
	return {
		kind: body.readUInt8(0),
		seq: body.readUInt32BE(1),
		base: body.readUInt32BE(5),
		timeMs: body.readDoubleBE(9),
		offset,
		size: FRAME_HEAD_BYTES + bodyLength,
	};
}

/** The JSON payload of a frame found by frameAt, or undefined when it does not decode. */
export function framePayload(read: ByteReader, frame: FrameHead): unknown {
	const start = frame.offset + FRAME_HEAD_BYTES + BODY_HEAD_BYTES;
	const compressed = read(start, frame.size - FRAME_HEAD_BYTES - BODY_HEAD_BYTES);
	if (!compressed) return undefined;
	try {
		return JSON.parse(inflateRawSync(compressed).toString('utf8'));
	} catch {
		return undefined;
	}
}

/** What a scan of a file's frames found. */
export interface FrameScan {
	frames: FrameHead[];
	/** Damaged stretches between good frames (each unreadable frame counts once). */
	skipped: number;
	/** Whether bytes after the last good frame do not form a frame: a write cut short. */
	tornTail: boolean;
	/** Where the last good frame ends: a writer truncates here before appending. */
	goodEnd: number;
}

/**
 * Walks the frames from start to size. A frame that does not check out is skipped by searching
 * for the next marker; whatever follows the last good frame is a torn tail, not a skip.
 */
export function scanFrames(read: ByteReader, start: number, size: number, find: (from: number) => number): FrameScan {
	const frames: FrameHead[] = [];
	let skipped = 0;
	let pending = 0;
	let offset = start;
	let goodEnd = start;
	while (offset < size) {
		const frame = frameAt(read, offset);
		if (frame) {
			frames.push(frame);
			skipped += pending;
			pending = 0;
			offset += frame.size;
			goodEnd = offset;
			continue;
		}
		pending++;
		const next = find(offset + 1);
		if (next < 0) break;
		offset = next;
	}
	return {frames, skipped, tornTail: pending > 0, goodEnd};
}
