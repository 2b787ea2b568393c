// bench_expm_accuracy: accuracy of hamgen's expm on exactly the peer's matrices.
//
//   /usr/bin/python3 /work/shared/bench/expm_torch.py --dump expm_ref/
//   build/benchmarks/bench_expm_accuracy expm_ref/ [--max-batch N]
//
// For every (d, norm) of the peer's grid it reads expm_d{d}_norm{norm}_{H,torch,torch_f32,scipy}.npy
// (batch 64, C order) and prints, as max / mean over the batch of ||X - R||_F / ||R||_F:
//   against scipy.linalg.expm (the peer's reference) and against a long double reference computed here
//   (Taylor series on 2^-s H with ||2^-s H||_1 <= 1/8, then s squarings, all in long double):
//   hamgen (Taylor, default), hamgen (Padé policy), Eigen .exp(), torch float64; and in float32:
//   hamgen float, torch float32.
// It also reads expm_fwd_bwd_d{d}_norm{norm}_{W,G,gradW}.npy and prints the relative difference between
// hamgen's dL/dW (expm_frechet_adjoint) and torch's. Files that are missing are skipped with a note.
// The .npy files are read with hamgen/io/npy.hpp (float32 arrays converted to double).
#include <hamgen/io/npy.hpp>
#include <hamgen/linalg/expm.hpp>
#include <hamgen/linalg/frechet.hpp>
#include <hamgen/linalg/hamiltonian_matrix.hpp>

#include <unsupported/Eigen/MatrixFunctions>

#include "../tests/linalg/reference.hpp" // the long-double reference exp shared with the tests

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace {

/// A dumped array as doubles (float32 arrays converted); ok = false when the file is absent.
struct npy_array {
  std::vector<std::size_t> shape;
  std::vector<double> data;
  bool ok = false;
};

npy_array read_npy(const std::string& path) {
  namespace io = hamgen::io;
  npy_array a;
  if (!std::filesystem::exists(path)) return a;
  if (io::read_npy_header(path).dtype == io::npy_dtype::f32) {
    const auto f = io::read_npy<float>(path);
    a.shape = f.shape;
    a.data.assign(f.data.begin(), f.data.end());
  } else {
    auto d = io::read_npy<double>(path);
    a.shape = std::move(d.shape);
    a.data = std::move(d.data);
  }
  a.ok = true;
  return a;
}

using rmat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using dmat = Eigen::MatrixXd;
using hamgen_test::ld_matrix;
using hamgen_test::rel_error;

dmat slice(const npy_array& a, std::size_t k, Eigen::Index n) {
  return Eigen::Map<const rmat>(a.data.data() + k * static_cast<std::size_t>(n * n), n, n);
}

struct error_stat {
  double max = 0, sum = 0;
  int n = 0;
  void add(double e) {
    max = std::max(max, e);
    sum += e;
    ++n;
  }
  std::string str() const {
    char b[64];
    std::snprintf(b, sizeof b, "%.2e/%.2e", max, n ? sum / n : 0.0);
    return b;
  }
};

double rel(const dmat& x, const dmat& r) { return (x - r).norm() / r.norm(); }

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DUMP_DIR [--max-batch N]\n  (DUMP_DIR from expm_torch.py --dump DIR)\n",
                 argv[0]);
    return 2;
  }
  const std::string dir = std::string(argv[1]) + "/";
  std::size_t max_batch = 64;
  for (int i = 2; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--max-batch") max_batch = std::stoul(argv[i + 1]);
  using hamgen::linalg::expm;
  const hamgen::linalg::expm_options pade{.method = hamgen::linalg::expm_method::pade};
  std::printf("# relative Frobenius error, max/mean over the batch\n");
  std::printf("%-4s %-5s | %-19s %-19s %-19s %-19s | %-19s %-19s %-19s | %-19s %-19s\n", "d", "norm",
              "hamgen~scipy", "pade~scipy", "eigen~scipy", "torch~scipy", "hamgen~ld", "eigen~ld", "torch~ld",
              "hamgen_f32~ld", "torch_f32~ld");
  bool any = false;
  for (int d : {1, 2, 6, 12, 24, 72})
    for (const char* norm : {"0.05", "1", "10"}) {
      const std::string tag = dir + "expm_d" + std::to_string(d) + "_norm" + norm;
      const npy_array h = read_npy(tag + "_H.npy");
      if (!h.ok) {
        std::printf("%-4d %-5s | (no %s_H.npy)\n", d, norm, tag.c_str());
        continue;
      }
      any = true;
      const npy_array sc = read_npy(tag + "_scipy.npy"), th = read_npy(tag + "_torch.npy"),
                      tf = read_npy(tag + "_torch_f32.npy");
      const Eigen::Index n = 2 * d;
      const std::size_t batch = std::min(max_batch, h.shape.at(0));
      error_stat s_h, s_p, s_e, s_t, l_h, l_e, l_t, l_hf, l_tf;
      for (std::size_t k = 0; k < batch; ++k) {
        const dmat hk = slice(h, k, n);
        const dmat xh = expm(hk), xp = expm(hk, pade), xe = hk.exp();
        const ld_matrix ref = hamgen_test::expm_reference(hk);
        l_h.add(rel_error(xh, ref));
        l_e.add(rel_error(xe, ref));
        const Eigen::MatrixXf hf = hk.cast<float>();
        l_hf.add(rel_error(dmat(expm(hf).cast<double>()), ref));
        if (sc.ok) {
          const dmat r = slice(sc, k, n);
          s_h.add(rel(xh, r));
          s_p.add(rel(xp, r));
          s_e.add(rel(xe, r));
          if (th.ok) s_t.add(rel(slice(th, k, n), r));
        }
        if (th.ok) l_t.add(rel_error(slice(th, k, n), ref));
        if (tf.ok) l_tf.add(rel_error(slice(tf, k, n), ref));
      }
      auto col = [](const error_stat& s) { return s.n ? s.str() : std::string("-"); };
      std::printf("%-4d %-5s | %-19s %-19s %-19s %-19s | %-19s %-19s %-19s | %-19s %-19s\n", d, norm,
                  col(s_h).c_str(), col(s_p).c_str(), col(s_e).c_str(), col(s_t).c_str(), col(l_h).c_str(),
                  col(l_e).c_str(), col(l_t).c_str(), col(l_hf).c_str(), col(l_tf).c_str());
    }
  std::printf(
      "\n# expm_fwd_bwd: ||dL/dW(hamgen) - dL/dW(torch)||_F / ||dL/dW(torch)||_F, max/mean over the batch\n");
  for (int d : {6, 12, 24})
    for (const char* norm : {"0.05", "1", "10"}) {
      const std::string tag = dir + "expm_fwd_bwd_d" + std::to_string(d) + "_norm" + norm;
      const npy_array w = read_npy(tag + "_W.npy"), g = read_npy(tag + "_G.npy"),
                      gw = read_npy(tag + "_gradW.npy");
      if (!w.ok || !g.ok || !gw.ok) {
        std::printf("d=%-3d norm=%-5s (missing files)\n", d, norm);
        continue;
      }
      const Eigen::Index n = 2 * d;
      error_stat s;
      for (std::size_t k = 0; k < std::min(max_batch, w.shape.at(0)); ++k) {
        const dmat hk = hamgen::linalg::hamiltonian_from_w(slice(w, k, n));
        const auto r = hamgen::linalg::expm_frechet_adjoint(hk, slice(g, k, n));
        s.add(rel(hamgen::linalg::hamiltonian_from_w_backward(r.derivative), slice(gw, k, n)));
      }
      std::printf("d=%-3d norm=%-5s %s\n", d, norm, s.str().c_str());
    }
  return any ? 0 : 1;
}
