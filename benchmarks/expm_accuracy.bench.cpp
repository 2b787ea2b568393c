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
// The .npy reader here is private to this program (little-endian f4/f8, C order, format 1.0-3.0).
#include <hamgen/linalg/expm.hpp>
#include <hamgen/linalg/frechet.hpp>
#include <hamgen/linalg/hamiltonian_matrix.hpp>

#include <unsupported/Eigen/MatrixFunctions>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct npy_array {
  std::vector<std::size_t> shape;
  std::vector<double> data; // converted to double
  bool ok = false;
};

npy_array read_npy(const std::string& path) {
  npy_array a;
  std::ifstream f(path, std::ios::binary);
  if (!f) return a;
  char magic[6];
  f.read(magic, 6);
  if (!f || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw std::runtime_error(path + ": not a .npy file");
  unsigned char ver[2];
  f.read(reinterpret_cast<char*>(ver), 2);
  std::uint32_t hlen = 0;
  if (ver[0] == 1) {
    unsigned char b[2];
    f.read(reinterpret_cast<char*>(b), 2);
    hlen = b[0] | (b[1] << 8);
  } else {
    unsigned char b[4];
    f.read(reinterpret_cast<char*>(b), 4);
    hlen = b[0] | (b[1] << 8) | (b[2] << 16) | (std::uint32_t(b[3]) << 24);
  }
  std::string header(hlen, '\0');
  f.read(header.data(), hlen);
  if (!f) throw std::runtime_error(path + ": truncated header");
  auto field = [&](const char* key) {
    const auto k = header.find(key);
    if (k == std::string::npos) throw std::runtime_error(path + ": header lacks " + key);
    return header.substr(k + std::strlen(key));
  };
  const std::string descr = field("'descr':");
  const bool f8 = descr.find("<f8") < descr.find(',');
  const bool f4 = descr.find("<f4") < descr.find(',');
  if (!f8 && !f4) throw std::runtime_error(path + ": only little-endian f4/f8 are supported");
  if (field("'fortran_order':").find("False") > 2) throw std::runtime_error(path + ": Fortran order");
  std::string sh = field("'shape':");
  sh = sh.substr(sh.find('(') + 1, sh.find(')') - sh.find('(') - 1);
  std::stringstream ss(sh);
  std::string tok;
  std::size_t count = 1;
  while (std::getline(ss, tok, ','))
    if (tok.find_first_of("0123456789") != std::string::npos) {
      a.shape.push_back(std::stoul(tok));
      count *= a.shape.back();
    }
  a.data.resize(count);
  if (f8) {
    f.read(reinterpret_cast<char*>(a.data.data()), static_cast<std::streamsize>(count * 8));
  } else {
    std::vector<float> tmp(count);
    f.read(reinterpret_cast<char*>(tmp.data()), static_cast<std::streamsize>(count * 4));
    for (std::size_t i = 0; i < count; ++i) a.data[i] = tmp[i];
  }
  if (!f) throw std::runtime_error(path + ": truncated data");
  a.ok = true;
  return a;
}

using rmat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using dmat = Eigen::MatrixXd;
using ldmat = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;

dmat slice(const npy_array& a, std::size_t k, Eigen::Index n) {
  return Eigen::Map<const rmat>(a.data.data() + k * static_cast<std::size_t>(n * n), n, n);
}

ldmat reference(const dmat& h) {
  ldmat a = h.cast<long double>();
  const Eigen::Index n = a.rows();
  long double n1 = 0;
  for (Eigen::Index j = 0; j < n; ++j) n1 = std::max(n1, a.col(j).cwiseAbs().sum());
  int s = 0;
  while (n1 > 0.125L) {
    n1 /= 2;
    ++s;
  }
  a *= std::ldexp(1.0L, -s);
  ldmat x = ldmat::Identity(n, n), term = ldmat::Identity(n, n), tmp;
  for (int k = 1; k < 60; ++k) {
    tmp.noalias() = term * a;
    term = tmp / static_cast<long double>(k);
    x += term;
    if (term.cwiseAbs().maxCoeff() < 1e-25L * x.cwiseAbs().maxCoeff()) break;
  }
  for (int k = 0; k < s; ++k) {
    tmp.noalias() = x * x;
    x.swap(tmp);
  }
  return x;
}

struct stat {
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
double rel_ld(const dmat& x, const ldmat& r) {
  return static_cast<double>((x.cast<long double>() - r).norm() / r.norm());
}

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
      stat s_h, s_p, s_e, s_t, l_h, l_e, l_t, l_hf, l_tf;
      for (std::size_t k = 0; k < batch; ++k) {
        const dmat hk = slice(h, k, n);
        const dmat xh = expm(hk), xp = expm(hk, pade), xe = hk.exp();
        const ldmat ref = reference(hk);
        l_h.add(rel_ld(xh, ref));
        l_e.add(rel_ld(xe, ref));
        const Eigen::MatrixXf hf = hk.cast<float>();
        l_hf.add(rel_ld(dmat(expm(hf).cast<double>()), ref));
        if (sc.ok) {
          const dmat r = slice(sc, k, n);
          s_h.add(rel(xh, r));
          s_p.add(rel(xp, r));
          s_e.add(rel(xe, r));
          if (th.ok) s_t.add(rel(slice(th, k, n), r));
        }
        if (th.ok) l_t.add(rel_ld(slice(th, k, n), ref));
        if (tf.ok) l_tf.add(rel_ld(slice(tf, k, n), ref));
      }
      auto col = [](const stat& s) { return s.n ? s.str() : std::string("-"); };
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
      stat s;
      for (std::size_t k = 0; k < std::min(max_batch, w.shape.at(0)); ++k) {
        const dmat hk = hamgen::linalg::hamiltonian_from_w(slice(w, k, n));
        const auto r = hamgen::linalg::expm_frechet_adjoint(hk, slice(g, k, n));
        s.add(rel(hamgen::linalg::hamiltonian_from_w_backward(r.derivative), slice(gw, k, n)));
      }
      std::printf("d=%-3d norm=%-5s %s\n", d, norm, s.str().c_str());
    }
  return any ? 0 : 1;
}
