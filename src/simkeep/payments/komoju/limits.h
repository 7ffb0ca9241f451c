#ifndef SIMKEEP_PAYMENTS_KOMOJU_LIMITS_H_
#define SIMKEEP_PAYMENTS_KOMOJU_LIMITS_H_

#include <cstddef>

namespace simkeep::payments::komoju {

// How long one call to KOMOJU may take to connect, and how long it may take in all (TLS, the
// request, the answer). A call past either ends as "no answer": a charge is then kUnknown and
// is asked about again later (Retrieve), never charged again. The defaults of KomojuConfig.
inline constexpr int kConnectTimeoutMsDefault = 5'000;
inline constexpr int kTotalTimeoutMsDefault = 10'000;
// The bounds a configuration may set them within.
inline constexpr int kTimeoutMsMin = 100;
inline constexpr int kTimeoutMsMax = 120'000;

// The largest answer read from KOMOJU. A payment object is a few KiB and a list page of
// kListPageSizeMax payments some hundred KiB; anything longer is cut off and the call has no
// answer.
inline constexpr size_t kResponseBodyBytesMax = 1 << 20;

// The largest webhook body VerifyWebhook reads (one event about one payment: a few KiB).
inline constexpr size_t kWebhookBodyBytesMax = 256 << 10;

// KOMOJU keeps an idempotency key (X-KOMOJU-IDEMPOTENCY) for 24 hours and takes at most 100
// ASCII characters (ja.doc.komoju.com/docs/idempotent-requests). Our keys are payment and refund
// ids, a few tens of characters; a longer one is refused before any call.
inline constexpr size_t kIdempotencyKeyBytesMax = 100;

// Paging through GET /api/v1/payments for reconciliation: payments per page (the default and
// most a configuration may ask for), and most pages read for one window (100,000 payments).
inline constexpr int kListPageSizeDefault = 100;
inline constexpr int kListPageSizeMax = 100;
inline constexpr int kListPagesMax = 1000;

// KOMOJU filters its list by creation time, reconciliation by capture time, and a deferred payment
// is captured up to 59 days after it was made (domain::kDeferredPaymentDaysMax). A window
// [from, to) therefore lists the payments created in [from - kListCreatedLookbackDays, to).
inline constexpr int kListCreatedLookbackDays = 60;

}  // namespace simkeep::payments::komoju

#endif  // SIMKEEP_PAYMENTS_KOMOJU_LIMITS_H_
