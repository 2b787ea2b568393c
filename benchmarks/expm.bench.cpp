// bench_expm: the matrix exponential of batches of Hamiltonian matrices, hamgen vs Eigen's
// unsupported MatrixFunctions .exp() in the same binary, named like the PyTorch peer
// (/work/shared/bench/expm_torch.py) so benchmarks/compare.py can join them:
//   expm|impl=hamgen|dtype=float64|d=12|batch=64|norm=1
//   expm_fwd_bwd|impl=hamgen|dtype=float64|d=12|batch=64|norm=1
// Inputs follow the peer's recipe (H = J sym(W), W ~ N(0,1), ||H||_1 = norm, M rounded to float32),
// drawn with a C++ generator (the matrices are statistically, not bitwise, the peer's; for identical
// matrices see bench_expm_accuracy). One timed call = the whole batch.
#include <hamgen/linalg/expm.hpp>
#include <hamgen/linalg/frechet.hpp>
#include <hamgen/linalg/hamiltonian_matrix.hpp>

#include <benchmark/benchmark.h>
#include <unsupported/Eigen/MatrixFunctions>

#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

using hamgen::linalg::dyn_matrix;

std::string fmt_norm(double v) {
  std::ostringstream os;
  os << v; // 0.05, 1, 10 like the peer's JSON after parse
  return os.str();
}

// batch of (2d x 2d) Hamiltonian matrices, column-major blocks, float32-exact, ||H||_1 == norm
std::vector<double> make_batch(int d, int batch, double norm, unsigned seed_extra = 0) {
  std::mt19937_64 rng(2024u * 1000003u + static_cast<unsigned>(d) * 7919u +
                      static_cast<unsigned>(batch) * 31u + static_cast<unsigned>(norm * 1000) + seed_extra);
  std::normal_distribution<double> nd;
  const int n = 2 * d;
  std::vector<double> out(static_cast<std::size_t>(batch) * n * n);
  for (int k = 0; k < batch; ++k) {
    dyn_matrix<double> w(n, n);
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) w(i, j) = nd(rng);
    dyn_matrix<double> h = hamgen::linalg::hamiltonian_from_w(w);
    const double n1 = h.cwiseAbs().colwise().sum().maxCoeff();
    dyn_matrix<double> m = hamgen::linalg::energy_matrix(h) * (norm / n1);
    m = m.cast<float>().cast<double>();
    h = hamgen::linalg::symplectic_j<double>(d) * m;
    Eigen::Map<dyn_matrix<double>>(out.data() + static_cast<std::size_t>(k) * n * n, n, n) = h;
  }
  return out;
}

template <class T>
void bench_expm(benchmark::State& st, bool eigen, int d, int batch, double norm) {
  const int n = 2 * d;
  const std::vector<double> hd = make_batch(d, batch, norm);
  const std::vector<T> in(hd.begin(), hd.end());
  std::vector<T> out(in.size());
  using M = dyn_matrix<T>;
  for (auto _ : st) {
    if (eigen) {
      for (int k = 0; k < batch; ++k) {
        const std::size_t off = static_cast<std::size_t>(k) * n * n;
        Eigen::Map<M>(out.data() + off, n, n) = Eigen::Map<const M>(in.data() + off, n, n).exp();
      }
    } else {
      hamgen::linalg::expm_batch(in.data(), out.data(), static_cast<std::size_t>(batch), n);
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  st.counters["per_matrix_us"] =
      benchmark::Counter(static_cast<double>(batch) * 1e-6,
                         benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// forward + backward of L = sum(expm(J sym(W)) * G) with respect to W (float64, batch 64)
void bench_fwd_bwd(benchmark::State& st, bool eigen, int d, int batch, double norm) {
  const int n = 2 * d;
  using M = dyn_matrix<double>;
  std::mt19937_64 rng(2025u + static_cast<unsigned>(d) * 7919u + static_cast<unsigned>(norm * 1000));
  std::normal_distribution<double> nd;
  std::vector<M> ws, gs;
  for (int k = 0; k < batch; ++k) {
    M w(n, n), g(n, n);
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) {
        w(i, j) = nd(rng);
        g(i, j) = nd(rng);
      }
    const M h = hamgen::linalg::hamiltonian_from_w(w);
    w *= norm / h.cwiseAbs().colwise().sum().maxCoeff();
    g *= norm / g.cwiseAbs().colwise().sum().maxCoeff();
    ws.push_back(w);
    gs.push_back(g);
  }
  std::vector<M> grads(static_cast<std::size_t>(batch));
  double loss = 0;
  for (auto _ : st) {
    loss = 0;
    for (int k = 0; k < batch; ++k) {
      const M h = hamgen::linalg::hamiltonian_from_w(ws[static_cast<std::size_t>(k)]);
      const M& g = gs[static_cast<std::size_t>(k)];
      if (eigen) {
        const M e = h.exp();
        loss += (e.cwiseProduct(g)).sum();
        M big = M::Zero(2 * n, 2 * n); // torch's rule: exp([[Hᵀ, G], [0, Hᵀ]]), top-right block
        big.topLeftCorner(n, n) = h.transpose();
        big.bottomRightCorner(n, n) = h.transpose();
        big.topRightCorner(n, n) = g;
        const M eb = big.exp();
        grads[static_cast<std::size_t>(k)] =
            hamgen::linalg::hamiltonian_from_w_backward(eb.topRightCorner(n, n));
      } else {
        const auto r = hamgen::linalg::expm_frechet_adjoint(h, g);
        loss += (r.exp.cwiseProduct(g)).sum();
        grads[static_cast<std::size_t>(k)] = hamgen::linalg::hamiltonian_from_w_backward(r.derivative);
      }
    }
    benchmark::DoNotOptimize(loss);
    benchmark::DoNotOptimize(grads.data());
  }
}

} // namespace

int main(int argc, char** argv) {
  for (const char* dtype : {"float32", "float64"})
    for (int d : {1, 2, 6, 12, 24, 72})
      for (int batch : {1, 64, 1024}) {
        if (d == 72 && batch == 1024) continue;
        for (double norm : {0.05, 1.0, 10.0})
          for (const char* impl : {"hamgen", "eigen"}) {
            const std::string name = std::string("expm|impl=") + impl + "|dtype=" + dtype +
                                     "|d=" + std::to_string(d) + "|batch=" + std::to_string(batch) +
                                     "|norm=" + fmt_norm(norm);
            const bool eig = std::string(impl) == "eigen";
            auto* b =
                std::string(dtype) == "float32"
                    ? benchmark::RegisterBenchmark(name.c_str(), bench_expm<float>, eig, d, batch, norm)
                    : benchmark::RegisterBenchmark(name.c_str(), bench_expm<double>, eig, d, batch, norm);
            b->UseRealTime()->Unit(benchmark::kMicrosecond);
          }
      }
  for (int d : {6, 12, 24})
    for (double norm : {0.05, 1.0, 10.0})
      for (const char* impl : {"hamgen", "eigen"}) {
        const std::string name = std::string("expm_fwd_bwd|impl=") + impl +
                                 "|dtype=float64|d=" + std::to_string(d) + "|batch=64|norm=" + fmt_norm(norm);
        benchmark::RegisterBenchmark(name.c_str(), bench_fwd_bwd, std::string(impl) == "eigen", d, 64, norm)
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
      }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
