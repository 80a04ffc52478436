import {describeReason, type Reason} from '../probe/result.js';
import type {Snapshot} from '../store/store.js';
import {formatBytes, formatDelta, formatDuration, formatRatePerMin} from '../units.js';

const pad = (text: string, width: number) => (text.length >= width ? text.slice(0, width) : text.padEnd(width));
const lpad = (text: string, width: number) => (text.length >= width ? text : text.padStart(width));
const num = (n: number | null | undefined) => (n === null || n === undefined || !Number.isFinite(n) ? 'n/a' : String(Math.round(n)));

/** One text block, like a `top -b` frame: for pipes, logs and ssh without a TTY. */
export function toTextReport(snapshot: Snapshot, top: number, slabTop = 10): string {
	const sample = snapshot.sample;
	if (!sample) return 'leaktop: no sample yet\n';
	const lines: string[] = [];
	const uptime = sample.host.uptimeSec === null ? 'n/a' : formatDuration(sample.host.uptimeSec);
	lines.push(`leaktop - ${new Date(sample.timeMs).toISOString()}  ${sample.host.hostname}  ${sample.host.kernel}  up ${uptime}  ${sample.processCount} processes`);
	for (const [name, state] of Object.entries(sample.sources)) {
		if (state !== 'ok') lines.push(`  ${name}: ${describeReason(state as Reason)}`);
	}
	const f = snapshot.free;
	if (f) {
		lines.push(`${pad('', 6)}${['total', 'used', 'free', 'shared', 'buff/cache', 'available'].map(h => lpad(h, 11)).join('')}`);
		lines.push(`${pad('Mem:', 6)}${[f.totalBytes, f.usedBytes, f.freeBytes, f.sharedBytes, f.buffCacheBytes, f.availableBytes].map(v => lpad(formatBytes(v), 11)).join('')}${f.availableEstimated ? '  (available estimated)' : ''}`);
		lines.push(
			f.swapTotalBytes === 0
				? `${pad('Swap:', 6)}${lpad('no swap', 11)}`
				: `${pad('Swap:', 6)}${[f.swapTotalBytes, f.swapUsedBytes, f.swapFreeBytes].map(v => lpad(formatBytes(v), 11)).join('')}`,
		);
		lines.push(`available trend: ${formatRatePerMin(snapshot.availableTrendPerMin)}`);
	}
	const r = snapshot.rates;
	if (r) {
		const cols: Array<[string, number | null]> = [
			['r', r.r], ['b', r.b], ['si', r.si], ['so', r.so], ['bi', r.bi], ['bo', r.bo], ['in', r.in], ['cs', r.cs],
			['us', r.us], ['sy', r.sy], ['id', r.id], ['wa', r.wa], ['st', r.st], ['sr', r.sr],
		];
		lines.push(cols.map(([h]) => lpad(h, 6)).join(''));
		lines.push(cols.map(([, v]) => lpad(num(v), 6)).join(''));
	}
	const k = snapshot.kernel;
	if (k) {
		const start = snapshot.kernelAtStart;
		const item = (label: string, value: number | null, before: number | null | undefined) =>
			`${label} ${formatBytes(value)}${value !== null && before !== null && before !== undefined ? ` (${formatDelta(value - before)})` : ''}`;
		lines.push(
			[
				item('Slab', k.slabBytes, start?.slabBytes),
				item('SUnreclaim', k.sUnreclaimBytes, start?.sUnreclaimBytes),
				item('KernelStack', k.kernelStackBytes, start?.kernelStackBytes),
				item('PageTables', k.pageTablesBytes, start?.pageTablesBytes),
				item('Vmalloc', k.vmallocUsedBytes, start?.vmallocUsedBytes),
				item('Percpu', k.percpuBytes, start?.percpuBytes),
			].join('  '),
		);
	}
	lines.push('');
	lines.push(`${lpad('PID', 7)} ${pad('USER', 9)}${['RSS', 'PSS', 'ANON', 'SWAP', 'DELTA'].map(h => lpad(h, 8)).join('')}${lpad('GROWTH', 13)}  COMMAND`);
	for (const row of snapshot.processes.slice(0, top)) {
		const p = row.sample;
		lines.push(
			`${lpad(String(p.pid), 7)} ${pad(p.user, 9)}${[p.rssBytes, p.pssBytes, p.anonBytes, p.swapBytes].map(v => lpad(formatBytes(v), 8)).join('')}${lpad(formatDelta(row.rssDeltaBytes), 8)}${lpad(formatRatePerMin(row.rssGrowthPerMin), 13)}  ${p.state === 'Z' ? `[${p.comm}] <defunct>` : p.cmdline || `[${p.comm}]`}`,
		);
	}
	if (snapshot.slabs.length > 0) {
		lines.push('');
		lines.push(`${pad('SLAB CACHE', 26)}${['OBJS', 'ACTIVE', 'OBJ SIZE', 'SIZE', 'DELTA'].map(h => lpad(h, 10)).join('')}${lpad('GROWTH', 13)}`);
		for (const row of snapshot.slabs.slice(0, slabTop)) {
			const s = row.sample;
			lines.push(
				`${pad(s.name, 26)}${[String(s.numObjs), String(s.activeObjs), `${s.objSize}B`, formatBytes(s.sizeBytes), formatDelta(row.sizeDeltaBytes)].map(v => lpad(v, 10)).join('')}${lpad(formatRatePerMin(row.growthPerMin), 13)}`,
			);
		}
	}
	return `${lines.join('\n')}\n`;
}
