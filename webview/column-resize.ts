/**
 * Drag handles on the grid's header cells: dragging one sets that column's width in px; double-clicking it goes back
 * to the fitted width. The handle swallows its own clicks so that resizing never sorts.
 */
import { h } from "./dom.js";

/** Narrowest a column can be dragged, in px. @default 36 */
export const MIN_COLUMN_PX = 36;

export function addResizeHandle(cell: HTMLElement, onResize: (px: number | undefined) => void): void {
  const handle = h("div", "cnb-resize");
  handle.title = "Drag to resize; double-click to fit";
  handle.addEventListener("click", (e) => e.stopPropagation());
  handle.addEventListener("dblclick", (e) => {
    e.stopPropagation();
    onResize(undefined);
  });
  handle.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    e.stopPropagation();
    const startX = e.clientX;
    const startWidth = cell.getBoundingClientRect().width;
    handle.setPointerCapture(e.pointerId);
    const move = (m: PointerEvent) => onResize(Math.max(MIN_COLUMN_PX, Math.round(startWidth + m.clientX - startX)));
    const up = () => {
      handle.removeEventListener("pointermove", move);
      handle.removeEventListener("pointerup", up);
      handle.removeEventListener("pointercancel", up);
    };
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", up);
    handle.addEventListener("pointercancel", up);
  });
  cell.append(handle);
}
