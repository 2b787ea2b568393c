// hamgen_data: generate, inspect and preview hamgen's datasets.
//
//   hamgen_data list
//   hamgen_data generate pendulum --out data/pendulum -n 5000 --frames 100 --size 32 --seed 1
//   hamgen_data info data/pendulum
//   hamgen_data preview data/pendulum --out pendulum_preview --samples 6 --frames 12
//
// Errors (unknown dataset, impossible sizes, missing or corrupt arrays/manifest) print one line naming
// the file and the problem and exit with status 1 (bad command-line syntax: CLI11's non-zero code).
#include <hamgen/data/catalog.hpp>
#include <hamgen/data/dataset.hpp>
#include <hamgen/data/reader.hpp>
#include <hamgen/io/gif.hpp>
#include <hamgen/io/png.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>

namespace {

using namespace hamgen;

std::string seconds(double s) {
  char buf[64];
  if (s < 90)
    std::snprintf(buf, sizeof buf, "%.1f s", s);
  else if (s < 5400)
    std::snprintf(buf, sizeof buf, "%.1f min", s / 60);
  else
    std::snprintf(buf, sizeof buf, "%.1f h", s / 3600);
  return buf;
}

int run_generate(const std::string& name, const std::string& out, std::size_t count, std::size_t frames,
                 int size, double dt, std::uint64_t seed, unsigned threads, bool grayscale, double friction,
                 bool overwrite, bool quiet) {
  const auto gen = data::make_generator(
      name, {.frames = frames, .resolution = size, .dt = dt, .grayscale = grayscale, .friction = friction});
  const auto& l = gen->layout();
  check<io_error>(overwrite || !std::filesystem::exists(out), "generate: '", out,
                  "' already exists (use --overwrite to replace it)");
  const unsigned nthreads = threads ? threads : std::max(1u, std::thread::hardware_concurrency());
  if (!quiet)
    std::cerr << "hamgen_data: generating " << count << " × " << l.frames << " frames of " << l.dataset
              << " (" << l.height << "×" << l.width << "×" << l.channels << ") into '" << out << "' with "
              << nthreads << " thread(s)\n";
  data::generate_options opt{.count = count, .seed = seed, .threads = nthreads, .overwrite = overwrite};
  if (!quiet)
    opt.on_progress = [](const data::progress& p) {
      std::fprintf(stderr, "\r  %zu/%zu trajectories  %.1f/s  elapsed %s  ETA %s   ", p.done, p.total,
                   p.rate(), seconds(p.seconds).c_str(), seconds(p.eta()).c_str());
      if (p.done == p.total) std::fprintf(stderr, "\n");
      std::fflush(stderr);
    };
  data::generate_dataset(*gen, out, opt);
  if (!quiet) std::cerr << "hamgen_data: wrote '" << out << "'\n";
  return 0;
}

int run_info(const std::string& dir) {
  data::dataset_reader r(dir);
  const auto& m = r.manifest();
  std::cout << "dataset   " << m["dataset"].get<std::string>() << " (system "
            << m["system"].get<std::string>() << ", variant " << m["variant"].get<std::string>() << ")\n"
            << "count     " << r.size() << " trajectories × " << r.frames() << " frames, dt " << m["dt"]
            << "\n"
            << "images    " << r.height() << "×" << r.width() << "×" << r.channels() << " uint8\n"
            << "state     " << r.state_dim() << " (x = [q, p], dx_dt)\n"
            << "seed      " << m["seed"] << "\n"
            << "generator " << m["generator_version"].get<std::string>() << "\n";
  if (!r.param_names().empty()) {
    std::cout << "params   ";
    for (const auto& p : r.param_names()) std::cout << " " << p;
    std::cout << "\n";
  }
  if (!r.label_names().empty()) {
    std::cout << "labels   ";
    for (const auto& p : r.label_names()) std::cout << " " << p;
    std::cout << "\n";
  }
  return 0;
}

int run_preview(const std::string& dir, const std::string& out, std::size_t samples, std::size_t frames,
                int scale, bool raw) {
  data::dataset_reader r(dir);
  check<value_error>(samples >= 1 && frames >= 1 && scale >= 1 && scale <= 16,
                     "preview: samples, frames and scale must be positive (scale ≤ 16)");
  samples = std::min(samples, r.size());
  frames = std::min(frames, r.frames());
  const int H = static_cast<int>(r.height()), W = static_cast<int>(r.width()),
            C = static_cast<int>(r.channels());
  // toy-physics arrays are stored with y increasing down the rows (the suite's raw layout): flip for display
  const bool flip = !raw && r.manifest()["settings"].contains("orientation");
  const int pad = 2;
  auto put = [&](io::image8& img, int ox, int oy, std::span<const std::uint8_t> src, std::size_t f) {
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x) {
        const int sy = flip ? H - 1 - y : y;
        const std::uint8_t* p =
            src.data() +
            ((f * static_cast<std::size_t>(H) + static_cast<std::size_t>(sy)) * static_cast<std::size_t>(W) +
             static_cast<std::size_t>(x)) *
                static_cast<std::size_t>(C);
        for (int s = 0; s < scale * scale; ++s) {
          std::uint8_t* q = img.at(ox + x * scale + s % scale, oy + y * scale + s / scale);
          for (int k = 0; k < 3; ++k) q[k] = p[C == 1 ? 0 : k];
        }
      }
  };
  const int cw = W * scale + pad, ch = H * scale + pad;
  // contact sheet: one row per sample, one column per frame
  io::image8 sheet(static_cast<int>(frames) * cw + pad, static_cast<int>(samples) * ch + pad, 3, 255);
  for (std::size_t s = 0; s < samples; ++s)
    for (std::size_t f = 0; f < frames; ++f)
      put(sheet, pad + static_cast<int>(f) * cw, pad + static_cast<int>(s) * ch, r.raw_images(s), f);
  io::write_png(out + ".png", sheet);
  // animation: the samples side by side, every stored frame
  std::vector<io::image8> anim;
  for (std::size_t f = 0; f < r.frames(); ++f) {
    io::image8 img(static_cast<int>(samples) * cw + pad, ch + pad, 3, 255);
    for (std::size_t s = 0; s < samples; ++s)
      put(img, pad + static_cast<int>(s) * cw, pad, r.raw_images(s), f);
    anim.push_back(std::move(img));
  }
  io::write_gif(out + ".gif", anim, {.delay_cs = 8, .scale = 1});
  std::cerr << "hamgen_data: wrote '" << out << ".png' (" << samples << " samples × " << frames
            << " frames) and '" << out << ".gif' (" << r.frames() << " frames)\n";
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"hamgen_data: generate, inspect and preview hamgen's video datasets (toy physics of the "
               "DeepMind Hamiltonian Dynamics Suite, HALO's rotating balls, rotating glyphs, sprites)"};
  app.require_subcommand(1);

  auto* list = app.add_subcommand("list", "List the datasets that can be generated");

  auto* gen = app.add_subcommand("generate", "Generate a dataset directory (.npy arrays + manifest.json)");
  std::string name, out;
  std::size_t count = 1000, frames = 0;
  int size = 0;
  double dt = 0.05, friction = 0.05;
  std::uint64_t seed = 0;
  unsigned threads = 0;
  bool grayscale = false, overwrite = false, quiet = false;
  gen->add_option("dataset", name, "Dataset name (see 'list'), e.g. pendulum, two_body_colors, sprites")
      ->required();
  gen->add_option("-o,--out", out, "Output directory (written atomically)")->required();
  gen->add_option("-n,--count", count, "Number of trajectories")->capture_default_str();
  gen->add_option("-T,--frames", frames, "Frames per trajectory (0: dataset default)")->capture_default_str();
  gen->add_option("-s,--size", size, "Image size in pixels: 32, 64, 96, ... (0: dataset default)")
      ->capture_default_str();
  gen->add_option("--dt", dt, "Time between frames (toy physics)")->capture_default_str();
  gen->add_option("--seed", seed, "Dataset seed")->capture_default_str();
  gen->add_option("-j,--threads", threads, "Threads (0: all cores)")->capture_default_str();
  gen->add_flag("--grayscale", grayscale, "One channel (max over RGB) instead of RGB");
  gen->add_option("--friction", friction, "Friction coefficient of *_friction datasets")
      ->capture_default_str();
  gen->add_flag("--overwrite", overwrite, "Replace an existing output directory");
  gen->add_flag("-q,--quiet", quiet, "No progress line");

  auto* info = app.add_subcommand("info", "Validate a dataset directory and print its manifest");
  std::string info_dir;
  info->add_option("dir", info_dir, "Dataset directory")->required();

  auto* prev =
      app.add_subcommand("preview", "Write a contact-sheet PNG and an animated GIF of a few samples");
  std::string prev_dir, prev_out = "preview";
  std::size_t prev_samples = 6, prev_frames = 12;
  int prev_scale = 3;
  bool raw = false;
  prev->add_option("dir", prev_dir, "Dataset directory")->required();
  prev->add_option("-o,--out", prev_out, "Output prefix (writes <prefix>.png and <prefix>.gif)")
      ->capture_default_str();
  prev->add_option("--samples", prev_samples, "Trajectories shown")->capture_default_str();
  prev->add_option("--frames", prev_frames, "Frames per row of the contact sheet")->capture_default_str();
  prev->add_option("--scale", prev_scale, "Pixel enlargement")->capture_default_str();
  prev->add_flag("--raw", raw, "Keep the stored row order (toy physics is shown physics-up by default)");

  CLI11_PARSE(app, argc, argv);
  try {
    if (list->parsed()) {
      for (const auto& n : data::dataset_names()) std::cout << n << "\n";
      return 0;
    }
    if (gen->parsed())
      return run_generate(name, out, count, frames, size, dt, seed, threads, grayscale, friction, overwrite,
                          quiet);
    if (info->parsed()) return run_info(info_dir);
    if (prev->parsed()) return run_preview(prev_dir, prev_out, prev_samples, prev_frames, prev_scale, raw);
  } catch (const hamgen::error& e) {
    std::cerr << "hamgen_data: error: " << e.message() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "hamgen_data: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
