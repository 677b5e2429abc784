/** The signal names processes report: Node's `NodeJS.Signals`, named here for the browser's types too. */
export type ProcessSignal = NodeJS.Signals;
