/**
 * Whether the grid takes a wheel event or leaves it to the notebook. VS Code's output webview forwards a wheel event
 * to the notebook only when no element under the pointer can scroll that way, and after an element scrolled it keeps
 * giving it the wheel while events keep coming (momentum), so a grid scrolled to its end still swallowed the wheel
 * and the page could not be scrolled past a table (issue 10). The grid therefore scrolls itself on wheel events (and
 * cancels them: VS Code never marks it as scrolling), and when it is at its end in that direction it leaves the
 * event alone, which VS Code then passes to the notebook.
 */

export interface WheelState {
  scrollTop: number;
  clientHeight: number;
  scrollHeight: number;
}

/** The new scrollTop when the grid takes the event; undefined when it is at its end that way (the page scrolls). */
export function wheelScrollTop(state: WheelState, deltaPx: number): number | undefined {
  const max = Math.max(0, state.scrollHeight - state.clientHeight);
  // Less than 1 px from the end counts as the end (scrollTop is fractional on zoomed pages).
  if (deltaPx > 0 && state.scrollTop >= max - 1) return undefined;
  if (deltaPx < 0 && state.scrollTop <= 1) return undefined;
  if (deltaPx === 0) return undefined;
  return Math.min(max, Math.max(0, state.scrollTop + deltaPx));
}

/** A wheel event's vertical delta in px (DOM_DELTA_LINE and DOM_DELTA_PAGE converted). */
export function wheelDeltaPx(deltaY: number, deltaMode: number, lineHeight: number, pageHeight: number): number {
  return deltaMode === 1 ? deltaY * lineHeight : deltaMode === 2 ? deltaY * pageHeight : deltaY;
}
