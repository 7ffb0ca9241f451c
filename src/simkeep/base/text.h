#ifndef SIMKEEP_BASE_TEXT_H_
#define SIMKEEP_BASE_TEXT_H_

// Small text codecs shared by the modules that read URLs.

#include <string>
#include <string_view>

namespace simkeep {

// The value of one hexadecimal digit (0-9, a-f, A-F), or -1 for any other character.
int HexDigitValue(char c);

// `text` with every %XX escape (two hex digits) decoded; a '%' not followed by two hex digits
// is kept as is. With `plus_is_space` (form and query encoding) '+' becomes a space.
std::string PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace simkeep

#endif  // SIMKEEP_BASE_TEXT_H_
