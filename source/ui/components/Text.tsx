import {Text as InkText} from 'ink';
import {memo} from 'react';

/**
 * Ink's Text, drawn again only when its props change. Ink's own makes a new transform function on
 * every render, so React hands each text's host node new props every frame, and Ink diffs them
 * (Object.keys, Object.entries, a changed-props object) even when nothing on screen moved: titles,
 * table headers, most vmstat and kernel figures, the colour spans of a table that kept its values.
 */
export const Text = memo(InkText);
