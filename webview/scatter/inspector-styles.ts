/**
 * Styles of the million-point inspector's own parts (stacked canvases, legend, selection list, mode buttons),
 * injected once per document as a <style> element built with textContent, like the renderer's main stylesheet.
 */
const CSS = `
.cnb-scatter-wrap { outline: none; }
.cnb-scatter-wrap:focus-visible { border-color: var(--vscode-focusBorder, #007fd4); }
.cnb-scatter-wrap canvas.cnb-scatter-points, .cnb-scatter-wrap canvas.cnb-scatter-overlay { position: absolute; inset: 0;
  width: 100%; height: 100%; }
.cnb-scatter-wrap canvas.cnb-scatter-overlay { touch-action: none; }
.cnb-scatter-wrap[data-mode="pan"] canvas.cnb-scatter-overlay { cursor: grab; }
.cnb-insp-plot { flex: 1 1 420px; min-width: 280px; display: flex; flex-direction: column; gap: 4px; }
.cnb-insp-plot .cnb-scatter-wrap { flex: none; width: 100%; }
.cnb-insp-controls input[type="search"] { background: var(--vscode-input-background, #3c3c3c);
  color: var(--vscode-input-foreground, #ccc); border: 1px solid var(--vscode-input-border, #3c3c3c); font: inherit; width: 12em; }
.cnb-insp-modes { display: inline-flex; gap: 0; }
.cnb-insp-modes button, .cnb-insp-button { background: var(--vscode-button-secondaryBackground, #3a3d41);
  color: var(--vscode-button-secondaryForeground, #ccc); border: 1px solid var(--vscode-panel-border, #444); font: inherit;
  padding: 1px 8px; cursor: pointer; }
.cnb-insp-modes button[aria-pressed="true"] { background: var(--vscode-button-background, #0e639c);
  color: var(--vscode-button-foreground, #fff); }
.cnb-insp-legend { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: center; min-height: 16px; }
.cnb-insp-legend .cnb-swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px;
  vertical-align: middle; }
.cnb-insp-legend canvas { width: 160px; height: 10px; vertical-align: middle; }
.cnb-insp-selection ol { margin: 0; padding-left: 22px; max-height: 180px; overflow: auto; }
.cnb-insp-selection li { cursor: pointer; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.cnb-insp-selection li:hover { background: var(--vscode-list-hoverBackground, #2a2d2e); }
`;

const STYLE_ID = "chalknb-inspector-styles";

export function ensureInspectorStyles(doc: Document): void {
  if (doc.getElementById(STYLE_ID)) return;
  const style = doc.createElement("style");
  style.id = STYLE_ID;
  style.textContent = CSS;
  doc.head.appendChild(style);
}
