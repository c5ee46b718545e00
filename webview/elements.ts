/**
 * The @vscode-elements components the renderer uses (imported one by one to keep the bundle small). It is the
 * maintained successor of the archived @vscode/webview-ui-toolkit. The grid itself is our own virtualized list:
 * a component per cell does not scale to 100k rows.
 */
import "@vscode-elements/elements/dist/vscode-badge/index.js";
import "@vscode-elements/elements/dist/vscode-tabs/index.js";
import "@vscode-elements/elements/dist/vscode-tab-header/index.js";
import "@vscode-elements/elements/dist/vscode-tab-panel/index.js";
