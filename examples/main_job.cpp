// hamgen main job (README's first command, until the HGAN/HALO pipelines exist): integrates the
// analytic systems with several methods and records the relative energy error |H(t) − H(0)| / |H(0)|.
//   hamgen_main_job --out out     writes out/energy_error.png (one log-scale panel per system) and
//                                  out/energy_error.csv (system,method,dt,t,energy,rel_energy_error),
//                                  and prints a summary table.
// Systems use the DeepMind Hamiltonian Dynamics Suite's constant-physics parameters where the suite
// has them (mass_spring, pendulum, double_pendulum, two_body), see docs/integrators.md.
#include <hamgen/hamiltonian/systems/double_pendulum.hpp>
#include <hamgen/hamiltonian/systems/harmonic_oscillator.hpp>
#include <hamgen/hamiltonian/systems/pendulum.hpp>
#include <hamgen/hamiltonian/systems/three_body.hpp>
#include <hamgen/hamiltonian/systems/two_body.hpp>
#include <hamgen/integrate/implicit_midpoint.hpp>
#include <hamgen/integrate/integrate.hpp>
#include <hamgen/integrate/rk4.hpp>
#include <hamgen/integrate/splitting.hpp>
#include <hamgen/integrate/tao.hpp>
#include <hamgen/io/plot.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace integ = hamgen::integrate;
namespace ham = hamgen::ham;
namespace fs = std::filesystem;

namespace {

struct run_result {
  std::string system, method;
  double dt = 0;
  std::size_t steps = 0;
  std::vector<double> t, energy, rel_err;
  double max_err = 0, final_err = 0, ms = 0;
};

// Integrates n steps, recording every `every`-th state.
template <class St, class H, class S>
run_result run(const std::string& system, const std::string& method, const St& st, const H& h, S q, S p,
               double dt, std::size_t n, std::size_t every) {
  run_result r{system, method, dt, n, {}, {}, {}, 0, 0, 0};
  const double e0 = h.energy(q, p);
  std::size_t k = 0;
  const auto start = std::chrono::steady_clock::now();
  integ::integrate_n_steps(st, h, q, p, 0.0, dt, n, [&](const S& qq, const S& pp, double t) {
    const double e = h.energy(qq, pp);
    const double err = std::abs(e - e0) / std::abs(e0);
    r.max_err = std::max(r.max_err, err);
    if (k++ % every == 0 || k == n + 1) {
      r.t.push_back(t);
      r.energy.push_back(e);
      r.rel_err.push_back(err);
    }
  });
  r.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  r.final_err = r.rel_err.back();
  return r;
}

// The separable methods, all on one system.
template <class H, class S>
void run_separable(std::vector<run_result>& out, const std::string& system, const H& h, const S& q,
                   const S& p, double dt, std::size_t n) {
  const std::size_t every = std::max<std::size_t>(1, n / 400);
  out.push_back(run(system, "leapfrog", integ::leapfrog{}, h, q, p, dt, n, every));
  out.push_back(run(system, "yoshida4", integ::yoshida4{}, h, q, p, dt, n, every));
  out.push_back(run(system, "mclachlan4", integ::mclachlan4{}, h, q, p, dt, n, every));
  out.push_back(run(system, "blanes_moan4", integ::blanes_moan4{}, h, q, p, dt, n, every));
  out.push_back(run(system, "yoshida6", integ::yoshida6{}, h, q, p, dt, n, every));
  out.push_back(run(system, "yoshida8", integ::yoshida8{}, h, q, p, dt, n, every));
  out.push_back(run(system, "implicit_midpoint", integ::implicit_midpoint{}, h, q, p, dt, n, every));
  out.push_back(run(system, "rk4", integ::rk4{}, h, q, p, dt, n, every));
}

void usage() {
  std::puts("usage: hamgen_main_job [--out DIR]\n"
            "  integrates the analytic systems with several methods; writes DIR/energy_error.png and\n"
            "  DIR/energy_error.csv (default DIR: out) and prints a summary table.");
}

} // namespace

int main(int argc, char** argv) {
  fs::path out_dir = "out";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--out") && i + 1 < argc) {
      out_dir = argv[++i];
    } else if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      usage();
      return 0;
    } else {
      std::fprintf(stderr, "hamgen_main_job: unknown argument '%s'\n", argv[i]);
      usage();
      return 2;
    }
  }
  try {
    fs::create_directories(out_dir);
    std::vector<run_result> results;
    const auto wall = std::chrono::steady_clock::now();

    // mass_spring (suite: k = 2, m = 0.5), amplitude 1.
    run_separable(results, "mass_spring", ham::harmonic_oscillator{.k = 2.0, .m = 0.5},
                  Eigen::Vector<double, 1>(1.0), Eigen::Vector<double, 1>(0.0), 0.1, 10000);
    // pendulum (suite: m = 0.5, g = 3, l = 1), large amplitude q0 = 2.
    run_separable(results, "pendulum", ham::pendulum{.m = 0.5, .g = 3.0, .l = 1.0},
                  Eigen::Vector<double, 1>(2.0), Eigen::Vector<double, 1>(0.0), 0.05, 20000);
    // two_body (suite: m1 = m2 = g = 1), eccentric orbit: the suite's circular start with 70% of the speed.
    {
      auto [q, p] = ham::two_body_circular(1.0, 0.0);
      p *= 0.7;
      run_separable(results, "two_body (eccentric)", ham::two_body{}, q, p, 0.02, 20000);
    }
    // three_body: Lagrange's rigidly rotating equilateral triangle (m = g = 1, radius 1).
    {
      const auto [q, p] = ham::three_body_equilateral(1.0);
      run_separable(results, "three_body (Lagrange)", ham::three_body{}, q, p, 0.01, 5000);
    }
    // double_pendulum (suite: m = 0.5, l = 1, g = 3), non-separable: implicit methods, Tao, RK4.
    {
      const ham::double_pendulum h{.m1 = 0.5, .m2 = 0.5, .l1 = 1.0, .l2 = 1.0, .g = 3.0};
      const Eigen::Vector2d q(1.2, -0.6), p(0.0, 0.3);
      const double dt = 0.01;
      const std::size_t n = 10000, every = n / 400;
      results.push_back(
          run("double_pendulum", "implicit_midpoint", integ::implicit_midpoint{}, h, q, p, dt, n, every));
      results.push_back(
          run("double_pendulum", "tao (omega=20)", integ::tao({.omega = 20}), h, q, p, dt, n, every));
      results.push_back(
          run("double_pendulum", "tao4 (omega=20)", integ::tao4({.omega = 20}), h, q, p, dt, n, every));
      results.push_back(run("double_pendulum", "rk4", integ::rk4{}, h, q, p, dt, n, every));
    }

    // CSV (long format).
    {
      const fs::path csv = out_dir / "energy_error.csv", tmp = out_dir / "energy_error.csv.tmp";
      {
        std::ofstream f(tmp);
        f << "system,method,dt,t,energy,rel_energy_error\n";
        f.precision(17);
        for (const auto& r : results)
          for (std::size_t i = 0; i < r.t.size(); ++i)
            f << '"' << r.system << "\"," << r.method << ',' << r.dt << ',' << r.t[i] << ',' << r.energy[i]
              << ',' << r.rel_err[i] << '\n';
        if (!f) throw hamgen::io_error("hamgen_main_job: cannot write " + tmp.string());
      }
      fs::rename(tmp, csv);
    }

    // One log-scale panel per system; errors below 1e-16 (round-off) are drawn at 1e-16.
    std::vector<hamgen::io::line_plot> panels;
    std::string current;
    for (const auto& r : results) {
      if (r.system != current) {
        current = r.system;
        char title[128];
        std::snprintf(title, sizeof title, "%s, dt = %g", r.system.c_str(), r.dt);
        panels.emplace_back(hamgen::io::plot_options{.title = title,
                                                     .x_label = "time",
                                                     .y_label = "relative energy error",
                                                     .log_y = true,
                                                     .width = 1000,
                                                     .height = 600,
                                                     .text_scale = 2,
                                                     .legend_outside = true,
                                                     .y_min = 1e-16});
      }
      std::vector<double> y(r.rel_err.size());
      for (std::size_t i = 0; i < y.size(); ++i) y[i] = std::max(r.rel_err[i], 1e-16);
      panels.back().add(r.method, r.t, y);
    }
    hamgen::io::write_png(out_dir / "energy_error.png", hamgen::io::render_grid(panels, 2));

    // Summary table.
    std::printf("%-22s %-18s %7s %7s %12s %12s %9s\n", "system", "method", "dt", "steps", "max rel dE",
                "final rel dE", "time ms");
    for (const auto& r : results)
      std::printf("%-22s %-18s %7g %7zu %12.3e %12.3e %9.2f\n", r.system.c_str(), r.method.c_str(), r.dt,
                  r.steps, r.max_err, r.final_err, r.ms);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count();
    std::printf("\nwrote %s and %s (%.2f s)\n", (out_dir / "energy_error.png").c_str(),
                (out_dir / "energy_error.csv").c_str(), secs);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hamgen_main_job: %s\n", e.what());
    return 1;
  }
}
