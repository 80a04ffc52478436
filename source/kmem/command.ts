import {Files} from '../probe/files.js';
import type {KmemReport} from './match.js';
import {preflight} from './perf.js';
import {traceKmem} from './trace.js';

export interface KmemCommandOptions {
	durationSec: number;
	cache?: string;
	json: boolean;
	graceSec?: number;
	perfPath?: string;
	/** PATH used to find perf; tests put a fake perf here. */
	searchPath?: string;
	files?: Files;
}

const TEXT_ROWS = 25;

/** `leaktop kmem`: pre-flight, trace, print the report; 0 when a report was printed, 1 otherwise. */
export async function kmemCommand(options: KmemCommandOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
	if (!Number.isFinite(options.durationSec) || options.durationSec <= 0) {
		err.write('leaktop kmem: --duration must be a positive number of seconds\n');
		return 1;
	}
	const files = options.files ?? new Files();
	const perfOptions = {
		...(options.perfPath === undefined ? {} : {perfPath: options.perfPath}),
		...(options.searchPath === undefined ? {} : {searchPath: options.searchPath}),
	};
	const ready = await preflight({...perfOptions, files});
	if (!ready.ok) {
		err.write(`leaktop kmem: ${ready.message}\n`);
		return 1;
	}
	for (const note of ready.value.notes) err.write(`leaktop kmem: ${note}\n`);
	if (!options.json) {
		err.write(`tracing kmalloc/kfree for ${options.durationSec} s${options.cache === undefined ? '' : ` (cache ${options.cache})`}…\n`);
	}
	const trace = traceKmem({
		...perfOptions,
		files,
		durationSec: options.durationSec,
		...(options.graceSec === undefined ? {} : {graceSec: options.graceSec}),
		...(options.cache === undefined ? {} : {cache: options.cache}),
	});
	const result = await trace.result;
	if (!result.ok) {
		err.write(`leaktop kmem: ${result.message}\n`);
		return 1;
	}
	out.write(options.json ? `${JSON.stringify(result.value, null, 2)}\n` : formatKmemReport(result.value));
	return 0;
}

/** The report as plain text for a terminal or a pipe: totals, then the top call sites. */
export function formatKmemReport(report: KmemReport): string {
	const lines: string[] = [];
	lines.push(`kmem trace: ${report.traceSec.toFixed(1)} s, ${report.cache === null ? 'all caches' : `cache ${report.cache}`}`);
	lines.push(
		`${report.allocs} allocations, ${report.frees} matched frees; ` +
			`${report.unmatchedFrees} frees of older allocations, ${report.nullFrees} NULL frees, ` +
			`${report.lostFrees} lost frees, ${report.ignoredTracerAllocs} allocations by perf and leaktop ignored`,
	);
	if (report.incomplete) lines.push(`INCOMPLETE: ${report.incompleteReasons.join('; ')}`);
	if (report.outstanding.length === 0) {
		lines.push(`nothing allocated more than ${report.graceSec} s before the end is still live (${report.youngOutstanding} younger)`);
		return `${lines.join('\n')}\n`;
	}
	lines.push(`still allocated after ${report.graceSec} s, by call site (${report.youngOutstanding} younger left out):`);
	const rows = report.outstanding.slice(0, TEXT_ROWS).map(site => [
		String(site.count),
		formatBytes(site.requestedBytes),
		formatBytes(site.allocatedBytes),
		site.cacheInferred ? `${site.cache}*` : site.cache,
		site.symbol ?? site.callSite,
		site.comms.join(','),
	]);
	const header = ['COUNT', 'REQUESTED', 'ALLOCATED', 'CACHE', 'CALL SITE', 'BY'];
	const widths = header.map((title, column) => Math.max(title.length, ...rows.map(row => row[column]!.length)));
	const rightAligned = new Set([0, 1, 2]);
	for (const row of [header, ...rows]) {
		lines.push(
			row
				.map((cell, column) => (column === row.length - 1 ? cell : rightAligned.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
				.join('  '),
		);
	}
	if (report.outstanding.length > TEXT_ROWS) lines.push(`… ${report.outstanding.length - TEXT_ROWS} more call sites (--json shows all)`);
	if (report.outstanding.some(site => site.cacheInferred)) lines.push('* kmalloc cache inferred from size and gfp flags');
	return `${lines.join('\n')}\n`;
}

function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
	return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
