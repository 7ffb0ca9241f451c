// Feeds arbitrary bytes to the API's request decoding: the JSON parser with its depth guard, then
// every request decoder (usage batches as JSON and NDJSON too) and the checks behind POST
// /v1/lines and POST /v1/lines/{id}/reservations. Nothing may crash, throw or hang; every refusal
// must carry a stable reason.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "simkeep/app/line_service.h"
#include "simkeep/app/reservation_service.h"
#include "simkeep/base/assert.h"
#include "simkeep/base/clock.h"
#include "simkeep/base/ids.h"
#include "simkeep/domain/catalog.h"
#include "simkeep/http/json_codec.h"

namespace {

template <typename T>
void CheckRefusal(const simkeep::Result<T>& result) {
  if (!result) {
    SIMKEEP_ASSERT(!result.error().reason.empty());
    SIMKEEP_ASSERT(result.error().code == simkeep::ErrorCode::kInvalidArgument);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace simkeep;  // NOLINT(google-build-using-namespace)
  static const FakeClock clock(FromMicros(1'790'000'000'000'000));
  static SequentialIdGenerator ids;
  static app::ServiceContext context = [] {
    app::ServiceContext c;
    c.clock = &clock;
    c.ids = &ids;
    c.catalog = std::make_shared<domain::Catalog>();
    return c;
  }();
  static const app::LineService lines(context);
  static const app::ReservationService reservations(context);

  const std::string_view body(reinterpret_cast<const char*>(data), size);
  // A usage batch as NDJSON: every line decoded on its own, a bad one kept as a rejection.
  Result<std::vector<app::UsageInput>> ndjson = http::DecodeUsageNdjson(body);
  CheckRefusal(ndjson);
  if (ndjson) {
    for (const app::UsageInput& input : *ndjson) {
      SIMKEEP_ASSERT(!input.problem || !input.problem->reason.empty());
    }
  }
  Result<http::Json> parsed = http::ParseObject(body);
  CheckRefusal(parsed);
  if (!parsed) {
    return 0;
  }
  CheckRefusal(http::DecodeTopUp(*parsed));
  CheckRefusal(http::DecodeRenewal(*parsed));
  CheckRefusal(http::DecodePlanChange(*parsed));
  CheckRefusal(http::DecodeNotificationSettings(*parsed));
  CheckRefusal(http::DecodeWebhookEndpoint(*parsed));
  CheckRefusal(http::DecodeUsageBatch(*parsed));
  CheckRefusal(http::DecodeReservationCommit(*parsed));
  Result<app::ReservationInput> reservation = http::DecodeReservation(*parsed);
  CheckRefusal(reservation);
  if (reservation) {
    CheckRefusal(reservations.Check(*reservation));
  }
  Result<app::ProvisionRequest> provision = http::DecodeProvision(*parsed);
  CheckRefusal(provision);
  if (provision) {
    CheckRefusal(lines.Validate(*provision));
  }
  return 0;
}
