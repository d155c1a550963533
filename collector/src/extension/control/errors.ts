import { AuditError } from '../../model/errors';

/** The collector is not running (no one listens on its control socket): the command may open the store itself. */
export class ControlUnavailableError extends AuditError {}

/**
 * Something answers at the control socket's place but could not be verified as the
 * collector's. The command stops there: it neither talks to it nor opens the store itself.
 */
export class ControlRefusedError extends AuditError {
  constructor(socketPath: string, reason: string) {
    super(`refusing the control socket ${socketPath}: ${reason}`);
  }
}
