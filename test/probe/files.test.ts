import assert from 'node:assert/strict';
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {Files, KeptPath} from '../../source/probe/files.js';
import {fail} from '../../source/probe/result.js';
import {fixturePath, realFiles} from '../helpers/fixtures.js';

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

test('KeptPath: one descriptor re-read, bytes to parse past the shared buffer, reopened after a failed read, read by path when descriptors run out', () => {
	const dir = mkdtempSync(join(tmpdir(), 'leaktop-files-'));
	const before = openFds();
	try {
		const path = join(dir, 'counters');
		const big = Array.from({length: 20_000}, (_, i) => `line ${i}\n`).join('');
		writeFileSync(path, 'a 1\n');
		const files = new Files();
		const kept = new KeptPath(files, path, {maxBytes: 1024 * 1024, manyRecords: true, retryByPath: true});
		assert.deepEqual(kept.read(), {ok: true, value: 'a 1\n'});
		assert.equal(openFds(), before + 1);
		writeFileSync(path, big);
		assert.deepEqual(kept.parse((bytes, length) => bytes.toString('utf8', 0, length) === big), {ok: true, value: true}, 'read on past the 64 KiB buffer');
		assert.equal(openFds(), before + 1, 'the same descriptor');
		kept.close();
		assert.equal(openFds(), before);
		assert.deepEqual(kept.read(), {ok: true, value: big}, 'opened again');
		kept.close();

		// A descriptor that stops reading (a process gone: ESRCH) is closed; with retryByPath the path is read at once.
		let opens = 0;
		const broken = () => {
			opens++;
			const real = files.keep(path);
			assert.ok(real.ok);
			real.value.close();
			return real;
		};
		const retried = new KeptPath(files, path, {maxBytes: 64, retryByPath: true, open: broken});
		assert.deepEqual(retried.read(), {ok: true, value: big.slice(0, 64)});
		const noRetry = new KeptPath(files, path, {maxBytes: 64, open: broken});
		assert.equal(noRetry.read().ok, false, "a process's file is not read by path after its descriptor failed");
		noRetry.read();
		assert.equal(opens, 3, 'each failed read leaves the next read to open again');

		const noDescriptors = new KeptPath(files, path, {maxBytes: 8, open: p => fail('EIO', p)});
		assert.deepEqual(noDescriptors.read(), {ok: true, value: 'line 0\nl'}, 'EMFILE: read by path');
		const missing = new KeptPath(files, join(dir, 'missing'), {maxBytes: 8});
		const gone = missing.read();
		assert.ok(!gone.ok && gone.reason === 'ENOENT');
		assert.equal(openFds(), before);
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
});

test('listDirTyped tells links from directories; inode numbers a path; both go through deny and never throw', () => {
	const slab = fixturePath('sys-real', 'kernel/slab');
	const listed = realFiles().listDirTyped(slab);
	assert.ok(listed.ok);
	const links = listed.value.filter(entry => entry.isSymbolicLink()).map(entry => entry.name);
	const dirs = listed.value.filter(entry => entry.isDirectory()).map(entry => entry.name);
	assert.equal(links.length + dirs.length, listed.value.length);
	assert.deepEqual(dirs.sort(), [':0000064', ':A-0000192', 'dentry', 'inode_cache', 'kmalloc-64']);
	assert.ok(links.includes('cred') && links.includes('iommu_iova'));
	const inode = realFiles().inode(join(slab, 'dentry'));
	assert.ok(inode.ok && inode.value > 0);
	assert.notEqual(inode.value, (realFiles().inode(join(slab, 'inode_cache')) as {value: number}).value);
	const denied = realFiles({deny: path => (path.endsWith('/slab') || path.endsWith('/dentry') ? 'EACCES' : undefined)});
	assert.deepEqual(denied.listDirTyped(slab), fail('EACCES', slab));
	assert.deepEqual(denied.inode(join(slab, 'dentry')), fail('EACCES', join(slab, 'dentry')));
	const missing = realFiles().listDirTyped(fixturePath('no-such-dir'));
	assert.ok(!missing.ok && missing.reason === 'ENOENT');
	assert.ok(!realFiles().inode(fixturePath('no-such-dir')).ok);
});
