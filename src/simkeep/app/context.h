#ifndef SIMKEEP_APP_CONTEXT_H_
#define SIMKEEP_APP_CONTEXT_H_

#include <memory>
#include <string>
#include <string_view>

#include "simkeep/base/clock.h"
#include "simkeep/base/ids.h"
#include "simkeep/base/result.h"
#include "simkeep/domain/catalog.h"

namespace simkeep::app {

class Outbox;  // outbox.h

// Seals small secrets (an eSIM confirmation code, a webhook signing secret) for storage, opens
// them again, and makes new ones. The
// implementation (authenticated encryption with a key outside the database) lives at the edge.
// Thread-safe.
class Sealer {
 public:
  virtual ~Sealer() = default;
  virtual std::string Seal(std::string_view plaintext) = 0;
  // kFailedPrecondition "secret_unreadable" when the box was tampered with or the key is wrong.
  virtual Result<std::string> Open(std::string_view sealed) = 0;
  // A new random secret to hand out (a webhook signing secret): "whsec_" + 64 hex digits.
  virtual std::string NewSecret() = 0;
};

// Who issues receipts (DOMAIN.md §4.3): the name and the qualified-invoice registration number.
struct IssuerInfo {
  std::string name;
  std::string invoice_registration_number;  // "T" + 13 digits.
};

// What every use case needs from outside: time, ids, the catalog, the issuer, the sealer, and the
// outbox that queues notifications (null: nothing is queued, for tools and tests that send none).
// Owned by main (or a test); everything it points to outlives the services. The catalog is an
// immutable snapshot, replaced as a whole when the catalog changes.
struct ServiceContext {
  const Clock* clock = nullptr;
  IdGenerator* ids = nullptr;
  std::shared_ptr<const domain::Catalog> catalog;
  IssuerInfo issuer;
  Sealer* sealer = nullptr;
  const Outbox* outbox = nullptr;
};

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_CONTEXT_H_
