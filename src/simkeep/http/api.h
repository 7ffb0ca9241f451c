#ifndef SIMKEEP_HTTP_API_H_
#define SIMKEEP_HTTP_API_H_

#include <memory>
#include <string>

#include "simkeep/app/auto_renewal_service.h"
#include "simkeep/app/committer.h"
#include "simkeep/app/context.h"
#include "simkeep/app/leader_loop.h"
#include "simkeep/app/line_service.h"
#include "simkeep/app/notification_service.h"
#include "simkeep/app/order_service.h"
#include "simkeep/app/payment_coordinator.h"
#include "simkeep/app/read_pool.h"
#include "simkeep/app/reservation_service.h"
#include "simkeep/app/usage_service.h"
#include "simkeep/http/server.h"

namespace simkeep::http {

// Everything the API reaches. Owned by main (or a test) and outliving the Api.
struct ApiDependencies {
  app::Committer* committer = nullptr;
  app::ReadPool* reads = nullptr;
  const app::ServiceContext* context = nullptr;
  const app::LineService* lines = nullptr;
  const app::OrderService* orders = nullptr;
  app::PaymentCoordinator* payments = nullptr;
  const app::AutoRenewalService* auto_renewals = nullptr;
  const app::NotificationService* notifications = nullptr;
  const app::UsageService* usage = nullptr;
  const app::ReservationService* reservations = nullptr;
  std::string version = "0.1.0";
  // The instance's leader election, shown by /healthz and /metrics; null when it runs none
  // (tests), which reads as "not leader".
  const app::LeaderLoop* leader = nullptr;
};

// The HTTP API of DESIGN.md §4: routing, authentication by API key, roles, the Idempotency-Key
// contract, and the conversion between JSON and the app's use cases. Valid API keys are cached
// for app::kApiKeyCacheTtlMs on the context's clock: a key revoked in the database (by any
// instance) is refused here at most that long afterwards. Reads run on the calling
// I/O thread in a read-only snapshot; writes go to the committer and are answered after commit;
// provider calls (card charges) run on a small worker pool, never on the committer thread.
//
// Thread-safety: Handle may be called from any number of threads at once.
class Api {
 public:
  explicit Api(ApiDependencies dependencies);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // Answers one request through `respond` (now, or once its write committed).
  void Handle(Request request, Responder respond);

  // Resolves payments left pending by a crash between a provider call and its recording: asks
  // the provider for each one's outcome and records it (completing the request's
  // Idempotency-Key). Returns how many were resolved. Call before serving.
  Result<int> RecoverPendingPayments();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Hex SHA-256 of `data` (API key hashes, idempotency request hashes).
std::string Sha256Hex(std::string_view data);

}  // namespace simkeep::http

#endif  // SIMKEEP_HTTP_API_H_
