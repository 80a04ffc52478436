import {Box} from 'ink';
import {Text} from './Text.js';
import type {Snapshot} from '../../store/store.js';
import {formatBytes, formatRatePerMin} from '../../units.js';
import {containerLabel} from './Header.js';
import {sparkline} from '../sparkline.js';
import {clip, fit} from '../text.js';
import {useTheme} from '../ThemeContext.js';

/** Lines the memory panel takes: a third for the container leaktop runs in. */
export function memoryPanelHeight(snapshot: Snapshot): number {
	return snapshot.sample?.self?.container ? 3 : 2;
}

/**
 * Inside a container the host's `free` is the wrong number: the container's usage against its own
 * limit (the smallest over its ancestors) is what decides when the OOM killer comes.
 */
function ContainerLine({snapshot, width}: {snapshot: Snapshot; width: number}) {
	const theme = useTheme();
	const container = snapshot.sample?.self?.container;
	if (!container) return null;
	// The walked cgroup row is current; the reading taken at start is the fall-back.
	const row = container.cgroupPath === null ? undefined : snapshot.cgroups.find(r => r.sample.path === container.cgroupPath);
	const usage = row?.sample.usageBytes ?? container.usageBytes;
	const limit = container.limitBytes ?? row?.sample.limitBytes ?? null;
	const pct = usage !== null && limit !== null && limit > 0 ? Math.round((usage * 100) / limit) : null;
	const limitText = limit === null ? 'limit none (the host’s memory is the limit)' : `limit ${formatBytes(limit)}${pct === null ? '' : ` (${pct}%)`}`;
	const growth = row && row.growthPerMin !== null ? `  ${formatRatePerMin(row.growthPerMin)}` : '';
	const lxcfs = container.lxcfs ? '  Mem above is lxcfs’s view of the container' : '';
	return (
		<Text wrap="truncate" color={pct !== null && pct >= 90 ? theme.bad : undefined}>
			{fit(`Ctr  ${containerLabel(container)}  used ${formatBytes(usage)}  ${limitText}${growth}${lxcfs}`, width)}
		</Text>
	);
}

/** The `free` summary, plus where `available` is heading; inside a container, the container's own figures. */
export function MemoryPanel({snapshot, availableHistory, width}: {snapshot: Snapshot; availableHistory: number[]; width: number}) {
	const theme = useTheme();
	const f = snapshot.free;
	if (!f) {
		return (
			<Box flexDirection="column">
				<Text color={theme.warn}>{fit('memory: /proc/meminfo not readable', width)}</Text>
				<ContainerLine snapshot={snapshot} width={width} />
			</Box>
		);
	}
	const pct = f.totalBytes > 0 ? Math.round((f.availableBytes * 100) / f.totalBytes) : 0;
	const trend = snapshot.availableTrendPerMin;
	const falling = trend !== null && trend < 0;
	const mem = `Mem  total ${formatBytes(f.totalBytes)}  used ${formatBytes(f.usedBytes)}  free ${formatBytes(f.freeBytes)}  shared ${formatBytes(f.sharedBytes)}  buff/cache ${formatBytes(f.buffCacheBytes)}`;
	const swap =
		f.swapTotalBytes === 0
			? 'Swap no swap'
			: `Swap total ${formatBytes(f.swapTotalBytes)}  used ${formatBytes(f.swapUsedBytes)}  free ${formatBytes(f.swapFreeBytes)}`;
	const availLabel = `avail ${formatBytes(f.availableBytes)} (${pct}%)${f.availableEstimated ? ' est.' : ''} `;
	const trendText = ` ${formatRatePerMin(trend)}`;
	const sparkWidth = Math.max(0, Math.min(60, width - availLabel.length - trendText.length - swap.length - 3));
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">{clip(mem, width)}</Text>
			<Text wrap="truncate">
				{swap}
				{'   '}
				<Text bold>{availLabel}</Text>
				<Text color={theme.accent}>{sparkline(availableHistory, sparkWidth, theme.sparkChars)}</Text>
				<Text color={falling ? theme.warn : theme.muted}>{trendText}</Text>
			</Text>
			<ContainerLine snapshot={snapshot} width={width} />
		</Box>
	);
}
