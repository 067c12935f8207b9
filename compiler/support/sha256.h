// SHA-256 of a byte string, as lower-case hex (the model's fingerprint in generated banners).
#pragma once

#include <string>

namespace kiln {

std::string sha256_hex(const std::string& bytes);

}  // namespace kiln
