import * as grpc from '@grpc/grpc-js';
import type { ExportOutcome } from './export-handler';
import { encodeStatusProtobuf } from './decode';

/** A status with google.rpc.RetryInfo, which tells OTLP exporters to retry and when. */
function retryable(code: grpc.status, details: string, retryAfterSeconds: number): grpc.StatusObject {
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(encodeStatusProtobuf(code, details, retryAfterSeconds)));
  return { code, details, metadata };
}

/** The gRPC status of an export's outcome (an accepted one answers with a response message too). */
export function statusOf(outcome: ExportOutcome): grpc.StatusObject {
  switch (outcome.kind) {
    case 'accepted':
      return { code: grpc.status.OK, details: 'OK', metadata: new grpc.Metadata() };
    case 'invalid':
      return { code: grpc.status.INVALID_ARGUMENT, details: outcome.message, metadata: new grpc.Metadata() };
    case 'unauthenticated':
      return { code: grpc.status.UNAUTHENTICATED, details: outcome.message, metadata: new grpc.Metadata() };
    case 'exhausted':
      return retryable(grpc.status.RESOURCE_EXHAUSTED, outcome.message, outcome.retryAfterSeconds);
    case 'unavailable':
      return retryable(grpc.status.UNAVAILABLE, outcome.message, outcome.retryAfterSeconds);
  }
}
