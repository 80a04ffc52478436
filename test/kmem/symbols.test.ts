import assert from 'node:assert/strict';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {Files} from '../../source/probe/files.js';
import {loadKernelSymbols, parseKallsyms, resolveCallSite} from '../../source/kmem/symbols.js';

const procRoot = fileURLToPath(new URL('../fixtures/kmem/machine/proc', import.meta.url));

test('call sites from a real kallsyms resolve to function+offset', () => {
	const symbols = loadKernelSymbols(new Files({procRoot}));
	assert.ok(symbols.ok);
	assert.equal(resolveCallSite(symbols.value, '0xffffffff81755e04'), 'do_eventfd+0x34');
	assert.equal(resolveCallSite(symbols.value, '0xffffffff81755dd0'), 'do_eventfd+0x0');
	assert.equal(resolveCallSite(symbols.value, '0xffffffffc0200010'), 'nf_ct_tmpl_alloc+0x10 [nf_conntrack]');
	assert.equal(resolveCallSite(symbols.value, '0x10'), undefined, 'below every symbol');
	assert.equal(resolveCallSite(symbols.value, 'do_eventfd+0x34/0x120'), undefined, 'already a symbol');
	assert.equal(symbols.value.names.includes('__start_rodata'), false, 'data symbols are not call sites');
});

test('kallsyms with hidden addresses (kptr_restrict) is EACCES, a missing one ENOENT', () => {
	const hidden = parseKallsyms(['0000000000000000 T _stext', '0000000000000000 t do_eventfd']);
	assert.equal(hidden.addresses.length, 0);
	const missing = loadKernelSymbols(new Files({procRoot: '/nonexistent'}));
	assert.equal(missing.ok, false);
	assert.equal(!missing.ok && missing.reason, 'ENOENT');
	const denied = loadKernelSymbols(new Files({procRoot, deny: () => 'EACCES'}));
	assert.equal(!denied.ok && denied.reason, 'EACCES');
});

test('an address far past the last symbol stays unnamed', () => {
	const symbols = parseKallsyms(['ffffffff81000000 T _stext']);
	assert.equal(resolveCallSite(symbols, '0xffffffff81000010'), '_stext+0x10');
	assert.equal(resolveCallSite(symbols, '0xffffffff91000000'), undefined);
});
