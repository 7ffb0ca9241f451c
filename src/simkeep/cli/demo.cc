#include "simkeep/cli/demo.h"

#include <cstdio>
#include <optional>
#include <utility>

namespace simkeep::cli {
namespace {

// The first base plan (kind renewal) sold on `carrier`, or "" if none.
std::string FirstPlan(const domain::Catalog& catalog, domain::CarrierCode carrier) {
  for (const domain::Plan& plan : catalog.plans) {
    if (plan.carrier == carrier && plan.kind == domain::PlanKind::kRenewal) {
      return plan.id.value;
    }
  }
  return "";
}

}  // namespace

Result<void> SeedDemoLines(Runtime& runtime) {
  int64_t existing = 0;
  Result<void> counted = runtime.reads->Read([&](app::Transaction& transaction) -> Result<void> {
    Result<int64_t> count = transaction.CountLines();
    if (!count) {
      return count.error();
    }
    existing = *count;
    return Ok();
  });
  if (!counted) {
    return counted;
  }
  if (existing > 0) {
    return Ok();
  }
  const domain::Catalog& catalog = *runtime.context.catalog;
  std::vector<app::ProvisionRequest> requests(3);
  requests[0].iccid = "89813000000000000018";  // KDDI IIN 898130, Luhn-valid.
  requests[0].carrier = "au";
  requests[0].form_factor = "esim";
  requests[0].service = "data";
  requests[0].activation_code = "LPA:1$smdp.example.com$DEMO-AU-0001";
  requests[0].plan_id = FirstPlan(catalog, domain::CarrierCode::kAu);
  requests[1].iccid = "89812000000000000028";  // SoftBank IIN 898120.
  requests[1].msisdn = "090-1234-0001";
  requests[1].carrier = "softbank";
  requests[1].service = "voice";
  requests[1].plan_id = FirstPlan(catalog, domain::CarrierCode::kSoftbank);
  requests[2].iccid = "89811000000000000038";  // NTT DOCOMO IIN 898110.
  requests[2].msisdn = "020-1000-0001";
  requests[2].carrier = "docomo";
  requests[2].plan_id = FirstPlan(catalog, domain::CarrierCode::kDocomo);
  std::vector<domain::Line> lines;
  for (const app::ProvisionRequest& request : requests) {
    Result<app::ValidProvision> valid = runtime.lines->Validate(request);
    if (!valid) {
      return valid.error();
    }
    std::optional<domain::Line> line;
    Result<void> inserted = runtime.committer->RunAndWait([&](app::Transaction& transaction) {
      Result<domain::Line> stored = runtime.lines->Insert(transaction, *valid);
      if (!stored) {
        return Result<void>(stored.error());
      }
      line = std::move(*stored);
      return Ok();
    });
    if (!inserted) {
      return inserted;
    }
    lines.push_back(std::move(*line));
  }
  Result<void> topped = runtime.committer->RunAndWait([&](app::Transaction& transaction) {
    app::TopUpInput input{lines[0].id, 3000, app::PayWith("cash"),
                          app::Requester{"clerk", domain::Channel::kStore, "demo:seed"}};
    Result<app::OrderView> view = runtime.orders->PlaceTopUp(transaction, input);
    return view ? Ok() : Result<void>(view.error());
  });
  if (!topped) {
    return topped;
  }
  std::printf("demo: provisioned %zu lines:\n", lines.size());
  for (const domain::Line& line : lines) {
    std::printf("  %s  %-8s %-4s iccid %s%s%s\n", line.id.value.c_str(),
                domain::CarrierCodeName(line.carrier), domain::FormFactorName(line.form_factor),
                line.iccid.c_str(), line.msisdn.empty() ? "" : "  msisdn ", line.msisdn.c_str());
  }
  return Ok();
}

}  // namespace simkeep::cli
