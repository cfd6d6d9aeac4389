// Reads PDFs back with independent tools (poppler's pdftoppm, pdftotext and
// pdfinfo; zbarimg for QR codes), for the tests of printed sheets.
#ifndef BATON_TESTS_SUPPORT_PDF_READER_H_
#define BATON_TESTS_SUPPORT_PDF_READER_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "run_tool.h"

namespace testing_util {

class PdfReader {
 public:
  // Tool output and page rasters go into `dir`, which must exist.
  explicit PdfReader(std::string dir) : dir_(std::move(dir)) {}

  // Fails the test when a tool is missing (scripts/setup installs them).
  static void CheckTools() {
    for (const char* tool :
         {"/usr/bin/pdftoppm", "/usr/bin/pdftotext", "/usr/bin/pdfinfo", "/usr/bin/zbarimg"}) {
      ASSERT_EQ(access(tool, X_OK), 0) << tool << " is missing: run scripts/setup";
    }
  }

  static std::string Slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  }

  // Runs a tool, expecting exit 0; its standard output.
  std::string Run(const std::vector<std::string>& args) {
    const std::string out = dir_ + "/tool.out";
    const int rc = testing_util::RunTool(args, out, out + ".err");
    EXPECT_EQ(rc, 0) << args[0] << ": " << Slurp(out + ".err");
    return Slurp(out);
  }

  int Pages(const std::string& pdf) {
    std::smatch m;
    const std::string info = Run({"/usr/bin/pdfinfo", pdf});
    if (!std::regex_search(info, m, std::regex("Pages:\\s+(\\d+)"))) return 0;
    return std::stoi(m[1]);
  }

  std::string Text(const std::string& pdf, int page = 0) {
    std::vector<std::string> args = {"/usr/bin/pdftotext", "-enc", "UTF-8"};
    if (page > 0) {
      for (const char* flag : {"-f", "-l"}) {
        args.push_back(flag);
        args.push_back(std::to_string(page));
      }
    }
    args.push_back(pdf);
    args.push_back("-");
    return Run(args);
  }

  // Every QR code on every page, decoded by zbarimg from a 150 dpi raster.
  std::multiset<std::string> DecodeAll(const std::string& pdf) {
    const std::string prefix = pdf + "-page";
    Run({"/usr/bin/pdftoppm", "-r", "150", "-png", pdf, prefix});
    std::multiset<std::string> found;
    const int pages = Pages(pdf);
    for (int p = 1; p <= pages; ++p) {
      std::string png;
      for (const std::string& candidate :
           {prefix + "-" + std::to_string(p) + ".png", prefix + "-0" + std::to_string(p) + ".png",
            prefix + "-00" + std::to_string(p) + ".png"}) {
        if (access(candidate.c_str(), R_OK) == 0) png = candidate;
      }
      EXPECT_FALSE(png.empty()) << "no raster of page " << p;
      const std::string out = dir_ + "/zbar.out";
      const int rc =
          testing_util::RunTool({"/usr/bin/zbarimg", "--raw", "-q", png}, out, out + ".err");
      // 4: no code on this page (the instructions' pages of a share sheet).
      EXPECT_TRUE(rc == 0 || rc == 4) << Slurp(out + ".err");
      std::istringstream lines(Slurp(out));
      for (std::string line; std::getline(lines, line);) found.insert(line);
    }
    return found;
  }

  // Runs of white space as one space, so wrapped lines read as one.
  static std::string Collapse(const std::string& s) {
    std::string out;
    for (char c : s) {
      const bool space = c == ' ' || c == '\n' || c == '\f';
      if (!space)
        out += c;
      else if (!out.empty() && out.back() != ' ')
        out += ' ';
    }
    return out;
  }

 private:
  std::string dir_;
};

}  // namespace testing_util

#endif  // BATON_TESTS_SUPPORT_PDF_READER_H_
