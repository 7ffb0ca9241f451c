#include "simkeep/http/api.h"

// Boost 1.74's Asio uses std::exchange in C++20 mode without including <utility> itself.
#include <atomic>
#include <chrono>
#include <initializer_list>
#include <mutex>
#include <unordered_map>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include "simkeep/app/limits.h"
#include "simkeep/base/time.h"
#include "simkeep/domain/activation_code.h"
#include "simkeep/domain/payment_failure.h"
#include "simkeep/http/json_codec.h"
#include "simkeep/http/qr_svg.h"
#include "simkeep/http/receipt_html.h"
#include "simkeep/http/sandbox_page.h"
#include "simkeep/i18n/language.h"
#include "simkeep/i18n/messages.h"

namespace simkeep::http {
namespace {

constexpr size_t kIdempotencyKeyLengthMax = 255;
// Provider calls block (on the network, for KOMOJU) for up to their deadline: enough threads
// that slow answers do not queue the others.
constexpr size_t kProviderThreads = 16;

Error KeyInUse() {
  return Error{ErrorCode::kAborted,
               "idempotency_key_in_use",
               "A request with this Idempotency-Key is still in progress; retry later.",
               {}};
}

constexpr const char* kStaffRoles[] = {"admin", "operator", "clerk", "agent"};

Response JsonResponse(int status, const Json& body) {
  Response response;
  response.status = status;
  response.body = body.dump();
  return response;
}

Response Problem(const Error& error) {
  Response response;
  response.status = HttpStatusFor(error);
  response.content_type = "application/problem+json";
  response.body = EncodeProblem(error).dump();
  if (error.code == ErrorCode::kInternal) {
    spdlog::error("internal error: {}", error.message);
  }
  return response;
}

// The 402 problem for a payment that failed: `code` is the stable reason, `detail` a sentence
// the customer understands in `language`, `advice` what to try next (stable codes, most useful
// first, with their sentences), and the order or refund attached.
Json PaymentProblem(const std::string& reason, i18n::Language language) {
  const std::string key = "payment.failure." + reason;
  std::string detail = i18n::HasKey(language, key)
                           ? i18n::Translate(language, key)
                           : i18n::Translate(language, "payment.failure.processing_error");
  Error error{ErrorCode::kFailedPrecondition, reason, std::move(detail), {}};
  Json problem = EncodeProblem(error);
  problem["status"] = 402;
  Json advice = Json::array();
  for (domain::PaymentAdvice item : domain::AdviceFor(reason)) {
    const std::string name = domain::PaymentAdviceName(item);
    advice.push_back(
        {{"code", name}, {"message", i18n::Translate(language, "payment.advice." + name)}});
  }
  problem["advice"] = std::move(advice);
  problem["language"] = i18n::LanguageTag(language);
  return problem;
}

// The answer for a placed order: 201 when completed, 202 while its payment is pending or waits
// for the customer, 402 with the order attached when the payment failed or expired.
Response OrderResponse(const app::OrderView& view, i18n::Language language = i18n::Language::kEn) {
  const Json order = EncodeOrder(view);
  if (view.order.status == domain::OrderStatus::kFailed ||
      view.order.status == domain::OrderStatus::kExpired) {
    Json problem = PaymentProblem(view.order.failure_reason, language);
    problem["order"] = order;
    Response response = JsonResponse(402, problem);
    response.content_type = "application/problem+json";
    return response;
  }
  return JsonResponse(view.order.status == domain::OrderStatus::kPending ? 202 : 201, order);
}

// The answer for a card being saved: 201 once saved, 402 with the method attached when the
// provider refused the card, 503 when the provider never answered (the card was not kept;
// save it again under a new Idempotency-Key).
Response SavedMethodResponse(const domain::SavedPaymentMethod& saved,
                             i18n::Language language = i18n::Language::kEn) {
  const Json encoded = EncodeSavedMethod(saved);
  if (saved.status != domain::SavedMethodStatus::kFailed) {
    return JsonResponse(saved.status == domain::SavedMethodStatus::kPending ? 202 : 201, encoded);
  }
  Json problem;
  int status = 402;
  if (saved.failure_reason == "provider_unavailable" ||
      saved.failure_reason == "save_interrupted") {
    status = 503;
    problem = EncodeProblem(Error{ErrorCode::kUnavailable,
                                  saved.failure_reason,
                                  "The payment provider did not answer; the card was not saved. "
                                  "Try again with a new Idempotency-Key.",
                                  {}});
  } else {
    problem = PaymentProblem(saved.failure_reason, language);
  }
  problem["status"] = status;
  problem["saved_method"] = encoded;
  Response response = JsonResponse(status, problem);
  response.content_type = "application/problem+json";
  return response;
}

// The language of a request's answers: its Accept-Language, English by default.
i18n::Language LanguageOf(const Request& request) {
  return i18n::NegotiateLanguage(request.Header("accept-language"), i18n::Language::kEn);
}

Response MethodNotAllowed(const Request& request, const std::string& allow) {
  Response response = Problem(InvalidArgument(
      "method_not_allowed", request.method + " is not allowed on " + request.path + "."));
  Json body = Json::parse(response.body);
  body["status"] = 405;
  response.status = 405;
  response.body = body.dump();
  response.headers.emplace_back("Allow", allow);
  return response;
}

Response RouteNotFound(const Request& request) {
  return Problem(NotFound("route_not_found", "No such endpoint: " + request.path));
}

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) {
      slash = path.size();
    }
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  if (!parts.empty() && parts.back().empty()) {
    parts.pop_back();  // A trailing slash.
  }
  return parts;
}

// The authenticated caller.
struct Principal {
  std::string api_key_id;
  std::string role;
};

bool HasRole(const Principal& principal, std::initializer_list<const char*> roles) {
  for (const char* role : roles) {
    if (principal.role == role) {
      return true;
    }
  }
  return false;
}

bool IsStaff(const Principal& principal) {
  for (const char* role : kStaffRoles) {
    if (principal.role == role) {
      return true;
    }
  }
  return false;
}

Error Forbidden() {
  return PermissionDenied("role_forbidden", "This API key's role may not do that.");
}

domain::Channel ChannelFor(const Principal& principal) {
  if (principal.role == "kiosk") {
    return domain::Channel::kKiosk;
  }
  if (principal.role == "clerk") {
    return domain::Channel::kStore;
  }
  if (principal.role == "agent") {
    return domain::Channel::kSupport;
  }
  if (principal.role == "partner") {
    return domain::Channel::kPartner;
  }
  return domain::Channel::kApi;
}

// The body of a request that moves money, which must carry an Idempotency-Key (checked first,
// so that a retry is always possible): 400 "idempotency_key_required", or the parser's errors.
Result<Json> MoneyRequestBody(const Request& request) {
  if (request.Header("idempotency-key").empty()) {
    return InvalidArgument("idempotency_key_required",
                           "This request moves money: send an Idempotency-Key header.");
  }
  return ParseObject(request.body);
}

Result<app::PageRequest> PageFrom(const Request& request) {
  app::PageRequest page;
  page.limit = app::kPageLimitDefault;
  const std::string limit = request.Query("limit");
  if (!limit.empty()) {
    int value = 0;
    for (char c : limit) {
      if (c < '0' || c > '9' || value > app::kPageLimitMax) {
        value = -1;
        break;
      }
      value = value * 10 + (c - '0');
    }
    if (value < 1 || value > app::kPageLimitMax) {
      return InvalidArgument("limit_invalid", "limit must be between 1 and " +
                                                  std::to_string(app::kPageLimitMax) + ".");
    }
    page.limit = value;
  }
  page.after_id = request.Query("cursor");
  return page;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 15]);
  }
  return hex;
}

// A key seen valid, and when it was looked up (on the API's clock).
struct CachedKey {
  Principal principal;
  Timestamp looked_up_at;
};

struct Api::Impl {
  ApiDependencies deps;
  boost::asio::thread_pool provider_pool{kProviderThreads};
  std::mutex keys_mutex;
  // Valid keys by token hash, each looked up again once it is kApiKeyCacheTtlMs old, so that a
  // key revoked through any instance sharing the database is refused here within that time.
  // Unknown and revoked keys are never cached.
  std::unordered_map<std::string, CachedKey> keys_by_hash;
  std::atomic<uint64_t> responses_2xx{0}, responses_4xx{0}, responses_5xx{0};

  explicit Impl(ApiDependencies d) : deps(std::move(d)) {}

  Timestamp Now() const { return deps.context->clock->Now(); }

  Responder Counting(Responder respond) {
    return [this, respond = std::move(respond)](Response response) {
      (response.status >= 500   ? responses_5xx
       : response.status >= 400 ? responses_4xx
                                : responses_2xx)
          .fetch_add(1);
      respond(std::move(response));
    };
  }

  Result<Principal> Authenticate(const Request& request);
  void Route(const Request& request, const Principal& principal, Responder respond);
  void Read(const std::function<Result<Response>(app::Transaction&)>& work,
            const Responder& respond);

  // The outcome of an idempotent write's first transaction.
  struct Placed {
    Response response;
    std::optional<domain::Payment> to_charge;             // A provider payment still to collect.
    app::PaymentInput input;                              // What the provider needs to collect it.
    std::optional<domain::Refund> to_refund;              // A refund still to ask the provider for.
    i18n::Language language = i18n::Language::kEn;        // Of the answers to come.
    std::optional<domain::SavedPaymentMethod> to_save;    // A card still to tokenise.
    app::SaveMethodInput save_input;                      // The card it is.
    std::optional<domain::SavedPaymentMethod> to_forget;  // A token to delete at the provider.

    // An answer with nothing left to do after the commit.
    static Placed Answer(Response response, i18n::Language language = i18n::Language::kEn) {
      Placed placed;
      placed.response = std::move(response);
      placed.language = language;
      return placed;
    }
  };
  using Place = std::function<Result<Placed>(app::Transaction&)>;
  // Runs `place` in the committer under the request's Idempotency-Key, if it has one (routes
  // that require a key check for it before decoding the body).
  void Write(const Request& request, const Principal& principal, Place place, Responder respond);
  // Collects a payment placed pending (on the provider pool) and answers with the outcome.
  void ChargeAndFinish(domain::Payment payment, app::PaymentInput input, i18n::Language language,
                       std::string principal, std::string key, Responder respond);
  // Asks the provider for a refund started in the request's write, records the outcome and
  // completes the request's Idempotency-Key with the answer.
  void RefundAndFinish(domain::Refund refund, std::string principal, std::string key,
                       Responder respond);
  // Completes the Idempotency-Key of the request that started `view`'s payment attempt (or
  // placed its order) with the answer it would get now, unless the key was completed already
  // (the first answer stands).
  static Result<void> CompleteOrderKey(app::Transaction& transaction, const app::OrderView& view);
  // The same for the request that saved a card.
  static Result<void> CompleteSaveKey(app::Transaction& transaction,
                                      const domain::SavedPaymentMethod& saved);
  // GET and PUT /v1/lines/{id}/auto-renewal.
  void HandleAutoRenewal(const Request& request, const Principal& principal, const LineId& line_id,
                         Responder respond);
  // Saved cards of a line: GET and POST /v1/lines/{id}/payment-methods, DELETE …/{pm_id}.
  // GET and PUT /v1/lines/{id}/notification-settings.
  void HandleNotificationSettings(const Request& request, const Principal& principal,
                                  const LineId& line_id, Responder respond);
  // GET /v1/lines/{id}/inbox, POST /v1/lines/{id}/inbox/{notification_id}/read.
  void HandleInbox(const Request& request, const Principal& principal, const LineId& line_id,
                   const std::vector<std::string>& parts, Responder respond);
  // GET /v1/notifications (by status), POST /v1/notifications/{id}/retry.
  void HandleNotifications(const Request& request, const Principal& principal,
                           const std::vector<std::string>& parts, Responder respond);
  // POST /v1/usage: a batch of usage records (JSON or NDJSON).
  void HandleUsage(const Request& request, const Principal& principal, Responder respond);
  // POST /v1/lines/{id}/reservations, GET …/reservations/{reservation_id}, POST
  // …/reservations/{reservation_id}/commit and …/release.
  void HandleReservations(const Request& request, const Principal& principal, const LineId& line_id,
                          const std::vector<std::string>& parts, Responder respond);
  // One reservation write (`apply`) through the committer, answered with `status` and the body
  // stored with the reservation (or replayed from it).
  void WriteReservation(const Request& request, const Principal& principal, int status,
                        std::function<Result<app::ReservationAnswer>(app::Transaction&)> apply,
                        Responder respond);
  // GET and POST /v1/webhook-endpoints, DELETE /v1/webhook-endpoints/{id}.
  void HandleWebhookEndpoints(const Request& request, const Principal& principal,
                              const std::vector<std::string>& parts, Responder respond);
  void HandleSavedMethods(const Request& request, const Principal& principal, const LineId& line_id,
                          const std::vector<std::string>& parts, Responder respond);

  // Places a decoded order request (top-up, renewal, plan change) on `line_id` through the
  // committer under the request's Idempotency-Key; a card payment is then charged and recorded.
  template <typename Input>
  void PlaceOrder(const Request& request, const Principal& principal, Result<Input> input,
                  const LineId& line_id, const app::Requester& requester,
                  Result<app::OrderView> (app::OrderService::*place)(app::Transaction&,
                                                                     const Input&) const,
                  Responder respond) {
    if (!input) {
      return respond(Problem(input.error()));
    }
    if constexpr (requires { input->line_id; }) {
      input->line_id = line_id;
    }
    input->requester = requester;
    auto shared = std::make_shared<Input>(std::move(*input));
    const i18n::Language language = LanguageOf(request);
    Write(
        request, principal,
        [this, shared, place, language](app::Transaction& transaction) -> Result<Placed> {
          Result<app::OrderView> view = (deps.orders->*place)(transaction, *shared);
          if (!view) {
            return view.error();
          }
          Placed placed = Placed::Answer(OrderResponse(*view, language), language);
          if (view->order.status == domain::OrderStatus::kPending) {
            placed.to_charge = view->payment;
            if constexpr (requires { shared->payment; }) {
              placed.input = shared->payment;
            }
          }
          return placed;
        },
        std::move(respond));
  }

  void Handle(Request request, Responder respond);
  void HandleLines(const Request& request, const Principal& principal,
                   const std::vector<std::string>& parts, Responder respond);
  void HandleOrders(const Request& request, const Principal& principal,
                    const std::vector<std::string>& parts, Responder respond);
  void HandleCatalog(const Request& request, const std::vector<std::string>& parts,
                     Responder respond);
  void HandlePaymentMethods(const Request& request, const Principal& principal,
                            const std::vector<std::string>& parts, Responder respond);
  void HandlePayments(const Request& request, const Principal& principal,
                      const std::vector<std::string>& parts, Responder respond);
  void HandleWebhook(const Request& request, Responder respond);
  void HandleSandboxPage(const Request& request, Responder respond);
  void HandleRefunds(const Request& request, const Principal& principal,
                     const PaymentId& payment_id, Responder respond);
  // Runs `work` on the provider pool (it calls the provider and waits for the committer) and
  // answers with what it returns.
  void OnProviderPool(std::function<Response()> work, Responder respond);
  Response Metrics();
};

Result<Principal> Api::Impl::Authenticate(const Request& request) {
  const std::string& header = request.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0) {
    return Unauthenticated("unauthenticated",
                           "Send an API key as 'Authorization: Bearer <token>'.");
  }
  const std::string hash = Sha256Hex(std::string_view(header).substr(kBearer.size()));
  const Timestamp now = Now();
  {
    std::lock_guard<std::mutex> lock(keys_mutex);
    auto it = keys_by_hash.find(hash);
    if (it != keys_by_hash.end() &&
        now - it->second.looked_up_at < std::chrono::milliseconds(app::kApiKeyCacheTtlMs)) {
      return it->second.principal;
    }
  }
  std::optional<app::ApiKey> key;
  Result<void> read = deps.reads->Read([&](app::Transaction& transaction) -> Result<void> {
    Result<std::optional<app::ApiKey>> found = transaction.FindApiKeyByTokenHash(hash);
    if (!found) {
      return found.error();
    }
    key = std::move(*found);
    return Ok();
  });
  if (!read) {
    return read.error();
  }
  std::lock_guard<std::mutex> lock(keys_mutex);
  if (!key || key->revoked_at) {
    keys_by_hash.erase(hash);
    return Unauthenticated("api_key_invalid", "The API key is unknown or revoked.");
  }
  Principal principal{key->id.value, key->role};
  keys_by_hash.insert_or_assign(hash, CachedKey{principal, now});
  return principal;
}

void Api::Impl::Read(const std::function<Result<Response>(app::Transaction&)>& work,
                     const Responder& respond) {
  std::optional<Response> response;
  Result<void> read = deps.reads->Read([&](app::Transaction& transaction) -> Result<void> {
    Result<Response> answered = work(transaction);
    if (!answered) {
      return answered.error();
    }
    response = std::move(*answered);
    return Ok();
  });
  respond(read ? std::move(*response) : Problem(read.error()));
}

void Api::Impl::Write(const Request& request, const Principal& principal, Place place,
                      Responder respond) {
  const std::string& key = request.Header("idempotency-key");
  if (key.size() > kIdempotencyKeyLengthMax) {
    return respond(Problem(InvalidArgument("idempotency_key_invalid",
                                           "An Idempotency-Key is at most 255 characters.")));
  }
  const std::string hash = Sha256Hex(request.method + " " + request.path + "\n" + request.body);
  struct State {
    std::optional<app::IdempotencyRecord> replay;
    std::optional<Placed> placed;
  };
  auto state = std::make_shared<State>();
  const Timestamp now = Now();
  auto apply = [state, place = std::move(place), key, hash, principal,
                now](app::Transaction& transaction) -> Result<void> {
    *state = State{};  // The committer may run a command twice (Session::ReplayCommand).
    if (!key.empty()) {
      Result<std::optional<app::IdempotencyRecord>> found =
          transaction.FindIdempotency(principal.api_key_id, key);
      if (!found) {
        return found.error();
      }
      if (found->has_value()) {
        const app::IdempotencyRecord& record = **found;
        if (record.request_hash != hash) {
          return FailedPrecondition("idempotency_key_reused",
                                    "This Idempotency-Key was used for a different request.");
        }
        if (!record.completed) {
          return KeyInUse();
        }
        state->replay = record;
        return Ok();
      }
    }
    Result<Placed> placed = place(transaction);
    if (!placed) {
      return placed.error();
    }
    if (!key.empty()) {
      app::IdempotencyRecord record{principal.api_key_id,
                                    key,
                                    hash,
                                    !placed->to_charge && !placed->to_refund && !placed->to_save,
                                    placed->response.status,
                                    placed->response.body,
                                    now};
      if (Result<void> stored = transaction.InsertIdempotency(record); !stored) {
        if (stored.error().reason == "idempotency_key_exists") {
          // Another instance sharing the database took the key while this one worked (its
          // transaction committed first): this command's order is rolled back, and the retry
          // replays the other's answer.
          return KeyInUse();
        }
        return stored;
      }
    }
    state->placed = std::move(*placed);
    return Ok();
  };
  auto done = [this, state, respond, key, principal](Result<void> outcome) {
    if (!outcome) {
      return respond(Problem(outcome.error()));
    }
    if (state->replay) {
      Response response;
      response.status = state->replay->response_status;
      response.content_type =
          response.status >= 400 ? "application/problem+json" : "application/json";
      response.body = state->replay->response_body;
      response.headers.emplace_back("Idempotent-Replayed", "true");
      return respond(std::move(response));
    }
    if (state->placed->to_charge) {
      // The provider call may block; it never runs on the committer thread.
      boost::asio::post(provider_pool, [this, state, respond, key, principal] {
        ChargeAndFinish(*state->placed->to_charge, state->placed->input, state->placed->language,
                        principal.api_key_id, key, respond);
      });
      return;
    }
    if (state->placed->to_refund) {
      boost::asio::post(provider_pool, [this, state, respond, key, principal] {
        RefundAndFinish(*state->placed->to_refund, principal.api_key_id, key, respond);
      });
      return;
    }
    if (state->placed->to_save) {
      boost::asio::post(provider_pool, [this, state, respond] {
        Result<domain::SavedPaymentMethod> saved =
            deps.payments->FinishSave(*state->placed->to_save, state->placed->save_input);
        // The save hook stored the answer under the request's key in the same transaction.
        respond(saved ? SavedMethodResponse(*saved) : Problem(saved.error()));
      });
      return;
    }
    if (state->placed->to_forget) {
      boost::asio::post(provider_pool, [this, state, respond] {
        // Removed already (unusable from the commit on); the token goes from the provider now,
        // or from the sweep if the provider does not answer.
        (void)deps.payments->Forget(*state->placed->to_forget);
        respond(std::move(state->placed->response));
      });
      return;
    }
    respond(std::move(state->placed->response));
  };
  deps.committer->Submit(std::move(apply), std::move(done));
}

void Api::Impl::ChargeAndFinish(domain::Payment payment, app::PaymentInput input,
                                i18n::Language language, std::string principal, std::string key,
                                Responder respond) {
  // The answer is made once, in the transaction that records the outcome, and stored there
  // under this request's Idempotency-Key (a top-up's, a renewal's, or a new attempt's): a retry
  // replays exactly what this request is answered.
  auto response = std::make_shared<Response>();
  Result<app::OrderView> view = deps.payments->Collect(
      payment, input,
      [response, language, &principal, &key](app::Transaction& transaction,
                                             const app::OrderView& recorded) -> Result<void> {
        *response = OrderResponse(recorded, language);
        if (key.empty()) {
          return Ok();
        }
        return transaction.CompleteIdempotency(principal, key, response->status, response->body);
      });
  respond(view ? std::move(*response) : Problem(view.error()));
}

namespace {

// 201 once refunded, 202 while the provider's answer is unknown, 402 with the refund attached
// when the provider refused it.
Response RefundResponse(const app::RefundView& view) {
  const Json refund = EncodeRefund(view);
  if (view.refund.status == domain::RefundStatus::kFailed) {
    Error error{ErrorCode::kFailedPrecondition,
                view.refund.failure_reason,
                "The provider refused the refund (" + view.refund.failure_reason + ").",
                {}};
    Json problem = EncodeProblem(error);
    problem["status"] = 402;
    problem["refund"] = refund;
    Response response = JsonResponse(402, problem);
    response.content_type = "application/problem+json";
    return response;
  }
  return JsonResponse(view.refund.status == domain::RefundStatus::kPending ? 202 : 201, refund);
}

}  // namespace

void Api::Impl::RefundAndFinish(domain::Refund refund, std::string principal, std::string key,
                                Responder respond) {
  auto response = std::make_shared<Response>();
  Result<app::RefundView> view = deps.payments->FinishRefund(
      refund, [&](app::Transaction& transaction, const app::RefundView& recorded) -> Result<void> {
        *response = RefundResponse(recorded);
        if (key.empty()) {
          return Ok();
        }
        return transaction.CompleteIdempotency(principal, key, response->status, response->body);
      });
  respond(view ? std::move(*response) : Problem(view.error()));
}

namespace {

// Completes the key `scoped` ("<api key id>:<Idempotency-Key>") with `response`, unless it is
// completed already or was never stored.
Result<void> CompleteScopedKey(app::Transaction& transaction, const std::string& scoped,
                               const Response& response) {
  const size_t colon = scoped.find(':');
  if (colon == std::string::npos || colon + 1 == scoped.size()) {
    return Ok();
  }
  const std::string principal = scoped.substr(0, colon);
  const std::string key = scoped.substr(colon + 1);
  Result<std::optional<app::IdempotencyRecord>> record =
      transaction.FindIdempotency(principal, key);
  if (!record) {
    return record.error();
  }
  if (!record->has_value() || (*record)->completed) {
    return Ok();
  }
  return transaction.CompleteIdempotency(principal, key, response.status, response.body);
}

}  // namespace

Result<void> Api::Impl::CompleteSaveKey(app::Transaction& transaction,
                                        const domain::SavedPaymentMethod& saved) {
  return CompleteScopedKey(transaction, saved.idempotency_key, SavedMethodResponse(saved));
}

Result<void> Api::Impl::CompleteOrderKey(app::Transaction& transaction,
                                         const app::OrderView& view) {
  // The attempt keeps the key of the request that started it; attempts stored before that
  // was kept fall back to the order's (the first request's).
  const bool own_key = view.payment && !view.payment->idempotency_key.empty();
  return CompleteScopedKey(transaction,
                           own_key ? view.payment->idempotency_key : view.order.idempotency_key,
                           OrderResponse(view));
}

Response Api::Impl::Metrics() {
  const app::CommitterStats stats = deps.committer->stats();
  std::string text;
  text += "# HELP simkeep_http_responses_total HTTP responses by status class.\n";
  text += "# TYPE simkeep_http_responses_total counter\n";
  text += "simkeep_http_responses_total{class=\"2xx\"} " + std::to_string(responses_2xx) + "\n";
  text += "simkeep_http_responses_total{class=\"4xx\"} " + std::to_string(responses_4xx) + "\n";
  text += "simkeep_http_responses_total{class=\"5xx\"} " + std::to_string(responses_5xx) + "\n";
  text += "# HELP simkeep_commit_batches_total Write transactions committed.\n";
  text += "# TYPE simkeep_commit_batches_total counter\n";
  text += "simkeep_commit_batches_total " + std::to_string(stats.batches) + "\n";
  text += "# HELP simkeep_commit_failed_batches_total Write transactions that failed to commit.\n";
  text += "# TYPE simkeep_commit_failed_batches_total counter\n";
  text += "simkeep_commit_failed_batches_total " + std::to_string(stats.failed_batches) + "\n";
  text += "# HELP simkeep_commit_commands_total Write commands applied.\n";
  text += "# TYPE simkeep_commit_commands_total counter\n";
  text += "simkeep_commit_commands_total " + std::to_string(stats.commands) + "\n";
  text += "# HELP simkeep_commit_rejected_total Write commands rejected (nothing written).\n";
  text += "# TYPE simkeep_commit_rejected_total counter\n";
  text += "simkeep_commit_rejected_total " + std::to_string(stats.rejected) + "\n";
  const app::LeaderStatus leader =
      deps.leader != nullptr ? deps.leader->Status() : app::LeaderStatus{};
  text += "# HELP simkeep_leader 1 while this instance leads the scheduler, else 0.\n";
  text += "# TYPE simkeep_leader gauge\n";
  text += "simkeep_leader " + std::to_string(leader.leader ? 1 : 0) + "\n";
  text += "# HELP simkeep_leader_terms_total Times this instance became the leader.\n";
  text += "# TYPE simkeep_leader_terms_total counter\n";
  text += "simkeep_leader_terms_total " + std::to_string(leader.term) + "\n";
  Response response;
  response.content_type = "text/plain; version=0.0.4";
  response.body = std::move(text);
  return response;
}

void Api::Impl::Handle(Request request, Responder respond) {
  respond = Counting(std::move(respond));
  if (request.path == "/healthz") {
    const bool leader = deps.leader != nullptr && deps.leader->IsLeader();
    return respond(
        JsonResponse(200, Json{{"status", "ok"}, {"version", deps.version}, {"leader", leader}}));
  }
  if (request.path == "/readyz") {
    Result<void> ready = deps.reads->Read([](app::Transaction&) { return Ok(); });
    return respond(ready ? JsonResponse(200, Json{{"status", "ready"}})
                         : Problem(Unavailable("not_ready", "The database is not reachable.")));
  }
  if (request.path == "/metrics") {
    return respond(Metrics());
  }
  if (request.path.rfind("/sandbox/pay/", 0) == 0) {
    return HandleSandboxPage(request, std::move(respond));  // The simulated customer's side.
  }
  if (request.path != "/v1" && request.path.rfind("/v1/", 0) != 0) {
    return respond(RouteNotFound(request));
  }
  if (request.path.rfind("/v1/webhooks/", 0) == 0) {
    return HandleWebhook(request, std::move(respond));  // Signed by the provider, not a key.
  }
  Result<Principal> principal = Authenticate(request);
  if (!principal) {
    return respond(Problem(principal.error()));
  }
  Route(request, *principal, std::move(respond));
}

void Api::Impl::Route(const Request& request, const Principal& principal, Responder respond) {
  const std::vector<std::string> parts = SplitPath(request.path);  // "v1", resource, ...
  const std::string resource = parts.size() > 1 ? parts[1] : "";
  if (resource == "carriers" || resource == "plans") {
    return HandleCatalog(request, parts, std::move(respond));
  }
  if (resource == "lines") {
    return HandleLines(request, principal, parts, std::move(respond));
  }
  if (resource == "orders") {
    return HandleOrders(request, principal, parts, std::move(respond));
  }
  if (resource == "payment-methods") {
    return HandlePaymentMethods(request, principal, parts, std::move(respond));
  }
  if (resource == "payments") {
    return HandlePayments(request, principal, parts, std::move(respond));
  }
  if (resource == "notifications") {
    return HandleNotifications(request, principal, parts, std::move(respond));
  }
  if (resource == "webhook-endpoints") {
    return HandleWebhookEndpoints(request, principal, parts, std::move(respond));
  }
  if (resource == "usage" && parts.size() == 2) {
    return HandleUsage(request, principal, std::move(respond));
  }
  if (resource == "reports" && parts.size() == 3 && parts[2] == "reconciliation") {
    if (request.method != "GET") {
      return respond(MethodNotAllowed(request, "GET"));
    }
    if (!HasRole(principal, {"admin", "operator"})) {
      return respond(Problem(Forbidden()));
    }
    std::optional<std::chrono::year_month_day> date = ParseIsoDate(request.Query("date"));
    if (!date) {
      return respond(
          Problem(InvalidArgument("date_invalid", "date must be a day as YYYY-MM-DD (JST).")));
    }
    return OnProviderPool(
        [this, day = *date] {
          Result<app::ReconciliationReport> report = deps.payments->Reconcile(day);
          return report ? JsonResponse(200, EncodeReconciliation(*report))
                        : Problem(report.error());
        },
        std::move(respond));
  }
  respond(RouteNotFound(request));
}

void Api::Impl::OnProviderPool(std::function<Response()> work, Responder respond) {
  boost::asio::post(provider_pool,
                    [work = std::move(work), respond = std::move(respond)] { respond(work()); });
}

void Api::Impl::HandlePaymentMethods(const Request& request, const Principal& principal,
                                     const std::vector<std::string>& parts, Responder respond) {
  if (parts.size() != 2) {
    return respond(RouteNotFound(request));
  }
  if (request.method != "GET") {
    return respond(MethodNotAllowed(request, "GET"));
  }
  domain::Channel channel = ChannelFor(principal);
  if (const std::string asked = request.Query("channel"); !asked.empty()) {
    std::optional<domain::Channel> parsed = domain::ParseChannel(asked);
    if (!parsed) {
      return respond(Problem(InvalidArgument(
          "channel_invalid",
          "channel must be one of api, web, app, kiosk, store, partner, support, cli.")));
    }
    channel = *parsed;
  }
  Json data = Json::array();
  for (const domain::MethodOffer& offer : domain::MethodsForChannel(channel)) {
    if (!domain::ThroughProvider(offer.method) || deps.orders->provider().Supports(offer.method)) {
      data.push_back(EncodeMethodOffer(offer));
    }
  }
  respond(JsonResponse(200, Json{{"channel", domain::ChannelName(channel)},
                                 {"provider", deps.orders->provider().name()},
                                 {"data", data}}));
}

void Api::Impl::HandlePayments(const Request& request, const Principal& principal,
                               const std::vector<std::string>& parts, Responder respond) {
  if (parts.size() < 3 || parts.size() > 4) {
    return respond(RouteNotFound(request));
  }
  const PaymentId payment_id{parts[2]};
  const std::string action = parts.size() == 4 ? parts[3] : "";
  if (action.empty()) {
    if (request.method != "GET") {
      return respond(MethodNotAllowed(request, "GET"));
    }
    if (!IsStaff(principal) && principal.role != "kiosk") {
      return respond(Problem(Forbidden()));
    }
    return Read(
        [&](app::Transaction& transaction) -> Result<Response> {
          Result<domain::Payment> payment = app::LoadPayment(transaction, payment_id);
          if (!payment) {
            return payment.error();
          }
          return JsonResponse(200, EncodePayment(*payment));
        },
        respond);
  }
  if (action == "refunds") {
    return HandleRefunds(request, principal, payment_id, std::move(respond));
  }
  if (action != "refresh" && action != "simulate") {
    return respond(RouteNotFound(request));
  }
  if (request.method != "POST") {
    return respond(MethodNotAllowed(request, "POST"));
  }
  if (action == "refresh") {
    // Asks the provider now: after the customer came back from a redirect, or from support.
    if (!IsStaff(principal) && principal.role != "kiosk") {
      return respond(Problem(Forbidden()));
    }
    return OnProviderPool(
        [this, payment_id] {
          Result<app::OrderView> view = deps.payments->Refresh(payment_id);
          return view ? JsonResponse(200, EncodeOrder(*view)) : Problem(view.error());
        },
        std::move(respond));
  }
  if (!HasRole(principal, {"admin", "operator"})) {
    return respond(Problem(Forbidden()));
  }
  Result<Json> body = ParseObject(request.body);
  if (!body) {
    return respond(Problem(body.error()));
  }
  const std::string outcome = body->contains("outcome") && (*body)["outcome"].is_string()
                                  ? (*body)["outcome"].get<std::string>()
                                  : std::string();
  if (outcome != "succeeded" && outcome != "failed") {
    return respond(
        Problem(InvalidArgument("simulation_invalid", "outcome must be succeeded or failed.")));
  }
  const app::ChargeStatus status =
      outcome == "succeeded" ? app::ChargeStatus::kSucceeded : app::ChargeStatus::kFailed;
  OnProviderPool(
      [this, payment_id, status] {
        Result<app::OrderView> view = deps.payments->Simulate(payment_id, status);
        return view ? JsonResponse(200, EncodeOrder(*view)) : Problem(view.error());
      },
      std::move(respond));
}

void Api::Impl::HandleRefunds(const Request& request, const Principal& principal,
                              const PaymentId& payment_id, Responder respond) {
  if (request.method == "GET") {
    if (!IsStaff(principal)) {
      return respond(Problem(Forbidden()));
    }
    return Read(
        [&](app::Transaction& transaction) -> Result<Response> {
          Result<domain::Payment> payment = app::LoadPayment(transaction, payment_id);
          if (!payment) {
            return payment.error();
          }
          Result<std::vector<domain::Refund>> refunds = transaction.ListRefunds(payment_id);
          if (!refunds) {
            return refunds.error();
          }
          Json data = Json::array();
          for (domain::Refund& refund : *refunds) {
            data.push_back(EncodeRefund(app::RefundView{std::move(refund), *payment}));
          }
          return JsonResponse(200, Json{{"data", data}});
        },
        respond);
  }
  if (request.method != "POST") {
    return respond(MethodNotAllowed(request, "GET, POST"));
  }
  if (!HasRole(principal, {"admin", "agent"})) {
    return respond(Problem(Forbidden()));
  }
  Result<Json> body = MoneyRequestBody(request);
  if (!body) {
    return respond(Problem(body.error()));
  }
  Result<app::RefundInput> input = DecodeRefund(*body);
  if (!input) {
    return respond(Problem(input.error()));
  }
  input->payment_id = payment_id;
  input->requested_by = principal.api_key_id;
  auto shared = std::make_shared<app::RefundInput>(std::move(*input));
  Write(
      request, principal,
      [this, shared](app::Transaction& transaction) -> Result<Placed> {
        Result<app::RefundView> started = deps.orders->StartRefund(transaction, *shared);
        if (!started) {
          return started.error();
        }
        Placed placed = Placed::Answer(RefundResponse(*started));
        placed.to_refund = started->refund;
        return placed;
      },
      std::move(respond));
}

void Api::Impl::HandleSandboxPage(const Request& request, Responder respond) {
  const std::vector<std::string> parts = SplitPath(request.path);  // "sandbox", "pay", id
  if (parts.size() != 3 || deps.orders->provider().name() != "sandbox") {
    return respond(RouteNotFound(request));
  }
  if (request.method != "GET" && request.method != "POST") {
    return respond(MethodNotAllowed(request, "GET, POST"));
  }
  const PaymentId payment_id{parts[2]};
  const i18n::Language language = LanguageOf(request);
  const auto page = [](std::string html) {
    Response response;
    response.content_type = "text/html; charset=utf-8";
    response.body = std::move(html);
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
  };
  if (request.method == "GET") {
    return Read(
        [&](app::Transaction& transaction) -> Result<Response> {
          Result<domain::Payment> payment = app::LoadPayment(transaction, payment_id);
          if (!payment) {
            return payment.error();
          }
          return page(RenderSandboxPayPage(*payment, language));
        },
        respond);
  }
  // A form post: decision=approve or decision=decline.
  const bool approve = request.body == "decision=approve";
  if (!approve && request.body != "decision=decline") {
    return respond(
        Problem(InvalidArgument("simulation_invalid", "decision must be approve or decline.")));
  }
  OnProviderPool(
      [this, payment_id, approve, language, page] {
        Result<app::OrderView> view = deps.payments->Simulate(
            payment_id, approve ? app::ChargeStatus::kSucceeded : app::ChargeStatus::kFailed);
        if (!view) {
          return Problem(view.error());
        }
        return page(RenderSandboxDonePage(*view->payment, language));
      },
      std::move(respond));
}

void Api::Impl::HandleWebhook(const Request& request, Responder respond) {
  const std::vector<std::string> parts = SplitPath(request.path);
  if (parts.size() != 3) {
    return respond(RouteNotFound(request));
  }
  if (request.method != "POST") {
    return respond(MethodNotAllowed(request, "POST"));
  }
  if (parts[2] != deps.orders->provider().name()) {
    return respond(
        Problem(NotFound("provider_not_found", "This instance takes payments through " +
                                                   std::string(deps.orders->provider().name()) +
                                                   ", not " + parts[2] + ".")));
  }
  auto headers = std::make_shared<std::map<std::string, std::string>>(request.headers);
  auto body = std::make_shared<std::string>(request.body);
  OnProviderPool(
      [this, headers, body] {
        Result<bool> handled = deps.payments->HandleWebhook(*headers, *body);
        if (!handled) {
          return Problem(handled.error());
        }
        return JsonResponse(200, Json{{"received", true}, {"duplicate", !*handled}});
      },
      std::move(respond));
}

void Api::Impl::HandleCatalog(const Request& request, const std::vector<std::string>& parts,
                              Responder respond) {
  if (request.method != "GET") {
    return respond(MethodNotAllowed(request, "GET"));
  }
  const domain::Catalog& catalog = *deps.context->catalog;
  if (parts[1] == "carriers" && parts.size() == 2) {
    Json carriers = Json::array();
    for (const domain::Carrier& carrier : catalog.carriers) {
      carriers.push_back(EncodeCarrier(carrier));
    }
    return respond(JsonResponse(200, Json{{"data", carriers}}));
  }
  if (parts[1] == "plans" && parts.size() == 2) {
    const std::string carrier = request.Query("carrier");
    const std::string kind = request.Query("kind");
    Json plans = Json::array();
    for (const domain::Plan& plan : catalog.plans) {
      if ((carrier.empty() || carrier == domain::CarrierCodeName(plan.carrier)) &&
          (kind.empty() || kind == domain::PlanKindName(plan.kind))) {
        plans.push_back(EncodePlan(plan, Now()));
      }
    }
    return respond(JsonResponse(200, Json{{"data", plans}}));
  }
  if (parts[1] == "plans" && parts.size() == 3) {
    const domain::Plan* plan = catalog.FindPlan(PlanId{parts[2]});
    if (plan == nullptr) {
      return respond(Problem(NotFound("plan_not_found", "No plan " + parts[2] + " exists.")));
    }
    return respond(JsonResponse(200, EncodePlan(*plan, Now())));
  }
  respond(RouteNotFound(request));
}

void Api::Impl::HandleLines(const Request& request, const Principal& principal,
                            const std::vector<std::string>& parts, Responder respond) {
  const bool staff = IsStaff(principal);
  const bool kiosk = principal.role == "kiosk";
  // /v1/lines
  if (parts.size() == 2) {
    if (request.method == "POST") {
      if (!HasRole(principal, {"admin", "operator"})) {
        return respond(Problem(Forbidden()));
      }
      Result<Json> body = ParseObject(request.body);
      if (!body) {
        return respond(Problem(body.error()));
      }
      Result<app::ProvisionRequest> decoded = DecodeProvision(*body);
      if (!decoded) {
        return respond(Problem(decoded.error()));
      }
      Result<app::ValidProvision> valid = deps.lines->Validate(*decoded);
      if (!valid) {
        return respond(Problem(valid.error()));
      }
      auto provision = std::make_shared<app::ValidProvision>(std::move(*valid));
      return Write(
          request, principal,
          [this, provision](app::Transaction& transaction) -> Result<Placed> {
            Result<domain::Line> line = deps.lines->Insert(transaction, *provision);
            if (!line) {
              return line.error();
            }
            return Placed::Answer(JsonResponse(201, EncodeLine(*line, false)));
          },
          std::move(respond));
    }
    if (request.method != "GET") {
      return respond(MethodNotAllowed(request, "GET, POST"));
    }
    if (!staff && !kiosk) {
      return respond(Problem(Forbidden()));
    }
    const std::string msisdn = request.Query("msisdn");
    const std::string iccid = request.Query("iccid");
    Result<app::PageRequest> page = PageFrom(request);
    if (!page) {
      return respond(Problem(page.error()));
    }
    if (kiosk && msisdn.empty() && iccid.empty()) {
      return respond(Problem(Forbidden()));  // A kiosk looks lines up; it never lists them.
    }
    return Read(
        [&](app::Transaction& transaction) -> Result<Response> {
          std::vector<domain::Line> found;
          if (!msisdn.empty() || !iccid.empty()) {
            Result<std::optional<domain::Line>> line =
                Result<std::optional<domain::Line>>(std::optional<domain::Line>());
            if (!msisdn.empty()) {
              Result<domain::Msisdn> parsed = domain::ParseMsisdn(msisdn);
              if (!parsed) {
                return parsed.error();
              }
              line = transaction.FindLineByMsisdn(parsed->e164);
            } else {
              Result<domain::Iccid> parsed =
                  domain::ParseIccid(iccid, domain::IccidSource::kUpstream);
              if (!parsed) {
                return parsed.error();
              }
              line = transaction.FindLineByIccid(parsed->digits);
            }
            if (!line) {
              return line.error();
            }
            if (line->has_value()) {
              found.push_back(std::move(**line));
            }
          } else {
            Result<std::vector<domain::Line>> lines = transaction.ListLines(*page);
            if (!lines) {
              return lines.error();
            }
            found = std::move(*lines);
          }
          Json data = Json::array();
          for (const domain::Line& line : found) {
            data.push_back(EncodeLine(line, kiosk));
          }
          const bool more =
              msisdn.empty() && iccid.empty() && static_cast<int>(found.size()) == page->limit;
          return JsonResponse(
              200, Json{{"data", data},
                        {"next_cursor", more ? Json(found.back().id.value) : Json(nullptr)}});
        },
        respond);
  }
  const LineId line_id{parts[2]};
  const std::string action = parts.size() > 3 ? parts[3] : "";
  if (action == "payment-methods") {
    return HandleSavedMethods(request, principal, line_id, parts, std::move(respond));
  }
  if (action == "auto-renewal" && parts.size() == 4) {
    return HandleAutoRenewal(request, principal, line_id, std::move(respond));
  }
  if (action == "notification-settings" && parts.size() == 4) {
    return HandleNotificationSettings(request, principal, line_id, std::move(respond));
  }
  if (action == "inbox") {
    return HandleInbox(request, principal, line_id, parts, std::move(respond));
  }
  if (action == "reservations") {
    return HandleReservations(request, principal, line_id, parts, std::move(respond));
  }
  const bool read_route = (parts.size() == 3) ||
                          (parts.size() == 4 && (action == "status" || action == "orders")) ||
                          (parts.size() == 5 && action == "esim" && parts[4] == "qr.svg");
  const bool write_route =
      parts.size() == 4 && (action == "topups" || action == "renewals" || action == "plan-change");
  if (!read_route && !write_route) {
    return respond(RouteNotFound(request));
  }
  if (request.method != (read_route ? "GET" : "POST")) {
    return respond(MethodNotAllowed(request, read_route ? "GET" : "POST"));
  }
  if (read_route) {
    if (!staff && !kiosk) {
      return respond(Problem(Forbidden()));
    }
    if (kiosk && action != "status" && action != "") {
      return respond(Problem(Forbidden()));
    }
    if (action.empty()) {
      return Read(
          [&](app::Transaction& transaction) -> Result<Response> {
            Result<domain::Line> line = deps.lines->Get(transaction, line_id);
            if (!line) {
              return line.error();
            }
            return JsonResponse(200, EncodeLine(*line, kiosk));
          },
          respond);
    }
    if (action == "status") {
      return Read(
          [&](app::Transaction& transaction) -> Result<Response> {
            Result<app::LineStatus> status = deps.lines->Status(transaction, line_id);
            if (!status) {
              return status.error();
            }
            return JsonResponse(200, EncodeStatus(*status, kiosk));
          },
          respond);
    }
    if (action == "orders") {
      Result<app::PageRequest> page = PageFrom(request);
      if (!page) {
        return respond(Problem(page.error()));
      }
      return Read(
          [&](app::Transaction& transaction) -> Result<Response> {
            Result<domain::Line> line = deps.lines->Get(transaction, line_id);
            if (!line) {
              return line.error();
            }
            Result<std::vector<domain::Order>> orders = transaction.ListOrders(line_id, *page);
            if (!orders) {
              return orders.error();
            }
            Json data = Json::array();
            for (domain::Order& order : *orders) {
              Result<std::optional<domain::Payment>> payment =
                  transaction.FindPaymentByOrder(order.id);
              if (!payment) {
                return payment.error();
              }
              data.push_back(EncodeOrder(app::OrderView{order, std::move(*payment)}));
            }
            const bool more = static_cast<int>(orders->size()) == page->limit;
            return JsonResponse(
                200, Json{{"data", data},
                          {"next_cursor", more ? Json(orders->back().id.value) : Json(nullptr)}});
          },
          respond);
    }
    if (action == "esim" && parts.size() == 5 && parts[4] == "qr.svg") {
      return Read(
          [&](app::Transaction& transaction) -> Result<Response> {
            Result<domain::Line> line = deps.lines->Get(transaction, line_id);
            if (!line) {
              return line.error();
            }
            if (!line->esim) {
              return NotFound("esim_not_found", "Line " + line_id.value + " is not an eSIM.");
            }
            domain::ActivationCode code{line->esim->smdp_address, line->esim->matching_id,
                                        line->esim->smdp_oid,
                                        line->esim->confirmation_code_required};
            Result<std::string> svg = QrSvg(domain::FormatActivationCode(code));
            if (!svg) {
              return svg.error();
            }
            Response response;
            response.content_type = "image/svg+xml";
            response.body = std::move(*svg);
            response.headers.emplace_back("Cache-Control", "no-store");
            return response;
          },
          respond);
    }
    return respond(RouteNotFound(request));
  }
  if (!staff && !kiosk) {
    return respond(Problem(Forbidden()));
  }
  Result<Json> body = MoneyRequestBody(request);
  if (!body) {
    return respond(Problem(body.error()));
  }
  const app::Requester requester{principal.role, ChannelFor(principal),
                                 principal.api_key_id + ":" + request.Header("idempotency-key")};
  if (action == "topups") {
    return PlaceOrder(request, principal, DecodeTopUp(*body), line_id, requester,
                      &app::OrderService::PlaceTopUp, std::move(respond));
  }
  if (action == "renewals") {
    return PlaceOrder(request, principal, DecodeRenewal(*body), line_id, requester,
                      &app::OrderService::PlaceRenewal, std::move(respond));
  }
  if (kiosk) {
    return respond(Problem(Forbidden()));  // A kiosk never changes a line's plan.
  }
  PlaceOrder(request, principal, DecodePlanChange(*body), line_id, requester,
             &app::OrderService::ChangePlan, std::move(respond));
}

void Api::Impl::HandleAutoRenewal(const Request& request, const Principal& principal,
                                  const LineId& line_id, Responder respond) {
  if (!IsStaff(principal)) {
    return respond(Problem(Forbidden()));
  }
  if (request.method == "GET") {
    return Read(
        [&](app::Transaction& transaction) -> Result<Response> {
          Result<std::optional<domain::AutoRenewal>> setting =
              deps.auto_renewals->Get(transaction, line_id);
          if (!setting) {
            return setting.error();
          }
          return JsonResponse(200, EncodeAutoRenewal(line_id, *setting));
        },
        respond);
  }
  if (request.method != "PUT") {
    return respond(MethodNotAllowed(request, "GET, PUT"));
  }
  Result<Json> body = ParseObject(request.body);
  if (!body) {
    return respond(Problem(body.error()));
  }
  Result<domain::AutoRenewal> decoded = DecodeAutoRenewal(*body);
  if (!decoded) {
    return respond(Problem(decoded.error()));
  }
  decoded->line_id = line_id;
  auto setting = std::make_shared<domain::AutoRenewal>(std::move(*decoded));
  Write(
      request, principal,
      [this, setting](app::Transaction& transaction) -> Result<Placed> {
        Result<domain::AutoRenewal> stored = deps.auto_renewals->Set(transaction, *setting);
        if (!stored) {
          return stored.error();
        }
        return Placed::Answer(JsonResponse(200, EncodeAutoRenewal(stored->line_id, *stored)));
      },
      std::move(respond));
}

void Api::Impl::HandleNotificationSettings(const Request& request, const Principal& principal,
                                           const LineId& line_id, Responder respond) {
  if (!IsStaff(principal)) {
    return respond(Problem(Forbidden()));
  }
  if (request.method == "GET") {
    return Read(
        [&](app::Transaction& transaction) -> Result<Response> {
          Result<domain::NotificationSettings> settings =
              deps.notifications->GetSettings(transaction, line_id);
          if (!settings) {
            return settings.error();
          }
          return JsonResponse(200, EncodeNotificationSettings(*settings));
        },
        respond);
  }
  if (request.method != "PUT") {
    return respond(MethodNotAllowed(request, "GET, PUT"));
  }
  Result<Json> body = ParseObject(request.body);
  if (!body) {
    return respond(Problem(body.error()));
  }
  Result<domain::NotificationSettings> decoded = DecodeNotificationSettings(*body);
  if (!decoded) {
    return respond(Problem(decoded.error()));
  }
  decoded->line_id = line_id;
  auto settings = std::make_shared<domain::NotificationSettings>(std::move(*decoded));
  Write(
      request, principal,
      [this, settings](app::Transaction& transaction) -> Result<Placed> {
        Result<domain::NotificationSettings> stored =
            deps.notifications->SetSettings(transaction, *settings);
        if (!stored) {
          return stored.error();
        }
        return Placed::Answer(JsonResponse(200, EncodeNotificationSettings(*stored)));
      },
      std::move(respond));
}

void Api::Impl::HandleUsage(const Request& request, const Principal& principal, Responder respond) {
  if (request.method != "POST") {
    return respond(MethodNotAllowed(request, "POST"));
  }
  if (!HasRole(principal, {"admin", "operator"})) {
    return respond(Problem(Forbidden()));
  }
  // Each record carries its own id, which is what makes a batch sent again change nothing: no
  // Idempotency-Key is needed.
  Result<std::vector<app::UsageInput>> inputs = [&]() -> Result<std::vector<app::UsageInput>> {
    const std::string& type = request.Header("content-type");
    if (type.rfind("application/x-ndjson", 0) == 0) {
      return DecodeUsageNdjson(request.body);
    }
    Result<Json> body = ParseObject(request.body);
    if (!body) {
      return body.error();
    }
    return DecodeUsageBatch(*body);
  }();
  if (!inputs) {
    return respond(Problem(inputs.error()));
  }
  auto shared = std::make_shared<std::vector<app::UsageInput>>(std::move(*inputs));
  Write(
      request, principal,
      [this, shared](app::Transaction& transaction) -> Result<Placed> {
        Result<app::UsageReport> report = deps.usage->Ingest(transaction, *shared);
        if (!report) {
          return report.error();
        }
        return Placed::Answer(JsonResponse(200, EncodeUsageReport(*report)));
      },
      std::move(respond));
}

namespace {

// The answer of a reservation write: `status` with the stored body, marked as a replay when it
// repeats an earlier answer.
Response ReservationResponse(int status, const app::ReservationAnswer& answer) {
  Response response;
  response.status = status;
  response.body = answer.body;
  if (answer.replayed) {
    response.headers.emplace_back("Idempotent-Replayed", "true");
  }
  return response;
}

std::string EncodeReservationBody(const domain::Reservation& reservation) {
  return EncodeReservation(reservation).dump();
}

}  // namespace

void Api::Impl::HandleReservations(const Request& request, const Principal& principal,
                                   const LineId& line_id, const std::vector<std::string>& parts,
                                   Responder respond) {
  // parts: "v1", "lines", id, "reservations"[, reservation_id[, "commit" | "release"]].
  if (parts.size() > 6 || (parts.size() == 6 && parts[5] != "commit" && parts[5] != "release")) {
    return respond(RouteNotFound(request));
  }
  const char* allowed = parts.size() == 5 ? "GET" : "POST";
  if (request.method != allowed) {
    return respond(MethodNotAllowed(request, allowed));
  }
  // The network's charging front end (operator) and administrators, as for usage records.
  if (!HasRole(principal, {"admin", "operator"})) {
    return respond(Problem(Forbidden()));
  }
  if (parts.size() == 5) {
    const domain::ReservationId id{parts[4]};
    return Read(
        [&](app::Transaction& transaction) -> Result<Response> {
          Result<domain::Reservation> reservation =
              deps.reservations->Get(transaction, line_id, id);
          if (!reservation) {
            return reservation.error();
          }
          return JsonResponse(200, EncodeReservation(*reservation));
        },
        respond);
  }
  // A release needs no body; a reservation and a commit need an object.
  Result<Json> body = parts.size() == 6 && parts[5] == "release" && request.body.empty()
                          ? Result<Json>(Json::object())
                          : ParseObject(request.body);
  if (!body) {
    return respond(Problem(body.error()));
  }
  // A reservation's (session_id, request_number), or its id, is what makes a repeat harmless: no
  // Idempotency-Key is needed (one sent is honoured like anywhere else).
  if (parts.size() == 4) {
    Result<app::ReservationInput> input = DecodeReservation(*body);
    if (!input) {
      return respond(Problem(input.error()));
    }
    Result<domain::ReservationRequest> checked = deps.reservations->Check(*input);
    if (!checked) {
      return respond(Problem(checked.error()));
    }
    return WriteReservation(
        request, principal, 201,
        [this, line_id, asked = std::move(*checked)](app::Transaction& transaction) {
          return deps.reservations->Reserve(transaction, line_id, asked, EncodeReservationBody);
        },
        std::move(respond));
  }
  const domain::ReservationId id{parts[4]};
  if (parts[5] == "release") {
    return WriteReservation(
        request, principal, 200,
        [this, line_id, id](app::Transaction& transaction) {
          return deps.reservations->Release(transaction, line_id, id, EncodeReservationBody);
        },
        std::move(respond));
  }
  Result<int64_t> used = DecodeReservationCommit(*body);
  if (!used) {
    return respond(Problem(used.error()));
  }
  WriteReservation(
      request, principal, 200,
      [this, line_id, id, units = *used](app::Transaction& transaction) {
        return deps.reservations->Commit(transaction, line_id, id, units, EncodeReservationBody);
      },
      std::move(respond));
}

void Api::Impl::WriteReservation(
    const Request& request, const Principal& principal, int status,
    std::function<Result<app::ReservationAnswer>(app::Transaction&)> apply, Responder respond) {
  Write(
      request, principal,
      [status, apply = std::move(apply)](app::Transaction& transaction) -> Result<Placed> {
        Result<app::ReservationAnswer> answer = apply(transaction);
        if (!answer) {
          return answer.error();
        }
        return Placed::Answer(ReservationResponse(status, *answer));
      },
      std::move(respond));
}

void Api::Impl::HandleInbox(const Request& request, const Principal& principal,
                            const LineId& line_id, const std::vector<std::string>& parts,
                            Responder respond) {
  if (!IsStaff(principal)) {
    return respond(Problem(Forbidden()));
  }
  if (parts.size() == 4) {
    if (request.method != "GET") {
      return respond(MethodNotAllowed(request, "GET"));
    }
    Result<app::PageRequest> page = PageFrom(request);
    if (!page) {
      return respond(Problem(page.error()));
    }
    return Read(
        [&](app::Transaction& transaction) -> Result<Response> {
          Result<std::vector<domain::Notification>> messages =
              deps.notifications->Inbox(transaction, line_id, *page);
          if (!messages) {
            return messages.error();
          }
          Json data = Json::array();
          for (const domain::Notification& message : *messages) {
            data.push_back(EncodeInboxMessage(message));
          }
          const bool more = static_cast<int>(messages->size()) == page->limit;
          return JsonResponse(
              200, Json{{"data", data},
                        {"next_cursor", more ? Json(messages->back().id) : Json(nullptr)}});
        },
        respond);
  }
  if (parts.size() != 6 || parts[5] != "read") {
    return respond(RouteNotFound(request));
  }
  if (request.method != "POST") {
    return respond(MethodNotAllowed(request, "POST"));
  }
  auto id = std::make_shared<std::string>(parts[4]);
  Write(
      request, principal,
      [this, line_id, id](app::Transaction& transaction) -> Result<Placed> {
        Result<domain::Notification> read = deps.notifications->MarkRead(transaction, line_id, *id);
        if (!read) {
          return read.error();
        }
        return Placed::Answer(JsonResponse(200, EncodeInboxMessage(*read)));
      },
      std::move(respond));
}

void Api::Impl::HandleNotifications(const Request& request, const Principal& principal,
                                    const std::vector<std::string>& parts, Responder respond) {
  if (!HasRole(principal, {"admin", "operator"})) {
    return respond(Problem(Forbidden()));
  }
  if (parts.size() == 2) {
    if (request.method != "GET") {
      return respond(MethodNotAllowed(request, "GET"));
    }
    const std::string status_text =
        request.Query("status").empty() ? "dead" : request.Query("status");
    const std::optional<domain::NotificationStatus> status =
        domain::ParseNotificationStatus(status_text);
    if (!status) {
      return respond(Problem(InvalidArgument(
          "status_invalid", "status must be one of pending, sent and dead (the default).")));
    }
    Result<app::PageRequest> page = PageFrom(request);
    if (!page) {
      return respond(Problem(page.error()));
    }
    return Read(
        [&](app::Transaction& transaction) -> Result<Response> {
          Result<std::vector<domain::Notification>> found =
              transaction.ListNotificationsByStatus(*status, *page);
          if (!found) {
            return found.error();
          }
          Json data = Json::array();
          for (const domain::Notification& notification : *found) {
            data.push_back(EncodeNotification(notification));
          }
          const bool more = static_cast<int>(found->size()) == page->limit;
          return JsonResponse(
              200,
              Json{{"data", data}, {"next_cursor", more ? Json(found->back().id) : Json(nullptr)}});
        },
        respond);
  }
  if (parts.size() != 4 || parts[3] != "retry") {
    return respond(RouteNotFound(request));
  }
  if (request.method != "POST") {
    return respond(MethodNotAllowed(request, "POST"));
  }
  auto id = std::make_shared<std::string>(parts[2]);
  Write(
      request, principal,
      [this, id](app::Transaction& transaction) -> Result<Placed> {
        Result<domain::Notification> requeued = deps.notifications->Requeue(transaction, *id);
        if (!requeued) {
          return requeued.error();
        }
        return Placed::Answer(JsonResponse(200, EncodeNotification(*requeued)));
      },
      std::move(respond));
}

void Api::Impl::HandleWebhookEndpoints(const Request& request, const Principal& principal,
                                       const std::vector<std::string>& parts, Responder respond) {
  if (!HasRole(principal, {"admin"})) {
    return respond(Problem(Forbidden()));
  }
  if (parts.size() == 3) {
    if (request.method != "DELETE") {
      return respond(MethodNotAllowed(request, "DELETE"));
    }
    auto id = std::make_shared<std::string>(parts[2]);
    return Write(
        request, principal,
        [this, id](app::Transaction& transaction) -> Result<Placed> {
          Result<domain::WebhookEndpoint> disabled =
              deps.notifications->DisableEndpoint(transaction, *id);
          if (!disabled) {
            return disabled.error();
          }
          return Placed::Answer(JsonResponse(200, EncodeWebhookEndpoint(*disabled)));
        },
        std::move(respond));
  }
  if (parts.size() != 2) {
    return respond(RouteNotFound(request));
  }
  if (request.method == "GET") {
    return Read(
        [&](app::Transaction& transaction) -> Result<Response> {
          Result<std::vector<domain::WebhookEndpoint>> endpoints =
              transaction.ListWebhookEndpoints();
          if (!endpoints) {
            return endpoints.error();
          }
          Json data = Json::array();
          for (const domain::WebhookEndpoint& endpoint : *endpoints) {
            data.push_back(EncodeWebhookEndpoint(endpoint));
          }
          return JsonResponse(200, Json{{"data", data}});
        },
        respond);
  }
  if (request.method != "POST") {
    return respond(MethodNotAllowed(request, "GET, POST"));
  }
  Result<Json> body = ParseObject(request.body);
  if (!body) {
    return respond(Problem(body.error()));
  }
  Result<std::pair<std::string, std::string>> decoded = DecodeWebhookEndpoint(*body);
  if (!decoded) {
    return respond(Problem(decoded.error()));
  }
  auto fields = std::make_shared<std::pair<std::string, std::string>>(std::move(*decoded));
  Write(
      request, principal,
      [this, fields](app::Transaction& transaction) -> Result<Placed> {
        Result<app::CreatedWebhookEndpoint> created =
            deps.notifications->CreateEndpoint(transaction, fields->first, fields->second);
        if (!created) {
          return created.error();
        }
        return Placed::Answer(
            JsonResponse(201, EncodeWebhookEndpoint(created->endpoint, created->secret)));
      },
      std::move(respond));
}

void Api::Impl::HandleSavedMethods(const Request& request, const Principal& principal,
                                   const LineId& line_id, const std::vector<std::string>& parts,
                                   Responder respond) {
  if (parts.size() > 5) {
    return respond(RouteNotFound(request));
  }
  if (!IsStaff(principal)) {
    return respond(Problem(Forbidden()));
  }
  if (parts.size() == 5) {
    // /v1/lines/{id}/payment-methods/{saved_method_id}
    if (request.method != "DELETE") {
      return respond(MethodNotAllowed(request, "DELETE"));
    }
    const SavedMethodId id{parts[4]};
    return Write(
        request, principal,
        [this, line_id, id](app::Transaction& transaction) -> Result<Placed> {
          Result<domain::SavedPaymentMethod> removed =
              deps.orders->RemoveSavedMethod(transaction, line_id, id);
          if (!removed) {
            return removed.error();
          }
          Placed placed = Placed::Answer(JsonResponse(200, EncodeSavedMethod(*removed)));
          placed.to_forget = *removed;
          return placed;
        },
        std::move(respond));
  }
  if (request.method == "GET") {
    return Read(
        [&](app::Transaction& transaction) -> Result<Response> {
          Result<std::vector<domain::SavedPaymentMethod>> saved =
              deps.orders->ListSavedMethods(transaction, line_id);
          if (!saved) {
            return saved.error();
          }
          Json data = Json::array();
          for (const domain::SavedPaymentMethod& method : *saved) {
            data.push_back(EncodeSavedMethod(method));
          }
          return JsonResponse(200, Json{{"data", data}});
        },
        respond);
  }
  if (request.method != "POST") {
    return respond(MethodNotAllowed(request, "GET, POST"));
  }
  // A card goes to the provider: one request, one card kept, however often it is retried.
  Result<Json> body = MoneyRequestBody(request);
  if (!body) {
    return respond(Problem(body.error()));
  }
  Result<app::SaveMethodInput> input = DecodeSaveMethod(*body);
  if (!input) {
    return respond(Problem(input.error()));
  }
  input->line_id = line_id;
  input->idempotency_key = principal.api_key_id + ":" + request.Header("idempotency-key");
  if (Result<void> checked = deps.orders->CheckSaveMethod(*input); !checked) {
    return respond(Problem(checked.error()));
  }
  auto shared = std::make_shared<app::SaveMethodInput>(std::move(*input));
  Write(
      request, principal,
      [this, shared](app::Transaction& transaction) -> Result<Placed> {
        Result<domain::SavedPaymentMethod> saved =
            deps.orders->StartSaveMethod(transaction, *shared);
        if (!saved) {
          return saved.error();
        }
        Placed placed = Placed::Answer(SavedMethodResponse(*saved));
        placed.to_save = *saved;
        placed.save_input = *shared;
        return placed;
      },
      std::move(respond));
}

void Api::Impl::HandleOrders(const Request& request, const Principal& principal,
                             const std::vector<std::string>& parts, Responder respond) {
  if (parts.size() == 4 && parts[3] == "payments") {
    // A new attempt to pay an order whose payment failed.
    if (request.method != "POST") {
      return respond(MethodNotAllowed(request, "POST"));
    }
    if (!IsStaff(principal) && principal.role != "kiosk") {
      return respond(Problem(Forbidden()));
    }
    Result<Json> body = MoneyRequestBody(request);
    if (!body) {
      return respond(Problem(body.error()));
    }
    Result<app::PayAgainInput> input = DecodePayAgain(*body);
    if (input) {
      input->order_id = OrderId{parts[2]};
    }
    const app::Requester requester{principal.role, ChannelFor(principal),
                                   principal.api_key_id + ":" + request.Header("idempotency-key")};
    return PlaceOrder(request, principal, std::move(input), LineId{}, requester,
                      &app::OrderService::PayAgain, std::move(respond));
  }
  if (parts.size() < 3 || parts.size() > 4 || (parts.size() == 4 && parts[3] != "receipt")) {
    return respond(RouteNotFound(request));
  }
  if (request.method != "GET") {
    return respond(MethodNotAllowed(request, "GET"));
  }
  if (!IsStaff(principal) && principal.role != "kiosk") {
    return respond(Problem(Forbidden()));
  }
  const OrderId order_id{parts[2]};
  if (parts.size() == 3) {
    return Read(
        [&](app::Transaction& transaction) -> Result<Response> {
          Result<app::OrderView> view = deps.orders->GetOrder(transaction, order_id);
          if (!view) {
            return view.error();
          }
          return JsonResponse(200, EncodeOrder(*view));
        },
        respond);
  }
  const std::string format = request.Query("format");
  const bool html =
      format == "html" ||
      (format.empty() && request.Header("accept").find("text/html") != std::string::npos);
  if (!format.empty() && format != "html" && format != "json") {
    return respond(Problem(InvalidArgument("format_unsupported", "format must be json or html.")));
  }
  Read(
      [&](app::Transaction& transaction) -> Result<Response> {
        Result<domain::Receipt> receipt = deps.orders->GetReceipt(transaction, order_id);
        if (!receipt) {
          return receipt.error();
        }
        if (!html) {
          return JsonResponse(200, EncodeReceipt(*receipt));
        }
        Response response;
        response.content_type = "text/html; charset=utf-8";
        response.body = RenderReceiptHtml(*receipt);
        return response;
      },
      respond);
}

Api::Api(ApiDependencies dependencies) : impl_(std::make_unique<Impl>(std::move(dependencies))) {
  impl_->deps.payments->set_outcome_hook(
      [](app::Transaction& transaction, const app::OrderView& view) {
        return Impl::CompleteOrderKey(transaction, view);
      });
  impl_->deps.payments->set_save_hook(
      [](app::Transaction& transaction, const domain::SavedPaymentMethod& saved) {
        return Impl::CompleteSaveKey(transaction, saved);
      });
}

Api::~Api() { impl_->provider_pool.join(); }

void Api::Handle(Request request, Responder respond) {
  impl_->Handle(std::move(request), std::move(respond));
}

Result<int> Api::RecoverPendingPayments() {
  std::vector<domain::Payment> pending;
  Result<void> read = impl_->deps.reads->Read([&](app::Transaction& transaction) -> Result<void> {
    Result<std::vector<domain::Payment>> found =
        transaction.ListPendingPayments(static_cast<int>(app::kCommitBatchSizeMax));
    if (!found) {
      return found.error();
    }
    pending = std::move(*found);
    return Ok();
  });
  if (!read) {
    return read.error();
  }
  int resolved = 0;
  for (const domain::Payment& payment : pending) {
    Result<app::OrderView> view = impl_->deps.payments->Refresh(payment.id);
    if (!view) {
      return view.error();
    }
    if (view->payment && view->payment->status != domain::PaymentStatus::kPending) {
      ++resolved;
    }
  }
  return resolved;
}

}  // namespace simkeep::http
