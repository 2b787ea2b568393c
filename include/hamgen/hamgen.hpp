// hamgen/hamgen.hpp: umbrella header for the CPU library.
//
// Includes everything that needs only Eigen and xtensor. Opt-in headers, included by name:
//   hamgen/io/*.hpp, hamgen/data/*.hpp   need libpng, giflib, nlohmann_json (CMake: hamgen::io)
//   hamgen/cuda/*.hpp (.cuh)             need the CUDA toolkit (CMake: hamgen::cuda; .cuh under nvcc)
#pragma once

#include <hamgen/core/device.hpp>
#include <hamgen/core/error.hpp>
#include <hamgen/core/random.hpp>
#include <hamgen/core/tensor.hpp>
#include <hamgen/core/version.hpp>

#include <hamgen/hamiltonian/concepts.hpp>
#include <hamgen/hamiltonian/systems/double_pendulum.hpp>
#include <hamgen/hamiltonian/systems/harmonic_oscillator.hpp>
#include <hamgen/hamiltonian/systems/n_body.hpp>
#include <hamgen/hamiltonian/systems/pendulum.hpp>
#include <hamgen/hamiltonian/systems/three_body.hpp>
#include <hamgen/hamiltonian/systems/two_body.hpp>
#include <hamgen/hamiltonian/systems/uncoupled_oscillators.hpp>

#include <hamgen/integrate/implicit_midpoint.hpp>
#include <hamgen/integrate/integrate.hpp>
#include <hamgen/integrate/rk4.hpp>
#include <hamgen/integrate/splitting.hpp>
#include <hamgen/integrate/tao.hpp>

#include <hamgen/linalg/expm.hpp>
#include <hamgen/linalg/frechet.hpp>
#include <hamgen/linalg/hamiltonian_matrix.hpp>

#include <hamgen/autodiff/conv.hpp>
#include <hamgen/autodiff/functions.hpp>
#include <hamgen/autodiff/grad.hpp>
#include <hamgen/autodiff/gradcheck.hpp>
#include <hamgen/autodiff/tape.hpp>

#include <hamgen/nn/activation.hpp>
#include <hamgen/nn/batch_norm.hpp>
#include <hamgen/nn/conv.hpp>
#include <hamgen/nn/dropout.hpp>
#include <hamgen/nn/init.hpp>
#include <hamgen/nn/linear.hpp>
#include <hamgen/nn/rnn.hpp>
#include <hamgen/nn/sequential.hpp>
#include <hamgen/optim/adam.hpp>
#include <hamgen/optim/clip.hpp>
#include <hamgen/optim/sgd.hpp>

#include <hamgen/hnn/config_map.hpp>
#include <hamgen/hnn/hamiltonian.hpp>
#include <hamgen/hnn/latent_operator.hpp>
#include <hamgen/hnn/mlp.hpp>
#include <hamgen/hnn/rollout.hpp>
#include <hamgen/loss/cyclic.hpp>
#include <hamgen/loss/gan.hpp>
#include <hamgen/loss/vae.hpp>

#include <hamgen/metrics/classifier.hpp>
#include <hamgen/metrics/frechet.hpp>
#include <hamgen/metrics/image.hpp>
#include <hamgen/metrics/inception.hpp>
#include <hamgen/metrics/trajectory.hpp>
