/**
 * The header the editor's reward-server status item sends with its `/health` poll (every 3 s): the
 * server answers it as any other but neither logs it nor counts it in requests/s, so the server's
 * terminal shows the trainer's requests, not the editor's own polling. No `vscode` import.
 */
export const STATUS_POLL_HEADER = "x-steplens-status-poll";
