// hamgen/backend/cpu/concat.hpp
//
// Represents: cpu copies for concat / split / slice along one axis, with the tensor viewed as
//             [outer, axis, inner].
// Requires:   non-overlapping buffers.
// Ensures:    copy_block copies `len` axis entries starting at `src_begin` of a source with
//             `src_axis` entries into a destination with `dst_axis` entries at `dst_begin`;
//             concat, split and slice (and their adjoints) are all made of it.
#pragma once

#include <cstddef>
#include <cstring>

namespace hamgen::backend::cpu {

template <class T>
void copy_block(const T* src, std::size_t src_axis, std::size_t src_begin, T* dst, std::size_t dst_axis,
                std::size_t dst_begin, std::size_t len, std::size_t outer, std::size_t inner) {
  const std::size_t chunk = len * inner;
  for (std::size_t o = 0; o < outer; ++o)
    std::memcpy(dst + (o * dst_axis + dst_begin) * inner, src + (o * src_axis + src_begin) * inner,
                chunk * sizeof(T));
}

} // namespace hamgen::backend::cpu
