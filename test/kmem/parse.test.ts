import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import fc from 'fast-check';
import {normalizePointer, parseKmemLine, parsePerfWarning, type KmemLine} from '../../source/kmem/parse.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/kmem/${name}`, import.meta.url), 'utf8');
const lines = (name: string) => fixture(name).split('\n').filter(line => line !== '');

test('every line of a real capture with lost events parses', () => {
	const parsed = lines('script-lost.txt').map(parseKmemLine);
	assert.deepEqual(parsed.filter(line => line.kind === 'unparsed'), []);
	const lostOracle = lines('script-lost.txt')
		.map(line => /PERF_RECORD_LOST lost (\d+)$/.exec(line)?.[1])
		.filter(count => count !== undefined)
		.reduce((sum, count) => sum + Number(count), 0);
	const lost = parsed.reduce((sum, line) => sum + (line.kind === 'lost' ? line.lostEvents : 0), 0);
	assert.ok(lostOracle > 0);
	assert.equal(lost, lostOracle);
});

test('a kmalloc line', () => {
	const line = lines('script-lost.txt').find(text => text.includes('leaky worker 1') && text.includes('kmem:kmalloc:'))!;
	assert.deepEqual(parseKmemLine(line), {
		kind: 'alloc',
		event: 'kmalloc',
		comm: 'leaky worker 1',
		pid: 16496,
		timeSec: 924.397567,
		callSite: '0xffffffff81755e04',
		ptr: '0xffff88810866bc80',
		requestedBytes: 48,
		allocatedBytes: 64,
		gfpFlags: 'GFP_KERNEL',
		accounted: false,
	});
});

test('kmem_cache_alloc carries the cache name and accounting', () => {
	const parsed = parseKmemLine(
		'  leaky worker 1 16496/16496 [001]   924.397573: kmem:kmem_cache_alloc: call_site=0xffffffff816d8ebc ptr=0xffff8881061f4b40 name=filp bytes_req=184 bytes_alloc=192 gfp_flags=GFP_KERNEL node=-1 accounted=true',
	);
	assert.equal(parsed.kind, 'alloc');
	assert.equal(parsed.kind === 'alloc' && parsed.cache, 'filp');
	assert.equal(parsed.kind === 'alloc' && parsed.accounted, true);
	assert.equal(parsed.kind === 'alloc' && parsed.allocatedBytes, 192);
});

test('kfree of NULL is ptr 0x0; kmem_cache_free names its cache', () => {
	assert.deepEqual(parseKmemLine('  leaky worker 1 16496/16496 [001]   924.397568:            kmem:kfree: call_site=0xffffffff8222dddb ptr=(nil)'), {
		kind: 'free',
		event: 'kfree',
		comm: 'leaky worker 1',
		pid: 16496,
		timeSec: 924.397568,
		callSite: '0xffffffff8222dddb',
		ptr: '0x0',
	});
	const free = parseKmemLine('            perf 16498/16498 [001]   924.397584:  kmem:kmem_cache_free: call_site=0xffffffff816dfe21 ptr=0xffff88810086c000 name=names_cache');
	assert.equal(free.kind === 'free' && free.cache, 'names_cache');
});

test('the default field set (tid only, no pid/) parses too', () => {
	const parsed = lines('script-default-fields.txt').map(parseKmemLine);
	assert.deepEqual(parsed.filter(line => line.kind === 'unparsed'), []);
	assert.equal(parsed[0]!.kind === 'alloc' && parsed[0]!.pid, 3050);
});

test('edge cases: a comm that mimics the header, symbol call sites, garbage and a cut line', () => {
	const parsed = fixture('script-edges.txt').split('\n').map(parseKmemLine);
	const evil = parsed[1] as Extract<KmemLine, {kind: 'alloc'}>;
	assert.equal(evil.comm, 'a 7/7 [001] 1.5');
	assert.equal(evil.pid, 4242);
	assert.equal(evil.timeSec, 100.1);
	const zero = parsed[3] as Extract<KmemLine, {kind: 'free'}>;
	assert.equal(zero.ptr, '0x10');
	assert.equal(zero.pid, 0);
	assert.deepEqual(parsed[8], {kind: 'lost', lostEvents: 12});
	const symbolic = parsed[11] as Extract<KmemLine, {kind: 'alloc'}>;
	assert.equal(symbolic.callSite, 'nf_ct_tmpl_alloc+0x30/0x90 [nf_conntrack]');
	assert.equal(symbolic.ptr, '0xffff888100c00000');
	assert.deepEqual(parsed[14], {kind: 'blank'});
	assert.deepEqual(parsed[15], {kind: 'unparsed'});
	assert.deepEqual(parsed[18], {kind: 'unparsed'}, 'a line cut before bytes_req is not an allocation');
});

test('an over-long line is junk, not parsed at length', () => {
	assert.deepEqual(parseKmemLine(`${' '.repeat(50_000)}x`), {kind: 'unparsed'});
});

test('pointers are normalised', () => {
	assert.equal(normalizePointer('(nil)'), '0x0');
	assert.equal(normalizePointer('0x0000000000000010'), '0x10');
	assert.equal(normalizePointer('0xFFFF888100C00000'), '0xffff888100c00000');
	assert.equal(normalizePointer('0x'), undefined);
	assert.equal(normalizePointer('ffff'), undefined);
	assert.equal(normalizePointer('0x1ffffffffffffffff'), undefined);
});

test('perf script warnings about lost events', () => {
	const warnings = fixture('script-lost.stderr').split('\n').map(parsePerfWarning).filter(w => w !== undefined);
	assert.deepEqual(warnings, [{lostPercent: 64.67}]);
	assert.deepEqual(parsePerfWarning('Processed 1000 events and lost 3 chunks!'), {lostChunks: 3});
	assert.equal(parsePerfWarning('Check IO/CPU overload!'), undefined);
});

test('the parser never throws and always returns a known kind', () => {
	const kinds = new Set(['alloc', 'free', 'lost', 'blank', 'unparsed']);
	const realLines = lines('script-edges.txt');
	fc.assert(
		fc.property(
			fc.oneof(
				fc.string(),
				fc.string({unit: 'binary'}),
				fc.tuple(fc.constantFrom(...realLines), fc.nat(300), fc.string()).map(([line, cut, tail]) => line.slice(0, cut) + tail),
			),
			text => {
				const parsed = parseKmemLine(text);
				assert.ok(kinds.has(parsed.kind));
				if (parsed.kind === 'alloc' || parsed.kind === 'free') assert.ok(Number.isFinite(parsed.timeSec));
				parsePerfWarning(text);
			},
		),
		{numRuns: 2000},
	);
});
