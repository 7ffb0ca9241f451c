#ifndef SIMKEEP_STORAGE_SQL_CLASH_MESSAGE_H_
#define SIMKEEP_STORAGE_SQL_CLASH_MESSAGE_H_

// The message of a kAlreadyExists error, the same whichever database found the clash.

#include <string>
#include <string_view>

namespace simkeep::storage::sql {

// A message a person understands for a unique-key clash with `reason` ("iccid_taken", ...). The
// statement and the database's own text stay out of it: it is shown to people.
std::string ClashMessage(std::string_view reason);

}  // namespace simkeep::storage::sql

#endif  // SIMKEEP_STORAGE_SQL_CLASH_MESSAGE_H_
