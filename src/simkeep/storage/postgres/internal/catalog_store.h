#ifndef SIMKEEP_STORAGE_POSTGRES_INTERNAL_CATALOG_STORE_H_
#define SIMKEEP_STORAGE_POSTGRES_INTERNAL_CATALOG_STORE_H_

// Tables carriers, carrier_bands, plans, plan_prices, plan_bundles and plan_throttle_steps.

#include "simkeep/domain/catalog.h"
#include "simkeep/storage/postgres/internal/connection.h"

namespace simkeep::storage::postgres::internal {

// Every carrier (in CarrierCode order) with its bands, and every plan (by id) with its price
// versions (ascending), bundles and throttle steps (in their saved order).
Result<domain::Catalog> LoadCatalog(Connection& connection);

// Inserts the carriers and plans not stored yet, with their bands, bundles and throttle steps,
// and every price version not stored yet. What is stored is never rewritten: a stored carrier or
// plan keeps its fields as first saved. A price version whose effective_from is stored with a
// different price would rewrite history: kFailedPrecondition "price_version_conflict".
Result<void> SaveCatalog(Connection& connection, const domain::Catalog& catalog);

}  // namespace simkeep::storage::postgres::internal

#endif  // SIMKEEP_STORAGE_POSTGRES_INTERNAL_CATALOG_STORE_H_
