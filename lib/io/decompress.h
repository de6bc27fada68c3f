// Internal to lib/io: the decompressing sources open_source() stacks on a
// raw source (io/decompress.cpp). Not for other layers.
#pragma once

#include "io/input.h"

#include <memory>
#include <string>

namespace crashctl::detail {

std::unique_ptr<ByteSource> make_zstd_source(std::unique_ptr<ByteSource> raw, std::string name);
std::unique_ptr<ByteSource> make_gzip_source(std::unique_ptr<ByteSource> raw, std::string name);
// The first four bytes of P are a zstd frame's magic number.
bool is_zstd_magic(const unsigned char *p);

}  // namespace crashctl::detail
