import assert from 'node:assert/strict';
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {Files} from '../../source/probe/files.js';

const openFds = () => readdirSync('/proc/self/fd').length;

test('live: a seq_file of many records comes a page per read; readToEnd has it all, read only the first page', () => {
	// /proc/crypto lists the registered algorithms (static while no module loads), ~11 KB here.
	const files = new Files();
	const kept = files.keep('/proc/crypto');
	assert.ok(kept.ok);
	try {
		const whole = readFileSync('/proc/crypto', 'utf8');
		assert.ok(whole.length > 8192, 'more than two pages, or this test proves nothing');
		for (let i = 0; i < 3; i++) assert.deepEqual(kept.value.readToEnd(), {ok: true, value: whole}, `re-read ${i}`);
		const first = kept.value.read();
		assert.ok(first.ok);
		assert.ok(first.value.length < whole.length && whole.startsWith(first.value), 'one read is one page of records');
		const capped = kept.value.readToEnd(5000);
		assert.ok(capped.ok);
		assert.equal(capped.value, whole.slice(0, 5000));
	} finally {
		kept.value.close();
	}
});

test('live: slabinfo and vmstat through kept descriptors read as a fresh open does (same lines, same names)', {skip: process.getuid?.() !== 0 && 'slabinfo needs root'}, () => {
	const files = new Files();
	for (const name of ['slabinfo', 'vmstat']) {
		const kept = files.keep(files.proc(name));
		assert.ok(kept.ok);
		try {
			kept.value.readToEnd();
			const viaKept = kept.value.readToEnd();
			const fresh = readFileSync(files.proc(name), 'utf8');
			assert.ok(viaKept.ok);
			const names = (text: string) => text.split('\n').map(line => line.split(/\s/)[0]);
			assert.deepEqual(names(viaKept.value), names(fresh), name);
			assert.ok(viaKept.value.endsWith('\n'));
		} finally {
			kept.value.close();
		}
	}
});

test('kept regular files: larger than the shared buffer, rewritten in place, parsed from bytes, closed', () => {
	const dir = mkdtempSync(join(tmpdir(), 'leaktop-files-'));
	const before = openFds();
	try {
		const path = join(dir, 'big');
		const big = Array.from({length: 20_000}, (_, i) => `line ${i}\n`).join('');
		writeFileSync(path, big);
		const files = new Files();
		const kept = files.keep(path);
		assert.ok(kept.ok);
		assert.equal(openFds(), before + 1);
		const whole = kept.value.readToEnd();
		assert.ok(whole.ok);
		assert.equal(whole.value, big);
		assert.deepEqual(kept.value.readToEnd(100_000), {ok: true, value: big.slice(0, 100_000)});
		writeFileSync(path, '4700 3985 1719 1 0 2538 0\n');
		const parsed = kept.value.parse((bytes, length) => bytes.toString('utf8', 0, length).split(' ')[1]);
		assert.deepEqual(parsed, {ok: true, value: '3985'}, 'the bytes of the file as it is now, and only those');
		kept.value.close();
		kept.value.close();
		assert.equal(openFds(), before);
		assert.equal(kept.value.read().ok, false);
		assert.equal(kept.value.readToEnd().ok, false);
		assert.equal(kept.value.parse(() => 1).ok, false);
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
});
