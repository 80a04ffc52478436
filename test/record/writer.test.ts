import assert from 'node:assert/strict';
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import type {Sample} from '../../source/probe/sample.js';
import {FileBytes} from '../../source/record/fileBytes.js';
import {decodeHeader, encodeFrame, FRAME_KIND, scanFrames} from '../../source/record/format.js';
import {readRecording, RecordingSource} from '../../source/record/source.js';
import {RecordingWriter, type RecordingWriterOptions} from '../../source/record/writer.js';
import {small, smallSamples, syntheticHeader, takeSamples} from './synthetic.js';

const options: RecordingWriterOptions = {host: syntheticHeader, writerVersion: 'test'};
const plain = (samples: Sample[]): Sample[] => JSON.parse(JSON.stringify(samples)) as Sample[];
const smallSet = (n: number): Sample[] => takeSamples(n, small);

let directory: string;
before(() => {
	directory = mkdtempSync(join(tmpdir(), 'leaktop-record-'));
});
after(() => {
	rmSync(directory, {recursive: true, force: true});
});

let counter = 0;
function freshPath(): string {
	return join(directory, `r${counter++}.ltrec`);
}

function record(path: string, samples: Sample[], extra: Partial<RecordingWriterOptions> = {}): void {
	const writer = RecordingWriter.open(path, {...options, ...extra});
	assert.ok(writer.ok, writer.ok ? '' : writer.message);
	for (const sample of samples) {
		const result = writer.value.append(sample);
		assert.ok(result.ok, result.ok ? '' : result.message);
	}
	assert.ok(writer.value.close().ok);
}

function read(path: string) {
	const result = readRecording(path);
	assert.ok(result.ok, result.ok ? '' : result.message);
	return result.value;
}

/** Frame offsets and sizes of one file, from the format's own scan. */
function framesOf(path: string) {
	const fd = openSync(path, 'r');
	try {
		const bytes = new FileBytes(fd, statSync(path).size);
		const header = decodeHeader(bytes.read(0, Math.min(bytes.size, 70000))!);
		assert.ok(header.ok);
		return scanFrames(bytes.read, header.value.length, bytes.size, bytes.find).frames;
	} finally {
		closeSync(fd);
	}
}

describe('recording round trip', () => {
	it('reads back every sample, the header and the session', () => {
		const path = freshPath();
		const samples = smallSet(75);
		record(path, samples, {keyFrameEvery: 30});
		const recording = read(path);
		assert.deepEqual(recording.samples, plain(samples));
		assert.deepEqual(recording.info.host, syntheticHeader);
		assert.equal(recording.info.writerVersion, 'test');
		assert.deepEqual(recording.stats, {framesRead: 76, framesSkipped: 0, tornTail: false, framesUnknown: 0, segments: 1, segmentsUnreadable: 0});
		assert.equal(recording.sessions.length, 1);
		assert.equal(recording.sessions[0]!.atIndex, 0);
		const kinds = framesOf(path).map(frame => frame.kind);
		assert.deepEqual(
			kinds.filter(kind => kind === FRAME_KIND.key).length,
			3,
			'a key frame every 30 samples, deltas in between',
		);
	});

	it('appends to an existing recording as a new session', () => {
		const path = freshPath();
		const samples = smallSet(20);
		record(path, samples.slice(0, 12));
		record(path, samples.slice(12));
		const recording = read(path);
		assert.deepEqual(recording.samples, plain(samples));
		assert.deepEqual(
			recording.sessions.map(session => session.atIndex),
			[0, 12],
		);
	});

	it('ignores frames of a kind from a newer minor format', () => {
		const path = freshPath();
		const samples = smallSet(6);
		record(path, samples);
		const bytes = readFileSync(path);
		const seq = framesOf(path).at(-1)!.seq;
		writeFileSync(path, Buffer.concat([bytes, encodeFrame(9 as typeof FRAME_KIND.key, seq + 1, seq + 1, 0, '{"future":true}')]));
		const recording = read(path);
		assert.deepEqual(recording.samples, plain(samples));
		assert.equal(recording.stats.framesUnknown, 1);
	});
});

describe('crash safety', () => {
	it('a cut at every byte of the last frames keeps every complete frame, then appends cleanly', () => {
		const path = freshPath();
		const samples = smallSet(8);
		record(path, samples, {keyFrameEvery: 5});
		const whole = readFileSync(path);
		const frames = framesOf(path);
		const cutFrom = frames.at(-3)!.offset;
		const ends = new Set(frames.map(frame => frame.offset + frame.size));
		const cutPath = freshPath();
		const expected = plain(samples);
		writeFileSync(cutPath, whole);
		// From the end backwards, so each cut is one truncate. Every byte: the index (every checksum);
		// near frame edges and every 61st byte: every sample decoded and compared too.
		for (let cut = whole.length; cut >= cutFrom; cut--) {
			truncateSync(cutPath, cut);
			const complete = frames.filter(frame => frame.offset + frame.size <= cut).length - 1; // minus the session frame
			const opened = RecordingSource.open(cutPath);
			assert.ok(opened.ok);
			assert.equal(opened.value.length, complete, `cut at ${cut}`);
			assert.equal(opened.value.stats.tornTail, !ends.has(cut), `cut at ${cut}`);
			assert.equal(opened.value.stats.framesSkipped, 0, `cut at ${cut}`);
			opened.value.close();
			const nearEdge = ends.has(cut) || ends.has(cut + 1) || ends.has(cut - 1);
			if (nearEdge || cut % 61 === 0) assert.deepEqual(read(cutPath).samples, expected.slice(0, complete), `cut at ${cut}`);
		}
		// A writer cuts the torn tail off before it appends.
		const torn = frames.at(-2)!.offset + 10;
		writeFileSync(cutPath, whole.subarray(0, torn));
		const more = smallSet(12).slice(8);
		const writer = RecordingWriter.open(cutPath, options);
		assert.ok(writer.ok);
		assert.equal(writer.value.stats.truncatedBytes, 10);
		for (const sample of more) assert.ok(writer.value.append(sample).ok);
		writer.value.close();
		const recording = read(cutPath);
		assert.equal(recording.stats.tornTail, false);
		assert.deepEqual(recording.samples, [...expected.slice(0, 6), ...plain(more)]);
	});

	it('a flipped bit in a middle frame skips that frame only, and the rest reads', () => {
		const path = freshPath();
		const samples = smallSet(30);
		record(path, samples, {keyFrameEvery: 10});
		const frames = framesOf(path);
		const whole = readFileSync(path);
		const expected = plain(samples);
		// Frames: session, then samples 0…29; sample i is frame i + 1.
		for (const [sample, byteInFrame] of [
			[14, 40], // payload of a delta
			[14, 2], // its marker
			[14, 5], // its length field
		] as const) {
			const damaged = Buffer.from(whole);
			damaged[frames[sample + 1]!.offset + byteInFrame]! ^= 0x04;
			const damagedPath = freshPath();
			writeFileSync(damagedPath, damaged);
			const recording = read(damagedPath);
			assert.equal(recording.stats.framesSkipped, 1, `byte ${byteInFrame}`);
			assert.equal(recording.stats.tornTail, false);
			assert.deepEqual(recording.samples, expected.filter((_, i) => i !== sample));
		}
		// A damaged key frame takes the deltas that need it along: counted, and the next key frame resumes.
		const damaged = Buffer.from(whole);
		damaged[frames[10 + 1]!.offset + 40]! ^= 0x04;
		const damagedPath = freshPath();
		writeFileSync(damagedPath, damaged);
		const recording = read(damagedPath);
		const lost = framesOf(path).filter(frame => frame.kind === FRAME_KIND.delta && frame.base === frames[11]!.seq).length + 1;
		assert.equal(recording.stats.framesSkipped, lost);
		assert.equal(recording.samples.length, 30 - lost);
		assert.deepEqual(recording.samples.at(-1), expected.at(-1));
	});

	it('a recorder killed with SIGKILL mid-write, again and again, loses nothing it completed', async t => {
		const path = freshPath();
		let total = 0;
		let tornTails = 0;
		for (let round = 0; round < 4; round++) {
			const child = startChild(path, String(total));
			try {
				await waitFor(child, 'ready');
				await sleep(20 + round * 40);
			} finally {
				child.kill('SIGKILL');
				await exited(child);
			}
			const recording = read(path);
			assert.equal(recording.stats.framesSkipped, 0);
			assert.ok(recording.samples.length > total, `round ${round} wrote nothing`);
			assert.deepEqual(recording.samples.at(-1), plain(takeSamples(recording.samples.length, small)).at(-1));
			if (recording.stats.tornTail) tornTails++;
			total = recording.samples.length;
		}
		// Append once more after the last kill: the stale lock is taken over, the torn tail cut.
		const next = takeSamples(total + 3, small).slice(total);
		record(path, next);
		const recording = read(path);
		assert.equal(recording.stats.tornTail, false);
		assert.equal(recording.stats.framesSkipped, 0);
		assert.equal(recording.samples.length, total + 3);
		assert.deepEqual(recording.samples, plain(takeSamples(total + 3, small)));
		assert.equal(recording.sessions.length, 5);
		t.diagnostic(`${total} samples over 4 kills, ${tornTails} of them mid-frame`);
	});
});

describe('locking', () => {
	it('refuses a second writer on the same file, in this process or another', async () => {
		const path = freshPath();
		const first = RecordingWriter.open(path, options);
		assert.ok(first.ok);
		const second = RecordingWriter.open(path, options);
		assert.ok(!second.ok);
		assert.equal(second.reason, 'locked');
		assert.match(second.message, new RegExp(`pid ${process.pid}\\b`));
		first.value.close();

		const holder = startChild(path, '0', 'hold');
		try {
			await waitFor(holder, 'ready');
			const refused = RecordingWriter.open(path, options);
			assert.ok(!refused.ok);
			assert.equal(refused.reason, 'locked');
			assert.match(refused.message, new RegExp(`pid ${holder.pid}\\b.*second recorder is refused`));
		} finally {
			holder.kill('SIGKILL');
			await exited(holder);
		}
		// The holder died without releasing: its lock is stale and taken over.
		const third = RecordingWriter.open(path, options);
		assert.ok(third.ok, third.ok ? '' : third.message);
		third.value.close();
		assert.equal(existsSync(`${path}.lock`), false);
	});

	it('takes over a lock left by an earlier boot or a pid that is gone', () => {
		const path = freshPath();
		const host = execFileSync('hostname', {encoding: 'utf8'}).trim();
		for (const owner of [
			{pid: process.pid, startTime: 1, bootId: 'an-earlier-boot', hostname: host, sinceMs: 0},
			{pid: 2 ** 22 + 1, startTime: 1, bootId: '', hostname: host, sinceMs: 0},
			'garbage',
		]) {
			writeFileSync(`${path}.lock`, typeof owner === 'string' ? owner : JSON.stringify(owner));
			const writer = RecordingWriter.open(path, options);
			assert.ok(writer.ok, writer.ok ? '' : writer.message);
			writer.value.close();
		}
	});
});

describe('versions', () => {
	it('refuses a file of a newer major format, naming both versions, for reading and appending', () => {
		const path = freshPath();
		record(path, smallSet(3));
		const bytes = readFileSync(path);
		bytes.writeUInt16BE(2, 8);
		bytes.writeUInt16BE(1, 10);
		writeFileSync(path, bytes);
		const read = readRecording(path);
		assert.ok(!read.ok);
		assert.equal(read.reason, 'newer-version');
		assert.match(read.message, /format 2\.1 is newer .*format 1\.0/);
		const append = RecordingWriter.open(path, options);
		assert.ok(!append.ok);
		assert.match(append.message, /format 2\.1 .*format 1\.0/);
		assert.deepEqual(readFileSync(path), bytes, 'a refused file is left as it was');
	});

	it('refuses to append to a file that is not a recording', () => {
		const path = freshPath();
		writeFileSync(path, 'my precious notes\n');
		const append = RecordingWriter.open(path, options);
		assert.ok(!append.ok);
		assert.equal(append.reason, 'not-a-recording');
		assert.equal(readFileSync(path, 'utf8'), 'my precious notes\n');
		const missing = readRecording(freshPath());
		assert.ok(!missing.ok);
		assert.equal(missing.reason, 'missing');
	});
});

describe('bounds', () => {
	it('--max-size rotates into segments and keeps the newest samples', () => {
		const path = freshPath();
		const maxSizeBytes = 60_000;
		const samples = smallSet(150);
		record(path, samples, {maxSizeBytes, segments: 3});
		const segments = [path, `${path}.1`, `${path}.2`];
		const total = segments.reduce((sum, segment) => sum + statSync(segment).size, 0);
		assert.ok(total <= maxSizeBytes, `${total} bytes on disk`);
		assert.equal(existsSync(`${path}.3`), false);
		const recording = read(path);
		assert.equal(recording.stats.segments, 3);
		assert.ok(recording.samples.length > 20 && recording.samples.length < 150, `${recording.samples.length} kept`);
		assert.deepEqual(recording.samples, plain(samples.slice(150 - recording.samples.length)), 'the newest, in order');
		// Each segment stands alone: it begins with a session and a key frame.
		for (const segment of segments) assert.deepEqual(framesOf(segment).slice(0, 2).map(frame => frame.kind), [FRAME_KIND.session, FRAME_KIND.key]);
	});

	it('a full disk stops the recorder with a message and leaves a readable file', t => {
		const mountPoint = join(directory, 'tiny');
		mkdirSync(mountPoint);
		try {
			execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint], {stdio: 'pipe'});
		} catch (error) {
			t.skip(`cannot mount a small tmpfs here: ${(error as Error).message}`);
			return;
		}
		let close = () => {};
		try {
			const path = join(mountPoint, 'full.ltrec');
			const writer = RecordingWriter.open(path, options);
			assert.ok(writer.ok);
			close = () => writer.value.close();
			const written: Sample[] = [];
			let failure: string | undefined;
			for (const sample of smallSamples()) {
				const result = writer.value.append(sample);
				if (!result.ok) {
					assert.equal(result.reason, 'no-space');
					failure = result.message;
					break;
				}
				written.push(sample);
				assert.ok(written.length < 10_000, 'the disk never filled');
			}
			assert.match(failure!, /disk full: recording stopped after \d+ samples; .* stays readable/);
			assert.equal(writer.value.stopped?.reason, 'no-space');
			const again = writer.value.append(written[0]!);
			assert.ok(!again.ok && again.reason === 'no-space', 'a stopped writer stays stopped');
			writer.value.close();
			const recording = read(path);
			assert.equal(recording.stats.tornTail, false);
			assert.equal(recording.stats.framesSkipped, 0);
			assert.deepEqual(recording.samples, plain(written));
		} finally {
			close();
			execFileSync('umount', [mountPoint]);
		}
	});
});

describe('RecordingSource', () => {
	it('serves samples by index and time, with a cursor', () => {
		const path = freshPath();
		const samples = plain(smallSet(40));
		record(path, samples, {keyFrameEvery: 7});
		const opened = RecordingSource.open(path);
		assert.ok(opened.ok);
		const source = opened.value;
		try {
			assert.equal(source.length, 40);
			assert.deepEqual(source.at(33), samples[33]);
			assert.deepEqual(source.at(2), samples[2]);
			assert.equal(source.at(40), undefined);
			assert.equal(source.at(-1), undefined);
			assert.equal(source.timeAt(5), samples[5]!.timeMs);
			assert.equal(source.indexAtTime(samples[12]!.timeMs), 12);
			assert.equal(source.indexAtTime(samples[12]!.timeMs + 500), 12);
			assert.equal(source.indexAtTime(0), 0);
			assert.equal(source.indexAtTime(Number.MAX_SAFE_INTEGER), 39);

			assert.equal(source.position, 0);
			assert.deepEqual(source.next(), samples[1]);
			assert.deepEqual(source.prev(), samples[0]);
			assert.deepEqual(source.prev(), samples[0], 'stays at the start');
			assert.deepEqual(source.last(), samples[39]);
			assert.deepEqual(source.next(), samples[39], 'stays at the end');
			assert.deepEqual(source.first(), samples[0]);
			assert.deepEqual(source.jump(10_000), samples[10], 'ten seconds on (samples are ~1 s apart)');
			assert.deepEqual(source.jump(-5_000), samples[5]);
			assert.deepEqual(source.seek(25), samples[25]);
			assert.deepEqual(source.current(), samples[25]);
			assert.deepEqual([...source.samples()], samples);
			assert.equal(source.position, 25);
			assert.throws(() => {
				(source.at(7)!.processes as unknown[]).push(1);
			}, TypeError, 'key frame samples are frozen: others share their parts');
		} finally {
			source.close();
		}
	});
});

const child = fileURLToPath(new URL('recorderChild.ts', import.meta.url));

function startChild(path: string, start: string, mode?: string): ChildProcess {
	return spawn(process.execPath, ['--import', 'tsx', child, path, start, ...(mode ? [mode] : [])], {
		stdio: ['ignore', 'pipe', 'inherit'],
	});
}

function waitFor(process: ChildProcess, line: string): Promise<void> {
	return new Promise((resolve, reject) => {
		let seen = '';
		process.stdout!.on('data', (chunk: Buffer) => {
			seen += chunk.toString();
			if (seen.includes(`${line}\n`)) resolve();
		});
		process.once('exit', code => reject(new Error(`recorder exited (${code}) before "${line}": ${seen}`)));
	});
}

function exited(process: ChildProcess): Promise<void> {
	if (process.exitCode !== null || process.signalCode !== null) return Promise.resolve();
	return new Promise(resolve => process.once('exit', () => resolve()));
}

function sleep(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms));
}
