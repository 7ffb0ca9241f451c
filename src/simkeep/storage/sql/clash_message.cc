#include "simkeep/storage/sql/clash_message.h"

namespace simkeep::storage::sql {

std::string ClashMessage(std::string_view reason) {
  if (reason == "iccid_taken") {
    return "A line with this ICCID is already provisioned.";
  }
  if (reason == "msisdn_taken") {
    return "A line with this phone number is already provisioned.";
  }
  if (reason == "payment_live_exists") {
    return "This order already has a payment in progress or paid.";
  }
  if (reason == "idempotency_key_exists") {
    return "This Idempotency-Key is already stored.";
  }
  return "A record with this key already exists (" + std::string(reason) + ").";
}

}  // namespace simkeep::storage::sql
