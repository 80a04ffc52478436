import {formatBytes, formatDelta, formatDuration, formatRatePerMin} from '../units.js';
import type {PostmortemReport} from './report.js';

const time = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');

/** A text chart of available memory over the recording: rows high, one column per point. */
export function availableChart(report: PostmortemReport, rows = 8): string[] {
	const points = report.availableTimeline;
	if (points.length === 0) return ['(no memory data)'];
	const values = points.map(p => p.availableBytes);
	const max = Math.max(...values);
	const min = Math.min(...values);
	const span = max - min || 1;
	const lines: string[] = [];
	for (let row = rows - 1; row >= 0; row--) {
		const threshold = min + (span * (row + 0.5)) / rows;
		const label = row === rows - 1 ? formatBytes(max) : row === 0 ? formatBytes(min) : '';
		lines.push(`${label.padStart(7)} │${values.map(v => (v >= threshold ? '█' : ' ')).join('')}`);
	}
	lines.push(`${''.padStart(7)} └${'─'.repeat(values.length)}`);
	const from = time(points[0]!.timeMs).slice(11, 19);
	const to = time(points.at(-1)!.timeMs).slice(11, 19);
	lines.push(`${''.padStart(9)}${from}${to.padStart(Math.max(to.length, values.length - from.length))}`);
	return lines;
}

/** `leaktop report FILE`: the postmortem as text. */
export function reportText(report: PostmortemReport): string {
	const out: string[] = [];
	const duration = (report.toMs - report.fromMs) / 1000;
	out.push(`leaktop report — ${report.host.hostname} (${report.host.kernel})`);
	out.push(`recorded ${time(report.fromMs)} → ${time(report.toMs)}  (${formatDuration(duration)}, ${report.samples} samples)`);
	for (const note of report.notes) out.push(`note: ${note}`);
	out.push('');
	out.push('Verdicts over time (when each was first suspected):');
	if (report.findings.length === 0) out.push('  none: no leak suspected at any point');
	for (const f of report.findings) {
		const at = formatDuration((f.firstMs - report.fromMs) / 1000);
		const until = f.stillPresentAtEnd ? 'still at the end' : `until +${formatDuration((f.lastMs - report.fromMs) / 1000)}`;
		out.push(`  +${at}  [${f.severity}] ${f.message}  (${until})`);
	}
	out.push('');
	out.push('Available memory:');
	out.push(...availableChart(report).map(line => `  ${line}`));
	out.push('');
	out.push('Memory at start → end:');
	for (const [key, start] of Object.entries(report.memoryStart)) {
		const end = report.memoryEnd[key] ?? null;
		const delta = start !== null && end !== null ? formatDelta(end - start) : 'n/a';
		out.push(`  ${key.padEnd(12)} ${formatBytes(start).padStart(8)} → ${formatBytes(end).padStart(8)}  ${delta}`);
	}
	out.push('');
	out.push('Processes that grew the most:');
	if (report.processes.length === 0) out.push('  none grew');
	for (const p of report.processes) {
		out.push(`  ${String(p.pid).padStart(7)} ${formatBytes(p.firstRssBytes).padStart(7)} → ${formatBytes(p.lastRssBytes).padStart(7)}  ${formatRatePerMin(p.growthPerMin).padStart(12)}  ${p.exited ? '(exited) ' : ''}${p.cmdline || p.comm}`);
	}
	out.push('');
	out.push('Slab caches that grew the most:');
	if (report.slabs.length === 0) out.push('  none grew (or no slab data was recorded)');
	for (const s of report.slabs) {
		out.push(`  ${s.name.padEnd(24)} ${formatBytes(s.firstBytes).padStart(7)} → ${formatBytes(s.lastBytes).padStart(7)}  ${formatRatePerMin(s.growthPerMin).padStart(12)}`);
	}
	return `${out.join('\n')}\n`;
}
