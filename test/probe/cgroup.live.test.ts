import assert from 'node:assert/strict';
import {setTimeout as sleep} from 'node:timers/promises';
import {after, describe, it} from 'node:test';
import {readCgroups, type CgroupSample} from '../../source/probe/cgroup.js';
import {cgroupOfPid} from '../../source/probe/cgroupContainer.js';
import {Files} from '../../source/probe/files.js';
import {cgroupHierarchy, cgroupSkip, leakInLimitedCgroup, type LimitedCgroup} from '../helpers/cgroupChild.js';

const files = new Files();
const LIMIT_BYTES = 256 * 1024 * 1024;
const MIB = 1024 * 1024;

describe('readCgroups on this machine', {skip: cgroupSkip}, () => {
	const name = `leaktop-test-${process.pid}-${Date.now().toString(36)}`;
	let cgroup: LimitedCgroup | undefined;
	after(() => cgroup?.cleanUp());

	it('sees a leaking child in a limited cgroup: usage grows, the limit matches', async () => {
		try {
			cgroup = leakInLimitedCgroup(name, LIMIT_BYTES);
			const {path, child} = cgroup;
			const find = (): CgroupSample | undefined => {
				const reading = readCgroups(files);
				assert.ok(reading.ok, JSON.stringify(reading));
				return reading.value.cgroups.find(cgroup => cgroup.path === path);
			};

			await sleep(300);
			const first = find();
			assert.ok(first, `${path} not listed`);
			assert.equal(first.limitBytes, LIMIT_BYTES);
			assert.deepEqual(first.unreadable, {});
			const pidCgroup = cgroupOfPid(files, child.pid!, cgroupHierarchy ?? undefined);
			assert.deepEqual(pidCgroup.ok && pidCgroup.value.path, path);

			let latest = first;
			for (let waited = 0; waited < 10_000 && (latest.usageBytes ?? 0) < (first.usageBytes ?? 0) + 16 * MIB; waited += 100) {
				await sleep(100);
				latest = find() ?? latest;
			}
			assert.ok((latest.usageBytes ?? 0) >= (first.usageBytes ?? 0) + 16 * MIB, `usage ${first.usageBytes} → ${latest.usageBytes}`);
			assert.ok((latest.usageBytes ?? 0) < LIMIT_BYTES);
			assert.ok((latest.stat?.anonBytes ?? 0) >= 16 * MIB, `anon ${latest.stat?.anonBytes}`);
			assert.ok((latest.peakBytes ?? 0) >= (latest.usageBytes ?? 0) - MIB);
			assert.equal(latest.limitBytes, LIMIT_BYTES);
			assert.equal(latest.events?.oomKill, 0);
		} finally {
			await cgroup?.cleanUp();
		}
	});
});
