#ifndef SIMKEEP_STORAGE_SQL_RECEIPT_STORE_H_
#define SIMKEEP_STORAGE_SQL_RECEIPT_STORE_H_

// Tables receipts, receipt_lines and receipt_rate_totals: append-only, refused UPDATE and DELETE
// by triggers.
//
// Each function is the body of the app::Transaction method of the same name (contracts in
// app/ports.h), written once for every SQL adapter as a template over its connection (see
// statement.h); StoreTransaction instantiates it. Every function runs on the caller's connection,
// inside its open transaction (outside one it returns kUnavailable "db_unavailable"), and is as
// thread-safe as that connection: not at all.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "simkeep/domain/order.h"
#include "simkeep/storage/sql/rows.h"
#include "simkeep/storage/sql/statement.h"

namespace simkeep::storage::sql {
namespace internal {

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertReceiptHeader(Connection& connection, const domain::Receipt& receipt) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO receipts (receipt_number, order_id, line_id, kind, issuer_name, "
      "invoice_registration_number, channel, payment_method, non_taxable_jpy, total_jpy, "
      "issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(receipt.number)
      .BindText(receipt.order_id.value)
      .BindText(receipt.line_id.value)
      .BindText(domain::ReceiptKindName(receipt.kind))
      .BindText(receipt.issuer_name)
      .BindText(receipt.invoice_registration_number)
      .BindText(receipt.channel)
      .BindText(receipt.payment_method)
      .BindInt64(receipt.totals.non_taxable_jpy)
      .BindInt64(receipt.totals.total_jpy)
      .BindTime(receipt.issued_at);
  return statement->Run();
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertReceiptLines(Connection& connection, const domain::Receipt& receipt) {
  for (size_t i = 0; i < receipt.lines.size(); ++i) {
    const domain::ReceiptLine& line = receipt.lines[i];
    Result<Statement> statement = connection.PrepareWrite(
        "INSERT INTO receipt_lines (receipt_number, position, description, quantity, "
        "unit_price_jpy, tax_rate_percent, taxable) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!statement) {
      return statement.error();
    }
    statement->BindText(receipt.number)
        .BindInt64(static_cast<int64_t>(i))
        .BindText(line.description)
        .BindInt64(line.quantity)
        .BindInt64(line.unit_price_jpy)
        .BindInt64(line.tax_rate_percent)
        .BindBool(line.taxable);
    Result<void> done = statement->Run();
    if (!done) {
      return done;
    }
  }
  return Ok();
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertRateTotals(Connection& connection, const domain::Receipt& receipt) {
  for (const domain::RateTotal& rate : receipt.totals.by_rate) {
    Result<Statement> statement = connection.PrepareWrite(
        "INSERT INTO receipt_rate_totals (receipt_number, tax_rate_percent, "
        "total_including_tax_jpy, tax_jpy, total_excluding_tax_jpy) VALUES (?, ?, ?, ?, ?)");
    if (!statement) {
      return statement.error();
    }
    statement->BindText(receipt.number)
        .BindInt64(rate.tax_rate_percent)
        .BindInt64(rate.total_including_tax_jpy)
        .BindInt64(rate.tax_jpy)
        .BindInt64(rate.total_excluding_tax_jpy);
    Result<void> done = statement->Run();
    if (!done) {
      return done;
    }
  }
  return Ok();
}

template <SqlStatement Statement>
Result<domain::Receipt> ReadReceiptHeader(Statement& row) {
  domain::Receipt receipt;
  receipt.number = row.ReadText();
  receipt.order_id.value = row.ReadText();
  receipt.line_id.value = row.ReadText();
  receipt.kind = row.ReadEnum(domain::ParseReceiptKind);
  receipt.issuer_name = row.ReadText();
  receipt.invoice_registration_number = row.ReadText();
  receipt.channel = row.ReadText();
  receipt.payment_method = row.ReadText();
  receipt.totals.non_taxable_jpy = row.ReadInt64();
  receipt.totals.total_jpy = row.ReadInt64();
  receipt.issued_at = row.ReadTime();
  if (row.RowError()) {
    return *row.RowError();
  }
  return receipt;
}

template <SqlStatement Statement>
Result<domain::ReceiptLine> ReadReceiptLine(Statement& row) {
  domain::ReceiptLine line;
  line.description = row.ReadText();
  line.quantity = row.ReadInt64();
  line.unit_price_jpy = row.ReadInt64();
  line.tax_rate_percent = row.ReadInt();
  line.taxable = row.ReadBool();
  if (row.RowError()) {
    return *row.RowError();
  }
  return line;
}

template <SqlStatement Statement>
Result<domain::RateTotal> ReadRateTotal(Statement& row) {
  domain::RateTotal rate;
  rate.tax_rate_percent = row.ReadInt();
  rate.total_including_tax_jpy = row.ReadInt64();
  rate.tax_jpy = row.ReadInt64();
  rate.total_excluding_tax_jpy = row.ReadInt64();
  if (row.RowError()) {
    return *row.RowError();
  }
  return rate;
}

// Fills in the lines and per-rate totals of `receipt`, whose header is loaded.
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> LoadReceiptDetails(Connection& connection, domain::Receipt& receipt) {
  Result<Statement> lines = connection.Prepare(
      "SELECT description, quantity, unit_price_jpy, tax_rate_percent, taxable "
      "FROM receipt_lines WHERE receipt_number = ? ORDER BY position");
  if (!lines) {
    return lines.error();
  }
  lines->BindText(receipt.number);
  Result<std::vector<domain::ReceiptLine>> line_rows =
      ReadAll<domain::ReceiptLine>(*lines, ReadReceiptLine<Statement>);
  if (!line_rows) {
    return line_rows.error();
  }
  receipt.lines = std::move(*line_rows);
  Result<Statement> rates = connection.Prepare(
      "SELECT tax_rate_percent, total_including_tax_jpy, tax_jpy, total_excluding_tax_jpy "
      "FROM receipt_rate_totals WHERE receipt_number = ? ORDER BY tax_rate_percent");
  if (!rates) {
    return rates.error();
  }
  rates->BindText(receipt.number);
  Result<std::vector<domain::RateTotal>> rate_rows =
      ReadAll<domain::RateTotal>(*rates, ReadRateTotal<Statement>);
  if (!rate_rows) {
    return rate_rows.error();
  }
  receipt.totals.by_rate = std::move(*rate_rows);
  return Ok();
}

}  // namespace internal

// Inserts the receipt, its lines (in order) and its per-rate totals (in order), all or nothing.
// kAlreadyExists "receipt_exists" when the number or the order already has one.
template <SqlConnection Connection>
Result<void> InsertReceipt(Connection& connection, const domain::Receipt& receipt) {
  return Atomically(connection, "insert_receipt", [&]() {
    Result<void> done = internal::InsertReceiptHeader(connection, receipt);
    if (done) {
      done = internal::InsertReceiptLines(connection, receipt);
    }
    if (done) {
      done = internal::InsertRateTotals(connection, receipt);
    }
    return done;
  });
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<domain::Receipt>> FindReceiptByOrder(Connection& connection,
                                                          const OrderId& id) {
  Result<std::optional<domain::Receipt>> found = std::optional<domain::Receipt>();
  {
    Result<Statement> statement = connection.Prepare(
        "SELECT receipt_number, order_id, line_id, kind, issuer_name, "
        "invoice_registration_number, channel, payment_method, non_taxable_jpy, total_jpy, "
        "issued_at FROM receipts WHERE order_id = ?");
    if (!statement) {
      return statement.error();
    }
    statement->BindText(id.value);
    found = ReadOptional<domain::Receipt>(*statement, internal::ReadReceiptHeader<Statement>);
  }
  if (!found || !found->has_value()) {
    return found;
  }
  Result<void> details = internal::LoadReceiptDetails(connection, **found);
  if (!details) {
    return details.error();
  }
  return found;
}

}  // namespace simkeep::storage::sql

#endif  // SIMKEEP_STORAGE_SQL_RECEIPT_STORE_H_
