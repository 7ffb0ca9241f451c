#ifndef SIMKEEP_LEDGER_LIMITS_H_
#define SIMKEEP_LEDGER_LIMITS_H_

#include <cstddef>

namespace simkeep::ledger {

// Bounds on everything the ledger accepts. Each is checked where the value enters, and each has a
// test at the bound.

// Longest account or transfer id, in bytes. Generated ids are 23 bytes ("tr_" + 20).
inline constexpr size_t kIdLengthMax = 64;

// Longest Transfer::code ("topup", "renewal", "tax", ...), in bytes.
inline constexpr size_t kTransferCodeLengthMax = 32;

// Longest Transfer::reference (an order id, a provider's payment id, ...), in bytes.
inline constexpr size_t kTransferReferenceLengthMax = 128;

// Most transfers in one Journal::SubmitLinked call. A renewal needs two or three.
inline constexpr size_t kLinkedTransfersMax = 64;

// Most violation messages an AuditReport keeps; further ones are only counted, so that a
// systematically corrupt ledger of millions of transfers cannot exhaust memory.
inline constexpr size_t kAuditViolationsMax = 1000;

}  // namespace simkeep::ledger

#endif  // SIMKEEP_LEDGER_LIMITS_H_
