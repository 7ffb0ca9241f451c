#ifndef SIMKEEP_STORAGE_POSTGRES_INTERNAL_ORDER_STORE_H_
#define SIMKEEP_STORAGE_POSTGRES_INTERNAL_ORDER_STORE_H_

// Tables orders, payments and sequences. Each function is the body of the app::Transaction
// method of the same name; contracts are in app/ports.h.
//
// Every function runs on the caller's connection, inside its open transaction (outside one it
// returns kUnavailable "db_unavailable"), and is as thread-safe as that connection: not at all.

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "simkeep/app/ports.h"
#include "simkeep/storage/postgres/internal/connection.h"
#include "simkeep/storage/postgres/internal/rows.h"

namespace simkeep::storage::postgres::internal {

Result<void> InsertOrder(Connection& connection, const domain::Order& order);
// Writes what may change after an order is placed: status, plan_id, amount_jpy,
// failure_reason, receipt_number and completed_at. What was asked for (line, kind, channel,
// idempotency key, created_at) is fixed at insert. kNotFound "order_not_found".
Result<void> UpdateOrder(Connection& connection, const domain::Order& order);
// `lock` kForUpdate locks the row until the transaction ends (write transactions only), as in
// FindPayment.
Result<std::optional<domain::Order>> FindOrder(Connection& connection, const OrderId& id,
                                               RowLock lock);
Result<void> ForEachOrder(Connection& connection,
                          const std::function<Result<void>(const domain::Order&)>& callback);
// A cursor naming no order of any line yields an empty page.
Result<std::vector<domain::Order>> ListOrders(Connection& connection, const LineId& line_id,
                                              const app::PageRequest& page);

Result<void> InsertPayment(Connection& connection, const domain::Payment& payment);
// Writes everything but payment_id, order_id, method and created_at.
// kNotFound "payment_not_found".
Result<void> UpdatePayment(Connection& connection, const domain::Payment& payment);
enum class PaymentKey { kId, kOrderId };
Result<std::optional<domain::Payment>> FindPayment(Connection& connection, PaymentKey key,
                                                   std::string_view value, RowLock lock);
Result<std::vector<domain::Payment>> ListPendingPayments(Connection& connection, int limit);

Result<int64_t> NextSequenceValue(Connection& connection, std::string_view name);

}  // namespace simkeep::storage::postgres::internal

#endif  // SIMKEEP_STORAGE_POSTGRES_INTERNAL_ORDER_STORE_H_
