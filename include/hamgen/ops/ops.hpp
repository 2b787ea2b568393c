// hamgen/ops/ops.hpp
//
// Represents: the ops facade every layer calls (design.md §5.2, dlib's tt:: namespace): GEMM,
//             elementwise, reductions, concat/split/slice, reshape/permute. Convolution,
//             batch-norm and recurrent-cell kernels join through their own headers.
#pragma once

#include <hamgen/ops/concat.hpp>
#include <hamgen/ops/elementwise.hpp>
#include <hamgen/ops/gemm.hpp>
#include <hamgen/ops/reduction.hpp>
#include <hamgen/ops/reshape.hpp>
