#ifndef SIMKEEP_STORAGE_POSTGRES_INTERNAL_RECEIPT_STORE_H_
#define SIMKEEP_STORAGE_POSTGRES_INTERNAL_RECEIPT_STORE_H_

// Tables receipts, receipt_lines and receipt_rate_totals: append-only, refused UPDATE and DELETE
// by triggers.

#include <optional>

#include "simkeep/domain/order.h"
#include "simkeep/storage/postgres/internal/connection.h"

namespace simkeep::storage::postgres::internal {

// Inserts the receipt, its lines (in order) and its per-rate totals (in order).
// kAlreadyExists "receipt_exists" when the number or the order already has one.
Result<void> InsertReceipt(Connection& connection, const domain::Receipt& receipt);
Result<std::optional<domain::Receipt>> FindReceiptByOrder(Connection& connection,
                                                          const OrderId& id);

}  // namespace simkeep::storage::postgres::internal

#endif  // SIMKEEP_STORAGE_POSTGRES_INTERNAL_RECEIPT_STORE_H_
