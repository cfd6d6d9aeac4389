#include "runbook.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "cli/console.h"
#include "item_view.h"
#include "runbooks_data.h"

namespace cli {
namespace {

using vault::Fail;
using vault::Result;
using vault::Status;

Result<std::vector<std::string>> RunbookLines(const nlohmann::json& j, const char* key,
                                              const std::string& channel) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array() || it->empty()) {
    return Fail(Status::Internal("runbook " + channel + ": " + key + " is missing or empty"));
  }
  std::vector<std::string> out;
  for (const auto& line : *it) {
    if (!line.is_string() || line.get_ref<const std::string&>().empty()) {
      return Fail(Status::Internal("runbook " + channel + ": " + key +
                                   " has a line that is not "
                                   "a non-empty string"));
    }
    out.push_back(line.get<std::string>());
  }
  return out;
}

Result<std::string> RunbookText(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return Fail(Status::Internal(std::string("a runbook's ") + key + " is missing or empty"));
  }
  return it->get<std::string>();
}

Result<Runbook> ParseOneRunbook(const nlohmann::json& j) {
  if (!j.is_object()) return Fail(Status::Internal("a runbook is not an object"));
  Runbook r;
  for (auto [key, field] :
       {std::pair{"channel", &r.channel}, std::pair{"title", &r.title},
        std::pair{"checked", &r.checked}, std::pair{"checked_against", &r.checked_against}}) {
    auto text = RunbookText(j, key);
    if (!text) return Fail(text.error());
    *field = std::move(*text);
  }
  for (auto [key, field] :
       {std::pair{"password", &r.password}, std::pair{"sessions", &r.sessions},
        std::pair{"backup_codes", &r.backup_codes}, std::pair{"second_admin", &r.second_admin},
        std::pair{"sources", &r.sources}}) {
    auto lines = RunbookLines(j, key, r.channel);
    if (!lines) return Fail(lines.error());
    *field = std::move(*lines);
  }
  return r;
}

// `text` word-wrapped to `width` columns, the first line after `first`, the
// others after as many spaces as `first` is wide.
void WriteWrapped(std::ostream& out, const std::string& first, const std::string& text,
                  size_t width) {
  const size_t indent = DisplayWidth(first);
  const std::string pad(indent, ' ');
  out << first;
  size_t col = indent;
  bool line_empty = true;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(pos, end - pos);
    pos = end + 1;
    if (word.empty()) continue;
    const size_t w = DisplayWidth(word);
    if (!line_empty && col + 1 + w > width) {
      out << "\n" << pad;
      col = indent;
      line_empty = true;
    }
    if (!line_empty) {
      out << ' ';
      ++col;
    }
    out << word;
    col += w;
    line_empty = false;
  }
  out << "\n";
}

void WriteSection(std::ostream& out, const char* heading, const std::vector<std::string>& steps,
                  size_t width) {
  out << heading << ":\n";
  for (size_t i = 0; i < steps.size(); ++i) {
    WriteWrapped(out, "  " + std::to_string(i + 1) + ". ", Printable(steps[i]), width);
  }
}

}  // namespace

Result<std::vector<Runbook>> ParseRunbooks(std::string_view text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("runbooks") || !j["runbooks"].is_array()) {
    return Fail(Status::Internal("the runbook data is not a JSON object with a runbooks array"));
  }
  std::vector<Runbook> out;
  for (const auto& one : j["runbooks"]) {
    auto r = ParseOneRunbook(one);
    if (!r) return Fail(r.error());
    out.push_back(std::move(*r));
  }
  return out;
}

Result<std::vector<Runbook>> LoadRunbooks() { return ParseRunbooks(kRunbooksJson); }

Result<Runbook> FindRunbook(std::string_view channel) {
  auto all = LoadRunbooks();
  if (!all) return Fail(all.error());
  std::string known;
  for (auto& r : *all) {
    if (r.channel == channel) return std::move(r);
    known += (known.empty() ? "" : ", ") + r.channel;
  }
  return Fail(Status::InvalidArgument("no runbook for channel \"" + Printable(channel) +
                                      "\"; there are runbooks for: " + known));
}

void PrintRunbook(std::ostream& out, const Runbook& r, size_t width) {
  WriteWrapped(out, "", Printable(r.title) + " [" + Printable(r.channel) + "]", width);
  WriteWrapped(out, "Checked " + Printable(r.checked) + ": ", Printable(r.checked_against), width);
  out << "\n";
  WriteSection(out, "Change the password", r.password, width);
  WriteSection(out, "See and end other sessions", r.sessions, width);
  WriteSection(out, "Renew the 2FA backup codes", r.backup_codes, width);
  WriteSection(out, "Give a second person admin rights", r.second_admin, width);
  out << "Sources:\n";
  for (const auto& s : r.sources) out << "  " << Printable(s) << "\n";
}

void PrintRotationSteps(std::ostream& out, const Runbook& r, std::string_view profile,
                        size_t width) {
  WriteWrapped(out, "",
               "How to do it on " + Printable(r.title) + " (from the runbook checked " +
                   Printable(r.checked) + "; menus change, so verify):",
               width);
  WriteSection(out, "Change the password", r.password, width);
  WriteSection(out, "Then end the other sessions", r.sessions, width);
  // Not wrapped: a command split over two lines no longer pastes.
  out << "Backup codes, a second admin and the sources: `"
      << BatonCommand(profile, {"runbook", r.channel}) << "`.\n";
}

}  // namespace cli
