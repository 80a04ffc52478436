import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {kmallocCacheName, KmemMatcher, type MatchOptions} from '../../source/kmem/match.js';
import {parseKmemLine, parsePerfWarning} from '../../source/kmem/parse.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/kmem/${name}`, import.meta.url), 'utf8');

function match(name: string, options: MatchOptions) {
	const matcher = new KmemMatcher(options);
	for (const line of fixture(name).split('\n')) matcher.add(parseKmemLine(line));
	return matcher;
}

test('edge cases: NULL frees, unmatched frees, a double allocation, perf itself, grace period', () => {
	const report = match('script-edges.txt', {graceSec: 0.5, ignorePids: new Set([999])}).report();
	assert.equal(report.allocs, 8);
	assert.equal(report.ignoredTracerAllocs, 1);
	assert.equal(report.frees, 1);
	assert.equal(report.nullFrees, 2, 'kfree(NULL) and kfree(ZERO_SIZE_PTR)');
	assert.equal(report.unmatchedFrees, 2, "perf's own unmatched free is not counted");
	assert.equal(report.lostFrees, 1, 'dentry allocated twice at one pointer');
	assert.equal(report.lostEvents, 12);
	assert.equal(report.unparsedLines, 2);
	assert.equal(report.youngOutstanding, 1);
	assert.equal(report.incomplete, true);
	assert.deepEqual(report.incompleteReasons, ['perf lost 12 events']);
	assert.equal(report.traceSec, 1.9);
	assert.deepEqual(
		report.outstanding.map(site => [site.callSite, site.cache, site.count, site.requestedBytes, site.allocatedBytes, site.comms]),
		[
			['0xffffffff81755e04', 'kmalloc-large', 1, 20000, 20480, ['bash']],
			['nf_ct_tmpl_alloc+0x30/0x90 [nf_conntrack]', 'kmalloc-cg-512', 1, 300, 512, ['iptables']],
			['0xffffffff816d8ebc', 'filp', 1, 184, 192, ['a 7/7 [001] 1.5']],
			['0xffffffff816facbd', 'dentry', 1, 192, 192, ['kworker/0:1']],
			['0xffffffff81755e04', 'kmalloc-64', 1, 48, 64, ['leaky worker 1']],
		],
	);
	const first = report.outstanding.find(site => site.cache === 'kmalloc-64')!;
	assert.equal(first.cacheInferred, true);
	assert.equal(first.oldestAgeSec, 1.9);
	assert.equal(report.outstanding.find(site => site.cache === 'filp')!.cacheInferred, false);
});

test('a cache filter keeps only that cache and counts only attributable unmatched frees', () => {
	const report = match('script-edges.txt', {graceSec: 0.5, cache: 'filp'}).report();
	assert.equal(report.cache, 'filp');
	assert.equal(report.allocs, 2);
	assert.equal(report.frees, 1);
	assert.equal(report.unmatchedFrees, 1, 'the unmatched kmem_cache_free of a filp, not the anonymous kfree');
	assert.deepEqual(report.outstanding.map(site => site.cache), ['filp']);
});

test('a real capture: lost events mark the result incomplete, the leaking eventfd site is outstanding', () => {
	const matcher = match('script-lost.txt', {graceSec: 0, ignorePids: new Set([16498])});
	for (const line of fixture('script-lost.stderr').split('\n')) {
		const warning = parsePerfWarning(line);
		if (warning) matcher.addWarning(warning);
	}
	const report = matcher.report();
	assert.equal(report.incomplete, true);
	assert.ok(report.lostEvents > 0);
	assert.ok(report.incompleteReasons.includes('perf lost 64.67% of samples'));
	assert.ok(report.nullFrees > 0);
	assert.ok(report.ignoredTracerAllocs > 0);
	const eventfd = report.outstanding.find(site => site.callSite === '0xffffffff81755e04');
	assert.ok(eventfd, 'do_eventfd call site outstanding');
	assert.deepEqual(eventfd.comms, ['leaky worker 1']);
	assert.equal(eventfd.cache, 'kmalloc-64');
	assert.equal(report.outstanding.some(site => site.comms.includes('perf')), false);
});

test('the nameCallSite callback names call sites', () => {
	const report = match('script-edges.txt', {graceSec: 0}).report(callSite => (callSite === '0xffffffff81755e04' ? 'do_eventfd+0x34' : undefined));
	const named = report.outstanding.filter(site => site.symbol !== undefined);
	assert.ok(named.length >= 2);
	assert.ok(named.every(site => site.symbol === 'do_eventfd+0x34'));
});

test('maxLive bounds the live table and says so', () => {
	const matcher = new KmemMatcher({graceSec: 0, maxLive: 2});
	for (let i = 0; i < 5; i++) {
		matcher.add({kind: 'alloc', event: 'kmalloc', comm: 'x', pid: 1, timeSec: i, callSite: '0x1', ptr: `0x${100 + i}`, requestedBytes: 8, allocatedBytes: 8, gfpFlags: 'GFP_KERNEL', accounted: false});
	}
	const report = matcher.report();
	assert.equal(report.outstanding[0]!.count, 2);
	assert.equal(report.incomplete, true);
	assert.match(report.incompleteReasons[0]!, /3 allocations not tracked/);
});

test('markIncomplete reasons are kept once each', () => {
	const matcher = new KmemMatcher({graceSec: 1});
	matcher.markIncomplete('perf record was killed');
	matcher.markIncomplete('perf record was killed');
	assert.deepEqual(matcher.report().incompleteReasons, ['perf record was killed']);
	assert.equal(new KmemMatcher({graceSec: 1}).report().incomplete, false);
});

test('kmalloc caches follow kmalloc_type(): dma, then reclaimable, then accounted', () => {
	const base = {requestedBytes: 48, allocatedBytes: 64, gfpFlags: 'GFP_KERNEL', accounted: false};
	assert.equal(kmallocCacheName(base), 'kmalloc-64');
	assert.equal(kmallocCacheName({...base, accounted: true, gfpFlags: 'GFP_KERNEL_ACCOUNT'}), 'kmalloc-cg-64');
	assert.equal(kmallocCacheName({...base, gfpFlags: 'GFP_KERNEL|__GFP_RECLAIMABLE', accounted: true}), 'kmalloc-rcl-64');
	assert.equal(kmallocCacheName({...base, gfpFlags: 'GFP_DMA|__GFP_RECLAIMABLE'}), 'dma-kmalloc-64');
	assert.equal(kmallocCacheName({...base, requestedBytes: 1500, allocatedBytes: 2048}), 'kmalloc-2k');
	assert.equal(kmallocCacheName({...base, requestedBytes: 90, allocatedBytes: 104}), 'kmalloc-96', 'slub_debug padding');
	assert.equal(kmallocCacheName({...base, requestedBytes: 9000, allocatedBytes: 12288}), 'kmalloc-large');
});
