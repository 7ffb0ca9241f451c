#ifndef SIMKEEP_STORAGE_SQL_CATALOG_STORE_H_
#define SIMKEEP_STORAGE_SQL_CATALOG_STORE_H_

// Tables carriers, carrier_bands, plans, plan_prices, plan_bundles and plan_throttle_steps.
//
// Each function is the body of the app::Transaction method of the same name (contracts in
// app/ports.h), written once for every SQL adapter as a template over its connection (see
// statement.h); StoreTransaction instantiates it. Every function runs on the caller's connection,
// inside its open transaction (outside one it returns kUnavailable "db_unavailable"), and is as
// thread-safe as that connection: not at all.

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "simkeep/domain/catalog.h"
#include "simkeep/storage/sql/rows.h"
#include "simkeep/storage/sql/statement.h"

namespace simkeep::storage::sql {
namespace internal {

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> LoadCarriers(Connection& connection, domain::Catalog& catalog) {
  Result<Statement> statement = connection.Prepare(
      "SELECT carrier_id, name, keep_window_days, grace_days, suspension_to_termination_days, "
      "number_quarantine_days, activity_usage_charge_jpy_min FROM carriers");
  if (!statement) {
    return statement.error();
  }
  Result<void> done = ForEachRow(*statement, [&](Statement& row) {
    domain::Carrier carrier;
    carrier.code = row.ReadEnum(domain::ParseCarrierCode);
    carrier.name = row.ReadText();
    carrier.keep.keep_window_days = row.ReadInt();
    carrier.keep.grace_days = row.ReadInt();
    carrier.keep.suspension_to_termination_days = row.ReadInt();
    carrier.keep.number_quarantine_days = row.ReadInt();
    carrier.keep.activity_usage_charge_jpy_min = row.ReadInt64();
    catalog.carriers.push_back(std::move(carrier));
  });
  if (!done) {
    return done;
  }
  std::sort(catalog.carriers.begin(), catalog.carriers.end(),
            [](const domain::Carrier& a, const domain::Carrier& b) { return a.code < b.code; });
  return Ok();
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> LoadBands(Connection& connection, domain::Catalog& catalog) {
  Result<Statement> statement = connection.Prepare(
      "SELECT carrier_id, band FROM carrier_bands ORDER BY carrier_id, position");
  if (!statement) {
    return statement.error();
  }
  return ForEachRow(*statement, [&](Statement& row) {
    const domain::CarrierCode code = row.ReadEnum(domain::ParseCarrierCode);
    std::string band = row.ReadText();
    for (domain::Carrier& carrier : catalog.carriers) {
      if (carrier.code == code) {
        carrier.bands.push_back(std::move(band));
        break;
      }
    }
  });
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> LoadPlans(Connection& connection, domain::Catalog& catalog) {
  Result<Statement> statement = connection.Prepare(
      "SELECT plan_id, carrier_id, name, kind, service, tax_rate_percent, validity_days, "
      "validity_hours, day_convention, start_trigger, renewal_mode, extend_cap_days, "
      "daily_cap_bytes, auto_renewable, voice_jpy_per_30s, sms_jpy_tenths, "
      "free_call_length_seconds, activate_within_days, kyc_required FROM plans ORDER BY plan_id");
  if (!statement) {
    return statement.error();
  }
  return ForEachRow(*statement, [&](Statement& row) {
    domain::Plan plan;
    plan.id.value = row.ReadText();
    plan.carrier = row.ReadEnum(domain::ParseCarrierCode);
    plan.name = row.ReadText();
    plan.kind = row.ReadEnum(domain::ParsePlanKind);
    plan.service = row.ReadEnum(domain::ParseServiceKind);
    plan.tax_rate_percent = row.ReadInt();
    plan.validity.days = row.ReadInt();
    plan.validity.hours = row.ReadInt();
    plan.validity.convention = row.ReadEnum(domain::ParseDayConvention);
    plan.validity.start = row.ReadEnum(domain::ParseStartTrigger);
    plan.renewal_mode = row.ReadEnum(domain::ParseRenewalMode);
    plan.extend_cap_days = row.ReadInt();
    plan.daily_cap_bytes = row.ReadOptionalInt64();
    plan.auto_renewable = row.ReadBool();
    plan.voice_jpy_per_30s = row.ReadInt64();
    plan.sms_jpy_tenths = row.ReadInt64();
    plan.free_call_length_seconds = row.ReadInt();
    plan.activate_within_days = row.ReadInt();
    plan.kyc_required = row.ReadBool();
    catalog.plans.push_back(std::move(plan));
  });
}

// Loads one child table of plans, each row `read` into the plan it belongs to. The query's first
// column is the plan id.
template <SqlConnection Connection, typename Reader, typename Statement = StatementOf<Connection>>
Result<void> LoadPlanChildren(Connection& connection, const char* sql, domain::Catalog& catalog,
                              Reader read) {
  std::map<std::string, domain::Plan*, std::less<>> plans;
  for (domain::Plan& plan : catalog.plans) {
    plans[plan.id.value] = &plan;
  }
  Result<Statement> statement = connection.Prepare(sql);
  if (!statement) {
    return statement.error();
  }
  return ForEachRow(*statement, [&](Statement& row) {
    const std::string plan_id = row.ReadText();
    auto found = plans.find(plan_id);
    if (found != plans.end()) {
      read(row, *found->second);
    }
  });
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> LoadPlanDetails(Connection& connection, domain::Catalog& catalog) {
  Result<void> done = LoadPlanChildren(connection,
                                       "SELECT plan_id, effective_from, price_jpy FROM plan_prices "
                                       "ORDER BY plan_id, effective_from",
                                       catalog, [](Statement& row, domain::Plan& plan) {
                                         domain::PriceVersion version;
                                         version.effective_from = row.ReadTime();
                                         version.price_jpy = row.ReadInt64();
                                         plan.prices.push_back(version);
                                       });
  if (!done) {
    return done;
  }
  done = LoadPlanChildren(
      connection, "SELECT plan_id, kind, quantity FROM plan_bundles ORDER BY plan_id, position",
      catalog, [](Statement& row, domain::Plan& plan) {
        domain::Bundle bundle;
        bundle.kind = row.ReadEnum(domain::ParseBundleKind);
        bundle.quantity = row.ReadInt64();
        plan.bundles.push_back(bundle);
      });
  if (!done) {
    return done;
  }
  return LoadPlanChildren(connection,
                          "SELECT plan_id, up_to_extra_bytes, speed_kbps FROM plan_throttle_steps "
                          "ORDER BY plan_id, position",
                          catalog, [](Statement& row, domain::Plan& plan) {
                            domain::ThrottleStep step;
                            step.up_to_extra_bytes = row.ReadInt64();
                            step.speed_kbps = row.ReadInt();
                            plan.throttle.push_back(step);
                          });
}

// Inserts `carrier` and its bands unless a carrier with its code is stored.
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> SaveCarrier(Connection& connection, const domain::Carrier& carrier) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO carriers (carrier_id, name, keep_window_days, grace_days, "
      "suspension_to_termination_days, number_quarantine_days, activity_usage_charge_jpy_min) "
      "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (carrier_id) DO NOTHING");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(domain::CarrierCodeName(carrier.code))
      .BindText(carrier.name)
      .BindInt64(carrier.keep.keep_window_days)
      .BindInt64(carrier.keep.grace_days)
      .BindInt64(carrier.keep.suspension_to_termination_days)
      .BindInt64(carrier.keep.number_quarantine_days)
      .BindInt64(carrier.keep.activity_usage_charge_jpy_min);
  Result<void> done = statement->Run();
  if (!done || connection.Changes() == 0) {
    return done;
  }
  for (size_t i = 0; i < carrier.bands.size(); ++i) {
    Result<Statement> band = connection.PrepareWrite(
        "INSERT INTO carrier_bands (carrier_id, position, band) VALUES (?, ?, ?)");
    if (!band) {
      return band.error();
    }
    band->BindText(domain::CarrierCodeName(carrier.code))
        .BindInt64(static_cast<int64_t>(i))
        .BindText(carrier.bands[i]);
    done = band->Run();
    if (!done) {
      return done;
    }
  }
  return Ok();
}

// Inserts the plan row; sets `inserted` when it was not stored before.
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertPlanRow(Connection& connection, const domain::Plan& plan, bool& inserted) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO plans (plan_id, carrier_id, name, kind, service, tax_rate_percent, "
      "validity_days, validity_hours, day_convention, start_trigger, renewal_mode, "
      "extend_cap_days, daily_cap_bytes, auto_renewable, voice_jpy_per_30s, sms_jpy_tenths, "
      "free_call_length_seconds, activate_within_days, kyc_required) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (plan_id) DO NOTHING");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(plan.id.value)
      .BindText(domain::CarrierCodeName(plan.carrier))
      .BindText(plan.name)
      .BindText(domain::PlanKindName(plan.kind))
      .BindText(domain::ServiceKindName(plan.service))
      .BindInt64(plan.tax_rate_percent)
      .BindInt64(plan.validity.days)
      .BindInt64(plan.validity.hours)
      .BindText(domain::DayConventionName(plan.validity.convention))
      .BindText(domain::StartTriggerName(plan.validity.start))
      .BindText(domain::RenewalModeName(plan.renewal_mode))
      .BindInt64(plan.extend_cap_days)
      .BindOptionalInt64(plan.daily_cap_bytes)
      .BindBool(plan.auto_renewable)
      .BindInt64(plan.voice_jpy_per_30s)
      .BindInt64(plan.sms_jpy_tenths)
      .BindInt64(plan.free_call_length_seconds)
      .BindInt64(plan.activate_within_days)
      .BindBool(plan.kyc_required);
  Result<void> done = statement->Run();
  inserted = done && connection.Changes() > 0;
  return done;
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertPlanBundlesAndSteps(Connection& connection, const domain::Plan& plan) {
  for (size_t i = 0; i < plan.bundles.size(); ++i) {
    Result<Statement> statement = connection.PrepareWrite(
        "INSERT INTO plan_bundles (plan_id, position, kind, quantity) VALUES (?, ?, ?, ?)");
    if (!statement) {
      return statement.error();
    }
    statement->BindText(plan.id.value)
        .BindInt64(static_cast<int64_t>(i))
        .BindText(domain::BundleKindName(plan.bundles[i].kind))
        .BindInt64(plan.bundles[i].quantity);
    Result<void> done = statement->Run();
    if (!done) {
      return done;
    }
  }
  for (size_t i = 0; i < plan.throttle.size(); ++i) {
    Result<Statement> statement = connection.PrepareWrite(
        "INSERT INTO plan_throttle_steps (plan_id, position, up_to_extra_bytes, speed_kbps) "
        "VALUES (?, ?, ?, ?)");
    if (!statement) {
      return statement.error();
    }
    statement->BindText(plan.id.value)
        .BindInt64(static_cast<int64_t>(i))
        .BindInt64(plan.throttle[i].up_to_extra_bytes)
        .BindInt64(plan.throttle[i].speed_kbps);
    Result<void> done = statement->Run();
    if (!done) {
      return done;
    }
  }
  return Ok();
}

// Adds `version` to the plan's price history unless it is there; a stored version with the same
// effective_from and another price is a conflict.
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> SavePriceVersion(Connection& connection, const PlanId& plan_id,
                              const domain::PriceVersion& version) {
  Result<Statement> insert = connection.PrepareWrite(
      "INSERT INTO plan_prices (plan_id, effective_from, price_jpy) VALUES (?, ?, ?) "
      "ON CONFLICT (plan_id, effective_from) DO NOTHING");
  if (!insert) {
    return insert.error();
  }
  insert->BindText(plan_id.value).BindTime(version.effective_from).BindInt64(version.price_jpy);
  Result<void> done = insert->Run();
  if (!done || connection.Changes() > 0) {
    return done;
  }
  Result<Statement> stored = connection.Prepare(
      "SELECT price_jpy FROM plan_prices WHERE plan_id = ? AND effective_from = ?");
  if (!stored) {
    return stored.error();
  }
  stored->BindText(plan_id.value).BindTime(version.effective_from);
  Result<bool> row = stored->Step();
  if (!row) {
    return row.error();
  }
  if (*row && stored->ReadInt64() != version.price_jpy) {
    return FailedPrecondition("price_version_conflict",
                              "plan " + plan_id.value + " already has another price from " +
                                  std::to_string(ToMicros(version.effective_from)));
  }
  return Ok();
}

template <SqlConnection Connection>
Result<void> SavePlan(Connection& connection, const domain::Plan& plan) {
  bool inserted = false;
  Result<void> done = InsertPlanRow(connection, plan, inserted);
  if (!done) {
    return done;
  }
  if (inserted) {
    done = InsertPlanBundlesAndSteps(connection, plan);
    if (!done) {
      return done;
    }
  }
  for (const domain::PriceVersion& version : plan.prices) {
    done = SavePriceVersion(connection, plan.id, version);
    if (!done) {
      return done;
    }
  }
  return Ok();
}

}  // namespace internal

// Every carrier (in CarrierCode order) with its bands, and every plan (by id) with its price
// versions (ascending), bundles and throttle steps (in their saved order).
template <SqlConnection Connection>
Result<domain::Catalog> LoadCatalog(Connection& connection) {
  domain::Catalog catalog;
  Result<void> done = internal::LoadCarriers(connection, catalog);
  if (done) {
    done = internal::LoadBands(connection, catalog);
  }
  if (done) {
    done = internal::LoadPlans(connection, catalog);
  }
  if (done) {
    done = internal::LoadPlanDetails(connection, catalog);
  }
  if (!done) {
    return done.error();
  }
  return catalog;
}

// Inserts the carriers and plans not stored yet, with their bands, bundles and throttle steps,
// and every price version not stored yet. What is stored is never rewritten: a stored carrier or
// plan keeps its fields as first saved. A price version whose effective_from is stored with a
// different price would rewrite history: kFailedPrecondition "price_version_conflict". All or
// nothing.
template <SqlConnection Connection>
Result<void> SaveCatalog(Connection& connection, const domain::Catalog& catalog) {
  return Atomically(connection, "save_catalog", [&]() {
    for (const domain::Carrier& carrier : catalog.carriers) {
      Result<void> done = internal::SaveCarrier(connection, carrier);
      if (!done) {
        return done;
      }
    }
    for (const domain::Plan& plan : catalog.plans) {
      Result<void> done = internal::SavePlan(connection, plan);
      if (!done) {
        return done;
      }
    }
    return Ok();
  });
}

}  // namespace simkeep::storage::sql

#endif  // SIMKEEP_STORAGE_SQL_CATALOG_STORE_H_
