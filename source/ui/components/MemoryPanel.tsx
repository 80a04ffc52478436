import {Box, Text} from 'ink';
import type {Snapshot} from '../../store/store.js';
import {formatBytes, formatRatePerMin} from '../../units.js';
import {sparkline} from '../sparkline.js';
import {fit} from '../text.js';
import {useTheme} from '../ThemeContext.js';

/** The `free` summary, plus where `available` is heading. */
export function MemoryPanel({snapshot, availableHistory, width}: {snapshot: Snapshot; availableHistory: number[]; width: number}) {
	const theme = useTheme();
	const f = snapshot.free;
	if (!f) return <Text color={theme.warn}>{fit('memory: /proc/meminfo not readable', width)}</Text>;
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
			<Text wrap="truncate">{fit(mem, width)}</Text>
			<Text wrap="truncate">
				{swap}
				{'   '}
				<Text bold>{availLabel}</Text>
				<Text color={theme.accent}>{sparkline(availableHistory, sparkWidth, theme.sparkChars)}</Text>
				<Text color={falling ? theme.warn : theme.muted}>{trendText}</Text>
			</Text>
		</Box>
	);
}
