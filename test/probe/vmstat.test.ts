import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import fc from 'fast-check';
import {pagesScanned, pagesStolen, parsePressure, parseStat, parseVmstat, parseVmstatBytes} from '../../source/probe/vmstat.js';
import {LineNames} from '../../source/probe/bytes.js';
import {fixturePath} from '../helpers/fixtures.js';

const real = (name: string) => readFileSync(fixturePath('proc-real', name), 'utf8');

test('every counter of a real /proc/vmstat', () => {
	const text = real('vmstat');
	const v = parseVmstat(text);
	assert.equal(Object.keys(v).length, text.trim().split('\n').length);
	assert.equal(v.pgpgin, 745153);
	assert.equal(v.pgpgout, 369616);
	assert.equal(v.workingset_refault_file, 131773);
	assert.equal(v.pswpin, 0);
	assert.equal(v.oom_kill, 0);
});

test('reclaim counters: kswapd + direct + khugepaged, missing ones count as none', () => {
	assert.equal(pagesScanned({pgscan_kswapd: 5, pgscan_direct: 7, pgscan_khugepaged: 1, pgscan_anon: 100}), 13);
	assert.equal(pagesScanned({pgscan_kswapd: 5}), 5, 'older kernels have no khugepaged counter');
	assert.equal(pagesStolen({pgsteal_kswapd: 2, pgsteal_direct: 3}), 5);
	assert.equal(pagesScanned(parseVmstat(real('vmstat'))), 0);
});

test('a torn vmstat keeps the whole lines only', () => {
	assert.deepEqual(parseVmstat('nr_free_pages 12\npgpgin 34\npgpgout 5'), {nr_free_pages: 12, pgpgin: 34});
	assert.deepEqual(parseVmstat(''), {});
	assert.deepEqual(parseVmstat('weird line here\nnr_x 1\n'), {nr_x: 1});
});

test('/proc/stat: aggregate cpu line, intr total, ctxt, procs, btime', () => {
	const s = parseStat(real('stat'))!;
	assert.deepEqual(s.cpu, {user: 30918, nice: 0, system: 7834, idle: 248898, iowait: 166, irq: 0, softirq: 132, steal: 98, guest: 0, guestNice: 0});
	assert.equal(s.intr, 419363);
	assert.equal(s.ctxt, 735496);
	assert.equal(s.procsRunning, 2);
	assert.equal(s.procsBlocked, 0);
	assert.equal(s.bootTimeSec, 1795635305);
});

test('/proc/stat: an old kernel with 4 cpu fields is read, missing intr/ctxt or cpu is no data', () => {
	const old = parseStat('cpu 1 2 3 4\nintr 10 1 2\nctxt 20\n')!;
	assert.deepEqual([old.cpu.user, old.cpu.idle, old.cpu.iowait, old.cpu.steal], [1, 4, 0, 0]);
	assert.equal(parseStat(''), null);
	assert.equal(parseStat('cpu 1 2 3 4\n'), null, 'no intr/ctxt');
	assert.equal(parseStat('intr 1\nctxt 2\n'), null, 'no cpu line');
	assert.equal(parseStat('cpu 1 2 x 4\nintr 1\nctxt 2\n'), null);
	const torn = real('stat').slice(0, real('stat').indexOf('ctxt') + 6);
	assert.equal(parseStat(torn), null, 'a cut ctxt line is not read as a small number');
});

test('PSI memory: some and full, and a kernel with only some', () => {
	const p = parsePressure(real('pressure/memory'))!;
	assert.deepEqual(p.some, {avg10: 0, avg60: 0, avg300: 0, totalUs: 0});
	assert.deepEqual(p.full, {avg10: 0, avg60: 0, avg300: 0, totalUs: 0});
	const someOnly = parsePressure('some avg10=1.50 avg60=0.25 avg300=0.01 total=123456\n')!;
	assert.deepEqual(someOnly, {some: {avg10: 1.5, avg60: 0.25, avg300: 0.01, totalUs: 123456}, full: null});
	assert.equal(parsePressure(''), null);
	assert.equal(parsePressure('some avg10=1.5 avg60=\n'), null);
});

test('property: arbitrary text or bytes never throw', () => {
	const check = (text: string) => {
		for (const value of Object.values(parseVmstat(text))) assert.ok(Number.isSafeInteger(value));
		parseStat(text);
		parsePressure(text);
	};
	fc.assert(fc.property(fc.string({unit: 'binary', maxLength: 300}), check), {numRuns: 300});
	fc.assert(fc.property(fc.uint8Array({maxLength: 400}), bytes => check(Buffer.from(bytes).toString('utf8'))), {numRuns: 300});
	const statLine = fc.tuple(fc.constantFrom('cpu', 'cpu0', 'intr', 'ctxt', 'btime', 'procs_running', 'some', 'full'), fc.array(fc.oneof(fc.nat(), fc.constant(-1), fc.constant('avg10=x'), fc.constant('total=5')), {maxLength: 11}));
	fc.assert(fc.property(fc.array(statLine, {maxLength: 8}), lines => check(lines.map(([k, v]) => `${k} ${v.join(' ')}\n`).join(''))), {numRuns: 300});
});

test('property: parseVmstat reads the kernel form by hand exactly as the line regex does, odd lines included', () => {
	const reference = (text: string) => {
		const result: Record<string, number> = {};
		const lines = text.split('\n');
		if (!text.endsWith('\n')) lines.pop();
		for (const line of lines) {
			const match = /^(\w+)\s+(-?\d+)\s*$/.exec(line);
			if (!match) continue;
			const value = Number(match[2]);
			if (Number.isSafeInteger(value)) result[match[1]!] = value;
		}
		return result;
	};
	const piece = fc.constantFrom('nr_free_pages', 'pgscan_kswapd', 'a', '_', 'Zz9', '__proto__', ' ', '  ', '\t', '\r', '\u00a0', '\u2028', '-', '--', '0', '007', '12345678901234567890', '9007199254740993', 'x-y', 'é', '\n', '1e3', '+1');
	fc.assert(fc.property(fc.array(piece, {maxLength: 40}), pieces => assert.deepEqual(parseVmstat(pieces.join('')), reference(pieces.join('')))), {numRuns: 5000});
	const text = real('vmstat');
	assert.deepEqual(parseVmstat(text), reference(text));
});

test('property: parseVmstatBytes reads any bytes as parseVmstat reads their text, names remembered between reads or not', () => {
	const names = new LineNames();
	const same = (bytes: Buffer) => {
		// Read through a larger, dirty buffer, as the shared read buffer is.
		const dirty = Buffer.concat([bytes, Buffer.from('stale_line 1\nStale: 2 kB\n')]);
		const want = parseVmstat(bytes.toString('utf8'));
		for (const got of [parseVmstatBytes(dirty, bytes.length, names), parseVmstatBytes(bytes, bytes.length)]) {
			assert.deepEqual(got, want);
			assert.deepEqual(Object.keys(got), Object.keys(want), 'in the same order');
		}
	};
	same(Buffer.from(real('vmstat')));
	fc.assert(fc.property(fc.uint8Array({maxLength: 300}), bytes => same(Buffer.from(bytes))), {numRuns: 500});
	const piece = fc.constantFrom('nr_free_pages', 'pgscan_kswapd', 'a', '_', 'Zz9', ' ', '  ', '\t', '\r', '\u00a0', '\u2028', '\ufeff', ':', '-', '--', '0', '007', '-0', '123456789012345', '1234567890123456', '12345678901234567890', '9007199254740993', 'kB', ' kB', 'x-y', 'é', '\n', '\n', '1e3', '+1', '__proto__', '7');
	fc.assert(fc.property(fc.array(piece, {maxLength: 40}), pieces => same(Buffer.from(pieces.join('')))), {numRuns: 5000});
	// The real file again with its names remembered, then with a line renamed, then one dropped.
	same(Buffer.from(real('vmstat')));
	same(Buffer.from(real('vmstat').replace('pgfault', 'renamed_Counter')));
	same(Buffer.from(real('vmstat').split('\n').slice(1).join('\n')));
	same(Buffer.from(real('vmstat')));
});
