import {Box, Text} from 'ink';
import type {Snapshot, Store} from '../store/store.js';
import {formatBytes, formatDelta, formatRatePerMin} from '../units.js';
import {sparkline} from './sparkline.js';
import {fit} from './text.js';
import {useTheme} from './ThemeContext.js';

export type DrillTarget = {kind: 'process'; pid: number; key?: string} | {kind: 'slab'; name: string};

export interface DrillViewProps {
	store: Store;
	snapshot: Snapshot;
	target: DrillTarget;
	width: number;
	height: number;
	scroll: number;
}

/** What the store knows about one process or one slab cache. */
export function DrillView({store, snapshot, target, width, height}: DrillViewProps) {
	const theme = useTheme();
	const lines: string[] = [];
	if (target.kind === 'process') {
		const row = snapshot.processes.find(r => (target.key ? r.key === target.key : r.sample.pid === target.pid)) ?? snapshot.exited.find(r => r.key === target.key);
		if (!row) {
			lines.push(`pid ${target.pid}: not seen (exited, or not visible to this user)`);
		} else {
			const p = row.sample;
			const series = store.processSeries(row.key);
			lines.push(`pid ${p.pid}  ${p.user}  ${p.cmdline || p.comm}${row.exitedAtMs ? `  exited at ${new Date(row.exitedAtMs).toLocaleTimeString('en-GB', {hour12: false})}` : ''}`);
			lines.push(`RSS ${formatBytes(p.rssBytes)} ${formatRatePerMin(row.rssGrowthPerMin)}  ${sparkline(series?.rss.map(pt => pt.value) ?? [], 30, theme.sparkChars)}`);
			lines.push(`PSS ${formatBytes(p.pssBytes)}  USS ${formatBytes(p.ussBytes)}  anon ${formatBytes(p.anonBytes)} ${formatRatePerMin(row.anonGrowthPerMin)}  swap ${formatBytes(p.swapBytes)}`);
			lines.push(`threads ${p.threads ?? 'n/a'}  fds ${p.fdCount ?? 'n/a'}  Δ since seen ${formatDelta(row.rssDeltaBytes)}`);
		}
	} else {
		const row = snapshot.slabs.find(r => r.sample.name === target.name);
		if (!row) lines.push(`slab cache ${target.name}: not present`);
		else {
			const s = row.sample;
			const series = store.slabSeries(s.name);
			lines.push(`slab cache ${s.name}${s.aliases.length ? `  (merged with ${s.aliases.join(', ')})` : ''}`);
			lines.push(`objects ${s.activeObjs}/${s.numObjs}  object size ${s.objSize}B  slabs ${s.numSlabs}  size ${formatBytes(s.sizeBytes)} ${formatRatePerMin(row.growthPerMin)}`);
			lines.push(`objects  ${sparkline(series?.objs.map(pt => pt.value) ?? [], 40, theme.sparkChars)}`);
		}
	}
	return (
		<Box flexDirection="column" height={height}>
			{lines.map((line, i) => (
				<Text key={i} wrap="truncate">
					{fit(line, width)}
				</Text>
			))}
		</Box>
	);
}
