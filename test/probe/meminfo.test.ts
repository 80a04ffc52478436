import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import fc from 'fast-check';
import {freeSummary, kernelMemory, parseMeminfo, parseMeminfoBytes} from '../../source/probe/meminfo.js';
import {LineNames} from '../../source/probe/bytes.js';
import {fixturePath} from '../helpers/fixtures.js';

const realText = readFileSync(fixturePath('proc-real', 'meminfo'), 'utf8');
const KiB = 1024;

test('every key of a real /proc/meminfo, kB converted to bytes once, HugePages_* left as counts', () => {
	const m = parseMeminfo(realText);
	assert.equal(Object.keys(m).length, realText.trim().split('\n').length, 'one entry per line, none dropped');
	assert.equal(m.MemTotal, 24683656 * KiB);
	assert.equal(m.MemAvailable, 24284420 * KiB);
	assert.equal(m['Active(file)'], 189464 * KiB, 'keys with parentheses');
	assert.equal(m.VmallocTotal, 34359738367 * KiB, 'a 45-bit value survives');
	assert.equal(m.HugePages_Total, 0);
	assert.equal(m.Hugepagesize, 2048 * KiB);
	assert.ok('Zswap' in m && 'SecPageTables' in m, 'newer keys are kept');
});

test('free summary as procps-ng 4: used = total − available, buff/cache = Buffers + Cached + SReclaimable', () => {
	const m = parseMeminfo(realText);
	const f = freeSummary(m)!;
	assert.equal(f.totalBytes, 24683656 * KiB);
	assert.equal(f.freeBytes, 24212716 * KiB);
	assert.equal(f.availableBytes, 24284420 * KiB);
	assert.equal(f.usedBytes, (24683656 - 24284420) * KiB);
	assert.equal(f.buffersBytes, 3160 * KiB);
	assert.equal(f.cachedBytes, (268776 + 28580) * KiB);
	assert.equal(f.buffCacheBytes, (3160 + 268776 + 28580) * KiB);
	assert.equal(f.sharedBytes, 8952 * KiB);
	assert.equal(f.availableEstimated, false);
	assert.deepEqual([f.swapTotalBytes, f.swapUsedBytes, f.swapFreeBytes], [0, 0, 0], 'no swap: zeros, no division');
});

test('a torn last line is dropped, whole lines before it are kept', () => {
	const cut = realText.slice(0, realText.indexOf('MemAvailable:') + 'MemAvailable:   2428'.length);
	const m = parseMeminfo(cut);
	assert.deepEqual(Object.keys(m), ['MemTotal', 'MemFree']);
	const f = freeSummary(m)!;
	assert.equal(f.availableEstimated, true, 'a cut MemAvailable is not read as 2428 kB');
});

test('an empty file gives no data, not zeros', () => {
	assert.deepEqual(parseMeminfo(''), {});
	assert.equal(freeSummary(parseMeminfo('')), null);
	assert.equal(freeSummary(parseMeminfo('\n\n')), null);
	const k = kernelMemory({});
	assert.ok(Object.values(k).every(v => v === null), 'every kernel figure is n/a');
});

test('unknown keys and odd lines: kept when well formed, skipped otherwise', () => {
	const m = parseMeminfo('MemTotal: 100 kB\nFancyNewThing:   7 kB\nCountOnly: 3\nnot a line\nBroken: x kB\nMemFree: 40 kB\n');
	assert.deepEqual(m, {MemTotal: 100 * KiB, FancyNewThing: 7 * KiB, CountOnly: 3, MemFree: 40 * KiB});
});

test('no MemAvailable (kernel < 3.14): estimated from free, file LRU and reclaimable slab, and labelled', () => {
	const m = parseMeminfo(realText.replace(/^MemAvailable:.*\n/m, ''));
	assert.equal(m.MemAvailable, undefined);
	const pageCache = (189464 + 73520) * KiB;
	const sReclaimable = 28580 * KiB;
	const free = 24212716 * KiB;
	const noWatermark = freeSummary(m)!;
	assert.equal(noWatermark.availableEstimated, true);
	assert.equal(noWatermark.availableBytes, free + pageCache + sReclaimable);
	const minFree = 64 * 1024 * KiB;
	const low = (minFree * 5) / 4;
	const withWatermark = freeSummary(m, minFree)!;
	assert.equal(withWatermark.availableBytes, Math.round(free - low + pageCache - Math.min(pageCache / 2, low) + sReclaimable - Math.min(sReclaimable / 2, low)));
	assert.equal(withWatermark.usedBytes, withWatermark.totalBytes - withWatermark.availableBytes);
	const starved = freeSummary({MemTotal: 1000 * KiB, MemFree: 1 * KiB}, 512 * KiB)!;
	assert.equal(starved.availableBytes, 0, 'an estimate below zero is clamped');
});

test('lxcfs-style meminfo with available > total: available clamped, used never negative', () => {
	const f = freeSummary({MemTotal: 1000 * KiB, MemFree: 900 * KiB, MemAvailable: 5000 * KiB, Shmem: 10 * KiB})!;
	assert.equal(f.availableBytes, 1000 * KiB);
	assert.equal(f.usedBytes, 100 * KiB, 'falls back to total − free');
	const worse = freeSummary({MemTotal: 1000 * KiB, MemFree: 4000 * KiB, MemAvailable: 5000 * KiB})!;
	assert.equal(worse.usedBytes, 0);
	assert.ok(worse.availableBytes <= worse.totalBytes);
});

test('swap in use is total − free', () => {
	const f = freeSummary({MemTotal: 10, MemFree: 5, MemAvailable: 6, SwapTotal: 100, SwapFree: 30})!;
	assert.deepEqual([f.swapTotalBytes, f.swapUsedBytes, f.swapFreeBytes], [100, 70, 30]);
});

test('kernel breakdown of a real meminfo; the remainder is what no named user explains', () => {
	const m = parseMeminfo(realText);
	const k = kernelMemory(m);
	assert.equal(k.slabBytes, 49660 * KiB);
	assert.equal(k.sReclaimableBytes, 28580 * KiB);
	assert.equal(k.sUnreclaimBytes, 21080 * KiB);
	assert.equal(k.kernelStackBytes, 1908 * KiB);
	assert.equal(k.pageTablesBytes, 4276 * KiB);
	assert.equal(k.secPageTablesBytes, 0);
	assert.equal(k.vmallocUsedBytes, 6148 * KiB);
	assert.equal(k.percpuBytes, 672 * KiB);
	assert.equal(k.shmemBytes, 8952 * KiB);
	assert.equal(k.anonPagesBytes, 86188 * KiB);
	assert.equal(k.hugetlbBytes, 0);
	const explained = 24212716 + 3160 + 268776 + 86188 + 49660 + 1908 + 4276 + 0 + 6148 + 672 + 0;
	assert.equal(k.unexplainedBytes, (24683656 - explained) * KiB);
	const old = kernelMemory({MemTotal: 100, MemFree: 10, HugePages_Total: 2, Hugepagesize: 8});
	assert.equal(old.hugetlbBytes, 16, 'HugeTLB from page count × page size when Hugetlb is absent');
	assert.equal(old.secPageTablesBytes, null, 'a key this kernel lacks is null, not 0');
});

test('property: parsing arbitrary text or bytes never throws and yields only safe integers', () => {
	const check = (text: string) => {
		const m = parseMeminfo(text);
		for (const value of Object.values(m)) assert.ok(Number.isSafeInteger(value) && value >= 0);
		const f = freeSummary(m);
		if (f) assert.ok(f.usedBytes >= 0 && f.availableBytes <= f.totalBytes);
		kernelMemory(m);
	};
	fc.assert(fc.property(fc.string({unit: 'binary', maxLength: 400}), check), {numRuns: 500});
	fc.assert(fc.property(fc.uint8Array({maxLength: 600}), bytes => check(Buffer.from(bytes).toString('utf8'))), {numRuns: 500});
	const line = fc.tuple(fc.constantFrom('MemTotal', 'MemFree', 'MemAvailable', 'Buffers', 'Cached', 'SReclaimable', 'SwapTotal', 'SwapFree', 'Shmem', 'X'), fc.nat(), fc.boolean());
	fc.assert(
		fc.property(fc.array(line, {maxLength: 12}), lines => check(lines.map(([k, v, kb]) => `${k}: ${v}${kb ? ' kB' : ''}\n`).join(''))),
		{numRuns: 500},
	);
});

test('property: parseMeminfoBytes reads any bytes as parseMeminfo reads their text, names remembered between reads or not', () => {
	const names = new LineNames();
	const same = (bytes: Buffer) => {
		// Read through a larger, dirty buffer, as the shared read buffer is.
		const dirty = Buffer.concat([bytes, Buffer.from('stale_line 1\nStale: 2 kB\n')]);
		const want = parseMeminfo(bytes.toString('utf8'));
		for (const got of [parseMeminfoBytes(dirty, bytes.length, names), parseMeminfoBytes(bytes, bytes.length)]) {
			assert.deepEqual(got, want);
			assert.deepEqual(Object.keys(got), Object.keys(want), 'in the same order');
		}
	};
	same(Buffer.from(realText));
	fc.assert(fc.property(fc.uint8Array({maxLength: 300}), bytes => same(Buffer.from(bytes))), {numRuns: 500});
	const piece = fc.constantFrom('MemTotal', 'Active(anon)', 'HugePages_Total', 'a', '(', ')', ' ', '  ', '\t', '\r', '\u00a0', '\u2028', '\ufeff', ':', '-', '--', '0', '007', '-0', '123456789012345', '1234567890123456', '12345678901234567890', '9007199254740993', 'kB', ' kB', 'x-y', 'é', '\n', '\n', '1e3', '+1', '__proto__', '7');
	fc.assert(fc.property(fc.array(piece, {maxLength: 40}), pieces => same(Buffer.from(pieces.join('')))), {numRuns: 5000});
	// The real file again with its names remembered, then with a line renamed, then one dropped.
	same(Buffer.from(realText));
	same(Buffer.from(realText.replace('Cached', 'renamed_Counter')));
	same(Buffer.from(realText.split('\n').slice(1).join('\n')));
	same(Buffer.from(realText));
});
