// hamgen_hnn_demo: the Hamiltonian-neural-network demonstration (Greydanus et al. 2019).
// Learns the pendulum (H = 6(1 − cos q) + p²/2) from 256 (q, p, dq/dt, dp/dt) samples with an HNN and with
// a baseline MLP that predicts the time derivative directly (same widths, steps, learning rate), rolls
// both out with RK4 (dt = 0.1, 1000 steps) from one held-out state, and writes
//   <out>/hnn_demo.png   phase portrait (true / HNN / baseline) and relative energy error over time
//   <out>/hnn_demo.csv   step, t, q/p/energy of the truth, the HNN and the baseline
// Usage: hamgen_hnn_demo [out_dir] (default: current directory).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <hamgen/hnn/fit.hpp>
#include <hamgen/io/plot.hpp>

using namespace hamgen;

int main(int argc, char** argv) {
  // hamgen_hnn_demo [--out] DIR   (DIR defaults to the current folder)
  std::filesystem::path out = ".";
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) != "--out") out = argv[i];
  std::filesystem::create_directories(out);
  auto energy = [](double q, double p) { return 6.0 * (1 - std::cos(q)) + 0.5 * p * p; };
  generator g(2019);
  const std::size_t n_train = 256;
  tensor<double> x(shape{n_train, 2}), xd(shape{n_train, 2});
  for (std::size_t i = 0; i < n_train; ++i) {
    const double r = 1.3 + g.uniform(), a = 2 * M_PI * g.uniform();
    x(i, 0) = r * std::cos(a);
    x(i, 1) = r * std::sin(a);
    xd(i, 0) = x(i, 1);
    xd(i, 1) = -6.0 * std::sin(x(i, 0));
  }
  generator gi(1);
  hnn::mlp_hamiltonian<double> h({.n = 1, .hidden = {32, 32}, .act = hnn::activation::tanh}, gi);
  hnn::mlp<double> base({.in = 2, .hidden = {32, 32}, .out = 2, .act = hnn::activation::tanh}, gi);
  const hnn::fit_options fo{.steps = 1000, .lr = 1e-3};
  const double lh = hnn::fit(h, x, xd, fo), lb = hnn::fit_baseline(base, x, xd, fo);
  std::printf("training MSE: hnn %.3g, baseline %.3g\n", lh, lb);

  const double dt = 0.1;
  const std::size_t steps = 1000;
  tensor<double> x0 = tensor<double>::from({1, 2}, {1.8, 0.0});
  // ground truth: RK4 of the exact field with 10 substeps per step
  auto exact = [](const tensor<double>& z) {
    tensor<double> f(z.shape());
    for (std::size_t b = 0; b < z.dim(0); ++b) {
      f(b, 0) = z(b, 1);
      f(b, 1) = -6.0 * std::sin(z(b, 0));
    }
    return f;
  };
  auto truth_fine = hnn::rk4_rollout<double>(exact, x0, dt / 10, steps * 10);
  auto th =
      hnn::rk4_rollout<double>([&](const tensor<double>& z) { return hnn::field(h, z); }, x0, dt, steps);
  auto tb =
      hnn::rk4_rollout<double>([&](const tensor<double>& z) { return hnn::field(base, z); }, x0, dt, steps);

  const double e0 = energy(1.8, 0.0);
  std::vector<double> t, qt, pt, qh, ph, qb, pb, eh, eb;
  std::ofstream csv(out / "hnn_demo.csv");
  csv << "step,t,q_true,p_true,E_true,q_hnn,p_hnn,E_hnn,q_baseline,p_baseline,E_baseline\n";
  double sum_h = 0, sum_b = 0;
  for (std::size_t k = 0; k <= steps; ++k) {
    const double tk = double(k) * dt;
    const double q1 = truth_fine(10 * k, 0, 0), p1 = truth_fine(10 * k, 0, 1);
    const double q2 = th(k, 0, 0), p2 = th(k, 0, 1), q3 = tb(k, 0, 0), p3 = tb(k, 0, 1);
    csv << k << ',' << tk << ',' << q1 << ',' << p1 << ',' << energy(q1, p1) << ',' << q2 << ',' << p2 << ','
        << energy(q2, p2) << ',' << q3 << ',' << p3 << ',' << energy(q3, p3) << '\n';
    t.push_back(tk);
    qt.push_back(q1);
    pt.push_back(p1);
    qh.push_back(q2);
    ph.push_back(p2);
    qb.push_back(q3);
    pb.push_back(p3);
    eh.push_back(std::max(1e-8, std::abs(energy(q2, p2) - e0) / e0));
    eb.push_back(std::max(1e-8, std::abs(energy(q3, p3) - e0) / e0));
    sum_h += eh.back();
    sum_b += eb.back();
  }
  csv.close();
  std::printf("mean relative energy error over %zu steps: hnn %.3g, baseline %.3g (ratio %.1f)\n", steps,
              sum_h / double(steps + 1), sum_b / double(steps + 1), sum_b / sum_h);

  io::line_plot phase(
      {.title = "pendulum phase portrait", .x_label = "q", .y_label = "p", .width = 700, .height = 600});
  phase.add("true", qt, pt).add("HNN", qh, ph).add("baseline MLP", qb, pb);
  io::line_plot err({.title = "relative energy error",
                     .x_label = "t",
                     .y_label = "|E-E0|/E0",
                     .log_y = true,
                     .width = 700,
                     .height = 600});
  // the same colours as in the phase portrait (true, HNN, baseline = palette 0, 1, 2)
  err.add("HNN", t, eh, &io::plot_palette[1]).add("baseline MLP", t, eb, &io::plot_palette[2]);
  io::write_png(out / "hnn_demo.png", io::render_grid({phase, err}, 2));
  std::printf("wrote %s and %s\n", (out / "hnn_demo.png").c_str(), (out / "hnn_demo.csv").c_str());
  return 0;
}
