#ifndef SIMKEEP_APP_LIMITS_H_
#define SIMKEEP_APP_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace simkeep::app {

// Bounds on what one request may ask for. Each is checked where input enters and has a test at
// the bound.
inline constexpr int64_t kTopUpAmountJpyMin = 1;
inline constexpr int64_t kTopUpAmountJpyMax = 100'000;
// A wallet never holds more than this (prepaid value is regulated; DOMAIN.md §4.2).
inline constexpr int64_t kWalletBalanceJpyMax = 1'000'000;
inline constexpr int kPageLimitMax = 200;
inline constexpr int kPageLimitDefault = 50;
inline constexpr int kLineEventsInStatus = 20;
inline constexpr size_t kCommitBatchSizeMax = 1024;
// On PostgreSQL each command of a batch is a subtransaction (its savepoint); past 64 in one
// transaction, PostgreSQL's per-backend subtransaction cache overflows and every snapshot in
// the database gets slower until the transaction ends. So PostgreSQL batches stay within it.
inline constexpr size_t kPostgresCommitBatchSizeMax = 64;
inline constexpr size_t kImportRowsMax = 10'000'000;
// How long an instance may go on accepting an API key after it was revoked (several instances
// share one database and each caches the keys it has seen): a cached key is looked up again
// once its entry is this old.
inline constexpr int64_t kApiKeyCacheTtlMs = 5'000;
// A payment method's service charge is a taxable service at the standard rate.
inline constexpr int kPaymentFeeTaxRatePercent = 10;
// A payment still pending (no answer from the provider) this long after it was made is asked
// about again by the payment sweep; younger ones may still have their charge call in flight.
inline constexpr int64_t kPaymentReconcileAfterMs = 60'000;
// How often the leader sweeps payments: past deadlines expired, unknown outcomes and pending
// refunds asked about again.
inline constexpr int64_t kPaymentSweepIntervalMs = 10'000;
// How many payments (or refunds) one sweep step takes at a time.
inline constexpr int kPaymentSweepBatch = 100;
// Saved payment methods a line may hold at once (pending and active ones).
inline constexpr size_t kSavedMethodsPerLineMax = 5;

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_LIMITS_H_
