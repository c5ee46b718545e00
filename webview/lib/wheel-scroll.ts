/**
 * Whether the grid takes a wheel event or leaves it to the notebook. VS Code's output webview forwards a wheel event
 * to the notebook only when no element under the pointer can scroll that way, and after an element scrolled it keeps
 * giving it the wheel while events keep coming (momentum), so a grid scrolled to its end still swallowed the wheel
 * and the page could not be scrolled past a table (issue 10). The grid therefore scrolls itself on wheel events (and
 * cancels them: VS Code never marks it as scrolling), and leaves the event alone when it is at its end that way, or
 * when it does not have the focus and the wheel goes down (a user scrolling through the notebook passes over tables;
 * clicking into one makes it take the wheel). Then VS Code passes the event to the notebook; `hideScroller` says the
 * grid must not look scrollable to VS Code's check for that moment (it could still scroll down).
 */

export interface WheelState {
  scrollTop: number;
  clientHeight: number;
  scrollHeight: number;
}

export type WheelDecision = { grid: true; scrollTop: number } | { grid: false; hideScroller: boolean };

export function wheelDecision(state: WheelState, deltaPx: number, focused: boolean): WheelDecision {
  const max = Math.max(0, state.scrollHeight - state.clientHeight);
  // Less than 1 px from the end counts as the end (scrollTop is fractional on zoomed pages).
  const canDown = state.scrollTop < max - 1;
  const canUp = state.scrollTop > 1;
  if (deltaPx === 0) return { grid: false, hideScroller: false };
  if (deltaPx > 0 && (!canDown || !focused)) return { grid: false, hideScroller: canDown };
  // Up: an unfocused grid scrolled part way still scrolls back to its top first (VS Code would keep the wheel anyway).
  if (deltaPx < 0 && !canUp) return { grid: false, hideScroller: false };
  return { grid: true, scrollTop: Math.min(max, Math.max(0, state.scrollTop + deltaPx)) };
}

/** A wheel event's vertical delta in px (DOM_DELTA_LINE and DOM_DELTA_PAGE converted). */
export function wheelDeltaPx(deltaY: number, deltaMode: number, lineHeight: number, pageHeight: number): number {
  return deltaMode === 1 ? deltaY * lineHeight : deltaMode === 2 ? deltaY * pageHeight : deltaY;
}
