#include "simkeep/app/line_service.h"

#include "simkeep/app/ledger_writer.h"
#include "simkeep/app/limits.h"
#include "simkeep/app/usage_service.h"
#include "simkeep/base/time.h"
#include "simkeep/domain/activation_code.h"

namespace simkeep::app {
namespace {

// Collects field problems so that a request hears about all of them at once.
class Problems {
 public:
  void Add(const std::string& field, const Error& error) {
    errors_.push_back(FieldError{field, error.reason, error.message});
  }
  void Add(const std::string& field, std::string reason, std::string message) {
    errors_.push_back(FieldError{field, std::move(reason), std::move(message)});
  }
  bool empty() const { return errors_.empty(); }
  Error ToError() const {
    if (errors_.size() == 1) {
      Error error = InvalidArgument(errors_[0].reason, errors_[0].message);
      error.errors = errors_;
      return error;
    }
    Error error = InvalidArgument("validation_failed",
                                  std::to_string(errors_.size()) + " fields are invalid.");
    error.errors = errors_;
    return error;
  }

 private:
  std::vector<FieldError> errors_;
};

std::optional<Timestamp> ParseOptionalTime(const std::string& text, const std::string& field,
                                           Problems& problems) {
  if (text.empty()) {
    return std::nullopt;
  }
  std::optional<Timestamp> parsed = ParseRfc3339(text);
  if (!parsed) {
    problems.Add(field, "time_invalid",
                 field +
                     " must be an RFC 3339 time, e.g. "
                     "2026-12-31T23:59:59+09:00.");
  }
  return parsed;
}

void ValidateIdentifiers(const ProvisionRequest& request, domain::Line& line, Problems& problems) {
  if (request.iccid.empty()) {
    problems.Add("iccid", "iccid_invalid", "iccid is required.");
  } else if (Result<domain::Iccid> iccid = domain::ParseIccid(request.iccid, request.iccid_source);
             iccid) {
    line.iccid = iccid->digits;
  } else {
    problems.Add("iccid", iccid.error());
  }
  if (!request.msisdn.empty()) {
    if (Result<domain::Msisdn> msisdn = domain::ParseMsisdn(request.msisdn); msisdn) {
      line.msisdn = msisdn->e164;
      line.number_class = domain::NumberClassName(msisdn->number_class);
    } else {
      problems.Add("msisdn", msisdn.error());
    }
  }
  if (!request.imsi.empty()) {
    if (Result<domain::Imsi> imsi = domain::ParseImsi(request.imsi); imsi) {
      line.imsi = imsi->digits;
    } else {
      problems.Add("imsi", imsi.error());
    }
  }
  if (!request.eid.empty()) {
    if (Result<std::string> eid = domain::ParseEid(request.eid); eid) {
      line.eid = *eid;
    } else {
      problems.Add("eid", eid.error());
    }
  }
}

void ValidateKinds(const ProvisionRequest& request, domain::Line& line, Problems& problems) {
  if (std::optional<domain::CarrierCode> carrier = domain::ParseCarrierCode(request.carrier)) {
    line.carrier = *carrier;
  } else {
    problems.Add("carrier", "carrier_unknown",
                 "carrier must be one of docomo, au, softbank, rakuten.");
  }
  if (!request.form_factor.empty()) {
    if (std::optional<domain::FormFactor> form = domain::ParseFormFactor(request.form_factor)) {
      line.form_factor = *form;
    } else {
      problems.Add("form_factor", "form_factor_invalid", "form_factor must be sim or esim.");
    }
  }
  if (!request.service.empty()) {
    if (std::optional<domain::ServiceKind> service = domain::ParseServiceKind(request.service)) {
      line.service = *service;
    } else {
      problems.Add("service", "service_invalid", "service must be voice or data.");
    }
  }
  if (!request.state.empty()) {
    std::optional<domain::LineState> state = domain::ParseLineState(request.state);
    if (state == domain::LineState::kInactive || state == domain::LineState::kActive) {
      line.state = *state;
    } else {
      problems.Add("state", "state_invalid", "A new line starts inactive or active.");
    }
  }
}

void ValidateEsim(const ProvisionRequest& request, domain::Line& line, Problems& problems) {
  if (line.form_factor != domain::FormFactor::kEsim) {
    if (!request.activation_code.empty() || !request.confirmation_code.empty()) {
      problems.Add("activation_code", "activation_code_invalid",
                   "Only eSIM lines have an activation code.");
    }
    return;
  }
  if (request.activation_code.empty()) {
    problems.Add("activation_code", "activation_code_required",
                 "An eSIM line needs its activation code (LPA:1$smdp$matching-id).");
    return;
  }
  Result<domain::ActivationCode> code = domain::ParseActivationCode(request.activation_code);
  if (!code) {
    problems.Add("activation_code", code.error());
    return;
  }
  line.esim = domain::EsimProfile{code->smdp_address, code->matching_id, code->smdp_oid,
                                  code->confirmation_code_required, ""};
  if (code->confirmation_code_required && request.confirmation_code.empty()) {
    problems.Add("confirmation_code", "confirmation_code_required",
                 "The activation code says a confirmation code is required.");
  }
}

}  // namespace

Result<ValidProvision> LineService::Validate(const ProvisionRequest& request) const {
  Problems problems;
  ValidProvision provision;
  domain::Line& line = provision.line;
  ValidateIdentifiers(request, line, problems);
  ValidateKinds(request, line, problems);
  ValidateEsim(request, line, problems);
  if (!request.plan_id.empty()) {
    const domain::Plan* plan = context_.catalog->FindPlan(PlanId{request.plan_id});
    if (plan == nullptr) {
      problems.Add("plan_id", "plan_id_invalid", "No plan " + request.plan_id + " exists.");
    } else if (plan->carrier != line.carrier) {
      problems.Add("plan_id", "plan_id_invalid",
                   "Plan " + request.plan_id + " is sold on another carrier's network.");
    } else {
      line.plan_id = plan->id;
    }
  }
  line.expires_at = ParseOptionalTime(request.expires_at, "expires_at", problems);
  line.activate_by = ParseOptionalTime(request.activate_by, "activate_by", problems);
  if (line.state == domain::LineState::kActive && !line.expires_at) {
    problems.Add("expires_at", "time_invalid", "An active line needs its expires_at.");
  }
  if (!problems.empty()) {
    return problems.ToError();
  }
  provision.confirmation_code = request.confirmation_code;
  return provision;
}

Result<domain::Line> LineService::Insert(Transaction& transaction, ValidProvision provision) const {
  domain::Line& line = provision.line;
  const Timestamp now = context_.clock->Now();
  line.id = LineId{context_.ids->Next("ln")};
  line.wallet_account_id = AccountId{context_.ids->Next("wal")};
  line.created_at = now;
  line.updated_at = now;
  if (line.esim && !provision.confirmation_code.empty()) {
    line.esim->confirmation_code_sealed = context_.sealer->Seal(provision.confirmation_code);
  }
  if (Result<void> wallet =
          EnsureAccount(transaction, line.wallet_account_id, ledger::AccountKind::kCustomerWallet);
      !wallet) {
    return wallet.error();
  }
  if (!line.msisdn.empty()) {
    Result<std::optional<domain::NumberQuarantine>> hold =
        transaction.FindNumberQuarantine(line.msisdn);
    if (!hold) {
      return hold.error();
    }
    if (*hold && (*hold)->released_at > now) {
      return AlreadyExists("msisdn_quarantined",
                           "Number " + line.msisdn +
                               " belonged to a terminated line and is held until " +
                               FormatRfc3339Jst((*hold)->released_at) + ".");
    }
  }
  if (Result<void> inserted = transaction.InsertLine(line); !inserted) {
    return inserted.error();
  }
  domain::LineEvent event{EventId{context_.ids->Next("ev")},
                          line.id,
                          "provisioned",
                          std::nullopt,
                          line.state,
                          "provisioned",
                          OrderId{},
                          now};
  if (Result<void> logged = transaction.InsertLineEvent(event); !logged) {
    return logged.error();
  }
  return line;
}

Result<domain::Line> LineService::Get(Transaction& transaction, const LineId& id) const {
  return LoadLine(transaction, id);
}

Result<domain::Line> LoadLine(Transaction& transaction, const LineId& id) {
  Result<std::optional<domain::Line>> found = transaction.FindLine(id);
  if (!found) {
    return found.error();
  }
  if (!found->has_value()) {
    return NotFound("line_not_found", "No line " + id.value + " exists.");
  }
  return std::move(**found);
}

Result<LineStatus> LineService::Status(Transaction& transaction, const LineId& id) const {
  Result<domain::Line> line = Get(transaction, id);
  if (!line) {
    return line.error();
  }
  LineStatus status;
  Result<int64_t> balance = WalletBalance(transaction, line->wallet_account_id);
  if (!balance) {
    return balance.error();
  }
  status.balance_jpy = *balance;
  Result<std::vector<domain::Bucket>> buckets = transaction.ListBuckets(id);
  if (!buckets) {
    return buckets.error();
  }
  Result<LineUsageView> usage = UsageService(context_).Usage(transaction, *line, *buckets);
  if (!usage) {
    return usage.error();
  }
  status.speed_kbps = usage->speed_kbps;
  status.usage_days = std::move(usage->days);
  const Timestamp now = context_.clock->Now();
  for (domain::Bucket& bucket : *buckets) {
    const bool unlimited = bucket.kind == domain::BundleKind::kUnlimited;
    if (bucket.starts_at <= now && now <= bucket.expires_at &&
        (unlimited || bucket.remaining > 0)) {
      status.buckets.push_back(std::move(bucket));
    }
  }
  Result<std::vector<domain::LineEvent>> events =
      transaction.ListLineEvents(id, kLineEventsInStatus);
  if (!events) {
    return events.error();
  }
  status.events = std::move(*events);
  Result<std::optional<domain::AutoRenewal>> auto_renewal = transaction.FindAutoRenewal(id);
  if (!auto_renewal) {
    return auto_renewal.error();
  }
  status.auto_renewal = std::move(*auto_renewal);
  status.line = std::move(*line);
  return status;
}

}  // namespace simkeep::app
