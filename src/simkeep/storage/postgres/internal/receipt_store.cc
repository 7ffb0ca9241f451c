#include "simkeep/storage/postgres/internal/receipt_store.h"

#include <string>
#include <utility>

#include "simkeep/storage/postgres/internal/rows.h"

namespace simkeep::storage::postgres::internal {
namespace {

Result<void> InsertReceiptHeader(Connection& connection, const domain::Receipt& receipt) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO receipts (receipt_number, order_id, line_id, kind, issuer_name, "
      "invoice_registration_number, channel, payment_method, non_taxable_jpy, total_jpy, "
      "issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
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

Result<void> InsertReceiptLines(Connection& connection, const domain::Receipt& receipt) {
  for (size_t i = 0; i < receipt.lines.size(); ++i) {
    const domain::ReceiptLine& line = receipt.lines[i];
    Result<Statement> statement = connection.PrepareWrite(
        "INSERT INTO receipt_lines (receipt_number, position, description, quantity, "
        "unit_price_jpy, tax_rate_percent, taxable) VALUES ($1, $2, $3, $4, $5, $6, $7)");
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

Result<void> InsertRateTotals(Connection& connection, const domain::Receipt& receipt) {
  for (const domain::RateTotal& rate : receipt.totals.by_rate) {
    Result<Statement> statement = connection.PrepareWrite(
        "INSERT INTO receipt_rate_totals (receipt_number, tax_rate_percent, "
        "total_including_tax_jpy, tax_jpy, total_excluding_tax_jpy) VALUES ($1, $2, $3, $4, $5)");
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

Result<domain::Receipt> ReadReceiptHeader(Statement& row) {
  domain::Receipt receipt;
  receipt.number = row.ReadText();
  receipt.order_id.value = row.ReadText();
  receipt.line_id.value = row.ReadText();
  receipt.kind = row.ReadEnum<domain::ReceiptKind>(domain::ParseReceiptKind);
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
Result<void> LoadReceiptDetails(Connection& connection, domain::Receipt& receipt) {
  Result<Statement> lines = connection.Prepare(
      "SELECT description, quantity, unit_price_jpy, tax_rate_percent, taxable "
      "FROM receipt_lines WHERE receipt_number = $1 ORDER BY position");
  if (!lines) {
    return lines.error();
  }
  lines->BindText(receipt.number);
  Result<std::vector<domain::ReceiptLine>> line_rows =
      ReadAll<domain::ReceiptLine>(*lines, ReadReceiptLine);
  if (!line_rows) {
    return line_rows.error();
  }
  receipt.lines = std::move(*line_rows);
  Result<Statement> rates = connection.Prepare(
      "SELECT tax_rate_percent, total_including_tax_jpy, tax_jpy, total_excluding_tax_jpy "
      "FROM receipt_rate_totals WHERE receipt_number = $1 ORDER BY tax_rate_percent");
  if (!rates) {
    return rates.error();
  }
  rates->BindText(receipt.number);
  Result<std::vector<domain::RateTotal>> rate_rows =
      ReadAll<domain::RateTotal>(*rates, ReadRateTotal);
  if (!rate_rows) {
    return rate_rows.error();
  }
  receipt.totals.by_rate = std::move(*rate_rows);
  return Ok();
}

}  // namespace

Result<void> InsertReceipt(Connection& connection, const domain::Receipt& receipt) {
  return Atomically(connection, "insert_receipt", [&]() {
    Result<void> done = InsertReceiptHeader(connection, receipt);
    if (done) {
      done = InsertReceiptLines(connection, receipt);
    }
    if (done) {
      done = InsertRateTotals(connection, receipt);
    }
    return done;
  });
}

Result<std::optional<domain::Receipt>> FindReceiptByOrder(Connection& connection,
                                                          const OrderId& id) {
  Result<std::optional<domain::Receipt>> found = std::optional<domain::Receipt>();
  {
    Result<Statement> statement = connection.Prepare(
        "SELECT receipt_number, order_id, line_id, kind, issuer_name, "
        "invoice_registration_number, channel, payment_method, non_taxable_jpy, total_jpy, "
        "issued_at FROM receipts WHERE order_id = $1");
    if (!statement) {
      return statement.error();
    }
    statement->BindText(id.value);
    found = ReadOptional<domain::Receipt>(*statement, ReadReceiptHeader);
  }
  if (!found || !found->has_value()) {
    return found;
  }
  Result<void> details = LoadReceiptDetails(connection, **found);
  if (!details) {
    return details.error();
  }
  return found;
}

}  // namespace simkeep::storage::postgres::internal
