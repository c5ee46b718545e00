/**
 * The renderer's stylesheet. Colours come from VS Code's theme variables (with fallbacks for the benchmark page), so
 * light, dark and high-contrast themes need no code. Injected once per document as a <style> element built with
 * textContent; no inline `style=` attributes carry data.
 */
const CSS = `
.cnb-root { font-family: var(--vscode-font-family, sans-serif); font-size: var(--vscode-font-size, 13px);
  color: var(--vscode-foreground, #ccc); }
.cnb-toolbar { display: flex; align-items: center; gap: 8px; margin: 2px 0 6px; flex-wrap: wrap; }
.cnb-muted { color: var(--vscode-descriptionForeground, #999); }
.cnb-shown-rows { color: var(--vscode-charts-blue, #3794ff); }
.cnb-shown-rows[hidden] { display: none; }
.cnb-grid-viewport { position: relative; overflow: auto; height: var(--cnb-grid-height, 360px); box-sizing: border-box;
  border: 1px solid var(--vscode-panel-border, #444); outline: none;
  font-family: var(--vscode-editor-font-family, monospace); font-size: var(--vscode-editor-font-size, 12px); }
.cnb-grid-viewport:focus-visible { border-color: var(--vscode-focusBorder, #007fd4); }
/* While the wheel passes over an unfocused grid to the notebook (table-view.ts); the gutter stays, so no column moves. */
.cnb-grid-viewport { scrollbar-gutter: stable; }
.cnb-grid-viewport.cnb-wheel-pass { overflow-y: hidden; }
.cnb-row, .cnb-header { display: grid; grid-template-columns: var(--cnb-cols); min-width: max-content; }
.cnb-header { position: sticky; top: 0; z-index: 2; background: var(--vscode-editorWidget-background, #252526);
  border-bottom: 1px solid var(--vscode-panel-border, #444); }
.cnb-hcell { position: relative; padding: 3px 6px; cursor: pointer; user-select: none; overflow: hidden; white-space: nowrap;
  border-right: 1px solid var(--vscode-panel-border, #444); display: flex; flex-direction: column; line-height: 1.25; }
.cnb-resize { position: absolute; top: 0; right: 0; bottom: 0; width: 6px; cursor: col-resize; touch-action: none; }
.cnb-resize:hover { background: var(--vscode-sash-hoverBorder, var(--vscode-focusBorder, #007fd4)); }
.cnb-hcell:hover { background: var(--vscode-list-hoverBackground, #2a2d2e); }
.cnb-hname { font-weight: 600; overflow: hidden; text-overflow: ellipsis; }
.cnb-htype { color: var(--vscode-descriptionForeground, #999); font-size: 0.9em; overflow: hidden; text-overflow: ellipsis; }
.cnb-spacer { position: relative; }
.cnb-row { position: absolute; left: 0; right: 0; height: var(--cnb-row-height, 22px); will-change: transform; }
.cnb-row:nth-child(even) { background: var(--vscode-editor-inactiveSelectionBackground, rgba(128,128,128,0.06)); }
.cnb-row:hover { background: var(--vscode-list-hoverBackground, #2a2d2e); }
.cnb-row.cnb-selected { background: var(--vscode-list-activeSelectionBackground, #04395e);
  color: var(--vscode-list-activeSelectionForeground, inherit); }
.cnb-cell { padding: 0 6px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis;
  line-height: var(--cnb-row-height, 22px); border-right: 1px solid var(--vscode-panel-border, rgba(128,128,128,0.2)); }
.cnb-num { text-align: right; font-variant-numeric: tabular-nums; }
.cnb-rownum { color: var(--vscode-editorLineNumber-foreground, #858585); text-align: right; }
.cnb-null { color: var(--vscode-descriptionForeground, #999); font-style: italic; }
.cnb-vec { display: flex; align-items: center; gap: 6px; cursor: pointer; }
.cnb-vec canvas { width: 72px; height: 14px; flex: none; }
.cnb-detail { margin-top: 6px; border: 1px solid var(--vscode-panel-border, #444); padding: 6px; }
.cnb-detail-head { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; margin-bottom: 4px; }
.cnb-detail pre { max-height: 160px; overflow: auto; margin: 4px 0 0; white-space: pre-wrap; word-break: break-all;
  font-family: var(--vscode-editor-font-family, monospace); font-size: var(--vscode-editor-font-size, 12px); }
.cnb-detail canvas.cnb-strip { width: 100%; height: 18px; display: block; }
.cnb-linkbutton { background: none; border: none; padding: 0; color: var(--vscode-textLink-foreground, #3794ff);
  cursor: pointer; font: inherit; }
.cnb-progress-head { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; margin-bottom: 4px; }
.cnb-bar-wrap { position: relative; height: 4px; margin: 4px 0 6px; background: rgba(128,128,128,0.2); }
.cnb-bar-fill { position: absolute; left: 0; top: 0; bottom: 0; background: var(--vscode-progressBar-background, #0e70c0); }
.cnb-tiles { display: flex; flex-wrap: wrap; gap: 2px; }
.cnb-tile { width: var(--cnb-tile, 12px); height: var(--cnb-tile, 12px); border-radius: 2px; }
.cnb-legend { display: flex; gap: 12px; flex-wrap: wrap; margin: 4px 0; }
.cnb-legend-item { display: inline-flex; gap: 4px; align-items: center; }
.cnb-legend-item .cnb-tile { --cnb-tile: 10px; }
.cnb-st-queued { background: var(--vscode-disabledForeground, #6b6b6b); opacity: 0.6; }
.cnb-st-running { background: var(--vscode-charts-blue, #3794ff); }
.cnb-st-done { background: var(--vscode-charts-green, #89d185); }
.cnb-st-retried { background: var(--vscode-charts-orange, #d18616); }
.cnb-st-failed { background: var(--vscode-charts-red, #f14c4c); }
.cnb-st-cancelled { background: var(--vscode-charts-purple, #b180d7); }
.cnb-failed-list { margin: 6px 0 0; padding-left: 18px; color: var(--vscode-errorForeground, #f48771); }
.cnb-inspector { display: flex; flex-direction: column; gap: 6px; padding-top: 4px; }
.cnb-insp-controls { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.cnb-insp-controls select { background: var(--vscode-dropdown-background, #3c3c3c); color: var(--vscode-dropdown-foreground, #ccc);
  border: 1px solid var(--vscode-dropdown-border, #3c3c3c); font: inherit; }
.cnb-insp-main { display: flex; gap: 10px; flex-wrap: wrap; }
.cnb-scatter-wrap { position: relative; flex: 1 1 420px; min-width: 280px; height: 380px;
  border: 1px solid var(--vscode-panel-border, #444); }
.cnb-scatter-wrap canvas { width: 100%; height: 100%; display: block; cursor: crosshair; }
.cnb-tooltip { position: absolute; pointer-events: none; z-index: 3; max-width: 320px; padding: 3px 6px;
  background: var(--vscode-editorHoverWidget-background, #252526); color: var(--vscode-editorHoverWidget-foreground, #ccc);
  border: 1px solid var(--vscode-editorHoverWidget-border, #454545); white-space: pre-wrap; word-break: break-word; }
.cnb-side { flex: 0 1 300px; min-width: 240px; display: flex; flex-direction: column; gap: 4px; }
.cnb-side h4 { margin: 4px 0 2px; font-weight: 600; }
.cnb-side canvas.cnb-hist { width: 100%; height: 90px; display: block; }
.cnb-neighbours { margin: 0; padding-left: 22px; max-height: 220px; overflow: auto; }
.cnb-neighbours li { cursor: pointer; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.cnb-neighbours li:hover { background: var(--vscode-list-hoverBackground, #2a2d2e); }
.cnb-error { color: var(--vscode-errorForeground, #f48771); white-space: pre-wrap; }
.cnb-grid-message { margin: 0 0 4px; padding: 3px 8px; border-left: 3px solid var(--vscode-editorInfo-foreground, #3794ff);
  background: var(--vscode-textBlockQuote-background, rgba(127,127,127,0.1)); white-space: pre-wrap; }
.cnb-filter { min-width: 280px; padding: 2px 6px; color: var(--vscode-input-foreground, inherit);
  background: var(--vscode-input-background, transparent); border: 1px solid var(--vscode-input-border, var(--vscode-panel-border, #555));
  border-radius: 2px; font: inherit; }
.cnb-filter:focus { outline: 1px solid var(--vscode-focusBorder, #007fd4); outline-offset: -1px; }
`;

const STYLE_ID = "chalknb-renderer-styles";

export function ensureStyles(doc: Document): void {
  if (doc.getElementById(STYLE_ID)) return;
  const style = doc.createElement("style");
  style.id = STYLE_ID;
  style.textContent = CSS;
  doc.head.appendChild(style);
}

/** Resolved value of a theme variable, for canvas drawing (canvas cannot use CSS variables). */
export function themeColor(el: Element, variable: string, fallback: string): string {
  const v = getComputedStyle(el).getPropertyValue(variable).trim();
  return v || fallback;
}
