#ifndef SIMKEEP_BASE_IDS_H_
#define SIMKEEP_BASE_IDS_H_

#include <atomic>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "simkeep/base/clock.h"

namespace simkeep {

// A strongly typed identifier: a string with a type tag, so that a LineId cannot be passed where
// an OrderId is expected. Public ids look like "ln_5kq2v7x0m3h9c1w4tz8b" (prefix, underscore,
// 20 base32 characters).
template <typename Tag>
struct Id {
  std::string value;

  bool empty() const { return value.empty(); }
  friend auto operator<=>(const Id&, const Id&) = default;
};

struct AccountTag {};
struct LineTag {};
struct OrderTag {};
struct PaymentTag {};
struct PlanTag {};
struct TransferTag {};
struct ApiKeyTag {};
struct BucketTag {};
struct EventTag {};
struct RefundTag {};
struct SavedMethodTag {};

using AccountId = Id<AccountTag>;  // Ledger account.
using LineId = Id<LineTag>;
using OrderId = Id<OrderTag>;
using PaymentId = Id<PaymentTag>;
using PlanId = Id<PlanTag>;
using TransferId = Id<TransferTag>;
using ApiKeyId = Id<ApiKeyTag>;
using BucketId = Id<BucketTag>;
using EventId = Id<EventTag>;
using RefundId = Id<RefundTag>;
using SavedMethodId = Id<SavedMethodTag>;  // A saved card or wallet.

// Makes new unique ids. Implementations are thread-safe.
class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  // Returns `prefix` + "_" + a unique suffix.
  virtual std::string Next(std::string_view prefix) = 0;
};

// Time-ordered random suffixes: 9 base32 characters of the clock's milliseconds, then 55 bits
// from the operating system's random source (11 characters). Safe across processes and
// instances sharing one database. Ids made close together in time sort close together, so
// inserts touch the same index pages (as with ULIDs) instead of random ones all over the
// B-trees, which is what keeps a committed batch small.
class RandomIdGenerator final : public IdGenerator {
 public:
  // `clock` must outlive the generator.
  explicit RandomIdGenerator(const Clock& clock) : clock_(clock) {}
  std::string Next(std::string_view prefix) override;

 private:
  const Clock& clock_;
};

// Deterministic suffixes (a zero-padded counter) for tests.
class SequentialIdGenerator final : public IdGenerator {
 public:
  std::string Next(std::string_view prefix) override;

 private:
  std::atomic<uint64_t> next_{1};
};

}  // namespace simkeep

#endif  // SIMKEEP_BASE_IDS_H_
