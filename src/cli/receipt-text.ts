import type { DeliveryReceipt } from '../domain/repositories.js';

/** A delivery receipt in one cell: `delivered (delivered) 2026-12-05T10:00:00.000Z`, the error code when there is one. */
export function receiptText(receipt: DeliveryReceipt | null): string | null {
  if (!receipt) return null;
  const error = receipt.errorCode ? ` error ${receipt.errorCode}` : '';
  return `${receipt.status} (${receipt.providerStatus}${error}) ${receipt.at.toISOString()}`;
}
