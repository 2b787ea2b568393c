// hamgen/hamgen.hpp: umbrella header for the CPU library (CUDA headers are opt-in: hamgen/cuda/).
#pragma once

#include <hamgen/core/device.hpp>
#include <hamgen/core/error.hpp>
#include <hamgen/core/version.hpp>
