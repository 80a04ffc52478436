import {Text} from './Text.js';
import {memo} from 'react';
import {bindingsIn, type Scope} from '../keys.js';
import {clip} from '../text.js';
import {useTheme} from '../ThemeContext.js';

interface FooterProps {
	scopes: readonly Scope[];
	width: number;
	note?: string;
}

/** The keys that work here, from the same table that handles them. */
function FooterImpl({scopes, width, note}: FooterProps) {
	const theme = useTheme();
	const text = note ?? bindingsIn(scopes, true).map(b => `${b.label} ${b.footer}`).join('  ');
	return (
		<Text color={theme.muted} wrap="truncate">
			{clip(text, width)}
		</Text>
	);
}

/** App hands a new scopes array every frame; the footer changes only with its contents. */
export const Footer = memo(FooterImpl, (a: FooterProps, b: FooterProps) => a.width === b.width && a.note === b.note && a.scopes.length === b.scopes.length && a.scopes.every((scope, i) => scope === b.scopes[i]));
