import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {crc32} from 'node:zlib';
import fc from 'fast-check';
import {diffJson, patchJson, type Json} from '../../source/record/delta.js';
import {
	decodeHeader,
	encodeFrame,
	encodeHeader,
	FORMAT_MAJOR,
	FORMAT_MINOR,
	FRAME_KIND,
	frameAt,
	framePayload,
	scanFrames,
	type ByteReader,
} from '../../source/record/format.js';
import {syntheticHeader, takeSamples} from './synthetic.js';

const json = (value: unknown): Json => JSON.parse(JSON.stringify(value)) as Json;

function readerOf(bytes: Buffer): {read: ByteReader; find: (from: number) => number} {
	return {
		read: (offset, length) => (offset < 0 || offset + length > bytes.length ? null : bytes.subarray(offset, offset + length)),
		find: from => bytes.indexOf(Buffer.from([0xd1, 0x4c, 0x4b, 0x46]), from),
	};
}

describe('delta', () => {
	it('turns a key sample into each later sample exactly', () => {
		const samples = takeSamples(12).map(json);
		for (const sample of samples.slice(1)) {
			const delta = json(diffJson(samples[0]!, sample) ?? {});
			assert.deepEqual(patchJson(samples[0]!, delta), sample);
		}
	});

	it('matches processes by (pid, startTime) and slab caches by name, not by position', () => {
		const base = json({processes: [{pid: 1, startTime: 5, rss: 10}, {pid: 2, startTime: 6, rss: 20}, {pid: 3, startTime: 7, rss: 30}]});
		const next = json({processes: [{pid: 3, startTime: 7, rss: 31}, {pid: 1, startTime: 5, rss: 10}, {pid: 2, startTime: 99, rss: 1}]});
		const delta = diffJson(base, next)!;
		assert.deepEqual(patchJson(base, json(delta)), next);
		// The reused pid 2 is a new process: the old one is removed, the new one added whole.
		assert.match(JSON.stringify(delta), /"r":\[1\]/);
	});

	it('round-trips any pair of JSON values', () => {
		fc.assert(
			fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
				const base = json(a);
				const next = json(b);
				const delta = diffJson(base, next);
				assert.deepEqual(patchJson(base, delta === undefined ? undefined : json(delta)), next);
			}),
			{numRuns: 500},
		);
	});

	it('round-trips shuffled, grown and shrunk process lists', () => {
		const process = fc.record({pid: fc.integer({min: 1, max: 40}), startTime: fc.integer({min: 0, max: 3}), rss: fc.integer(), name: fc.string()});
		const list = fc.uniqueArray(process, {selector: p => `${p.pid}:${p.startTime}`, maxLength: 30});
		fc.assert(
			fc.property(list, list, (a, b) => {
				const base = json({processes: a});
				const next = json({processes: b});
				assert.deepEqual(patchJson(base, json(diffJson(base, next) ?? {})), next);
			}),
			{numRuns: 300},
		);
	});
});

describe('header', () => {
	it('round-trips the host facts and versions', () => {
		const header = encodeHeader('1.2.3', 1700000000000, syntheticHeader);
		const decoded = decodeHeader(Buffer.concat([header, Buffer.from('frames follow')]));
		assert.ok(decoded.ok);
		assert.equal(decoded.value.length, header.length);
		assert.deepEqual(decoded.value.info, {
			formatMajor: FORMAT_MAJOR,
			formatMinor: FORMAT_MINOR,
			writerVersion: '1.2.3',
			createdMs: 1700000000000,
			host: syntheticHeader,
		});
	});

	it('refuses a newer major format, naming both versions, before parsing anything else', () => {
		const header = encodeHeader('9.0.0', 0, syntheticHeader);
		header.writeUInt16BE(FORMAT_MAJOR + 1, 8);
		header.writeUInt16BE(3, 10);
		header.fill(0xff, 12); // Whatever format 2 puts after the version words.
		const decoded = decodeHeader(header);
		assert.equal(decoded.ok, false);
		assert.ok(!decoded.ok);
		assert.equal(decoded.reason, 'newer-version');
		assert.match(decoded.message, new RegExp(`format ${FORMAT_MAJOR + 1}\\.3 .*format ${FORMAT_MAJOR}\\.${FORMAT_MINOR}`));
	});

	it('reads a newer minor format', () => {
		const header = encodeHeader('x', 0, syntheticHeader);
		header.writeUInt16BE(FORMAT_MINOR + 1, 10);
		// The CRC covers the version words: a real newer writer computes it over its own.
		header.writeUInt32BE(crc32(header.subarray(0, header.length - 4)), header.length - 4);
		const decoded = decodeHeader(header);
		assert.ok(decoded.ok);
		assert.equal(decoded.value.info.formatMinor, FORMAT_MINOR + 1);
	});

	it('says what is wrong with damaged or foreign headers, and never throws', () => {
		const header = encodeHeader('x', 0, syntheticHeader);
		const foreign = decodeHeader(Buffer.from('hello world, not a recording'));
		assert.ok(!foreign.ok && foreign.reason === 'not-a-recording');
		const cut = decodeHeader(header.subarray(0, header.length - 1));
		assert.ok(!cut.ok && cut.reason === 'damaged-header');
		const flipped = Buffer.from(header);
		flipped[20]! ^= 1;
		const bad = decodeHeader(flipped);
		assert.ok(!bad.ok && bad.reason === 'damaged-header');
		fc.assert(
			fc.property(fc.uint8Array({maxLength: 200}), fc.boolean(), (bytes, withMagic) => {
				const input = withMagic ? Buffer.concat([header.subarray(0, 8), bytes]) : Buffer.from(bytes);
				decodeHeader(input);
			}),
		);
	});
});

describe('frames', () => {
	it('encode, check and decode', () => {
		const frame = encodeFrame(FRAME_KIND.delta, 7, 5, 1234.5, '{"a":1}');
		const {read} = readerOf(frame);
		const head = frameAt(read, 0);
		assert.deepEqual(head, {kind: FRAME_KIND.delta, seq: 7, base: 5, timeMs: 1234.5, offset: 0, size: frame.length});
		assert.deepEqual(framePayload(read, head!), {a: 1});
		for (let i = 0; i < frame.length; i++) {
			const damaged = Buffer.from(frame);
			damaged[i]! ^= 0x10;
			assert.equal(frameAt(readerOf(damaged).read, 0), null, `a flipped bit at byte ${i} goes unnoticed`);
		}
	});

	it('scanning arbitrary bytes never throws', () => {
		const good = encodeFrame(FRAME_KIND.key, 1, 1, 0, '{}');
		fc.assert(
			fc.property(fc.uint8Array({maxLength: 300}), fc.nat(300), (bytes, at) => {
				const mixed = Buffer.from(bytes);
				const data = Buffer.concat([mixed.subarray(0, at), good, mixed.subarray(at)]);
				const {read, find} = readerOf(data);
				const scan = scanFrames(read, 0, data.length, find);
				assert.ok(scan.frames.length >= 1);
			}),
		);
	});
});
