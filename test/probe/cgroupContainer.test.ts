import assert from 'node:assert/strict';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import fc from 'fast-check';
import {detectCgroupHierarchy} from '../../source/probe/cgroup.js';
import {cgroupOfPid, containerName, memoryCgroupPath, parsePidCgroup, selfContainer} from '../../source/probe/cgroupContainer.js';
import {Files, type FilesOptions} from '../../source/probe/files.js';

const fixture = (name: string, options: FilesOptions = {}) => {
	const root = join(import.meta.dirname, '..', 'fixtures', name);
	return new Files({procRoot: join(root, 'proc'), sysRoot: join(root, 'sys'), ...options});
};

const ID = '9c1e4b7d2a5f8e3b6c9d0a1f4e7b2c5d8a3f6e9b0c1d4a7e2f5b8c3d6e9f0a1b';

describe('parsePidCgroup and memoryCgroupPath', () => {
	const hybrid = '9:name=systemd:/\n4:memory:/process_api/965b\n2:cpu,cpuacct:/\n0::/user.slice\n';

	it('picks the v1 memory line in hybrid, the 0:: line on v2', () => {
		const lines = parsePidCgroup(hybrid);
		assert.equal(lines.length, 4);
		assert.deepEqual(lines[2]?.controllers, ['cpu', 'cpuacct']);
		assert.equal(memoryCgroupPath(lines), '/process_api/965b');
		assert.equal(memoryCgroupPath(lines, 1), '/process_api/965b');
		assert.equal(memoryCgroupPath(lines, 2), '/user.slice');
		assert.equal(memoryCgroupPath(parsePidCgroup('0::/init.scope\n')), '/init.scope');
		assert.equal(memoryCgroupPath(lines, null), null);
	});

	it('keeps colons in paths and drops the (deleted) mark', () => {
		const [line] = parsePidCgroup('0::/a:b/gone (deleted)\n');
		assert.equal(line?.path, '/a:b/gone');
	});

	it('never throws', () => {
		fc.assert(fc.property(fc.string({maxLength: 300}), text => void memoryCgroupPath(parsePidCgroup(text))));
	});
});

describe('containerName', () => {
	const cases: Array<[string, string, string]> = [
		['/', 'root', '/'],
		[`/docker/${ID}`, 'docker', '9c1e4b7d2a5f'],
		[`/system.slice/docker-${ID}.scope`, 'docker', '9c1e4b7d2a5f'],
		[`/system.slice/containerd.service/x/cri-containerd-${ID}.scope`, 'containerd', '9c1e4b7d2a5f'],
		[`/machine.slice/libpod-${ID}.scope/container`, 'podman', '9c1e4b7d2a5f'],
		[`/machine.slice/crio-${ID}.scope`, 'crio', '9c1e4b7d2a5f'],
		[`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1a2b3c4d_5e6f_7081_92a3_b4c5d6e7f809.slice/cri-containerd-${ID}.scope`, 'kubepods', 'pod1a2b3c4d/9c1e4b7d2a5f'],
		[`/kubepods/besteffort/pod1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809/${ID}`, 'kubepods', 'pod1a2b3c4d/9c1e4b7d2a5f'],
		['/kubepods.slice/kubepods-pod1a2b3c4d_5e6f_7081_92a3_b4c5d6e7f809.slice', 'kubepods', 'pod1a2b3c4d'],
		['/lxc/web01', 'lxc', 'web01'],
		['/lxc.payload.web01/init.scope', 'lxc', 'web01'],
		['/user.slice/user-1000.slice/user@1000.service/lxc.payload.dev', 'lxc', 'dev'],
		['/system.slice/nginx.service', 'systemd', 'nginx.service'],
		['/user.slice/user-1000.slice/user@1000.service/app.slice/vte-spawn-1.scope', 'systemd', 'vte-spawn-1.scope'],
		['/process_api/965b9f3c7f1b3e372608c3579361bc4f', 'other', '965b9f3c7f1b3e372608c3579361bc4f'],
	];
	for (const [path, kind, name] of cases) {
		it(`${path} → ${kind} ${name}`, () => assert.deepEqual(containerName(path), {kind, name}));
	}

	it('never throws', () => {
		fc.assert(fc.property(fc.array(fc.constantFrom('docker', ID, `docker-${ID}.scope`, 'lxc', 'lxc.payload.x', 'pod12345678', 'a.service', '', '..'), {maxLength: 6}), parts => void containerName(`/${parts.join('/')}`)));
	});
});

describe('cgroupOfPid', () => {
	it('reads the memory cgroup of a pid', () => {
		const files = fixture('cgroup-hybrid');
		const own = cgroupOfPid(files, 'self');
		assert.deepEqual(own, {ok: true, value: {path: '/process_api/965b9f3c7f1b3e372608c3579361bc4f', kind: 'other', name: '965b9f3c7f1b3e372608c3579361bc4f'}});
		const init = cgroupOfPid(fixture('cgroup-v2'), 1);
		assert.equal(init.ok && init.value.name, 'init.scope');
	});

	it('passes the reason on when the pid is gone or unreadable', () => {
		assert.equal(!cgroupOfPid(fixture('cgroup-v2'), 999999).ok && 'failed', 'failed');
		const denied = cgroupOfPid(fixture('cgroup-v2', {deny: () => 'EACCES'}), 1);
		assert.equal(!denied.ok && denied.reason, 'EACCES');
	});
});

describe('selfContainer', () => {
	it('sees a docker container with lxcfs and reports its own usage and limit', () => {
		const files = fixture('cgroup-docker');
		const hierarchy = detectCgroupHierarchy(files);
		assert.ok(hierarchy.ok);
		const self = selfContainer(files, hierarchy.value);
		assert.ok(self.ok);
		assert.equal(self.value.inContainer, true);
		assert.equal(self.value.kind, 'docker');
		assert.equal(self.value.name, '9c1e4b7d2a5f');
		assert.deepEqual(self.value.lxcfsFiles, ['/proc/meminfo', '/proc/stat', '/proc/uptime', '/sys/devices/system/cpu/online']);
		assert.ok(self.value.evidence.some(why => why.includes('/etc/hostname')));
		assert.equal(self.value.cgroup?.usageBytes, 318767104);
		assert.equal(self.value.cgroup?.limitBytes, 536870912);
		assert.equal(self.value.effectiveLimitBytes, 536870912);
	});

	it('says "not in a container" on this machine\'s layout, still giving its own cgroup', () => {
		const files = fixture('cgroup-hybrid');
		const hierarchy = detectCgroupHierarchy(files);
		assert.ok(hierarchy.ok);
		const self = selfContainer(files, hierarchy.value);
		assert.ok(self.ok);
		assert.equal(self.value.inContainer, false);
		assert.deepEqual(self.value.evidence, []);
		assert.equal(self.value.cgroup?.path, '/process_api/965b9f3c7f1b3e372608c3579361bc4f');
		assert.equal(self.value.effectiveLimitBytes, null);
	});

	it('takes the smallest limit of the ancestors on v2', () => {
		const files = fixture('cgroup-v2');
		const hierarchy = detectCgroupHierarchy(files);
		assert.ok(hierarchy.ok);
		const self = selfContainer(files, hierarchy.value);
		assert.ok(self.ok);
		assert.equal(self.value.inContainer, false);
		assert.equal(self.value.cgroup?.path, '/user.slice/user-1000.slice/session-3.scope');
		// session-3.scope 2 GiB inside user.slice 4 GiB
		assert.equal(self.value.effectiveLimitBytes, 2147483648);
	});

	it('reads container= from pid 1, and still answers without a memory hierarchy', () => {
		const self = selfContainer(fixture('cgroup-none'), null);
		assert.ok(self.ok);
		assert.equal(self.value.inContainer, true);
		assert.equal(self.value.kind, 'podman');
		assert.deepEqual(self.value.evidence, ['pid 1 has container=podman']);
		assert.equal(self.value.cgroup, null);
		assert.equal(self.value.effectiveLimitBytes, null);
	});
});
