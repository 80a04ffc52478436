import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import fc from 'fast-check';
import {isKernelThread, parsePasswd, parseProcStat, parseProcStatBytes, parseProcStatus, parseProcStatusBytes, parseSmapsRollup, parseStatm, printable, sanitizeCmdline} from '../../source/probe/process.js';
import {capturedPids, fixturePath} from '../helpers/fixtures.js';

const pidFile = (pid: number, name: string) => readFileSync(fixturePath('proc-real', String(pid), name), 'utf8');
const pidBytes = (pid: number, name: string) => readFileSync(fixturePath('proc-real', String(pid), name));
const KiB = 1024;

test('stat of a real process: identity, state, ppid, rss pages', () => {
	const s = parseProcStat(pidFile(capturedPids.sleep, 'stat'))!;
	assert.equal(s.pid, capturedPids.sleep);
	assert.equal(s.comm, 'sleep');
	assert.equal(s.state, 'S');
	assert.equal(s.ppid, 1);
	assert.equal(s.startTime, 143761);
	assert.equal(s.vszBytes, 2990080);
	assert.equal(s.rssPages, 421);
	assert.equal(isKernelThread(s), false);
});

test('stat: comm with ")" and spaces is split at the last ")"', () => {
	const s = parseProcStat(pidFile(capturedPids.paren, 'stat'))!;
	assert.equal(s.comm, 'a) b (c');
	assert.equal(s.state, 'S');
	assert.equal(s.ppid, 1);
	assert.equal(s.startTime, 143761);
	assert.equal(s.rssPages, 3448);
	const synthetic = parseProcStat(`7 ()) ) (x)) R ${Array.from({length: 49}, (_, i) => i + 4).join(' ')}`)!;
	assert.equal(synthetic.comm, ')) ) (x)');
	assert.equal(synthetic.state, 'R');
	assert.equal(synthetic.ppid, 4);
	assert.equal(synthetic.startTime, 22);
});

test('stat: kernel threads are recognised by PF_KTHREAD, zombies by state Z', () => {
	for (const pid of [capturedPids.kthreadd, capturedPids.kworker]) {
		const s = parseProcStat(pidFile(pid, 'stat'))!;
		assert.equal(isKernelThread(s), true, `pid ${pid}`);
		assert.equal(s.rssPages, 0);
	}
	assert.equal(parseProcStat(pidFile(capturedPids.kworker, 'stat'))!.comm, 'kworker/R-rcu_gp');
	const zombie = parseProcStat(pidFile(capturedPids.zombie, 'stat'))!;
	assert.equal(zombie.state, 'Z');
	assert.equal(zombie.ppid, capturedPids.zombieParent);
	assert.equal(isKernelThread(zombie), false);
	assert.equal(zombie.rssPages, 0);
});

test('stat: truncated, empty or garbled is no data', () => {
	const text = pidFile(capturedPids.sleep, 'stat');
	assert.equal(parseProcStat(''), null);
	assert.equal(parseProcStat(text.slice(0, 40)), null, 'cut before field 24');
	assert.equal(parseProcStat('x (sleep) S 1 2 3'), null);
	assert.equal(parseProcStat('12 sleep S 1 2 3'), null, 'no parentheses');
	assert.equal(parseProcStat(text.replace(' 143761 ', ' abc ')), null, 'a non-numeric start time');
});

test('status: uid and the RSS split of a real process; a zombie has no memory lines', () => {
	const s = parseProcStatus(pidFile(capturedPids.paren, 'status'));
	assert.deepEqual(s, {uid: 0, rssAnonBytes: 7008 * KiB, rssFileBytes: 6876 * KiB, rssShmemBytes: 0, swapBytes: 0, threads: 1});
	const z = parseProcStatus(pidFile(capturedPids.zombie, 'status'));
	assert.deepEqual(z, {uid: 0, rssAnonBytes: null, rssFileBytes: null, rssShmemBytes: null, swapBytes: null, threads: 1}, 'missing is null, not 0');
	assert.deepEqual(parseProcStatus(''), {uid: null, rssAnonBytes: null, rssFileBytes: null, rssShmemBytes: null, swapBytes: null, threads: null});
	assert.equal(parseProcStatus('Uid:\t1000\t1000\t1000\t1000\nRssAnon:\t   12').uid, 1000);
});

test('smaps_rollup of a real process: PSS split and USS = Private_Clean + Private_Dirty', () => {
	const r = parseSmapsRollup(pidFile(capturedPids.paren, 'smaps_rollup'))!;
	assert.deepEqual(r, {
		rssBytes: 13884 * KiB,
		pssBytes: 8889 * KiB,
		pssAnonBytes: 7008 * KiB,
		pssFileBytes: 1881 * KiB,
		pssShmemBytes: 0,
		swapPssBytes: 0,
		ussBytes: (152 + 7008) * KiB,
	});
	assert.equal(parseSmapsRollup(''), null, 'a kernel thread or zombie reads empty');
	assert.equal(parseSmapsRollup('Rss: 4 kB\n'), null, 'no Pss line');
	const old = parseSmapsRollup('Rss: 8 kB\nPss: 4 kB\nPrivate_Dirty: 4 kB\n')!;
	assert.equal(old.pssAnonBytes, null, 'kernels before 5.x have no Pss_Anon');
	assert.equal(old.ussBytes, 4 * KiB);
});

test('cmdline: hostile bytes from a real process (ESC sequences, invalid UTF-8, tab) come out printable', () => {
	const bytes = pidBytes(capturedPids.hostile, 'cmdline');
	assert.ok(bytes.includes(0x1b) && bytes.includes(0xff), 'the fixture holds the raw bytes');
	const line = sanitizeCmdline(bytes);
	assert.equal(line, '/root/.pyenv/versions/3.11.7/bin/python3 -c import time;time.sleep(600) [2J]0;pwned café \ufffd\ufffd bad tab here');
	assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f]/);
});

test('cmdline: NULs separate arguments, kernel threads have none, long ones are capped', () => {
	assert.equal(sanitizeCmdline(Buffer.from('sleep\x00600\x00')), 'sleep 600');
	assert.equal(sanitizeCmdline(Buffer.from('a\x00\x00b')), 'a  b', 'an empty argument stays visible as a gap');
	assert.equal(sanitizeCmdline(pidBytes(capturedPids.kthreadd, 'cmdline')), '');
	assert.equal(sanitizeCmdline(Buffer.from('nginx: worker process')), 'nginx: worker process', 'setproctitle without NULs');
	assert.ok(sanitizeCmdline(Buffer.alloc(1 << 20, 0x41)).length <= 4096);
	assert.equal(sanitizeCmdline(Buffer.from('x\u009b31m\u202eevil')), 'x31mevil', 'C1 CSI and bidi override stripped');
});

test('printable strips controls from a comm too', () => {
	assert.equal(printable('ok'), 'ok');
	assert.equal(printable('a\x1b[31mb\x07'), 'a[31mb');
	assert.equal(printable('one\ntwo\tthree'), 'one two three', 'line breaks and tabs read as spaces');
	assert.equal(printable('\u2067x'), 'x');
});

test('passwd: first name for a uid wins, junk lines skipped', () => {
	const users = parsePasswd(readFileSync(fixturePath('etc-real', 'passwd'), 'utf8'));
	assert.equal(users.get(0), 'root');
	assert.equal(users.get(65534), 'nobody');
	const odd = parsePasswd('a:x:5:5::/:/bin/sh\nb:x:5:5::/:/bin/sh\n\n#comment\n:x:7:7\nc:x:notanumber:1\n');
	assert.deepEqual([...odd], [[5, 'a']]);
});

test('property: no per-process parser throws on arbitrary text or bytes', () => {
	const check = (bytes: Uint8Array) => {
		const text = Buffer.from(bytes).toString('utf8');
		const stat = parseProcStat(text);
		if (stat) {
			assert.ok(Number.isFinite(stat.startTime) && Number.isFinite(stat.rssPages));
			isKernelThread(stat);
		}
		parseProcStatus(text);
		parseSmapsRollup(text);
		parsePasswd(text);
		const line = sanitizeCmdline(bytes);
		assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
		assert.doesNotMatch(printable(text), /[\u0000-\u001f\u007f-\u009f]/);
	};
	fc.assert(fc.property(fc.uint8Array({maxLength: 500}), check), {numRuns: 400});
	fc.assert(fc.property(fc.string({unit: 'binary', maxLength: 300}), s => check(Buffer.from(s))), {numRuns: 400});
	const statLike = fc
		.tuple(fc.nat(), fc.string({maxLength: 20}), fc.array(fc.oneof(fc.nat(), fc.constant('-1'), fc.constant('')), {minLength: 0, maxLength: 55}))
		.map(([pid, comm, rest]) => `${pid} (${comm}) ${rest.join(' ')}`);
	fc.assert(fc.property(statLike, text => check(Buffer.from(text))), {numRuns: 400});
});

test('stat from bytes: every captured process reads as parseProcStat reads its text, within a longer shared buffer too', () => {
	for (const pid of Object.values(capturedPids)) {
		const bytes = pidBytes(pid, 'stat');
		assert.deepEqual(parseProcStatBytes(bytes), parseProcStat(bytes.toString('utf8')), `pid ${pid}`);
		const shared = Buffer.alloc(4096, '9 (x) R 1 2 3 ');
		bytes.copy(shared);
		assert.deepEqual(parseProcStatBytes(shared, bytes.length), parseProcStat(bytes.toString('utf8')), `pid ${pid}, stale bytes after it`);
	}
	assert.equal(parseProcStatBytes(pidBytes(capturedPids.paren, 'stat'))!.comm, 'a) b (c');
	const utf8 = Buffer.from(`12 (caf\u00e9 \u{1F600}) S ${Array.from({length: 49}, (_, i) => i + 4).join(' ')}\n`);
	assert.equal(parseProcStatBytes(utf8)!.comm, 'caf\u00e9 \u{1F600}');
	const text = pidFile(capturedPids.sleep, 'stat');
	for (const bad of ['', text.slice(0, 40), 'x (sleep) S 1 2 3', '12 sleep S 1 2 3', text.replace(' 143761 ', ' abc '), text.replace(' 143761 ', ' 0x10 '), text.replace(/^\d+ /, '12(')]) {
		assert.equal(parseProcStatBytes(Buffer.from(bad)), null, JSON.stringify(bad.slice(0, 50)));
	}
});

test('statm from bytes: size and resident pages, plain decimal only', () => {
	assert.deepEqual(parseStatm(Buffer.from('4700 3985 1719 1 0 2538 0\n')), {sizePages: 4700, residentPages: 3985});
	assert.deepEqual(parseStatm(Buffer.from('0 0 0 0 0 0 0\n')), {sizePages: 0, residentPages: 0}, 'a zombie');
	assert.deepEqual(parseStatm(Buffer.from('4700 3985 1719 1 0 2538 0\n9999 9999'), 27), {sizePages: 4700, residentPages: 3985}, 'stale bytes past length');
	for (const bad of ['', '4700', '4700 3985', '4700 3985\n', ' 4700 3985 1', '4700  3985 1', '-1 3985 1', '0x10 3985 1', '1e3 3985 1', '47a0 3985 1', '99999999999999999999 1 1']) {
		assert.equal(parseStatm(Buffer.from(bad)), null, JSON.stringify(bad));
	}
});

test('property: the byte parsers never throw, and agree with a fresh parse of the text whenever they accept', () => {
	const statmReference = (text: string) => {
		const match = /^(\d+) (\d+) /.exec(text);
		const [size, resident] = match ? [Number(match[1]), Number(match[2])] : [Number.NaN, Number.NaN];
		return Number.isSafeInteger(size) && Number.isSafeInteger(resident) ? {sizePages: size, residentPages: resident} : null;
	};
	const check = (bytes: Buffer) => {
		const text = bytes.toString('utf8');
		const stat = parseProcStatBytes(bytes);
		if (stat) assert.deepEqual(stat, parseProcStat(text));
		assert.deepEqual(parseStatm(bytes), statmReference(text));
	};
	fc.assert(fc.property(fc.uint8Array({maxLength: 300}), bytes => check(Buffer.from(bytes))), {numRuns: 400});
	const numberish = fc.oneof(fc.nat(), fc.maxSafeNat(), fc.constant('-1'), fc.constant(''), fc.constant('x'), fc.constant('18446744073709551615'));
	const statLike = fc
		.tuple(fc.nat(), fc.string({maxLength: 20}), fc.constantFrom('R', 'S', 'Z', 'D', ''), fc.array(numberish, {minLength: 0, maxLength: 55}))
		.map(([pid, comm, state, rest]) => `${pid} (${comm}) ${[state, ...rest].join(' ')}\n`);
	fc.assert(fc.property(statLike, text => check(Buffer.from(text))), {numRuns: 1000});
	// Well-formed stat lines (decimal fields, any comm) are always accepted, and read as the text is.
	const wellFormed = fc
		.tuple(fc.nat(), fc.string({unit: 'grapheme', maxLength: 15}), fc.constantFrom('R', 'S', 'Z'), fc.array(fc.oneof(fc.nat(), fc.maxSafeNat()), {minLength: 49, maxLength: 49}))
		.map(([pid, comm, state, rest]) => `${pid} (${comm}) ${state} ${rest.join(' ')}\n`);
	fc.assert(
		fc.property(wellFormed, text => {
			const stat = parseProcStatBytes(Buffer.from(text));
			assert.notEqual(stat, null);
			assert.deepEqual(stat, parseProcStat(text));
		}),
		{numRuns: 500},
	);
	const statmLike = fc.tuple(fc.oneof(fc.nat(), fc.maxSafeNat(), fc.constant('-3'), fc.constant('')), fc.oneof(fc.nat(), fc.constant('1e3')), fc.string({maxLength: 10})).map(([a, b, rest]) => `${a} ${b} ${rest}`);
	fc.assert(fc.property(statmLike, text => check(Buffer.from(text))), {numRuns: 400});
});

test('property: parseProcStatusBytes never throws and reads any bytes as parseProcStatus reads their text', () => {
	const same = (bytes: Buffer) => assert.deepEqual(parseProcStatusBytes(bytes), parseProcStatus(bytes.toString('utf8')));
	for (const pid of [capturedPids.paren, capturedPids.zombie]) same(readFileSync(fixturePath('proc-real', String(pid), 'status')));
	fc.assert(fc.property(fc.uint8Array({maxLength: 300}), bytes => same(Buffer.from(bytes))), {numRuns: 500});
	const key = fc.constantFrom('Uid', 'RssAnon', 'RssFile', 'RssShmem', 'VmSwap', 'Threads', 'Gid', 'Uid ', 'uid', '');
	const value = fc.array(fc.constantFrom('\t', ' ', '\v', '\r', '\u00a0', '\u2028', '\ufeff', '\u3000', '+', '-', '0', '7', '12', '123456789012345', '1234567890123456', '99999999999999999999', 'kB', 'x', 'é', ':', '\uFFFD'), {maxLength: 8});
	const line = fc.tuple(key, value).map(([k, v]) => `${k}:${v.join('')}`);
	fc.assert(fc.property(fc.array(line, {maxLength: 8}), fc.boolean(), (lines, newline) => same(Buffer.from(lines.join('\n') + (newline ? '\n' : '')))), {numRuns: 3000});
	// Invalid UTF-8 before a value: the text parser sees U+FFFD there.
	same(Buffer.concat([Buffer.from('Uid:'), Buffer.from([0xc2]), Buffer.from('5\nThreads:\t'), Buffer.from([0xe2, 0x80, 0xa8]), Buffer.from('9\n')]));
});
