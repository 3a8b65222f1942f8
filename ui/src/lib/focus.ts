/**
 * Moves the keyboard focus to an element as it appears: a case's heading when the case opens,
 * the confirmation after a save. The person (or their screen reader) goes on from there instead
 * of from the top of the page. The element needs `tabindex="-1"` unless it takes focus anyway.
 */
export function focusHere(node: HTMLElement): void {
  node.focus();
}
