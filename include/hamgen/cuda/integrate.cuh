// hamgen/cuda/integrate.cuh
//
// Represents: the CUDA specialisation of the splitting integrators: a batch of independent
//             trajectories of a separable system, one GPU thread per trajectory, stepped with any
//             hamgen::integrate::methods tag (leapfrog_kdk, yoshida4, mclachlan4, ...; tables from
//             hamgen/integrate/tableau.hpp, no Eigen). The state of a thread lives in registers for
//             all steps; global memory is read once and written once.
// Requires:   nvcc (this file holds __global__ code; #error otherwise), link hamgen::cuda. A device
//             system F models cuda::device_separable_system<F, T>:
//               static constexpr int dof;                                 state size per trajectory
//               __host__ __device__ void potential_grad(const T* q, T* out) const;   out = ∇V(q)
//               __host__ __device__ void kinetic_grad(const T* p, T* out) const;     out = ∇T(p)
//             (cuda::pendulum, cuda::harmonic_oscillator, cuda::two_body below are ready-made, with the
//             same parameters as the CPU systems). Layout: q and p are batch × dof, row-major (one
//             trajectory contiguous), exactly like integrate::batch_matrix on the CPU.
// Ensures:    integrate_batch_device<Method>(sys, d_q, d_p, batch, dt, steps, stream) steps device
//             arrays in place, merging the boundary stages of consecutive steps like the CPU's
//             step_n (leapfrog: one ∇V per step); integrate_batch<Method>(sys, q, p, dt, steps) does
//             the same for host arrays (upload, kernel, download). Results equal the CPU's
//             integrate_batch up to floating-point contraction (FMA) differences. Bad input throws
//             shape_error / value_error naming the function and the values; CUDA failures throw
//             cuda_error.
#pragma once

#if !defined(__CUDACC__)
#error "hamgen/cuda/integrate.cuh contains __global__ code: include it only from .cu files compiled by nvcc"
#endif

#include <hamgen/core/error.hpp>
#include <hamgen/cuda/runtime.hpp>
#include <hamgen/integrate/tableau.hpp>

#include <cuda_runtime.h>

#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <utility>

namespace hamgen::cuda {

/// A separable system evaluated per trajectory on the device.
template <class F, class T>
concept device_separable_system = requires(const F& f, const T* x, T* out) {
  { F::dof } -> std::convertible_to<int>;
  f.potential_grad(x, out);
  f.kinetic_grad(x, out);
};

/// H = m g l (1 − cos q) + p²/(2 m l²), one angle per trajectory.
template <class T>
struct pendulum {
  static constexpr int dof = 1;
  T m = 1, g = 1, l = 1;
  __host__ __device__ void potential_grad(const T* q, T* out) const { out[0] = m * g * l * sin(q[0]); }
  __host__ __device__ void kinetic_grad(const T* p, T* out) const { out[0] = p[0] / (m * l * l); }
};

/// H = k q²/2 + p²/(2m), Dof independent components with the same k, m.
template <class T, int Dof = 1>
struct harmonic_oscillator {
  static constexpr int dof = Dof;
  T k = 1, m = 1;
  __host__ __device__ void potential_grad(const T* q, T* out) const {
    for (int i = 0; i < Dof; ++i) out[i] = k * q[i];
  }
  __host__ __device__ void kinetic_grad(const T* p, T* out) const {
    for (int i = 0; i < Dof; ++i) out[i] = p[i] / m;
  }
};

/// Planar two-body gravity, q = (x1, y1, x2, y2): H = Σ|p_i|²/(2 m_i) − g m1 m2 / |q1 − q2|.
template <class T>
struct two_body {
  static constexpr int dof = 4;
  T m1 = 1, m2 = 1, g = 1;
  __host__ __device__ void potential_grad(const T* q, T* out) const {
    const T dx = q[0] - q[2], dy = q[1] - q[3];
    const T r2 = dx * dx + dy * dy;
    const T f = g * m1 * m2 / (r2 * sqrt(r2));
    out[0] = f * dx;
    out[1] = f * dy;
    out[2] = -f * dx;
    out[3] = -f * dy;
  }
  __host__ __device__ void kinetic_grad(const T* p, T* out) const {
    out[0] = p[0] / m1;
    out[1] = p[1] / m1;
    out[2] = p[2] / m2;
    out[3] = p[3] / m2;
  }
};

namespace detail {

template <class T, int Dof>
struct thread_state {
  T q[Dof], p[Dof], f[Dof], v[Dof];
  bool force_valid = false;
};

template <std::size_t I, class Method, class T, int Dof, class F>
__device__ __forceinline__ void stage(const F& sys, thread_state<T, Dof>& s, T cdt) {
  if constexpr (Method::table.stages[I].kind == integrate::stage_kind::kick) {
    if (!s.force_valid) {
      sys.potential_grad(s.q, s.f);
      s.force_valid = true;
    }
#pragma unroll
    for (int j = 0; j < Dof; ++j) s.p[j] -= cdt * s.f[j];
  } else {
    sys.kinetic_grad(s.p, s.v);
#pragma unroll
    for (int j = 0; j < Dof; ++j) s.q[j] += cdt * s.v[j];
    s.force_valid = false;
  }
}

// Stage I with the table's own coefficient.
template <std::size_t I, class Method, class T, int Dof, class F>
__device__ __forceinline__ void stage_dt(const F& sys, thread_state<T, Dof>& s, T dt) {
  constexpr double c = Method::table.stages[I].c;
  stage<I, Method>(sys, s, T(c) * dt);
}

template <class Method, class T, int Dof, class F, std::size_t... I>
__device__ __forceinline__ void inner(const F& sys, thread_state<T, Dof>& s, T dt,
                                      std::index_sequence<I...>) {
  (stage_dt<I + 1, Method>(sys, s, dt), ...);
}

template <class Method, class T, int Dof, class F, std::size_t... I>
__device__ __forceinline__ void full(const F& sys, thread_state<T, Dof>& s, T dt, std::index_sequence<I...>) {
  (stage_dt<I, Method>(sys, s, dt), ...);
}

template <class Method, class T, class F>
__global__ void splitting_batch_kernel(T* __restrict__ q, T* __restrict__ p, int batch, T dt, int steps,
                                       F sys) {
  constexpr int Dof = F::dof;
  constexpr std::size_t N = Method::table.size;
  const int b = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (b >= batch) return;
  thread_state<T, Dof> s;
  const std::size_t base = static_cast<std::size_t>(b) * Dof;
#pragma unroll
  for (int j = 0; j < Dof; ++j) {
    s.q[j] = q[base + j];
    s.p[j] = p[base + j];
  }
  constexpr double c_front = Method::table.stages[0].c, c_back = Method::table.stages[N - 1].c;
  if constexpr (N >= 2 && Method::table.stages[0].kind == Method::table.stages[N - 1].kind) {
    if (steps > 0) {
      stage<0, Method>(sys, s, T(c_front) * dt);
      for (int k = 0; k < steps; ++k) {
        inner<Method>(sys, s, dt, std::make_index_sequence<N - 2>{});
        const double c = k + 1 < steps ? c_back + c_front : c_back; // merged boundary stage
        stage<N - 1, Method>(sys, s, T(c) * dt);
      }
    }
  } else {
    for (int k = 0; k < steps; ++k) full<Method>(sys, s, dt, std::make_index_sequence<N>{});
  }
#pragma unroll
  for (int j = 0; j < Dof; ++j) {
    q[base + j] = s.q[j];
    p[base + j] = s.p[j];
  }
}

inline void check_launch_args(const char* fn, int batch, double dt, int steps) {
  HAMGEN_CHECK(batch >= 0, fn, ": batch = ", batch, " must be non-negative");
  HAMGEN_CHECK(std::isfinite(dt), fn, ": dt is not finite (", dt, ")");
  HAMGEN_CHECK(steps >= 0, fn, ": steps = ", steps, " must be non-negative");
}

} // namespace detail

/// Steps `batch` trajectories held in device memory (row-major batch × F::dof) `steps` times.
template <class Method, class T, class F>
void integrate_batch_device(const F& sys, T* d_q, T* d_p, int batch, double dt, int steps,
                            cudaStream_t stream = nullptr) {
  static_assert(
      device_separable_system<F, T>,
      "hamgen::cuda::integrate_batch_device: the system does not model "
      "hamgen::cuda::device_separable_system<F, T> (dof, potential_grad(q, out), kinetic_grad(p, out))");
  detail::check_launch_args("cuda::integrate_batch_device", batch, dt, steps);
  if (batch == 0) return;
  constexpr int threads = 128;
  const int blocks = (batch + threads - 1) / threads;
  detail::splitting_batch_kernel<Method, T, F>
      <<<blocks, threads, 0, stream>>>(d_q, d_p, batch, T(dt), steps, sys);
  HAMGEN_CUDA_CHECK_LAUNCH();
}

/// Host arrays (row-major batch × F::dof) in, stepped host arrays out.
template <class Method, class T, class F>
void integrate_batch(const F& sys, std::span<T> q, std::span<T> p, double dt, int steps) {
  HAMGEN_CHECK_SHAPE(q.size() == p.size() && q.size() % static_cast<std::size_t>(F::dof) == 0,
                     "cuda::integrate_batch: q has ", q.size(), " and p has ", p.size(),
                     " elements; both must be the same multiple of dof = ", F::dof);
  for (std::size_t i = 0; i < q.size(); ++i)
    HAMGEN_CHECK(std::isfinite(static_cast<double>(q[i])) && std::isfinite(static_cast<double>(p[i])),
                 "cuda::integrate_batch: state element ", i, " is not finite (q = ", q[i], ", p = ", p[i],
                 ")");
  const int batch = static_cast<int>(q.size() / static_cast<std::size_t>(F::dof));
  detail::check_launch_args("cuda::integrate_batch", batch, dt, steps);
  cuda_rt::device_buffer<T> dq(q.size()), dp(p.size());
  dq.upload(std::span<const T>(q.data(), q.size()));
  dp.upload(std::span<const T>(p.data(), p.size()));
  integrate_batch_device<Method>(sys, dq.data(), dp.data(), batch, dt, steps);
  HAMGEN_CUDA_CHECK(cudaDeviceSynchronize());
  dq.download(q);
  dp.download(p);
}

} // namespace hamgen::cuda
