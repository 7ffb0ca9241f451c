#ifndef SIMKEEP_STORAGE_SQL_STATEMENT_H_
#define SIMKEEP_STORAGE_SQL_STATEMENT_H_

// What the shared query code (storage/sql) needs of an adapter's statement and connection, as
// C++20 concepts, and StatementBase: the typed binds and reads (times, booleans, optionals, enum
// names) written once on top of the few primitives each adapter implements for its database.
//
// The query code is templates over these concepts rather than code against an interface, so a
// bound parameter costs what it costs in the adapter itself: no virtual call, no allocation.

#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "simkeep/base/clock.h"
#include "simkeep/base/result.h"

namespace simkeep::storage::sql {

// The primitives an adapter's statement implements. Parameters bind in order (each Bind* call
// binds the next placeholder) and columns of the current row read in order (each Read* call reads
// the next column):
//   BindText, BindInt64, BindNull   bind the next parameter, returning the statement;
//   Step()                          true when a row is ready, false when the statement is done;
//   Run()                           runs the statement to its end, ignoring rows;
//   ReadText()                      the next column as text, NULL as "";
//   ReadInt64()                     the next column as an integer;
//   NextIsNull(), Skip()            look at, or pass over, the next column;
//   RowError()                      the first decoding failure since the last Step();
//   NoteUnknownValue(text)          records that the column just read held `text`, which does not
//                                   decode (may be private if StatementBase is a friend).
template <typename S>
concept StatementPrimitives = requires(S& statement, const S& const_statement,
                                       std::string_view text, int64_t number) {
  { statement.BindText(text) } -> std::same_as<S&>;
  { statement.BindInt64(number) } -> std::same_as<S&>;
  { statement.BindNull() } -> std::same_as<S&>;
  { statement.Step() } -> std::same_as<Result<bool>>;
  { statement.Run() } -> std::same_as<Result<void>>;
  { statement.ReadText() } -> std::same_as<std::string>;
  { statement.ReadInt64() } -> std::same_as<int64_t>;
  { const_statement.NextIsNull() } -> std::same_as<bool>;
  statement.Skip();
  { const_statement.RowError() } -> std::same_as<const std::optional<Error>&>;
};

// The RowError of a stored value `text` of `column` (null when the database cannot name it)
// that does not decode, such as an enum name this build does not know.
Error UnknownValueError(std::string_view text, const char* column);

// Adds to an adapter's statement (the CRTP `Derived`, which implements StatementPrimitives) the
// typed binds and reads the query code uses, so that the encoding of a value (a time as BIGINT
// microseconds since the epoch, a boolean as 0/1, an absent optional as NULL, an enum as its
// name) is written once for every database.
//
// Everything here is inline and calls the primitives directly. Thread-safety: that of Derived.
template <typename Derived>
class StatementBase {
 public:
  // Binds NULL when `value` is empty.
  Derived& BindTextOrNull(std::string_view value) {
    return value.empty() ? self().BindNull() : self().BindText(value);
  }
  Derived& BindOptionalText(const std::optional<std::string>& value) {
    return value ? self().BindText(*value) : self().BindNull();
  }
  Derived& BindBool(bool value) { return self().BindInt64(value ? 1 : 0); }
  Derived& BindTime(Timestamp value) { return self().BindInt64(ToMicros(value)); }
  Derived& BindOptionalTime(const std::optional<Timestamp>& value) {
    return value ? BindTime(*value) : self().BindNull();
  }
  Derived& BindOptionalInt64(const std::optional<int64_t>& value) {
    return value ? self().BindInt64(*value) : self().BindNull();
  }

  // Reads an integer column into an int; a stored value out of int's range records a RowError
  // and reads as 0.
  int ReadInt() {
    const int64_t value = self().ReadInt64();
    if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
      self().NoteUnknownValue(std::to_string(value));
      return 0;
    }
    return static_cast<int>(value);
  }
  bool ReadBool() { return self().ReadInt64() != 0; }
  Timestamp ReadTime() { return FromMicros(self().ReadInt64()); }
  std::optional<Timestamp> ReadOptionalTime() {
    if (self().NextIsNull()) {
      self().Skip();
      return std::nullopt;
    }
    return ReadTime();
  }
  std::optional<int64_t> ReadOptionalInt64() {
    if (self().NextIsNull()) {
      self().Skip();
      return std::nullopt;
    }
    return self().ReadInt64();
  }

  // Reads the next column as an enum through `parse` (a ParseX function taking a string_view and
  // returning std::optional<Enum>). A value `parse` rejects records a RowError and yields the
  // enum's zero value. The enum is the parser's, so a call needs no template arguments (which,
  // on a dependent statement type, would need the `template` keyword).
  template <typename Parser,
            typename Enum = typename std::invoke_result_t<Parser, std::string_view>::value_type>
  Enum ReadEnum(Parser parse) {
    const std::string text = self().ReadText();
    const std::optional<Enum> value = parse(text);
    if (!value) {
      self().NoteUnknownValue(text);
      return Enum{};
    }
    return *value;
  }

 protected:
  // Only a Derived is a StatementBase<Derived>.
  StatementBase() = default;

 private:
  Derived& self() { return static_cast<Derived&>(*this); }
};

// A statement the query code can use: the primitives plus StatementBase.
template <typename S>
concept SqlStatement = StatementPrimitives<S> && std::derived_from<S, StatementBase<S>>;

namespace internal {
template <typename T>
struct ResultValue;
template <typename T>
struct ResultValue<Result<T>> {
  using type = T;
};
}  // namespace internal

// The statement type `Connection::Prepare` leases.
template <typename Connection>
using StatementOf =
    typename internal::ResultValue<decltype(std::declval<Connection&>().Prepare(""))>::type;

// What the query code needs of an adapter's connection. The three Prepare* calls give the same
// statement and differ only in how it runs, where the database makes a difference:
//   Prepare(sql)        a read;
//   PrepareWrite(sql)   a write, which, refused, must undo only itself and leave the transaction
//                       usable (PostgreSQL runs it in its own savepoint; SQLite does so anyway),
//                       except inside a command whose writes the adapter defers
//                       (app::Session::CommandSavepoint), which is then run again step by step;
//   PrepareStream(sql)  a query whose rows may be many, read a batch at a time (PostgreSQL reads
//                       it through a cursor; SQLite steps rows lazily anyway).
// `sql` is written with `?` placeholders (`?NNN` to name one twice); a database that numbers
// them (`$1`) converts the text itself. Also:
//   Execute(sql)        runs parameterless statements (savepoints);
//   CheckTransaction()  kUnavailable "db_unavailable" outside an open transaction;
//   Changes()           rows changed by the last INSERT, UPDATE or DELETE (may wait for the
//                       answers of deferred writes);
//   ExpectChanged()     true when the adapter will itself check that the write just run changed
//                       a row (a deferred write; see PrepareWrite), false when the caller must
//                       read Changes().
template <typename C>
concept SqlConnection = requires(C& connection, const C& const_connection, const char* sql) {
  requires SqlStatement<StatementOf<C>>;
  { connection.Prepare(sql) } -> std::same_as<Result<StatementOf<C>>>;
  { connection.PrepareWrite(sql) } -> std::same_as<Result<StatementOf<C>>>;
  { connection.PrepareStream(sql) } -> std::same_as<Result<StatementOf<C>>>;
  { connection.Execute(sql) } -> std::same_as<Result<void>>;
  { const_connection.CheckTransaction() } -> std::same_as<Result<void>>;
  { connection.Changes() } -> std::same_as<int64_t>;
  { connection.ExpectChanged() } -> std::same_as<bool>;
};

}  // namespace simkeep::storage::sql

#endif  // SIMKEEP_STORAGE_SQL_STATEMENT_H_
